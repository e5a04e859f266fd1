/**
 * The channel's secrets live in a signer, not in the state: the state can be persisted, shown
 * and logged without exposing keys, and a node can later move signing elsewhere.
 */
import { assertBytes, concatBytes, ecdsaSign, publicKeyFromPrivate, scalarFromHash, sha256, utf8, zeroize } from '../crypto';
import { derivePrivkeyWithBasepoint } from './keys';
import type { ChannelBasepoints } from './keys';
import { commitmentSecret } from './shachain';

export interface ChannelSigner {
  /** Our public basepoints (as sent in open_channel / accept_channel). */
  readonly basepoints: ChannelBasepoints;
  /** Our per_commitment_point for commitment number `n`. */
  perCommitmentPoint(n: number): Uint8Array;
  /** Our per_commitment_secret for commitment number `n`: only ever asked for when revoking `n`. */
  releasePerCommitmentSecret(n: number): Uint8Array;
  /** Signs a 32-byte digest with the funding key (commitment transactions). */
  signWithFundingKey(digest: Uint8Array): Uint8Array;
  /** Signs a 32-byte digest with our htlc key for the commitment built on `perCommitmentPoint`. */
  signWithHtlcKey(digest: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array;
  /**
   * Signs each 32-byte digest with that same htlc key (a commitment_signed's `htlc_signature`s,
   * in order): the key is derived once for all of them.
   */
  signAllWithHtlcKey(digests: readonly Uint8Array[], perCommitmentPoint: Uint8Array): Uint8Array[];
}

function derive(seed: Uint8Array, label: string): Uint8Array {
  return scalarFromHash(sha256(concatBytes(seed, utf8.encode(`glasswing channel ${label}`))));
}

/** A signer holding its keys in memory, all derived from one 32-byte channel seed. */
export class InMemoryChannelSigner implements ChannelSigner {
  readonly basepoints: ChannelBasepoints;
  readonly #fundingKey: Uint8Array;
  readonly #htlcBasepointSecret: Uint8Array;
  readonly #perCommitmentSeed: Uint8Array;
  // Kept for the on-chain work to come (penalty, sweeps): not used by the state machine.
  readonly #otherSecrets: Uint8Array[];

  constructor(seed: Uint8Array) {
    assertBytes(seed, 32, 'channel seed');
    this.#fundingKey = derive(seed, 'funding');
    const revocation = derive(seed, 'revocation');
    const payment = derive(seed, 'payment');
    const delayed = derive(seed, 'delayed payment');
    this.#htlcBasepointSecret = derive(seed, 'htlc');
    this.#perCommitmentSeed = sha256(concatBytes(seed, utf8.encode('glasswing channel shachain seed')));
    this.#otherSecrets = [revocation, payment, delayed];
    this.basepoints = {
      fundingPubkey: publicKeyFromPrivate(this.#fundingKey),
      revocationBasepoint: publicKeyFromPrivate(revocation),
      paymentBasepoint: publicKeyFromPrivate(payment),
      delayedPaymentBasepoint: publicKeyFromPrivate(delayed),
      htlcBasepoint: publicKeyFromPrivate(this.#htlcBasepointSecret),
    };
  }

  perCommitmentPoint(n: number): Uint8Array {
    const secret = commitmentSecret(this.#perCommitmentSeed, n);
    const point = publicKeyFromPrivate(secret);
    zeroize(secret);
    return point;
  }

  releasePerCommitmentSecret(n: number): Uint8Array {
    return commitmentSecret(this.#perCommitmentSeed, n);
  }

  signWithFundingKey(digest: Uint8Array): Uint8Array {
    return ecdsaSign(digest, this.#fundingKey);
  }

  signWithHtlcKey(digest: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
    return this.signAllWithHtlcKey([digest], perCommitmentPoint)[0]!;
  }

  signAllWithHtlcKey(digests: readonly Uint8Array[], perCommitmentPoint: Uint8Array): Uint8Array[] {
    // BOLT 3 htlcprivkey, derived with the public htlc_basepoint we already hold (no k·G) and
    // zeroed once every digest is signed.
    const key = derivePrivkeyWithBasepoint(this.#htlcBasepointSecret, this.basepoints.htlcBasepoint, perCommitmentPoint);
    try {
      return digests.map((d) => ecdsaSign(d, key));
    } finally {
      zeroize(key);
    }
  }

  /** Overwrites every secret; the signer is unusable afterwards. */
  destroy(): void {
    zeroize(this.#fundingKey, this.#htlcBasepointSecret, this.#perCommitmentSeed, ...this.#otherSecrets);
  }
}
