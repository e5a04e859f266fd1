/**
 * `f` fields: on-chain fallback addresses. "For Bitcoin, this starts with a 5-bit version and
 * contains a witness program or P2PKH or P2SH address": version 0..16 is a witness version and
 * its program, 17 a public key hash, 18 a script hash. Other versions are skipped by readers.
 */
import { bech32, bech32m, createBase58check } from '@scure/base';
import { sha256 } from '../../crypto';
import { Bolt11ParseError, Bolt11SemanticError } from './errors';
import type { Bolt11Network } from './hrp';

export interface Bolt11Fallback {
  /** 0..16: witness version; 17: P2PKH; 18: P2SH. */
  readonly version: number;
  /** The witness program, or the 20-byte public key hash / script hash. */
  readonly program: Uint8Array;
}

export const FALLBACK_P2PKH = 17;
export const FALLBACK_P2SH = 18;

export type FallbackType = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr' | `witness_v${number}`;

/** True for the versions BOLT 11 defines for Bitcoin (0..18). */
export function isKnownFallbackVersion(version: number): boolean {
  return Number.isInteger(version) && version >= 0 && version <= FALLBACK_P2SH;
}

/**
 * Why a fallback of a known version is not a valid address, or undefined. Writer: "MUST set an f
 * field to a valid witness version and program, OR to 17 followed by a public key hash, OR to 18
 * followed by a script hash" — BIP 141 programs are 2..40 bytes, 20 or 32 for version 0.
 */
export function fallbackProblem(f: Bolt11Fallback): string | undefined {
  const n = f.program.length;
  if (f.version === FALLBACK_P2PKH || f.version === FALLBACK_P2SH) return n === 20 ? undefined : `a ${n}-byte hash (expected 20)`;
  if (f.version === 0) return n === 20 || n === 32 ? undefined : `a ${n}-byte version 0 program (expected 20 or 32)`;
  if (f.version >= 1 && f.version <= 16) return n >= 2 && n <= 40 ? undefined : `a ${n}-byte witness program (expected 2 to 40)`;
  return `unknown version ${f.version}`;
}

/** Throws `bolt11.invalid_fallback` (parse) unless `f` is a valid fallback of a known version. */
export function assertValidFallback(f: Bolt11Fallback): void {
  const problem = fallbackProblem(f);
  if (problem) throw new Bolt11ParseError('bolt11.invalid_fallback', `f field: ${problem}`);
}

export function fallbackType(f: Bolt11Fallback): FallbackType {
  if (f.version === FALLBACK_P2PKH) return 'p2pkh';
  if (f.version === FALLBACK_P2SH) return 'p2sh';
  if (f.version === 0) return f.program.length === 20 ? 'p2wpkh' : 'p2wsh';
  if (f.version === 1 && f.program.length === 32) return 'p2tr';
  return `witness_v${f.version}`;
}

/** Address parameters per network: base58 version bytes and the segwit human-readable part. */
interface AddressParams {
  readonly pubKeyHash: number;
  readonly scriptHash: number;
  readonly segwitHrp: string;
}
const ADDRESS_PARAMS: Readonly<Record<Bolt11Network, AddressParams>> = {
  mainnet: { pubKeyHash: 0x00, scriptHash: 0x05, segwitHrp: 'bc' },
  testnet: { pubKeyHash: 0x6f, scriptHash: 0xc4, segwitHrp: 'tb' },
  signet: { pubKeyHash: 0x6f, scriptHash: 0xc4, segwitHrp: 'tb' },
  regtest: { pubKeyHash: 0x6f, scriptHash: 0xc4, segwitHrp: 'bcrt' },
  simnet: { pubKeyHash: 0x3f, scriptHash: 0x7b, segwitHrp: 'sb' },
};

const base58check = createBase58check(sha256);

/**
 * The address string of a valid fallback on `network`: base58check for P2PKH/P2SH, bech32 for
 * witness version 0 (BIP 173) and bech32m for 1..16 (BIP 350).
 */
export function fallbackAddress(f: Bolt11Fallback, network: Bolt11Network): string {
  assertValidFallback(f);
  const p = ADDRESS_PARAMS[network];
  if (f.version === FALLBACK_P2PKH || f.version === FALLBACK_P2SH) {
    const payload = new Uint8Array(21);
    payload[0] = f.version === FALLBACK_P2PKH ? p.pubKeyHash : p.scriptHash;
    payload.set(f.program, 1);
    return base58check.encode(payload);
  }
  const words = [f.version, ...bech32.toWords(f.program)];
  return f.version === 0 ? bech32.encode(p.segwitHrp, words) : bech32m.encode(p.segwitHrp, words);
}

/**
 * The fallback for an address string on `network` (the builder's input form). Throws
 * `bolt11.writer.invalid_parameter` for an address that is not valid on that network.
 */
export function fallbackFromAddress(address: string, network: Bolt11Network): Bolt11Fallback {
  const p = ADDRESS_PARAMS[network];
  const bad = (why: string) => new Bolt11SemanticError('bolt11.writer.invalid_parameter', `fallback address: ${why}`);
  if (p === undefined) throw bad(`unknown network "${String(network)}"`);
  const lower = address.toLowerCase();
  if (lower.startsWith(p.segwitHrp + '1')) {
    const decoded = bech32.decodeUnsafe(lower as `${string}1${string}`) ?? bech32m.decodeUnsafe(lower as `${string}1${string}`);
    if (!decoded || decoded.prefix !== p.segwitHrp || decoded.words.length === 0) throw bad('not a segwit address');
    const version = decoded.words[0]!;
    // BIP 350: version 0 uses bech32, every later version bech32m.
    const expected = version === 0 ? bech32 : bech32m;
    if (!expected.decodeUnsafe(lower as `${string}1${string}`)) throw bad(`version ${version} with the wrong checksum kind`);
    const program = bech32.fromWordsUnsafe(decoded.words.slice(1));
    if (!program) throw bad('the witness program has bad padding');
    const f = { version, program: Uint8Array.from(program) };
    const problem = fallbackProblem(f);
    if (problem) throw bad(problem);
    return f;
  }
  let payload: Uint8Array;
  try {
    payload = base58check.decode(address);
  } catch {
    throw bad(`not a base58check or ${p.segwitHrp}1… address`);
  }
  if (payload.length !== 21) throw bad('a base58check payload that is not 21 bytes');
  if (payload[0] === p.pubKeyHash) return { version: FALLBACK_P2PKH, program: payload.slice(1) };
  if (payload[0] === p.scriptHash) return { version: FALLBACK_P2SH, program: payload.slice(1) };
  throw bad(`version byte ${payload[0]} is not P2PKH or P2SH on ${network}`);
}
