/** Helpers for the BOLT 4 vector tests: turning the JSON's human forms into our types. */
import { fromHex } from '../../../core/crypto';
import type { EncryptedDataTlv } from '../../../core/onion';
import { ByteReader } from '../../../core/wire';

/** BOLT 7 short_channel_id from the `BLOCKxTXxOUTPUT` form the vectors use. */
export function scid(text: string): bigint {
  const [block, tx, output] = text.split('x').map((p) => BigInt(p));
  return (block! << 40n) | (tx! << 16n) | output!;
}

/** A feature bitfield (BOLT 9: big-endian, bit 0 is the least significant bit of the last byte). */
export function featureBits(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return new Uint8Array(0);
  const len = Math.floor(Math.max(...bits) / 8) + 1;
  const out = new Uint8Array(len);
  for (const b of bits) out[len - 1 - Math.floor(b / 8)]! |= 1 << b % 8;
  return out;
}

/** Strips the BigSize length prefix the onion vector puts before each payload. */
export function withoutLengthPrefix(hex: string): Uint8Array {
  const r = new ByteReader(fromHex(hex));
  const n = r.readBigSizeNumber();
  const out = r.readBytes(n).slice();
  r.expectEnd();
  return out;
}

/** A 32-byte private key from the vectors (some carry the `01` compression marker). */
export function privateKey(hex: string): Uint8Array {
  return fromHex(hex.length === 66 && hex.endsWith('01') ? hex.slice(0, 64) : hex);
}

interface VectorTlvs {
  padding?: string;
  short_channel_id?: string;
  next_node_id?: string;
  path_id?: string;
  next_path_key_override?: string;
  payment_relay?: { cltv_expiry_delta: number; fee_proportional_millionths: number; fee_base_msat?: number };
  payment_constraints?: { max_cltv_expiry: number; htlc_minimum_msat: number };
  allowed_features?: { features: number[] };
  [unknown: string]: unknown;
}

/** The vectors' `tlvs` objects (with `unknown_tag_N` entries) as an EncryptedDataTlv. */
export function encryptedDataFromJson(t: VectorTlvs): EncryptedDataTlv {
  const unknownRecords = Object.entries(t)
    .filter(([k]) => k.startsWith('unknown_tag_'))
    .map(([k, v]) => ({ type: BigInt(k.slice('unknown_tag_'.length)), value: fromHex(v as string) }));
  return {
    ...(t.padding !== undefined ? { padding: fromHex(t.padding) } : {}),
    ...(t.short_channel_id !== undefined ? { shortChannelId: scid(t.short_channel_id) } : {}),
    ...(t.next_node_id !== undefined ? { nextNodeId: fromHex(t.next_node_id) } : {}),
    ...(t.path_id !== undefined ? { pathId: fromHex(t.path_id) } : {}),
    ...(t.next_path_key_override !== undefined ? { nextPathKeyOverride: fromHex(t.next_path_key_override) } : {}),
    ...(t.payment_relay !== undefined
      ? {
          paymentRelay: {
            cltvExpiryDelta: t.payment_relay.cltv_expiry_delta,
            feeProportionalMillionths: t.payment_relay.fee_proportional_millionths,
            feeBaseMsat: t.payment_relay.fee_base_msat ?? 0,
          },
        }
      : {}),
    ...(t.payment_constraints !== undefined
      ? {
          paymentConstraints: {
            maxCltvExpiry: t.payment_constraints.max_cltv_expiry,
            htlcMinimumMsat: BigInt(t.payment_constraints.htlc_minimum_msat),
          },
        }
      : {}),
    ...(t.allowed_features !== undefined ? { allowedFeatures: featureBits(t.allowed_features.features) } : {}),
    ...(unknownRecords.length > 0 ? { unknownRecords } : {}),
  };
}
