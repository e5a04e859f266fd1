/**
 * Decoders for what callers hand the messenger as text: a destination (a node id or a hex
 * `blinded_path`) and message records (`TYPE` as a decimal string, value as hex). Each returns
 * a value or throws MessengerError; nothing else escapes.
 */
import { fromHex, isValidPublicKey, toHex } from '../crypto';
import type { BlindedPath, TlvRecord } from '../wire';
import { decodeBlindedPath, encodeBlindedPath } from '../wire';
import { isGlasswingError } from '../errors';
import { FIRST_MESSAGE_TLV_TYPE, MAX_TLV_TYPE } from './constants';
import { MessengerError } from './errors';

/** Where a message goes: a node (we build the whole blinded route) or someone's blinded path. */
export type Destination =
  | { readonly kind: 'node'; readonly nodeId: Uint8Array }
  | { readonly kind: 'blinded'; readonly path: BlindedPath };

const HEX = /^([0-9a-fA-F]{2})*$/;

/**
 * Parses a destination: 33 bytes of hex is a node id (a valid point); anything longer must be
 * exactly one BOLT 4 `blinded_path` with at least one hop.
 */
export function parseDestination(text: string): Destination {
  if (typeof text !== 'string' || text.length === 0 || !HEX.test(text)) {
    throw new MessengerError('messenger.bad_destination', 'the destination must be a node id or a blinded path, in hex');
  }
  const bytes = fromHex(text.toLowerCase(), 'destination');
  if (bytes.length === 33) {
    if (!isValidPublicKey(bytes)) throw new MessengerError('messenger.bad_destination', 'the destination node id is not a valid point');
    return { kind: 'node', nodeId: bytes };
  }
  let path: BlindedPath;
  try {
    path = decodeBlindedPath(bytes);
  } catch (e) {
    const why = isGlasswingError(e) ? e.message : 'malformed';
    throw new MessengerError('messenger.bad_destination', `the destination is not a node id (33 bytes) or a valid blinded_path: ${why}`);
  }
  if (path.hops.length === 0) throw new MessengerError('messenger.bad_destination', 'the blinded path has no hops');
  return { kind: 'blinded', path };
}

export function formatDestination(d: Destination): string {
  return d.kind === 'node' ? toHex(d.nodeId) : toHex(encodeBlindedPath(d.path));
}

/** A message record as the API carries it. */
export interface RecordText {
  /** TLV type, a decimal string (types reach 2^64 - 1). */
  readonly type: string;
  /** Value, hex. */
  readonly value: string;
}

/**
 * Turns API records into TLV records for the final hop: each type a canonical decimal in
 * 64..2^64-1, no type twice, at least one record; sorted ascending (a TLV stream's order).
 */
export function parseMessageRecords(records: readonly RecordText[]): TlvRecord[] {
  if (!Array.isArray(records) || records.length === 0) throw new MessengerError('messenger.bad_tlv', 'at least one message record (type >= 64) is required');
  const out = records.map((r, i) => {
    if (r === null || typeof r !== 'object' || typeof r.type !== 'string' || typeof r.value !== 'string') {
      throw new MessengerError('messenger.bad_tlv', `record ${i}: expected { type, value }`);
    }
    return { type: parseTlvType(r.type), value: parseHexValue(r.value, i) };
  });
  return checkMessageRecords(out);
}

/** Sorts records by type and checks the rules above (for records built in code). */
export function checkMessageRecords(records: readonly TlvRecord[]): TlvRecord[] {
  if (records.length === 0) throw new MessengerError('messenger.bad_tlv', 'at least one message record (type >= 64) is required');
  const sorted = [...records].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  sorted.forEach((r, i) => {
    if (r.type < FIRST_MESSAGE_TLV_TYPE || r.type > MAX_TLV_TYPE) {
      throw new MessengerError('messenger.bad_tlv', `record type ${r.type} is not a message type (64 .. 2^64-1)`);
    }
    if (i > 0 && sorted[i - 1]!.type === r.type) throw new MessengerError('messenger.bad_tlv', `record type ${r.type} appears twice`);
  });
  return sorted;
}

/** A TLV type as a canonical decimal string (no sign, no leading zeros) within 0..2^64-1. */
export function parseTlvType(text: string): bigint {
  if (typeof text !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(text)) {
    throw new MessengerError('messenger.bad_tlv', `"${String(text).slice(0, 40)}" is not a TLV type (a decimal number)`);
  }
  const t = BigInt(text);
  if (t > MAX_TLV_TYPE) throw new MessengerError('messenger.bad_tlv', `TLV type ${text} is above 2^64-1`);
  return t;
}

function parseHexValue(text: string, index: number): Uint8Array {
  if (!HEX.test(text)) throw new MessengerError('messenger.bad_tlv', `record ${index}: the value is not hex`);
  return fromHex(text.toLowerCase(), 'value');
}

export function formatRecords(records: readonly TlvRecord[]): RecordText[] {
  return records.map((r) => ({ type: r.type.toString(), value: toHex(r.value) }));
}
