/**
 * BOLT 1 "Fundamental Types" beyond the plain integers of reader.ts/writer.ts: truncated
 * integers, signed integers, `point`, `signature`, `sha256`, `channel_id`, `short_channel_id`
 * and `chain_hash` (BOLT 0). Readers take a ByteReader and a field name for error messages.
 */
import { compareBytes, concatBytes, fromHex, isValidPublicKey, sha256, toHex } from '../crypto';
import { ByteReader } from './reader';
import { ByteWriter } from './writer';
import { WireError } from './errors';

// ---------------------------------------------------------------------------------------------
// Fixed-size byte fields

/** Reads exactly `length` bytes and returns a copy (safe to keep). */
export function readFixedBytes(r: ByteReader, length: number, field: string): Uint8Array {
  return r.readBytes(length, field).slice();
}

/** Writes `bytes`, which must be exactly `length` long (`wire.bad_value` otherwise). */
export function writeFixedBytes(w: ByteWriter, bytes: Uint8Array, length: number, field: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new WireError('wire.bad_value', `${field}: expected ${length} bytes`, { field });
  }
  w.writeBytes(bytes);
}

/** BOLT 1 `point`: a 33-byte compressed secp256k1 point. */
export const POINT_LENGTH = 33;
/** BOLT 1 `signature`: a 64-byte compact ECDSA signature (r || s). */
export const SIGNATURE_LENGTH = 64;
/** BOLT 1 `sha256`, `chain_hash`, `channel_id`: 32 bytes. */
export const HASH_LENGTH = 32;

/**
 * BOLT 1 `point`: 33 bytes, SEC 1 compressed, and on the curve (BOLT 1 Appendix B: "node_id is
 * not a valid point" must fail). Invalid points are WireError `wire.bad_point`.
 */
export function readPoint(r: ByteReader, field = 'point'): Uint8Array {
  const p = readFixedBytes(r, POINT_LENGTH, field);
  if (!isValidPublicKey(p)) throw new WireError('wire.bad_point', `${field}: not a valid compressed point`, { field });
  return p;
}

/**
 * A `point` whose on-curve check is left to its first use: 33 bytes with prefix 02 or 03, else
 * WireError `wire.bad_point`. For fields a receiver may drop unread (BOLT 4 `onion_message`'s
 * `path_key`, which the rate limit must see before any curve work; its peel's ECDH rejects a
 * point off the curve with a typed error).
 */
export function readPointShape(r: ByteReader, field = 'point'): Uint8Array {
  const p = readFixedBytes(r, POINT_LENGTH, field);
  if (p[0] !== 2 && p[0] !== 3) throw new WireError('wire.bad_point', `${field}: not a compressed point`, { field });
  return p;
}

/**
 * Writes a `point`. Only the shape is checked (33 bytes, prefix 02 or 03): the full on-curve check
 * costs about as much as an ECDH (~1 ms here) and is done where it matters, on `readPoint`.
 */
export function writePoint(w: ByteWriter, p: Uint8Array, field = 'point'): void {
  if (!(p instanceof Uint8Array) || p.length !== POINT_LENGTH || (p[0] !== 2 && p[0] !== 3)) {
    throw new WireError('wire.bad_point', `${field}: not a valid compressed point`, { field });
  }
  w.writeBytes(p);
}

/** BOLT 1 `signature`: 64 bytes (compact r || s). Validity is checked by whoever verifies it. */
export function readSignature(r: ByteReader, field = 'signature'): Uint8Array {
  return readFixedBytes(r, SIGNATURE_LENGTH, field);
}

export function writeSignature(w: ByteWriter, sig: Uint8Array, field = 'signature'): void {
  writeFixedBytes(w, sig, SIGNATURE_LENGTH, field);
}

/** BOLT 1 `sha256` (also `chain_hash`, `channel_id`, 32-byte secrets): 32 bytes. */
export function readHash32(r: ByteReader, field = 'sha256'): Uint8Array {
  return readFixedBytes(r, HASH_LENGTH, field);
}

export function writeHash32(w: ByteWriter, h: Uint8Array, field = 'sha256'): void {
  writeFixedBytes(w, h, HASH_LENGTH, field);
}

// ---------------------------------------------------------------------------------------------
// Truncated integers (BOLT 1: "Leading zeros in truncated integers MUST be omitted")

