/**
 * The async payments onion messages' contents (the value of their `onionmsg_tlv` record, numbers in
 * async-payments.ts): each is a TLV stream. lightning/bolts#1149 names `held_htlc_available` and
 * `release_held_htlc` as empty streams and leaves the static invoice server messages out, so the
 * fields are rust-lightning 0.2.7's (`onion_message/async_payments.rs`, `impl_writeable_tlv_based!`):
 *
 * | message                    | type | field                          | encoding                                  |
 * |----------------------------|------|--------------------------------|-------------------------------------------|
 * | `offer_paths_request`      | 0    | `invoice_slot` (required)      | u16                                       |
 * | `offer_paths`              | 0    | `paths` (required, may be empty) | `blinded_path` × n, no count (until end) |
 * |                            | 2    | `paths_absolute_expiry`        | u64 (seconds since the epoch)             |
 * | `serve_static_invoice`     | 0    | `invoice` (required)           | the static invoice's TLV stream            |
 * |                            | 2    | `forward_invoice_request_path` (required) | `blinded_path`                 |
 * | `static_invoice_persisted` | —    | (empty)                        |                                           |
 * | `held_htlc_available`      | —    | (empty)                        |                                           |
 * | `release_held_htlc`        | —    | (empty)                        |                                           |
 *
 * The form differs between the two: LDK 0.2 writes each message as `impl_writeable_tlv_based!` does
 * (`write_tlv_fields!`): a BigSize length, then the stream — so an empty message is the one byte 00
 * — and reads only that form; lightning/bolts#1149 has the bare stream. The profile says which
 * (`AsyncPaymentsProfile.lengthPrefixedMessages`, passed here as `{ lengthPrefixed }`).
 *
 * BOLT 1 stream rules apply (ascending types, unknown even types fail, unknown odd types are kept).
 * A known field of the wrong length, a missing required field or a blinded path without hops is
 * `wire.bad_value` (LDK: `DecodeError::InvalidValue`). The static invoice is carried as bytes; its
 * codec is core/offers' (`parseStaticInvoiceBytes`).
 */
import { readBlindedPath, writeBlindedPath } from './blinded-path';
import type { BlindedPath } from './blinded-path';
import { WireError } from './errors';
import { ByteReader } from './reader';
import type { TlvRecord } from './tlv';
import { decodeTlvStream, encodeTlvStream } from './tlv';
import { ByteWriter } from './writer';

export type AsyncOnionMessage =
  | { readonly type: 'offer_paths_request'; readonly invoiceSlot: number; readonly unknownRecords?: readonly TlvRecord[] }
  | {
      readonly type: 'offer_paths';
      readonly paths: readonly BlindedPath[];
      /** Seconds since the Unix epoch after which `paths` are not to be used. */
      readonly pathsAbsoluteExpiry?: bigint;
      readonly unknownRecords?: readonly TlvRecord[];
    }
  | {
      readonly type: 'serve_static_invoice';
      /** The static invoice's TLV stream (core/offers decodes it). */
      readonly invoice: Uint8Array;
      /** Where the server forwards invoice_requests for this invoice's offer to the recipient. */
      readonly forwardInvoiceRequestPath: BlindedPath;
      readonly unknownRecords?: readonly TlvRecord[];
    }
  | { readonly type: 'static_invoice_persisted' | 'held_htlc_available' | 'release_held_htlc'; readonly unknownRecords?: readonly TlvRecord[] };

export type AsyncOnionMessageType = AsyncOnionMessage['type'];

const KNOWN: Readonly<Record<AsyncOnionMessageType, readonly bigint[]>> = {
  offer_paths_request: [0n],
  offer_paths: [0n, 2n],
  serve_static_invoice: [0n, 2n],
  static_invoice_persisted: [],
  held_htlc_available: [],
  release_held_htlc: [],
};

function bad(type: AsyncOnionMessageType, message: string, field?: string): WireError {
  return new WireError('wire.bad_value', `${type}: ${message}`, field ? { field } : undefined);
}

function pathBytes(path: BlindedPath, type: AsyncOnionMessageType, field: string): Uint8Array {
  if (path.hops.length === 0) throw bad(type, `${field} has no hops`, field);
  const w = new ByteWriter();
  writeBlindedPath(w, path);
  return w.finish();
}

function readPath(r: ByteReader, type: AsyncOnionMessageType, field: string): BlindedPath {
  const path = readBlindedPath(r, field);
  if (path.hops.length === 0) throw bad(type, `${field} has no hops`, field);
  return path;
}

/** Whether a message is the bare TLV stream (lightning/bolts#1149) or prefixed with its BigSize length (LDK 0.2). */
export interface AsyncMessageForm {
  readonly lengthPrefixed?: boolean;
}

