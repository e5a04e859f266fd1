/**
 * Decoding a message for us by its family, and encoding a typed family's answer as the message
 * record it travels in. The numbers are the one table in constants.ts (`MESSAGE_TLV`).
 */
import type { AsyncMessageForm, TlvRecord } from '../wire';
import { asyncMessageStream, decodeTlvStream } from '../wire';
import { parseInvoiceBytes, parseInvoiceErrorBytes, parseInvoiceRequestBytes, parseStaticInvoiceBytes } from '../offers';
import type { OffersMessage, OffersMessageBytes } from '../offers/ports';
import { MESSAGE_TLV } from './constants';
import type { AsyncPaymentsMessage, AsyncPaymentsMessageType, AsyncPaymentsResponse } from './handlers';

const OFFERS_TYPES: Readonly<Record<OffersMessage['type'], bigint>> = {
  invoice_request: MESSAGE_TLV.invoiceRequest,
  invoice: MESSAGE_TLV.invoice,
  invoice_error: MESSAGE_TLV.invoiceError,
};

const ASYNC_TYPES: Readonly<Record<AsyncPaymentsMessage['type'], bigint>> = {
  static_invoice: MESSAGE_TLV.staticInvoice,
  held_htlc_available: MESSAGE_TLV.heldHtlcAvailable,
  release_held_htlc: MESSAGE_TLV.releaseHeldHtlc,
  offer_paths_request: MESSAGE_TLV.offerPathsRequest,
  offer_paths: MESSAGE_TLV.offerPaths,
  serve_static_invoice: MESSAGE_TLV.serveStaticInvoice,
  static_invoice_persisted: MESSAGE_TLV.staticInvoicePersisted,
};

function nameOf<K extends string>(table: Readonly<Record<K, bigint>>, tlvType: bigint): K | undefined {
  return (Object.keys(table) as K[]).find((k) => table[k] === tlvType);
}

/** An offers record (64/66/68) decoded; a value that does not decode is still delivered, with its errors. */
export function decodeOffersMessage(tlvType: bigint, bytes: Uint8Array): OffersMessage {
  switch (nameOf(OFFERS_TYPES, tlvType)) {
    case 'invoice_request':
      return { type: 'invoice_request', bytes, decoded: parseInvoiceRequestBytes(bytes) };
    case 'invoice':
      return { type: 'invoice', bytes, decoded: parseInvoiceBytes(bytes) };
    case 'invoice_error':
      return { type: 'invoice_error', bytes, decoded: parseInvoiceErrorBytes(bytes) };
    default:
      throw new RangeError(`TLV type ${tlvType} is not an offers message`);
  }
}

/**
 * An async payments record decoded: the static invoice with its codec (errors listed), the others
 * as a TLV stream (throws WireError when it is not one: the stream rules of BOLT 1).
 */
export function decodeAsyncPaymentsMessage(tlvType: bigint, bytes: Uint8Array, form: AsyncMessageForm = {}): AsyncPaymentsMessage {
  const type = nameOf(ASYNC_TYPES, tlvType);
  if (type === undefined) throw new RangeError(`TLV type ${tlvType} is not an async payments message`);
  if (type === 'static_invoice') return { type, bytes, decoded: parseStaticInvoiceBytes(bytes) };
  const t = type as AsyncPaymentsMessageType;
  // `bytes` stay as received (the handlers decode them in the profile's form); `tlvs` are the stream's records.
  return { type: t, bytes, tlvs: decodeTlvStream(asyncMessageStream(t, bytes, form), { name: type }) };
}

/** The message record an offers message travels in. */
export function offersRecord(message: OffersMessageBytes): TlvRecord {
  return { type: OFFERS_TYPES[message.type], value: message.bytes };
}

/** The message record an async payments answer travels in. */
export function asyncPaymentsRecord(response: AsyncPaymentsResponse): TlvRecord {
  return { type: ASYNC_TYPES[response.message.type], value: response.message.bytes };
}
