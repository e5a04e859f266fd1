/**
 * BOLT 4 `payload` TLV stream: the per-hop payload of a payment onion, as a typed codec.
 * Unknown odd records are kept byte for byte; unknown even records fail to parse.
 *
 * Two final-hop records of async payments (lightning/bolts#1149) are known too, at the numbers of
 * the configured profile (core/wire async-payments.ts): the payer's `invoice_request` and the
 * payer-chosen preimage (`sender_provided_payment_preimage`, LDK's keysend record 5482373484 —
 * even, so a node that does not know it refuses the payment).
 */
import type { AsyncPaymentsProfile, TlvRecord } from '../wire';
import { DEFAULT_ASYNC_PAYMENTS_PROFILE } from '../wire';
import { PAYMENT_TLV } from './constants';
import { OnionError } from './errors';
import { assertPoint, decodeRecords, encodeRecords, encoding, readField, readPointValue, record } from './tlv-fields';

/** BOLT 4 `payment_data` (type 8). */
export interface PaymentData {
  /** BOLT 4 `payment_secret` (32 bytes) */
  readonly paymentSecret: Uint8Array;
  /** BOLT 4 `total_msat` (tu64) */
  readonly totalMsat: bigint;
}

/** BOLT 4 `payload`. Every field is optional on the wire; which ones a hop needs depends on its role. */
export interface PaymentHopPayload {
  /** BOLT 4 `amt_to_forward` (type 2, tu64 msat) */
  readonly amtToForward?: bigint;
  /** BOLT 4 `outgoing_cltv_value` (type 4, tu32) */
  readonly outgoingCltvValue?: number;
  /** BOLT 4 `short_channel_id` (type 6) */
  readonly shortChannelId?: bigint;
  /** BOLT 4 `payment_data` (type 8) */
  readonly paymentData?: PaymentData;
  /** BOLT 4 `encrypted_recipient_data` (type 10) */
  readonly encryptedRecipientData?: Uint8Array;
  /** BOLT 4 `current_path_key` (type 12, point) */
  readonly currentPathKey?: Uint8Array;
  /** BOLT 4 `payment_metadata` (type 16) */
  readonly paymentMetadata?: Uint8Array;
  /** BOLT 4 `total_amount_msat` (type 18, tu64) */
  readonly totalAmountMsat?: bigint;
  /** Async payments `invoice_request` (LDK 77777, draft 1): the payer's invoice_request TLV stream, as sent to the offer. */
  readonly invoiceRequest?: Uint8Array;
  /** Async payments `sender_provided_payment_preimage` (5482373484, 32 bytes): the preimage the payer picked. Secret. */
  readonly senderPreimage?: Uint8Array;
  /** Records of types this codec does not know (odd ones only, when decoded). */
  readonly unknownRecords?: readonly TlvRecord[];
}

const CODE = 'onion.bad_payload';

/** Which async payments numbers the payload codec knows (default: LDK's). */
export interface PaymentPayloadOptions {
  readonly asyncPayments?: AsyncPaymentsProfile;
}

function knownTypes(profile: AsyncPaymentsProfile): ReadonlySet<bigint> {
  return new Set<bigint>([...Object.values(PAYMENT_TLV), profile.invoiceRequestTlv, profile.senderPreimageTlv]);
}

