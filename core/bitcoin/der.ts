/**
 * DER signatures (BIP 66 strict encoding) ⇄ the compact 64-byte r‖s form BOLT messages carry.
 * In a witness a DER signature is followed by one sighash-type byte.
 */
import { concatBytes } from '../crypto';
import { BitcoinError } from './errors';

function derInteger(x: Uint8Array): Uint8Array {
  let i = 0;
  while (i < x.length - 1 && x[i] === 0) i++; // minimal: no leading zero bytes ...
  let body = x.subarray(i);
  if (body[0]! & 0x80) body = concatBytes(Uint8Array.of(0), body); // ... except one to keep it positive
  return concatBytes(Uint8Array.of(0x02, body.length), body);
}

/** Encodes a compact 64-byte signature as strict DER (without a sighash byte). */
export function encodeDerSignature(compact: Uint8Array): Uint8Array {
  if (!(compact instanceof Uint8Array) || compact.length !== 64) {
    throw new BitcoinError('bitcoin.bad_value', 'compact signature must be 64 bytes');
  }
  const r = derInteger(compact.subarray(0, 32));
  const s = derInteger(compact.subarray(32, 64));
  return concatBytes(Uint8Array.of(0x30, r.length + s.length), r, s);
}

function bad(message: string): BitcoinError {
  return new BitcoinError('bitcoin.bad_der', message);
}

function readInteger(der: Uint8Array, pos: number, name: string): { value: Uint8Array; next: number } {
  if (pos + 2 > der.length) throw bad(`${name}: truncated`);
  if (der[pos] !== 0x02) throw bad(`${name}: not an INTEGER`);
  const len = der[pos + 1]!;
  const start = pos + 2;
  if (len === 0) throw bad(`${name}: zero length`);
  if (start + len > der.length) throw bad(`${name}: truncated`);
  const body = der.subarray(start, start + len);
  if (body[0]! & 0x80) throw bad(`${name}: negative`);
  if (len > 1 && body[0] === 0 && !(body[1]! & 0x80)) throw bad(`${name}: not minimally encoded`);
  const value = body[0] === 0 ? body.subarray(1) : body;
  if (value.length > 32) throw bad(`${name}: longer than 32 bytes`);
  return { value, next: start + len };
}

/**
 * Decodes a strict DER signature (no sighash byte) to the compact 64-byte form. Throws
 * BitcoinError `bitcoin.bad_der` for anything BIP 66 rejects; never an untyped error.
 */
export function decodeDerSignature(der: Uint8Array): Uint8Array {
  if (!(der instanceof Uint8Array)) throw bad('expected bytes');
  if (der.length < 8 || der.length > 72) throw bad(`length ${der.length} out of range`);
  if (der[0] !== 0x30) throw bad('not a SEQUENCE');
  if (der[1] !== der.length - 2) throw bad('SEQUENCE length does not match');
  const r = readInteger(der, 2, 'r');
  const s = readInteger(der, r.next, 's');
  if (s.next !== der.length) throw bad('trailing bytes');
  const out = new Uint8Array(64);
  out.set(r.value, 32 - r.value.length);
  out.set(s.value, 64 - s.value.length);
  return out;
}

/** A witness signature: DER followed by the sighash-type byte. */
export function encodeWitnessSignature(compact: Uint8Array, sighashType: number): Uint8Array {
  if (!Number.isInteger(sighashType) || sighashType < 0 || sighashType > 0xff) {
    throw new BitcoinError('bitcoin.bad_sighash', `bad sighash type ${sighashType}`);
  }
  return concatBytes(encodeDerSignature(compact), Uint8Array.of(sighashType));
}

/** Splits a witness signature into its compact form and sighash type. */
export function decodeWitnessSignature(bytes: Uint8Array): { signature: Uint8Array; sighashType: number } {
  if (!(bytes instanceof Uint8Array) || bytes.length < 1) throw bad('empty witness signature');
  return { signature: decodeDerSignature(bytes.subarray(0, bytes.length - 1)), sighashType: bytes[bytes.length - 1]! };
}
