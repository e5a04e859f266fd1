/**
 * BOLT 3 "Keys": per-commitment key derivation from basepoints, and the key set one
 * commitment transaction uses.
 */
import {
  concatBytes, pointAdd, pointAddScalar, pointMultiply, publicKeyFromPrivate, scalarAdd, scalarFromHash, scalarMultiply, sha256,
  zeroize,
} from '../crypto';

/** The public half of one side's channel keys, as sent in open_channel / accept_channel. */
export interface ChannelBasepoints {
  /** BOLT 2 `funding_pubkey` */
  readonly fundingPubkey: Uint8Array;
  /** BOLT 2 `revocation_basepoint` */
  readonly revocationBasepoint: Uint8Array;
  /** BOLT 2 `payment_basepoint` */
  readonly paymentBasepoint: Uint8Array;
  /** BOLT 2 `delayed_payment_basepoint` */
  readonly delayedPaymentBasepoint: Uint8Array;
  /** BOLT 2 `htlc_basepoint` */
  readonly htlcBasepoint: Uint8Array;
}

/** SHA256(per_commitment_point || basepoint): the tweak of the simple derivation. */
export function keyTweak(perCommitmentPoint: Uint8Array, basepoint: Uint8Array): Uint8Array {
  return sha256(concatBytes(perCommitmentPoint, basepoint));
}

/** BOLT 3: pubkey = basepoint + SHA256(per_commitment_point || basepoint) * G (one tweak-add). */
export function derivePubkey(basepoint: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
  return pointAddScalar(basepoint, scalarFromHash(keyTweak(perCommitmentPoint, basepoint)));
}

/** BOLT 3: privkey = basepoint_secret + SHA256(per_commitment_point || basepoint) */
export function derivePrivkey(basepointSecret: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
  return derivePrivkeyWithBasepoint(basepointSecret, publicKeyFromPrivate(basepointSecret), perCommitmentPoint);
}

/**
 * derivePrivkey for a caller that already holds `basepoint` = basepoint_secret·G (a signer keeps
 * its public basepoints): the same key without recomputing the basepoint. Secret: zero it after use.
 */
export function derivePrivkeyWithBasepoint(basepointSecret: Uint8Array, basepoint: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
  // BOLT 3: privkey = basepoint_secret + SHA256(per_commitment_point || basepoint)
  return scalarAdd(basepointSecret, scalarFromHash(keyTweak(perCommitmentPoint, basepoint)));
}

/** The two tweaks of the revocation derivation (BOLT 3 `revocationpubkey` Derivation). */
export function revocationTweaks(
  revocationBasepoint: Uint8Array,
  perCommitmentPoint: Uint8Array,
): { basepointTweak: Uint8Array; pointTweak: Uint8Array } {
  return {
    basepointTweak: sha256(concatBytes(revocationBasepoint, perCommitmentPoint)),
    pointTweak: sha256(concatBytes(perCommitmentPoint, revocationBasepoint)),
  };
}

/**
 * BOLT 3: revocationpubkey = revocation_basepoint * SHA256(revocation_basepoint || per_commitment_point)
 *                          + per_commitment_point * SHA256(per_commitment_point || revocation_basepoint)
 */
export function deriveRevocationPubkey(revocationBasepoint: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
  const { basepointTweak, pointTweak } = revocationTweaks(revocationBasepoint, perCommitmentPoint);
  return pointAdd(
    pointMultiply(revocationBasepoint, scalarFromHash(basepointTweak)),
    pointMultiply(perCommitmentPoint, scalarFromHash(pointTweak)),
  );
}

/**
 * BOLT 3: revocationprivkey = revocation_basepoint_secret * SHA256(revocation_basepoint || per_commitment_point)
 *                           + per_commitment_secret * SHA256(per_commitment_point || revocation_basepoint)
 */
export function deriveRevocationPrivkey(revocationBasepointSecret: Uint8Array, perCommitmentSecret: Uint8Array): Uint8Array {
  const revocationBasepoint = publicKeyFromPrivate(revocationBasepointSecret);
  const perCommitmentPoint = publicKeyFromPrivate(perCommitmentSecret);
  const { basepointTweak, pointTweak } = revocationTweaks(revocationBasepoint, perCommitmentPoint);
  const a = scalarMultiply(revocationBasepointSecret, scalarFromHash(basepointTweak));
  const b = scalarMultiply(perCommitmentSecret, scalarFromHash(pointTweak));
  const out = scalarAdd(a, b);
  zeroize(a, b);
  return out;
}

/** BOLT 3: per_commitment_point = per_commitment_secret * G */
export function perCommitmentPoint(perCommitmentSecret: Uint8Array): Uint8Array {
  return publicKeyFromPrivate(perCommitmentSecret);
}

/** The keys of one commitment transaction, from the point of view of its holder. */
export interface CommitmentKeys {
  /** The holder's per_commitment_point for this commitment number. */
  readonly perCommitmentPoint: Uint8Array;
  /** BOLT 3 `revocationpubkey`: counterparty's revocation_basepoint with the holder's point. */
  readonly revocationPubkey: Uint8Array;
  /** BOLT 3 `local_delayedpubkey` */
  readonly holderDelayedPubkey: Uint8Array;
  /** BOLT 3 `local_htlcpubkey` */
  readonly holderHtlcPubkey: Uint8Array;
  /** BOLT 3 `remote_htlcpubkey` */
  readonly counterpartyHtlcPubkey: Uint8Array;
  /** BOLT 3 `remotepubkey`: with option_static_remotekey, the counterparty's payment_basepoint. */
  readonly counterpartyPaymentPubkey: Uint8Array;
}

/** Derives every key of the holder's commitment built on `perCommitmentPoint` (the holder's). */
export function deriveCommitmentKeys(
  holder: ChannelBasepoints,
  counterparty: ChannelBasepoints,
  holderPerCommitmentPoint: Uint8Array,
): CommitmentKeys {
  return {
    perCommitmentPoint: holderPerCommitmentPoint,
    revocationPubkey: deriveRevocationPubkey(counterparty.revocationBasepoint, holderPerCommitmentPoint),
    holderDelayedPubkey: derivePubkey(holder.delayedPaymentBasepoint, holderPerCommitmentPoint),
    holderHtlcPubkey: derivePubkey(holder.htlcBasepoint, holderPerCommitmentPoint),
    counterpartyHtlcPubkey: derivePubkey(counterparty.htlcBasepoint, holderPerCommitmentPoint),
    // BOLT 3 `remotepubkey` Derivation: "simply the remote node's payment_basepoint".
    counterpartyPaymentPubkey: counterparty.paymentBasepoint,
  };
}