export function encodePaymentHopPayload(p: PaymentHopPayload, opts: PaymentPayloadOptions = {}): Uint8Array {
  const profile = opts.asyncPayments ?? DEFAULT_ASYNC_PAYMENTS_PROFILE;
  const KNOWN = knownTypes(profile);
  return encoding('payment payload', () => {
    const records: TlvRecord[] = [];
    if (p.amtToForward !== undefined) records.push(record(PAYMENT_TLV.amtToForward, (w) => w.writeTruncated(p.amtToForward!, 8, 'amt_to_forward')));
    if (p.outgoingCltvValue !== undefined) {
      records.push(record(PAYMENT_TLV.outgoingCltvValue, (w) => w.writeTruncated(p.outgoingCltvValue!, 4, 'outgoing_cltv_value')));
    }
    if (p.shortChannelId !== undefined) records.push(record(PAYMENT_TLV.shortChannelId, (w) => w.writeU64(p.shortChannelId!, 'short_channel_id')));
    if (p.paymentData !== undefined) {
      const { paymentSecret, totalMsat } = p.paymentData;
      if (!(paymentSecret instanceof Uint8Array) || paymentSecret.length !== 32) {
        throw new OnionError('onion.bad_argument', 'payment_secret must be 32 bytes');
      }
      records.push(record(PAYMENT_TLV.paymentData, (w) => w.writeBytes(paymentSecret).writeTruncated(totalMsat, 8, 'total_msat')));
    }
    if (p.encryptedRecipientData !== undefined) records.push({ type: PAYMENT_TLV.encryptedRecipientData, value: p.encryptedRecipientData });
    if (p.currentPathKey !== undefined) {
      records.push({ type: PAYMENT_TLV.currentPathKey, value: assertPoint(p.currentPathKey, 'current_path_key') });
    }
    if (p.paymentMetadata !== undefined) records.push({ type: PAYMENT_TLV.paymentMetadata, value: p.paymentMetadata });
    if (p.totalAmountMsat !== undefined) {
      records.push(record(PAYMENT_TLV.totalAmountMsat, (w) => w.writeTruncated(p.totalAmountMsat!, 8, 'total_amount_msat')));
    }
    if (p.invoiceRequest !== undefined) records.push({ type: profile.invoiceRequestTlv, value: p.invoiceRequest });
    if (p.senderPreimage !== undefined) {
      if (!(p.senderPreimage instanceof Uint8Array) || p.senderPreimage.length !== 32) throw new OnionError('onion.bad_argument', 'sender_provided_payment_preimage must be 32 bytes');
      records.push({ type: profile.senderPreimageTlv, value: p.senderPreimage });
    }
    for (const r of p.unknownRecords ?? []) {
      if (KNOWN.has(r.type)) throw new OnionError('onion.bad_argument', `unknown record type ${r.type} is a known payload type`);
      records.push(r);
    }
    return encodeRecords(records, 'payload');
  });
}

/** Decodes a hop's `payload`. Malformed input is OnionParseError `onion.bad_payload` (details.type/offset when known). */
export function decodePaymentHopPayload(bytes: Uint8Array, opts: PaymentPayloadOptions = {}): PaymentHopPayload {
  const profile = opts.asyncPayments ?? DEFAULT_ASYNC_PAYMENTS_PROFILE;
  const KNOWN = knownTypes(profile);
  const records = decodeRecords(bytes, (t) => KNOWN.has(t), CODE, 'payload');
  const out: {
    -readonly [K in keyof PaymentHopPayload]: PaymentHopPayload[K];
  } = {};
  const unknown: TlvRecord[] = [];
  records.forEach((rec, i) => {
    const value = rec.value.slice();
    switch (rec.type) {
      case PAYMENT_TLV.amtToForward:
        out.amtToForward = readField(records, i, CODE, 'amt_to_forward', (r) => r.readTruncated(8, 'amt_to_forward'));
        break;
      case PAYMENT_TLV.outgoingCltvValue:
        out.outgoingCltvValue = Number(readField(records, i, CODE, 'outgoing_cltv_value', (r) => r.readTruncated(4, 'outgoing_cltv_value')));
        break;
      case PAYMENT_TLV.shortChannelId:
        out.shortChannelId = readField(records, i, CODE, 'short_channel_id', (r) => r.readU64('short_channel_id'));
        break;
      case PAYMENT_TLV.paymentData:
        out.paymentData = readField(records, i, CODE, 'payment_data', (r) => ({
          paymentSecret: r.readBytes(32, 'payment_secret').slice(),
          totalMsat: r.readTruncated(8, 'total_msat'),
        }));
        break;
      case PAYMENT_TLV.encryptedRecipientData:
        out.encryptedRecipientData = value;
        break;
      case PAYMENT_TLV.currentPathKey:
        out.currentPathKey = readField(records, i, CODE, 'current_path_key', (r) => readPointValue(r, 'current_path_key'));
        break;
      case PAYMENT_TLV.paymentMetadata:
        out.paymentMetadata = value;
        break;
      case PAYMENT_TLV.totalAmountMsat:
        out.totalAmountMsat = readField(records, i, CODE, 'total_amount_msat', (r) => r.readTruncated(8, 'total_amount_msat'));
        break;
      default:
        if (rec.type === profile.invoiceRequestTlv) out.invoiceRequest = value;
        else if (rec.type === profile.senderPreimageTlv) {
          out.senderPreimage = readField(records, i, CODE, 'sender_provided_payment_preimage', (r) => r.readBytes(32, 'sender_provided_payment_preimage').slice());
        } else unknown.push({ type: rec.type, value });
    }
  });
  if (unknown.length > 0) out.unknownRecords = unknown;
  return out;
}
