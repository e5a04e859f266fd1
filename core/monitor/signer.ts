/**
 * The keys on-chain enforcement signs with. The channel's ChannelSigner covers what the state
 * machine needs (funding and HTLC signatures, our per-commitment points); resolving a closed
 * channel also spends with the delayed payment key (our `to_local` and second-stage outputs), the
 * payment basepoint (`to_remote` on the peer's commitment, option_static_remotekey) and the
 * revocation key (justice). Secrets stay inside the signer: the monitor hands it digests.
 */
import {
  assertBytes, concatBytes, ecdsaSign, equalBytes, publicKeyFromPrivate, scalarFromHash, sha256, utf8, zeroize,
} from '../crypto';
import type { ChannelBasepoints } from '../channel/keys';
import { derivePrivkey, deriveRevocationPrivkey } from '../channel/keys';
import { channelSeed } from '../channel/node-keys';
import { commitmentSecret } from '../channel/shachain';
import { InMemoryChannelSigner } from '../channel/signer';
import { MonitorError } from './errors';

export interface MonitorSigner {
  /** Our public basepoints: must equal the channel's `params.local.basepoints`. */
  readonly basepoints: ChannelBasepoints;
  /** Our per_commitment_point for commitment number `n` (never the secret). */
  perCommitmentPoint(n: number): Uint8Array;
  /** Our funding key: the 2-of-2 of our commitment, and our anchor (BOLT 3 `<local_funding_pubkey>`). */
  signWithFundingKey(digest: Uint8Array): Uint8Array;
  /** BOLT 3 `local_htlcpubkey` of a commitment built on `perCommitmentPoint` (ours or the peer's). */
  signWithHtlcKey(digest: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array;
  /** BOLT 3 `local_delayedpubkey` of our commitment built on `perCommitmentPoint`. */
  signWithDelayedPaymentKey(digest: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array;
  /** BOLT 3 `remotepubkey` Derivation with option_static_remotekey: our payment_basepoint itself. */
  signWithPaymentKey(digest: Uint8Array): Uint8Array;
  /** BOLT 3 `revocationprivkey` for the peer's commitment whose secret it revealed. */
  signWithRevocationKey(digest: Uint8Array, perCommitmentSecret: Uint8Array): Uint8Array;
}

/** The same derivation as core/channel's InMemoryChannelSigner (checked against it at construction). */
function derive(seed: Uint8Array, label: string): Uint8Array {
  return scalarFromHash(sha256(concatBytes(seed, utf8.encode(`glasswing channel ${label}`))));
}

function sameBasepoints(a: ChannelBasepoints, b: ChannelBasepoints): boolean {
  return (
    equalBytes(a.fundingPubkey, b.fundingPubkey) &&
    equalBytes(a.revocationBasepoint, b.revocationBasepoint) &&
    equalBytes(a.paymentBasepoint, b.paymentBasepoint) &&
    equalBytes(a.delayedPaymentBasepoint, b.delayedPaymentBasepoint) &&
    equalBytes(a.htlcBasepoint, b.htlcBasepoint)
  );
}

/** A MonitorSigner holding the channel's keys in memory, from the 32-byte channel seed. */
export class InMemoryMonitorSigner implements MonitorSigner {
  readonly basepoints: ChannelBasepoints;
  readonly #funding: Uint8Array;
  readonly #revocation: Uint8Array;
  readonly #payment: Uint8Array;
  readonly #delayed: Uint8Array;
  readonly #htlc: Uint8Array;
  readonly #perCommitmentSeed: Uint8Array;
  /** The revocation key of the last secret used: a penalty signs one input per output with it. */
  #revocationCache: { secret: Uint8Array; key: Uint8Array } | null = null;

  constructor(seed: Uint8Array) {
    assertBytes(seed, 32, 'channel seed');
    this.#funding = derive(seed, 'funding');
    this.#revocation = derive(seed, 'revocation');
    this.#payment = derive(seed, 'payment');
    this.#delayed = derive(seed, 'delayed payment');
    this.#htlc = derive(seed, 'htlc');
    this.#perCommitmentSeed = sha256(concatBytes(seed, utf8.encode('glasswing channel shachain seed')));
    this.basepoints = {
      fundingPubkey: publicKeyFromPrivate(this.#funding),
      revocationBasepoint: publicKeyFromPrivate(this.#revocation),
      paymentBasepoint: publicKeyFromPrivate(this.#payment),
      delayedPaymentBasepoint: publicKeyFromPrivate(this.#delayed),
      htlcBasepoint: publicKeyFromPrivate(this.#htlc),
    };
    // The channel signs with keys derived the same way; a drift between the two would make every
    // claim invalid, so it is checked here, once, instead of discovered on chain.
    const channelSigner = new InMemoryChannelSigner(seed);
    const same = sameBasepoints(channelSigner.basepoints, this.basepoints) && equalBytes(channelSigner.perCommitmentPoint(0), this.perCommitmentPoint(0));
    channelSigner.destroy();
    if (!same) {
      this.destroy();
      throw new MonitorError('monitor.signer_mismatch', 'the monitor signer does not derive the channel signer keys');
    }
  }

  perCommitmentPoint(n: number): Uint8Array {
    const secret = commitmentSecret(this.#perCommitmentSeed, n);
    const point = publicKeyFromPrivate(secret);
    zeroize(secret);
    return point;
  }

  signWithFundingKey(digest: Uint8Array): Uint8Array {
    return ecdsaSign(digest, this.#funding);
  }

  signWithHtlcKey(digest: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
    return this.#signDerived(digest, this.#htlc, perCommitmentPoint);
  }

  signWithDelayedPaymentKey(digest: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
    return this.#signDerived(digest, this.#delayed, perCommitmentPoint);
  }

  signWithPaymentKey(digest: Uint8Array): Uint8Array {
    return ecdsaSign(digest, this.#payment);
  }

  signWithRevocationKey(digest: Uint8Array, perCommitmentSecret: Uint8Array): Uint8Array {
    const cached = this.#revocationCache;
    if (!cached || !equalBytes(cached.secret, perCommitmentSecret)) {
      if (cached) zeroize(cached.secret, cached.key);
      this.#revocationCache = { secret: perCommitmentSecret.slice(), key: deriveRevocationPrivkey(this.#revocation, perCommitmentSecret) };
    }
    return ecdsaSign(digest, this.#revocationCache!.key);
  }

  #signDerived(digest: Uint8Array, basepointSecret: Uint8Array, point: Uint8Array): Uint8Array {
    const key = derivePrivkey(basepointSecret, point);
    try {
      return ecdsaSign(digest, key);
    } finally {
      zeroize(key);
    }
  }

  /** Overwrites every secret; the signer is unusable afterwards. */
  destroy(): void {
    zeroize(this.#funding, this.#revocation, this.#payment, this.#delayed, this.#htlc, this.#perCommitmentSeed);
    if (this.#revocationCache) zeroize(this.#revocationCache.secret, this.#revocationCache.key);
    this.#revocationCache = null;
  }
}

/** The monitor signer of channel `keyIndex` (node-keys.ts derivation; the seed is zeroed after use). */
export function monitorSignerFromNodeKey(nodeKey: Uint8Array, keyIndex: number): InMemoryMonitorSigner {
  const seed = channelSeed(nodeKey, keyIndex);
  try {
    return new InMemoryMonitorSigner(seed);
  } finally {
    seed.fill(0);
  }
}