/** The message's TLV stream (the value of its `onionmsg_tlv` record). Bad arguments are `wire.bad_value`. */
export function encodeAsyncOnionMessage(m: AsyncOnionMessage, form: AsyncMessageForm = {}): Uint8Array {
  const records: TlvRecord[] = [];
  switch (m.type) {
    case 'offer_paths_request':
      if (!Number.isInteger(m.invoiceSlot) || m.invoiceSlot < 0 || m.invoiceSlot > 0xffff) throw bad(m.type, 'invoice_slot is a u16', 'invoice_slot');
      records.push({ type: 0n, value: new ByteWriter().writeU16(m.invoiceSlot).finish() });
      break;
    case 'offer_paths': {
      const w = new ByteWriter();
      for (const p of m.paths) w.writeBytes(pathBytes(p, m.type, 'paths'));
      records.push({ type: 0n, value: w.finish() });
      if (m.pathsAbsoluteExpiry !== undefined) {
        if (m.pathsAbsoluteExpiry < 0n || m.pathsAbsoluteExpiry >= 1n << 64n) throw bad(m.type, 'paths_absolute_expiry is a u64', 'paths_absolute_expiry');
        records.push({ type: 2n, value: new ByteWriter().writeU64(m.pathsAbsoluteExpiry).finish() });
      }
      break;
    }
    case 'serve_static_invoice':
      if (!(m.invoice instanceof Uint8Array)) throw bad(m.type, 'invoice must be bytes', 'invoice');
      records.push({ type: 0n, value: m.invoice }, { type: 2n, value: pathBytes(m.forwardInvoiceRequestPath, m.type, 'forward_invoice_request_path') });
      break;
    default:
      break;
  }
  const known = KNOWN[m.type];
  for (const r of m.unknownRecords ?? []) {
    if (r.type % 2n === 0n || known.includes(r.type)) throw bad(m.type, `extra record type ${r.type} is even or a known field`);
    records.push(r);
  }
  const stream = encodeTlvStream(records, m.type);
  return form.lengthPrefixed ? new ByteWriter().writeBigSize(stream.length).writeBytes(stream).finish() : stream;
}

/** Decodes a message's TLV stream (in `form`); anything malformed is a WireError. */
export function decodeAsyncOnionMessage<T extends AsyncOnionMessageType>(type: T, bytes: Uint8Array, form: AsyncMessageForm = {}): Extract<AsyncOnionMessage, { type: T }> {
  return decodeAny(type, asyncMessageStream(type, bytes, form)) as Extract<AsyncOnionMessage, { type: T }>;
}

/** A message's TLV stream: `bytes` itself, or (LDK's form) what follows its BigSize length, which must be all that follows. */
export function asyncMessageStream(type: AsyncOnionMessageType, bytes: Uint8Array, form: AsyncMessageForm = {}): Uint8Array {
  return form.lengthPrefixed ? unprefixed(type, bytes) : bytes;
}

/** LDK: `read_tlv_fields!`. */
function unprefixed(type: AsyncOnionMessageType, bytes: Uint8Array): Uint8Array {
  const r = new ByteReader(bytes);
  const length = r.readBigSize('length');
  if (length !== BigInt(r.remaining)) throw bad(type, `its length prefix says ${length} bytes, ${r.remaining} follow`, 'length');
  return r.readRest();
}

function decodeAny(type: AsyncOnionMessageType, bytes: Uint8Array): AsyncOnionMessage {
  const known = KNOWN[type];
  if (known === undefined) throw new WireError('wire.bad_value', `${String(type)} is not an async payments message`);
  const records = decodeTlvStream(bytes, { isKnown: (t) => known.includes(t), name: type });
  const field = (t: bigint) => records.find((r) => r.type === t)?.value;
  const unknown = records.filter((r) => !known.includes(r.type));
  const extra = unknown.length > 0 ? { unknownRecords: unknown } : {};
  const exact = (value: Uint8Array, read: (r: ByteReader) => void, name: string) => {
    const r = new ByteReader(value);
    read(r);
    if (!r.atEnd) throw bad(type, `${name} has trailing bytes`, name);
  };
  switch (type) {
    case 'offer_paths_request': {
      const v = field(0n);
      if (v === undefined) throw bad(type, 'invoice_slot is missing', 'invoice_slot');
      let invoiceSlot = 0;
      exact(v, (r) => (invoiceSlot = r.readU16('invoice_slot')), 'invoice_slot');
      return { type, invoiceSlot, ...extra };
    }
    case 'offer_paths': {
      // LDK `required_vec`: an absent record reads as no paths.
      const paths: BlindedPath[] = [];
      const v = field(0n);
      if (v !== undefined) {
        const r = new ByteReader(v);
        while (!r.atEnd) paths.push(readPath(r, type, `paths[${paths.length}]`));
      }
      const e = field(2n);
      let expiry: bigint | undefined;
      if (e !== undefined) exact(e, (r) => (expiry = r.readU64('paths_absolute_expiry')), 'paths_absolute_expiry');
      return { type, paths, ...(expiry !== undefined ? { pathsAbsoluteExpiry: expiry } : {}), ...extra };
    }
    case 'serve_static_invoice': {
      const invoice = field(0n);
      const p = field(2n);
      if (invoice === undefined) throw bad(type, 'invoice is missing', 'invoice');
      if (p === undefined) throw bad(type, 'forward_invoice_request_path is missing', 'forward_invoice_request_path');
      let path: BlindedPath | undefined;
      exact(p, (r) => (path = readPath(r, type, 'forward_invoice_request_path')), 'forward_invoice_request_path');
      return { type, invoice: invoice.slice(), forwardInvoiceRequestPath: path!, ...extra };
    }
    default:
      return { type, ...extra };
  }
}
