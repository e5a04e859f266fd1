/**
 * BOLT 4 `encrypted_data_tlv`: what the creator of a blinded path tells each hop, inside
 * `encrypted_recipient_data`. A typed codec; unknown odd records are kept byte for byte.
 */
import type { TlvRecord } from '../wire';
import { LIMITS } from '../wire';
import { ENCRYPTED_DATA_TLV } from './constants';
import { OnionError } from './errors';
import { assertPoint, decodeRecords, encodeRecords, encoding, readField, readPointValue, record } from './tlv-fields';

/** BOLT 4 `payment_relay` (type 10): the fees and CLTV delta a blinded hop charges. */
export interface PaymentRelay {
  /** BOLT 4 `cltv_expiry_delta` (u16) */
  readonly cltvExpiryDelta: number;
  /** BOLT 4 `fee_proportional_millionths` (u32) */
  readonly feeProportionalMillionths: number;
  /** BOLT 4 `fee_base_msat` (tu32) */
  readonly feeBaseMsat: number;
}

/** BOLT 4 `payment_constraints` (type 12). */
export interface PaymentConstraints {
  /** BOLT 4 `max_cltv_expiry` (u32) */
  readonly maxCltvExpiry: number;
  /** BOLT 4 `htlc_minimum_msat` (tu64) */
  readonly htlcMinimumMsat: bigint;
}

export interface EncryptedDataTlv {
  /** BOLT 4 `padding` (type 1): filler so every hop's data has the same length. */
  readonly padding?: Uint8Array;
  /** BOLT 4 `short_channel_id` (type 2): the next hop, by channel. */
  readonly shortChannelId?: bigint;
  /** BOLT 4 `next_node_id` (type 4): the next hop, by node id. */
  readonly nextNodeId?: Uint8Array;
  /** BOLT 4 `path_id` (type 6): the recipient's own context, for the final hop. */
  readonly pathId?: Uint8Array;
  /** BOLT 4 `next_path_key_override` (type 8): replaces the derived next path key. */
  readonly nextPathKeyOverride?: Uint8Array;
  /** BOLT 4 `payment_relay` (type 10) */
  readonly paymentRelay?: PaymentRelay;
  /** BOLT 4 `payment_constraints` (type 12) */
  readonly paymentConstraints?: PaymentConstraints;
  /** BOLT 4 `allowed_features` (type 14): a feature bitfield (empty = none). */
  readonly allowedFeatures?: Uint8Array;
  /** Records of types this codec does not know (odd ones only, when decoded). */
  readonly unknownRecords?: readonly TlvRecord[];
}

const KNOWN = new Set<bigint>(Object.values(ENCRYPTED_DATA_TLV));
const CODE = 'onion.bad_encrypted_data';