function truncatedFrom(bytes: Uint8Array, maxBytes: 2 | 4 | 8, field: string): bigint {
  if (bytes.length > maxBytes) {
    throw new WireError('wire.tlv_bad_length', `${field}: ${bytes.length} bytes is longer than tu${maxBytes * 8}`, { field });
  }
  return new ByteReader(bytes).readTruncated(maxBytes, field);
}

export function encodeTu16(v: number): Uint8Array {
  return new ByteWriter(2).writeTruncated(v, 2, 'tu16').finish();
}
export function encodeTu32(v: number): Uint8Array {
  return new ByteWriter(4).writeTruncated(v, 4, 'tu32').finish();
}
export function encodeTu64(v: bigint): Uint8Array {
  return new ByteWriter(8).writeTruncated(v, 8, 'tu64').finish();
}
/** Decodes a whole byte string as a tu16 (`wire.tlv_bad_length` if too long, `wire.tu_not_minimal`). */
export function decodeTu16(bytes: Uint8Array, field = 'tu16'): number {
  return Number(truncatedFrom(bytes, 2, field));
}
export function decodeTu32(bytes: Uint8Array, field = 'tu32'): number {
  return Number(truncatedFrom(bytes, 4, field));
}
export function decodeTu64(bytes: Uint8Array, field = 'tu64'): bigint {
  return truncatedFrom(bytes, 8, field);
}

// ---------------------------------------------------------------------------------------------
// Signed integers as standalone codecs (BOLT 1 Appendix D)

export function encodeS8(v: number): Uint8Array {
  return new ByteWriter(1).writeS8(v).finish();
}
export function encodeS16(v: number): Uint8Array {
  return new ByteWriter(2).writeS16(v).finish();
}
export function encodeS32(v: number): Uint8Array {
  return new ByteWriter(4).writeS32(v).finish();
}
export function encodeS64(v: bigint): Uint8Array {
  return new ByteWriter(8).writeS64(v).finish();
}

