/**
 * The secrets of the offers flow, all derived — none is stored:
 *
 * - payer keys: BOLT 12 rationale for `invreq_metadata`: "a valid system might be for a node to
 *   maintain a base payer key and encode a 128-bit tweak here". Our `invreq_metadata` is 32
 *   random bytes and the payer secret is HMAC-SHA256(payer base, metadata), so the key of any
 *   request or refund we made can be rebuilt from the node seed and the request itself;
 * - payment preimages: HMAC-SHA256(preimage base, nonce) for a 32-byte nonce kept with the
 *   invoice (and carried as the `path_id` of its blinded payment path), so the database never
 *   holds a preimage;
 * - the key of an `invoice_node_id` that is the final `blinded_node_id` of one of our offer paths
 *   (BOLT 4: b_i = HMAC256("blinded_node_id", ss_i) · k_i, from the path key of that hop);
 * - the tag of a BOLT 12 payment context carried in a payment path's `path_id`
 *   (payment-context.ts): HMAC-SHA256(context key, body), so a payment is checked from its path alone.
 *
 * The bases come from a seed the node derives for offers (core/store identity `derive`).
 * Everything here is secret: callers zero what they get once used.
 */
import { concatBytes, hmacSha256, isValidPrivateKey, publicKeyFromPrivate, sha256, utf8, zeroize } from '../../crypto';
import { deriveBlindedPrivateKey } from '../../onion';
import type { Bolt12PaymentContext } from './payment-context';
import { encodePaymentContextBody, parsePaymentContext, tagMatches } from './payment-context';

export class OffersKeys {
  /** Our node id (public). */
  readonly nodeId: Uint8Array;
  readonly #nodeKey: Uint8Array;
  readonly #payerBase: Uint8Array;
  readonly #preimageBase: Uint8Array;
  readonly #contextKey: Uint8Array;

  /** `nodeKey` and `offersSeed` are copied; `destroy()` zeroes the copies. */
  constructor(nodeKey: Uint8Array, offersSeed: Uint8Array) {
    this.#nodeKey = nodeKey.slice();
    this.nodeId = publicKeyFromPrivate(this.#nodeKey);
    this.#payerBase = hmacSha256(offersSeed, utf8.encode('glasswing/offers/payer-key'));
    this.#preimageBase = hmacSha256(offersSeed, utf8.encode('glasswing/offers/preimage'));
    this.#contextKey = hmacSha256(offersSeed, utf8.encode('glasswing/offers/payment-context'));
  }

  /** The payer secret for `invreq_metadata` (a valid scalar: retried with a counter byte). Secret. */
  payerSecret(metadata: Uint8Array): Uint8Array {
    for (let i = 0; ; i++) {
      const k = hmacSha256(this.#payerBase, i === 0 ? metadata : concatBytes(metadata, new Uint8Array([i & 0xff])));
      if (isValidPrivateKey(k)) return k;
      zeroize(k);
    }
  }

  /** invreq_payer_id for `invreq_metadata`. */
  payerId(metadata: Uint8Array): Uint8Array {
    const k = this.payerSecret(metadata);
    try {
      return publicKeyFromPrivate(k);
    } finally {
      zeroize(k);
    }
  }

  /** The payment preimage for a nonce. Secret. */
  preimage(nonce: Uint8Array): Uint8Array {
    return hmacSha256(this.#preimageBase, nonce);
  }

  /** BOLT 12 `invoice_payment_hash`: SHA256 of the preimage. */
  paymentHash(nonce: Uint8Array): Uint8Array {
    const p = this.preimage(nonce);
    try {
      return sha256(p);
    } finally {
      zeroize(p);
    }
  }

  /**
   * The `path_id` of a payment path for `context`, and the body its preimage derives from (the
   * invoice record's `preimageNonce`). The path_id is secret until the invoice is paid.
   */
  paymentPathId(context: Bolt12PaymentContext): { pathId: Uint8Array; body: Uint8Array } {
    const body = encodePaymentContextBody(context);
    const tag = hmacSha256(this.#contextKey, body);
    try {
      return { pathId: concatBytes(body, tag.subarray(0, 16)), body };
    } finally {
      zeroize(tag);
    }
  }

  /**
   * Reads a `path_id` that reached us with a payment: the context and the preimage when the tag is
   * ours (checked in constant time), else undefined. Secret (the preimage): the caller zeroes it.
   */
  openPaymentPathId(pathId: Uint8Array): { context: Bolt12PaymentContext; body: Uint8Array; preimage: Uint8Array } | undefined {
    const parsed = parsePaymentContext(pathId);
    if (!parsed) return undefined;
    const expected = hmacSha256(this.#contextKey, parsed.body);
    const ok = tagMatches(expected, parsed.tag);
    zeroize(expected);
    if (!ok) return undefined;
    return { context: parsed.context, body: parsed.body, preimage: this.preimage(parsed.body) };
  }

  /** Signs with the node key (the callback must not keep the key). */
  withNodeKey<T>(fn: (key: Uint8Array) => T): T {
    return fn(this.#nodeKey);
  }

  /** The secret of the blinded node id of our hop reached with `pathKey` (E_i). Secret. */
  blindedSecret(pathKey: Uint8Array): Uint8Array {
    return deriveBlindedPrivateKey(this.#nodeKey, pathKey);
  }

  destroy(): void {
    zeroize(this.#nodeKey, this.#payerBase, this.#preimageBase, this.#contextKey);
  }
}