export function encodeEncryptedDataTlv(d: EncryptedDataTlv): Uint8Array {
  return encoding('encrypted_data_tlv', () => {
    const records: TlvRecord[] = [];
    if (d.padding !== undefined) records.push({ type: ENCRYPTED_DATA_TLV.padding, value: d.padding });
    if (d.shortChannelId !== undefined) {
      records.push(record(ENCRYPTED_DATA_TLV.shortChannelId, (w) => w.writeU64(d.shortChannelId!, 'short_channel_id')));
    }
    if (d.nextNodeId !== undefined) records.push({ type: ENCRYPTED_DATA_TLV.nextNodeId, value: assertPoint(d.nextNodeId, 'next_node_id') });
    if (d.pathId !== undefined) records.push({ type: ENCRYPTED_DATA_TLV.pathId, value: d.pathId });
    if (d.nextPathKeyOverride !== undefined) {
      records.push({ type: ENCRYPTED_DATA_TLV.nextPathKeyOverride, value: assertPoint(d.nextPathKeyOverride, 'next_path_key_override') });
    }
    if (d.paymentRelay !== undefined) {
      const pr = d.paymentRelay;
      records.push(
        record(ENCRYPTED_DATA_TLV.paymentRelay, (w) =>
          w
            .writeU16(pr.cltvExpiryDelta, 'cltv_expiry_delta')
            .writeU32(pr.feeProportionalMillionths, 'fee_proportional_millionths')
            .writeTruncated(pr.feeBaseMsat, 4, 'fee_base_msat'),
        ),
      );
    }
    if (d.paymentConstraints !== undefined) {
      const pc = d.paymentConstraints;
      records.push(
        record(ENCRYPTED_DATA_TLV.paymentConstraints, (w) =>
          w.writeU32(pc.maxCltvExpiry, 'max_cltv_expiry').writeTruncated(pc.htlcMinimumMsat, 8, 'htlc_minimum_msat'),
        ),
      );
    }
    if (d.allowedFeatures !== undefined) records.push({ type: ENCRYPTED_DATA_TLV.allowedFeatures, value: d.allowedFeatures });
    for (const r of d.unknownRecords ?? []) {
      if (KNOWN.has(r.type)) throw new OnionError('onion.bad_argument', `unknown record type ${r.type} is a known encrypted_data_tlv type`);
      records.push(r);
    }
    return encodeRecords(records, 'encrypted_data_tlv');
  });
}

/**
 * Decodes an `encrypted_data_tlv`. Malformed input, and more records than any writer puts there
 * (`LIMITS.onionRecords`), is OnionParseError `onion.bad_encrypted_data`.
 */
export function decodeEncryptedDataTlv(bytes: Uint8Array): EncryptedDataTlv {
  const records = decodeRecords(bytes, (t) => KNOWN.has(t), CODE, 'encrypted_data_tlv', LIMITS.onionRecords);
  const out: { -readonly [K in keyof EncryptedDataTlv]: EncryptedDataTlv[K] } = {};
  const unknown: TlvRecord[] = [];
  records.forEach((rec, i) => {
    const value = rec.value.slice();
    switch (rec.type) {
      case ENCRYPTED_DATA_TLV.padding:
        out.padding = value;
        break;
      case ENCRYPTED_DATA_TLV.shortChannelId:
        out.shortChannelId = readField(records, i, CODE, 'short_channel_id', (r) => r.readU64('short_channel_id'));
        break;
      case ENCRYPTED_DATA_TLV.nextNodeId:
        out.nextNodeId = readField(records, i, CODE, 'next_node_id', (r) => readPointValue(r, 'next_node_id'));
        break;
      case ENCRYPTED_DATA_TLV.pathId:
        out.pathId = value;
        break;
      case ENCRYPTED_DATA_TLV.nextPathKeyOverride:
        out.nextPathKeyOverride = readField(records, i, CODE, 'next_path_key_override', (r) => readPointValue(r, 'next_path_key_override'));
        break;
      case ENCRYPTED_DATA_TLV.paymentRelay:
        out.paymentRelay = readField(records, i, CODE, 'payment_relay', (r) => ({
          cltvExpiryDelta: r.readU16('cltv_expiry_delta'),
          feeProportionalMillionths: r.readU32('fee_proportional_millionths'),
          feeBaseMsat: Number(r.readTruncated(4, 'fee_base_msat')),
        }));
        break;
      case ENCRYPTED_DATA_TLV.paymentConstraints:
        out.paymentConstraints = readField(records, i, CODE, 'payment_constraints', (r) => ({
          maxCltvExpiry: r.readU32('max_cltv_expiry'),
          htlcMinimumMsat: r.readTruncated(8, 'htlc_minimum_msat'),
        }));
        break;
      case ENCRYPTED_DATA_TLV.allowedFeatures:
        out.allowedFeatures = value;
        break;
      default:
        unknown.push({ type: rec.type, value });
    }
  });
  if (unknown.length > 0) out.unknownRecords = unknown;
  return out;
}
