/**
 * The "send an onion message" form: checks each field as it is typed and builds the
 * `sendOnionMessage` parameters. The node checks everything again; this is for saying what is
 * wrong before a round trip, next to the field it is about.
 */
import type { Params } from '../../../core/api/methods';

/** BOLT 4 "Field numbers 64 and above are reserved for payloads for the final hop" (onionmsg_tlv). */
export const FIRST_MESSAGE_TLV_TYPE = 64n;
/** TLV types are BigSize values (BOLT 1): at most 2^64 - 1. */
export const MAX_TLV_TYPE = (1n << 64n) - 1n;
/** The node's schema: a record value is at most 32,768 bytes. */
export const MAX_VALUE_BYTES = 32768;
export const MAX_WAIT_SECONDS = 600;

export type Destination =
  | { readonly kind: 'node'; readonly nodeId: string }
  | { readonly kind: 'blinded_path'; readonly introduction: string; readonly hops: number };

/**
 * Reads the shape of a hex BOLT 4 `blinded_path` (no curve checks — the node does those):
 * `sciddir_or_pubkey` first_node_id (BOLT 1: 9 bytes if its first byte is 0 or 1, 33 if 2 or 3),
 * `point` first_path_key, `byte` num_hops, then num_hops × (`point` blinded_node_id, `u16`
 * enclen, encrypted_recipient_data). Returns a reason when the bytes do not have that shape.
 */
