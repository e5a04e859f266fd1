/**
 * BOLT 3 per-commitment secrets: generation from a seed, and the compact storage of the
 * secrets a peer reveals (at most 49 entries for 2^48 secrets).
 *
 * Indexes are the 48-bit secret index I, which counts DOWN from 2^48 - 1: the secret of
 * commitment number n has index 2^48 - 1 - n.
 */
import { equalBytes, sha256 } from '../crypto';
import { ShachainError } from './errors';

/** The first index used, 2^48 - 1 (BOLT 3 "Per-commitment Secret Requirements"). */
export const SHACHAIN_MAX_INDEX = 2 ** 48 - 1;

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index > SHACHAIN_MAX_INDEX) {
    throw new ShachainError('shachain.bad_index', `index ${index} is not a 48-bit integer`, { index });
  }
}

function bitSet(index: number, bit: number): boolean {
  return Math.floor(index / 2 ** bit) % 2 === 1;
}

/** BOLT 3 derive_secret(base, bits, I): flip and hash for each set bit below `bits`. */
function deriveSecret(base: Uint8Array, bits: number, index: number): Uint8Array {
  let p: Uint8Array = base.slice();
  for (let b = bits - 1; b >= 0; b--) {
    if (bitSet(index, b)) {
      // "flip(B)" alternates the (B mod 8) bit of the (B div 8) byte.
      p[b >> 3]! ^= 1 << (b & 7);
      const next = sha256(p);
      p.fill(0);
      p = next;
    }
  }
  return p;
}

/** BOLT 3 generate_from_seed(seed, I). */
export function generateFromSeed(seed: Uint8Array, index: number): Uint8Array {
  checkIndex(index);
  if (seed.length !== 32) throw new ShachainError('shachain.bad_seed', 'seed must be 32 bytes');
  return deriveSecret(seed, 48, index);
}

/** The per-commitment secret of commitment number `commitmentNumber` (index 2^48 - 1 - n). */
export function commitmentSecret(seed: Uint8Array, commitmentNumber: number): Uint8Array {
  return generateFromSeed(seed, SHACHAIN_MAX_INDEX - commitmentNumber);
}

/** BOLT 3 where_to_put_secret(I): the number of trailing zero bits (48 for I = 0). */
export function whereToPutSecret(index: number): number {
  for (let b = 0; b < 48; b++) if (bitSet(index, b)) return b;
  return 48;
}

/** One bucket of the compact storage. */
export interface ShachainEntry {
  readonly index: number;
  readonly secret: Uint8Array;
}

/**
 * The compact storage: bucket b holds the received secret whose index has b trailing zeros
 * (null until one arrives). Plain data: persist it as is.
 */
export interface ShachainStore {
  readonly buckets: readonly (ShachainEntry | null)[];
}

export function emptyShachain(): ShachainStore {
  return { buckets: Array.from({ length: 49 }, () => null) };
}

/**
 * BOLT 3 insert_secret(secret, I): checks that every stored secret below bucket B derives from
 * the new one, then stores it. Returns a new store; throws ShachainError `shachain.bad_secret`
 * (the peer's secrets do not come from one seed) without changing anything.
 */
export function insertSecret(store: ShachainStore, index: number, secret: Uint8Array): ShachainStore {
  checkIndex(index);
  if (secret.length !== 32) throw new ShachainError('shachain.bad_secret', 'secret must be 32 bytes');
  const pos = whereToPutSecret(index);
  // The spec's loop reads "for b in 0 to B"; bucket B itself is the one being replaced, so the
  // check covers buckets 0 .. B-1 (as the reference implementations do).
  for (let b = 0; b < pos; b++) {
    const known = store.buckets[b];
    if (!known) continue;
    if (!equalBytes(deriveSecret(secret, pos, known.index), known.secret)) {
      throw new ShachainError('shachain.bad_secret', `the secret for index ${index} does not derive the secret for index ${known.index}`, {
        index,
      });
    }
  }
  const buckets = store.buckets.slice();
  buckets[pos] = { index, secret: secret.slice() };
  return { buckets };
}

/** BOLT 3 derive_old_secret(I): any secret at or after the newest one received. */
export function deriveOldSecret(store: ShachainStore, index: number): Uint8Array {
  checkIndex(index);
  for (let b = 0; b < store.buckets.length; b++) {
    const known = store.buckets[b];
    if (!known) continue;
    // Mask off the low b bits of I: the entry's index must be the prefix of I.
    const prefix = index - (index % 2 ** b);
    if (prefix === known.index) return deriveSecret(known.secret, b, index);
  }
  throw new ShachainError('shachain.unknown_index', `no secret received for index ${index} yet`, { index });
}

/** The lowest index stored (the newest secret), or undefined when empty. */
export function newestIndex(store: ShachainStore): number | undefined {
  let min: number | undefined;
  for (const e of store.buckets) if (e && (min === undefined || e.index < min)) min = e.index;
  return min;
}
