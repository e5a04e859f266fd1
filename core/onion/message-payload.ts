/**
 * BOLT 4 `onionmsg_tlv`: the per-hop payload of an onion message. `reply_path` and
 * `encrypted_recipient_data` are typed; records of type 64 and above are the message itself
 * (invoice_request, invoice, ...) and stay opaque here, for the handlers that understand them.
 */
import type { BlindedPath, ByteReader, TlvRecord } from '../wire';
import { LIMITS, encodeBlindedPath, readBlindedPath } from '../wire';
import { ONIONMSG_TLV } from './constants';
import { OnionError } from './errors';
import { decodeRecords, encodeRecords, encoding, readField } from './tlv-fields';

export interface OnionMessagePayload {
  /** BOLT 4 `reply_path` (type 2): where the recipient may answer. */
  readonly replyPath?: BlindedPath;
  /** BOLT 4 `encrypted_recipient_data` (type 4) */
  readonly encryptedRecipientData?: Uint8Array;
  /** Records of type >= 64, in type order: the message contents, opaque to this layer. */
  readonly messageRecords?: readonly TlvRecord[];
  /** Unknown odd records below 64, kept byte for byte. */
  readonly unknownRecords?: readonly TlvRecord[];
}

const CODE = 'onion.bad_payload';
const isKnown = (t: bigint): boolean =>
  t === ONIONMSG_TLV.replyPath || t === ONIONMSG_TLV.encryptedRecipientData || t >= ONIONMSG_TLV.firstMessageType;

export function encodeOnionMessagePayload(p: OnionMessagePayload): Uint8Array {
  return encoding('onionmsg_tlv', () => {
    const records: TlvRecord[] = [];
    if (p.replyPath !== undefined) records.push({ type: ONIONMSG_TLV.replyPath, value: encodeBlindedPath(p.replyPath) });
    if (p.encryptedRecipientData !== undefined) records.push({ type: ONIONMSG_TLV.encryptedRecipientData, value: p.encryptedRecipientData });
    for (const r of p.messageRecords ?? []) {
      if (r.type < ONIONMSG_TLV.firstMessageType) throw new OnionError('onion.bad_argument', `message record type ${r.type} is below 64`);
      records.push(r);
    }
    for (const r of p.unknownRecords ?? []) {
      if (isKnown(r.type)) throw new OnionError('onion.bad_argument', `unknown record type ${r.type} is a known onionmsg_tlv type`);
      records.push(r);
    }
    return encodeRecords(records, 'onionmsg_tlv');
  });
}

export interface DecodeOnionMessagePayloadOptions {
  /**
   * The longest `reply_path` read (default `LIMITS.blindedPathHops`): a longer one is refused as
   * soon as its `num_hops` is read, before its points are checked — OnionParseError
   * `onion.bad_payload` with `details.field` = 'reply_path' and `details.cause` = 'wire.too_large'.
   */
  readonly maxReplyPathHops?: number;
}

/**
 * Decodes an `onionmsg_tlv`. Malformed input, and more records than any writer puts there
 * (`LIMITS.onionRecords`), is OnionParseError `onion.bad_payload`.
 */
export function decodeOnionMessagePayload(bytes: Uint8Array, opts: DecodeOnionMessagePayloadOptions = {}): OnionMessagePayload {
  const records = decodeRecords(bytes, isKnown, CODE, 'onionmsg_tlv', LIMITS.onionRecords);
  const maxHops = opts.maxReplyPathHops ?? LIMITS.blindedPathHops;
  const out: { -readonly [K in keyof OnionMessagePayload]: OnionMessagePayload[K] } = {};
  const messages: TlvRecord[] = [];
  const unknown: TlvRecord[] = [];
  records.forEach((rec, i) => {
    if (rec.type === ONIONMSG_TLV.replyPath) {
      out.replyPath = readField(records, i, CODE, 'reply_path', (r: ByteReader) => readBlindedPath(r, 'reply_path', { maxHops }));
    } else if (rec.type === ONIONMSG_TLV.encryptedRecipientData) {
      out.encryptedRecipientData = rec.value.slice();
    } else if (rec.type >= ONIONMSG_TLV.firstMessageType) {
      messages.push({ type: rec.type, value: rec.value.slice() });
    } else {
      unknown.push({ type: rec.type, value: rec.value.slice() });
    }
  });
  if (messages.length > 0) out.messageRecords = messages;
  if (unknown.length > 0) out.unknownRecords = unknown;
  return out;
}