export function readBlindedPathShape(bytes: Uint8Array): { ok: true; introduction: string; hops: number } | { ok: false; reason: string } {
  let at = 0;
  const need = (n: number, what: string): string | null => (at + n > bytes.length ? `the blinded path ends inside ${what}` : null);
  const first = bytes[0];
  if (first === undefined) return { ok: false, reason: 'the blinded path is empty' };
  let introduction: string;
  if (first === 0 || first === 1) {
    const short = need(9, 'first_node_id');
    if (short) return { ok: false, reason: short };
    introduction = `short channel ${hex(bytes.subarray(1, 9))} (side ${first})`;
    at = 9;
  } else if (first === 2 || first === 3) {
    const short = need(33, 'first_node_id');
    if (short) return { ok: false, reason: short };
    introduction = hex(bytes.subarray(0, 33));
    at = 33;
  } else {
    return { ok: false, reason: 'first_node_id must start with 00, 01 (a short channel id) or 02, 03 (a node id)' };
  }
  const pathKey = need(33, 'first_path_key');
  if (pathKey) return { ok: false, reason: pathKey };
  if (bytes[at] !== 2 && bytes[at] !== 3) return { ok: false, reason: 'first_path_key is not a compressed point (02 or 03…)' };
  at += 33;
  const count = need(1, 'num_hops');
  if (count) return { ok: false, reason: count };
  const hops = bytes[at]!;
  at += 1;
  if (hops === 0) return { ok: false, reason: 'the blinded path has no hops (num_hops is 0)' };
  for (let i = 1; i <= hops; i++) {
    const head = need(35, `hop ${i} of ${hops}`);
    if (head) return { ok: false, reason: head };
    if (bytes[at] !== 2 && bytes[at] !== 3) return { ok: false, reason: `hop ${i}: blinded_node_id is not a compressed point` };
    const enclen = (bytes[at + 33]! << 8) | bytes[at + 34]!;
    at += 35;
    const data = need(enclen, `hop ${i}'s encrypted_recipient_data`);
    if (data) return { ok: false, reason: data };
    at += enclen;
  }
  if (at !== bytes.length) return { ok: false, reason: `${bytes.length - at} bytes follow the last hop` };
  return { ok: true, introduction, hops };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const HEX = /^[0-9a-fA-F]*$/;

/** A node id or a hex blinded path; null with a reason when it is neither. */
export function checkDestination(input: string): { ok: true; destination: Destination; hex: string } | { ok: false; reason: string } {
  const text = input.trim().toLowerCase();
  if (text === '') return { ok: false, reason: 'Enter a node id or a blinded path (hex).' };
  if (!HEX.test(text)) return { ok: false, reason: 'Only hex digits (0-9, a-f) are allowed.' };
  if (text.length % 2 !== 0) return { ok: false, reason: 'Hex needs an even number of digits.' };
  if (text.length === 66 && (text.startsWith('02') || text.startsWith('03'))) return { ok: true, destination: { kind: 'node', nodeId: text }, hex: text };
  if (text.length < 66) return { ok: false, reason: `A node id has 66 hex digits; this has ${text.length}.` };
  const shape = readBlindedPathShape(fromHex(text));
  if (!shape.ok) return { ok: false, reason: `Not a node id, and not a blinded path: ${shape.reason}.` };
  return { ok: true, destination: { kind: 'blinded_path', introduction: shape.introduction, hops: shape.hops }, hex: text };
}

/** A message TLV type: decimal, 64 .. 2^64-1. */
export function checkTlvType(input: string): { ok: true; type: string } | { ok: false; reason: string } {
  const text = input.trim();
  if (!/^[0-9]+$/.test(text)) return { ok: false, reason: 'The type is a whole number (64 or more).' };
  const n = BigInt(text);
  if (n < FIRST_MESSAGE_TLV_TYPE) return { ok: false, reason: 'Types below 64 are for routing; message types start at 64.' };
  if (n > MAX_TLV_TYPE) return { ok: false, reason: 'The type must be at most 2^64 - 1.' };
  return { ok: true, type: n.toString() };
}

export type ValueFormat = 'text' | 'hex';

/** The record value as lowercase hex (text is sent as its UTF-8 bytes). */
export function checkValue(input: string, format: ValueFormat): { ok: true; hex: string; bytes: number } | { ok: false; reason: string } {
  let value: string;
  if (format === 'text') {
    value = hex(new TextEncoder().encode(input));
  } else {
    const text = input.replace(/\s+/g, '').toLowerCase();
    if (!HEX.test(text)) return { ok: false, reason: 'Only hex digits (0-9, a-f) are allowed.' };
    if (text.length % 2 !== 0) return { ok: false, reason: 'Hex needs an even number of digits.' };
    value = text;
  }
  const bytes = value.length / 2;
  if (bytes > MAX_VALUE_BYTES) return { ok: false, reason: `The value is ${bytes} bytes; at most ${MAX_VALUE_BYTES} fit in one onion message.` };
  return { ok: true, hex: value, bytes };
}

/** Optional explicit route: node ids separated by commas, spaces or new lines. */
export function checkVia(input: string): { ok: true; via: string[] } | { ok: false; reason: string } {
  const ids = input.split(/[\s,]+/).filter((s) => s.length > 0).map((s) => s.toLowerCase());
  for (const [i, id] of ids.entries()) {
    if (!/^0[23][0-9a-f]{64}$/.test(id)) return { ok: false, reason: `Hop ${i + 1} is not a node id (66 hex digits starting 02 or 03).` };
  }
  if (ids.length > 20) return { ok: false, reason: 'At most 20 hops.' };
  return { ok: true, via: ids };
}

export interface SendForm {
  readonly destination: string;
  readonly tlvType: string;
  readonly value: string;
  readonly format: ValueFormat;
  readonly via: string;
  readonly replyPath: boolean;
  /** Wait this many seconds for a reply (0: do not wait). */
  readonly waitSeconds: number;
  /** Answering a message: its id. */
  readonly inReplyTo: string | null;
}

export type SendField = 'destination' | 'tlvType' | 'value' | 'via' | 'waitSeconds';

export interface SendCheck {
  /** A reason per field that has a problem. */
  readonly problems: Partial<Record<SendField, string>>;
  readonly destination: Destination | null;
  readonly params: Params<'sendOnionMessage'> | null;
}

export function checkSendForm(form: SendForm): SendCheck {
  const problems: Partial<Record<SendField, string>> = {};
  const destination = checkDestination(form.destination);
  if (!destination.ok) problems.destination = destination.reason;
  const type = checkTlvType(form.tlvType);
  if (!type.ok) problems.tlvType = type.reason;
  const value = checkValue(form.value, form.format);
  if (!value.ok) problems.value = value.reason;
  const via = checkVia(form.via);
  if (!via.ok) problems.via = via.reason;
  const wait = form.waitSeconds;
  if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_SECONDS) problems.waitSeconds = `Wait 0 to ${MAX_WAIT_SECONDS} seconds.`;
  if (!destination.ok || !type.ok || !value.ok || !via.ok || problems.waitSeconds) {
    return { problems, destination: destination.ok ? destination.destination : null, params: null };
  }
  const params: Params<'sendOnionMessage'> = {
    destination: destination.hex,
    tlvs: [{ type: type.type, value: value.hex }],
    ...(via.via.length ? { via: via.via } : {}),
    ...(form.replyPath || wait > 0 ? { replyPath: true } : {}),
    ...(wait > 0 ? { waitReplySeconds: wait } : {}),
    ...(form.inReplyTo ? { inReplyTo: form.inReplyTo } : {}),
  };
  return { problems, destination: destination.destination, params };
}