/** Decodes exactly 1, 2, 4 or 8 bytes as s8/s16/s32/s64 (the width is the input's length). */
export function decodeSigned(bytes: Uint8Array, field = 'signed'): bigint {
  const r = new ByteReader(bytes);
  let v: bigint;
  switch (bytes.length) {
    case 1: v = BigInt(r.readS8(field)); break;
    case 2: v = BigInt(r.readS16(field)); break;
    case 4: v = BigInt(r.readS32(field)); break;
    case 8: v = r.readS64(field); break;
    default: throw new WireError('wire.bad_value', `${field}: ${bytes.length} bytes is not a signed integer width`);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// short_channel_id (BOLT 7 "Definition of short_channel_id")

/** BOLT 7: block height (3 bytes) || transaction index (3 bytes) || output index (2 bytes), as a u64. */
export type ShortChannelId = bigint;

export function shortChannelIdFromParts(block: number, txIndex: number, outputIndex: number): ShortChannelId {
  const ok = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max;
  if (!ok(block, 0xffffff) || !ok(txIndex, 0xffffff) || !ok(outputIndex, 0xffff)) {
    throw new WireError('wire.bad_value', `short_channel_id: ${block}x${txIndex}x${outputIndex} is out of range`);
  }
  // BOLT 7: the most significant 3 bytes are the block height, the next 3 the tx index, the last 2 the output.
  return (BigInt(block) << 40n) | (BigInt(txIndex) << 16n) | BigInt(outputIndex);
}

export function shortChannelIdParts(scid: ShortChannelId): { block: number; txIndex: number; outputIndex: number } {
  if (typeof scid !== 'bigint' || scid < 0n || scid > 0xffffffffffffffffn) {
    throw new WireError('wire.bad_value', 'short_channel_id: not a u64');
  }
  return {
    block: Number(scid >> 40n),
    txIndex: Number((scid >> 16n) & 0xffffffn),
    outputIndex: Number(scid & 0xffffn),
  };
}

/** BOLT 7 human-readable form "BLOCKxTXxOUT", e.g. `539268x845x1`. */
export function formatShortChannelId(scid: ShortChannelId): string {
  const { block, txIndex, outputIndex } = shortChannelIdParts(scid);
  return `${block}x${txIndex}x${outputIndex}`;
}

/** Parses "BLOCKxTXxOUT" (decimal, no signs or spaces). Throws `wire.bad_value`. */
export function parseShortChannelId(text: string): ShortChannelId {
  const m = typeof text === 'string' ? /^(\d{1,8})x(\d{1,8})x(\d{1,5})$/.exec(text) : null;
  if (!m) throw new WireError('wire.bad_value', `short_channel_id: "${String(text)}" is not BLOCKxTXxOUT`);
  return shortChannelIdFromParts(Number(m[1]), Number(m[2]), Number(m[3]));
}

// ---------------------------------------------------------------------------------------------
// chain_hash (BOLT 0)

export type Network = 'mainnet' | 'testnet' | 'testnet4' | 'signet' | 'regtest';

/**
 * BOLT 0 `chain_hash`: the genesis block hash "not reversed but used directly", i.e. the
 * double-SHA256 of the genesis header in its natural (internal) byte order — the reverse of what
 * `bitcoin-cli getblockhash 0` prints. BOLT 0 gives the mainnet value verbatim; the others follow
 * the same rule (tests recompute each from its genesis header).
 */
export const CHAIN_HASH_HEX: Readonly<Record<Network, string>> = Object.freeze({
  // BOLT 0: "For the main chain Bitcoin blockchain, the chain_hash value MUST be ..."
  mainnet: '6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000',
  testnet: '43497fd7f826957108f4a30fd9cec3aeba79972084e90ead01ea330900000000',
  testnet4: '43f08bdab050e35b567c864b91f47f50ae725ae2de53bcfbbaf284da00000000',
  signet: 'f61eee3b63a380a477a063af32b2bbc97c9ff9f01f2c4225e973988108000000',
  regtest: '06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f',
});

/** The `chain_hash` of `network` (a fresh copy each call). */
export function chainHash(network: Network): Uint8Array {
  return fromHex(CHAIN_HASH_HEX[network]);
}

/** The network whose `chain_hash` is `hash`, or undefined for an unknown chain. */
export function networkOfChainHash(hash: Uint8Array): Network | undefined {
  const hex = toHex(hash);
  return (Object.keys(CHAIN_HASH_HEX) as Network[]).find((n) => CHAIN_HASH_HEX[n] === hex);
}

// ---------------------------------------------------------------------------------------------
// channel_id (BOLT 2 "Definition of channel_id")

/** BOLT 1 `channel_id`: 32 bytes. All zeros means "all channels" in error/warning. */
export type ChannelId = Uint8Array;

export function isAllZeroChannelId(id: Uint8Array): boolean {
  return id.length === HASH_LENGTH && id.every((b) => b === 0);
}

/**
 * BOLT 2 v1 channel_id: `funding_txid` XOR `funding_output_index`, big-endian, so the index
 * alters the last 2 bytes. `fundingTxid` is in its internal (serialized) byte order, the reverse
 * of the hex a block explorer shows.
 */
export function channelIdFromFunding(fundingTxid: Uint8Array, fundingOutputIndex: number): ChannelId {
  if (!(fundingTxid instanceof Uint8Array) || fundingTxid.length !== HASH_LENGTH) {
    throw new WireError('wire.bad_value', 'funding_txid: expected 32 bytes');
  }
  if (!Number.isInteger(fundingOutputIndex) || fundingOutputIndex < 0 || fundingOutputIndex > 0xffff) {
    throw new WireError('wire.bad_value', 'funding_output_index: must fit in 2 bytes');
  }
  const id = fundingTxid.slice();
  id[30] = id[30]! ^ (fundingOutputIndex >>> 8);
  id[31] = id[31]! ^ (fundingOutputIndex & 0xff);
  return id;
}

/** BOLT 2 v2 channel_id: SHA256(lesser-revocation-basepoint || greater-revocation-basepoint). */
export function channelIdV2(revocationBasepointA: Uint8Array, revocationBasepointB: Uint8Array): ChannelId {
  const [lesser, greater] =
    compareBytes(revocationBasepointA, revocationBasepointB) <= 0
      ? [revocationBasepointA, revocationBasepointB]
      : [revocationBasepointB, revocationBasepointA];
  return sha256(concatBytes(lesser, greater));
}
