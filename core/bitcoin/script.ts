/**
 * Bitcoin script: the opcodes channels use, minimal pushes of data and numbers, and the
 * standard output scripts (P2WSH, P2WPKH, P2PKH).
 */
import { concatBytes, hash160, sha256 } from '../crypto';
import { BitcoinError } from './errors';

/** The opcodes BOLT 3 scripts use (values from Bitcoin Core's script.h). */
export const OP = {
  OP_0: 0x00,
  OP_PUSHDATA1: 0x4c,
  OP_PUSHDATA2: 0x4d,
  OP_1NEGATE: 0x4f,
  OP_1: 0x51,
  OP_16: 0x60,
  OP_IF: 0x63,
  OP_NOTIF: 0x64,
  OP_ELSE: 0x67,
  OP_ENDIF: 0x68,
  OP_DROP: 0x75,
  OP_IFDUP: 0x73,
  OP_DUP: 0x76,
  OP_SWAP: 0x7c,
  OP_SIZE: 0x82,
  OP_EQUAL: 0x87,
  OP_EQUALVERIFY: 0x88,
  OP_HASH160: 0xa9,
  OP_CHECKSIG: 0xac,
  OP_CHECKSIGVERIFY: 0xad,
  OP_CHECKMULTISIG: 0xae,
  OP_CHECKLOCKTIMEVERIFY: 0xb1,
  OP_CHECKSEQUENCEVERIFY: 0xb2,
} as const;

/** One element of a script being built: an opcode, a data push, or a number push. */
export type ScriptPart = number | Uint8Array | { readonly num: number | bigint };

/** The minimal push of `data` (BIP 62 "MINIMALDATA" for data longer than one byte). */
export function pushData(data: Uint8Array): Uint8Array {
  const n = data.length;
  if (n < OP.OP_PUSHDATA1) return concatBytes(Uint8Array.of(n), data);
  if (n <= 0xff) return concatBytes(Uint8Array.of(OP.OP_PUSHDATA1, n), data);
  if (n <= 0xffff) return concatBytes(Uint8Array.of(OP.OP_PUSHDATA2, n & 0xff, n >>> 8), data);
  throw new BitcoinError('bitcoin.bad_value', `push of ${n} bytes is too large`);
}

/** Script number encoding: little-endian, sign bit in the top byte, minimal length. */
export function encodeScriptNum(value: number | bigint): Uint8Array {
  // Timelocks, delays and cltv_expiry values fit in 31 bits: encoded without bigints.
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0x7fffffff) return encodeSmallScriptNum(value);
  let v = BigInt(value);
  if (v === 0n) return new Uint8Array(0);
  const negative = v < 0n;
  if (negative) v = -v;
  const out: number[] = [];
  while (v > 0n) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  if (out[out.length - 1]! & 0x80) out.push(negative ? 0x80 : 0x00);
  else if (negative) out[out.length - 1]! |= 0x80;
  return Uint8Array.from(out);
}

/** encodeScriptNum for an integer in [0, 2^31), with number arithmetic. */
function encodeSmallScriptNum(v: number): Uint8Array {
  const bytes: number[] = [];
  for (let x = v; x > 0; x >>>= 8) bytes.push(x & 0xff);
  // A set top bit would read as the sign: one more (zero) byte keeps the number positive.
  if (bytes.length > 0 && bytes[bytes.length - 1]! & 0x80) bytes.push(0);
  return Uint8Array.from(bytes);
}

/** Pushes a number the minimal way: OP_0, OP_1NEGATE, OP_1..OP_16, or a script-number push. */
export function pushNumber(value: number | bigint): Uint8Array {
  if (typeof value === 'number' && Number.isInteger(value) && value > 16 && value <= 0x7fffffff) return pushData(encodeSmallScriptNum(value));
  const v = BigInt(value);
  if (v === 0n) return Uint8Array.of(OP.OP_0);
  if (v === -1n) return Uint8Array.of(OP.OP_1NEGATE);
  if (v >= 1n && v <= 16n) return Uint8Array.of(OP.OP_1 + Number(v) - 1);
  return pushData(encodeScriptNum(v));
}

/** The bytes of one part: an opcode byte, a minimal data push, or a minimal number push. */
function partBytes(p: ScriptPart): Uint8Array | number {
  if (typeof p === 'number') {
    if (!Number.isInteger(p) || p < 0 || p > 0xff) throw new BitcoinError('bitcoin.bad_value', `bad opcode ${p}`);
    return p;
  }
  return p instanceof Uint8Array ? p : pushNumber(p.num);
}

/** Length of the minimal push of `n` data bytes (opcode and length bytes included). */
function pushLength(n: number): number {
  if (n < OP.OP_PUSHDATA1) return 1 + n;
  if (n <= 0xff) return 2 + n;
  if (n <= 0xffff) return 3 + n;
  throw new BitcoinError('bitcoin.bad_value', `push of ${n} bytes is too large`);
}

/**
 * Assembles a script from opcodes, data pushes and `{ num }` number pushes, into one array of
 * its exact size (the same bytes as concatenating each part's `pushData` / `pushNumber`).
 */
export function buildScript(...parts: ScriptPart[]): Uint8Array {
  const bytes = parts.map(partBytes);
  let size = 0;
  parts.forEach((p, i) => {
    const b = bytes[i]!;
    size += typeof b === 'number' ? 1 : p instanceof Uint8Array ? pushLength(b.length) : b.length;
  });
  const out = new Uint8Array(size);
  let pos = 0;
  parts.forEach((p, i) => {
    const b = bytes[i]!;
    if (typeof b === 'number') out[pos++] = b;
    else if (!(p instanceof Uint8Array)) {
      out.set(b, pos); // a number push, already encoded
      pos += b.length;
    } else {
      const n = b.length;
      if (n < OP.OP_PUSHDATA1) out[pos++] = n;
      else if (n <= 0xff) {
        out[pos++] = OP.OP_PUSHDATA1;
        out[pos++] = n;
      } else {
        out[pos++] = OP.OP_PUSHDATA2;
        out[pos++] = n & 0xff;
        out[pos++] = n >>> 8;
      }
      out.set(b, pos);
      pos += n;
    }
  });
  return out;
}

/** P2WSH output script: `OP_0 <SHA256(witness_script)>`. */
export function p2wsh(witnessScript: Uint8Array): Uint8Array {
  const out = new Uint8Array(34);
  out[0] = OP.OP_0;
  out[1] = 32; // a 32-byte push
  out.set(sha256(witnessScript), 2);
  return out;
}

/** P2WPKH output script: `OP_0 <HASH160(pubkey)>`. */
export function p2wpkh(publicKey: Uint8Array): Uint8Array {
  return buildScript(OP.OP_0, hash160(publicKey));
}

/** P2PKH output script: `OP_DUP OP_HASH160 <HASH160(pubkey)> OP_EQUALVERIFY OP_CHECKSIG`. */
export function p2pkh(publicKey: Uint8Array): Uint8Array {
  return buildScript(OP.OP_DUP, OP.OP_HASH160, hash160(publicKey), OP.OP_EQUALVERIFY, OP.OP_CHECKSIG);
}
