/**
 * The node's identity: a 32-byte seed created on first run, stored in the data directory either
 * in the clear (file mode 0600) or encrypted with a passphrase (scrypt + ChaCha20-Poly1305).
 * Every long-lived key is derived from the seed; the node key is the first.
 */
import { closeSync, constants, existsSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  aeadDecrypt, aeadEncrypt, fromHex, hmacSha256, isValidPrivateKey, passphraseKey, publicKeyFromPrivate, randomBytes,
  toHex, utf8, zeroize, DEFAULT_SCRYPT_PARAMS, type ScryptParams,
} from '../crypto';
import { StoreError } from './errors';

export const SEED_FILE = 'seed.json';

type SeedFile =
  | { version: 1; encryption: 'none'; seed: string }
  | { version: 1; encryption: 'scrypt-chacha20poly1305'; scrypt: ScryptParams; salt: string; nonce: string; ciphertext: string };

/** Writes `data` to `path` only if it does not exist, atomically, with mode 0600. */
export function writeNewSecretFile(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.${toHex(randomBytes(4))}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path); // fails with EEXIST instead of overwriting an existing seed
  } finally {
    unlinkSync(tmp);
  }
}

/** Derives a 32-byte secret for `purpose` from the seed (HMAC-SHA256, retried until a valid scalar). */
export function deriveKey(seed: Uint8Array, purpose: string): Uint8Array {
  for (let i = 0; ; i++) {
    const key = hmacSha256(seed, utf8.encode(i === 0 ? `glasswing/${purpose}` : `glasswing/${purpose}/${i}`));
    if (isValidPrivateKey(key)) return key;
  }
}

export interface NodeIdentity {
  /** 33-byte compressed node id. */
  readonly nodeId: Uint8Array;
  /** 32-byte node private key: used by the transport and signers, never logged or sent to the UI. */
  readonly nodeKey: Uint8Array;
  /** Derives another secret from the seed for a named purpose. */
  derive(purpose: string): Uint8Array;
  /**
   * A copy of the 32-byte seed itself, which is also the entropy of the wallet's BIP39 backup
   * words (core/wallet/words.ts); the caller zeroes it once the wallet keys are derived.
   */
  seed(): Uint8Array;
  /** Whether the seed is encrypted at rest. */
  readonly encrypted: boolean;
  /** True when this call created the seed. */
  readonly created: boolean;
}

export interface LoadIdentityOptions {
  /** When set, a new seed is encrypted with it and an encrypted seed is unlocked with it. */
  readonly passphrase?: string;
  /** scrypt parameters for a new encrypted seed (tests use small ones). */
  readonly scrypt?: ScryptParams;
  /**
   * Restore: the seed to write when there is none yet (from the backup words), instead of a random
   * one. It is never written over an existing seed: `store.seed_exists` then.
   */
  readonly restoreSeed?: Uint8Array;
}

/** Loads the identity from `datadir`, creating the seed on first run. */
export async function loadOrCreateIdentity(datadir: string, opts: LoadIdentityOptions = {}): Promise<NodeIdentity> {
  const path = join(datadir, SEED_FILE);
  let created = false;
  if (opts.restoreSeed !== undefined && (opts.restoreSeed.length !== 32 || existsSync(path))) {
    throw new StoreError('store.seed_exists', existsSync(path) ? `${SEED_FILE} exists: a seed is restored only into an empty data directory` : 'a seed is 32 bytes');
  }
  if (!existsSync(path)) {
    const seed = opts.restoreSeed ? opts.restoreSeed.slice() : randomBytes(32);
    try {
      writeNewSecretFile(path, JSON.stringify(await sealSeed(seed, opts)) + '\n');
      created = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || opts.restoreSeed) throw e; // lost a race: read theirs
    } finally {
      zeroize(seed);
    }
  }
  const file = parseSeedFile(readFileSync(path, 'utf8'));
  const seed = await openSeed(file, opts.passphrase);
  const nodeKey = deriveKey(seed, 'node-key');
  return {
    nodeId: publicKeyFromPrivate(nodeKey),
    nodeKey,
    derive: (purpose) => deriveKey(seed, purpose),
    seed: () => seed.slice(),
    encrypted: file.encryption !== 'none',
    created,
  };
}

/**
 * Reads the seed again from DATADIR/seed.json: an encrypted one only with its passphrase
 * (`store.locked` without it or with a wrong one). For showing the backup words after the user
 * re-entered the passphrase; the caller zeroes the copy. Also says whether it is encrypted.
 */
export async function unlockSeed(datadir: string, passphrase: string | undefined): Promise<{ seed: Uint8Array; encrypted: boolean }> {
  let text: string;
  try {
    text = readFileSync(join(datadir, SEED_FILE), 'utf8');
  } catch (e) {
    throw new StoreError('store.corrupt', `cannot read ${SEED_FILE}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const file = parseSeedFile(text);
  return { seed: await openSeed(file, file.encryption === 'none' ? undefined : passphrase), encrypted: file.encryption !== 'none' };
}

async function sealSeed(seed: Uint8Array, opts: LoadIdentityOptions): Promise<SeedFile> {
  if (opts.passphrase === undefined) return { version: 1, encryption: 'none', seed: toHex(seed) };
  const params = opts.scrypt ?? DEFAULT_SCRYPT_PARAMS;
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const key = await passphraseKey(opts.passphrase, salt, params);
  const ciphertext = aeadEncrypt(key, nonce, utf8.encode('glasswing seed v1'), seed);
  zeroize(key);
  return {
    version: 1,
    encryption: 'scrypt-chacha20poly1305',
    scrypt: params,
    salt: toHex(salt),
    nonce: toHex(nonce),
    ciphertext: toHex(ciphertext),
  };
}

function parseSeedFile(text: string): SeedFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new StoreError('store.corrupt', `${SEED_FILE} is not valid JSON`);
  }
  const f = v as Partial<SeedFile> & Record<string, unknown>;
  if (f?.version !== 1) throw new StoreError('store.corrupt', `${SEED_FILE}: unknown version`);
  if (f.encryption === 'none' && typeof f.seed === 'string' && /^[0-9a-f]{64}$/.test(f.seed)) return f as SeedFile;
  if (
    f.encryption === 'scrypt-chacha20poly1305' && typeof f.salt === 'string' && typeof f.nonce === 'string' &&
    typeof f.ciphertext === 'string' && typeof f.scrypt === 'object' && f.scrypt !== null
  ) return f as SeedFile;
  throw new StoreError('store.corrupt', `${SEED_FILE}: unexpected contents`);
}

async function openSeed(file: SeedFile, passphrase: string | undefined): Promise<Uint8Array> {
  if (file.encryption === 'none') return fromHex(file.seed, 'seed');
  if (passphrase === undefined) {
    throw new StoreError('store.locked', 'the node seed is encrypted: a passphrase is required to unlock it');
  }
  const key = await passphraseKey(passphrase, fromHex(file.salt, 'salt'), file.scrypt);
  try {
    const seed = aeadDecrypt(key, fromHex(file.nonce, 'nonce'), utf8.encode('glasswing seed v1'), fromHex(file.ciphertext, 'ciphertext'));
    if (seed.length !== 32) throw new StoreError('store.corrupt', `${SEED_FILE}: seed has the wrong length`);
    return seed;
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError('store.locked', 'wrong passphrase for the node seed');
  } finally {
    zeroize(key);
  }
}
