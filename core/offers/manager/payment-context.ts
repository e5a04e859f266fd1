/**
 * The context of a BOLT 12 payment, carried in the `path_id` of the blinded payment path of the
 * invoice we issue, authenticated with a key only we hold — so a payment can be checked and
 * claimed from the path alone, and an unpaid invoice need not be stored (issue 15).
 *
 * BOLT 4 Route Blinding, writer: "MAY store private data in encrypted_data_tlv[r].path_id to
 * verify that the route is used in the right context and was created by them"; rationale: "to
 * avoid additional storage cost, it can put some private context information in the path_id
 * field ... Note that it's important to use private information in that case, that senders cannot
 * have access to." Anyone can build a blinded path to our node id with any `path_id` (the data is
 * only encrypted to us), so the context carries a MAC under a key derived from the offers seed.
 *
 * Layout (77 bytes):
 *   version (1, = 1) ‖ nonce (16) ‖ offer_id (32, zeros when none) ‖ amount_msat (u64) ‖
 *   expires_at (u32, unix seconds) ‖ tag (16)
 * body = everything before the tag; tag = HMAC-SHA256(context key, body)[0..16];
 * preimage = HMAC-SHA256(preimage base, body) — so the payment hash commits to the constraints, and
 * the invoice record's `preimageNonce` is the body (OffersManager.preimageFor still works).
 */
import { equalBytes, fromHex, toHex } from '../../crypto';
import { ByteReader, ByteWriter } from '../../wire';
import { OffersError } from './errors';

export const PAYMENT_CONTEXT_VERSION = 1;
export const PAYMENT_CONTEXT_NONCE_LENGTH = 16;
export const PAYMENT_CONTEXT_TAG_LENGTH = 16;
const BODY_LENGTH = 1 + PAYMENT_CONTEXT_NONCE_LENGTH + 32 + 8 + 4;
export const PAYMENT_CONTEXT_LENGTH = BODY_LENGTH + PAYMENT_CONTEXT_TAG_LENGTH;

/** What our invoice promised, as its payment path carries it. */
export interface Bolt12PaymentContext {
  /** 16 random bytes: makes every invoice's preimage unique. Secret (with the node seed it gives the preimage). */
  readonly nonce: Uint8Array;
  /** The offer the invoice answers (hex Merkle root), or null (a refund). */
  readonly offerId: string | null;
  /** `invoice_amount`: the least the payment must bring. */
  readonly amountMsat: bigint;
  /** `invoice_created_at` + relative expiry, unix seconds: no payment is accepted after it. */
  readonly expiresAt: number;
}

/** The bytes the tag and the preimage are computed over. */
export function encodePaymentContextBody(c: Bolt12PaymentContext): Uint8Array {
  if (c.nonce.length !== PAYMENT_CONTEXT_NONCE_LENGTH) throw new OffersError('offers.bad_argument', `the payment context nonce must be ${PAYMENT_CONTEXT_NONCE_LENGTH} bytes`);
  if (c.amountMsat < 0n || c.amountMsat >= 1n << 64n) throw new OffersError('offers.bad_argument', 'the payment context amount must be a u64');
  if (!Number.isInteger(c.expiresAt) || c.expiresAt < 0 || c.expiresAt > 0xffff_ffff) throw new OffersError('offers.bad_argument', 'the payment context expiry must be a u32');
  const offer = c.offerId === null ? new Uint8Array(32) : fromHex(c.offerId, 'offer id');
  if (offer.length !== 32) throw new OffersError('offers.bad_argument', 'the offer id must be 32 bytes');
  return new ByteWriter(BODY_LENGTH)
    .writeU8(PAYMENT_CONTEXT_VERSION)
    .writeBytes(c.nonce)
    .writeBytes(offer)
    .writeU64(c.amountMsat, 'amount_msat')
    .writeU32(c.expiresAt, 'expires_at')
    .finish();
}

/** Splits a `path_id` into body, context and tag; undefined when it is not one of ours in shape. */
export function parsePaymentContext(pathId: Uint8Array): { body: Uint8Array; tag: Uint8Array; context: Bolt12PaymentContext } | undefined {
  if (!(pathId instanceof Uint8Array) || pathId.length !== PAYMENT_CONTEXT_LENGTH || pathId[0] !== PAYMENT_CONTEXT_VERSION) return undefined;
  const r = new ByteReader(pathId);
  r.readU8('version');
  const nonce = r.readBytes(PAYMENT_CONTEXT_NONCE_LENGTH, 'nonce').slice();
  const offer = r.readBytes(32, 'offer_id');
  const amountMsat = r.readU64('amount_msat');
  const expiresAt = r.readU32('expires_at');
  const tag = r.readBytes(PAYMENT_CONTEXT_TAG_LENGTH, 'tag').slice();
  const offerId = offer.every((b) => b === 0) ? null : toHex(offer);
  return { body: pathId.slice(0, BODY_LENGTH), tag, context: { nonce, offerId, amountMsat, expiresAt } };
}

/** Constant-time comparison of a tag with the expected one. */
export function tagMatches(expected: Uint8Array, tag: Uint8Array): boolean {
  return tag.length === PAYMENT_CONTEXT_TAG_LENGTH && equalBytes(expected.subarray(0, PAYMENT_CONTEXT_TAG_LENGTH), tag);
}
