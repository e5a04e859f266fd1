/**
 * BOLT 4 Failure Messages: the `failure_code` table with names and data fields, and a typed
 * codec for `failuremsg` (2-byte code, the code's data, then an optional TLV stream).
 */
import { sha256 } from '../crypto';
import type { TlvRecord } from '../wire';
import { ByteReader, ByteWriter, decodeTlvStream, encodeTlvStream } from '../wire';
import { OnionError, OnionParseError, wrapError } from './errors';

/** BOLT 4: the top byte of `failure_code` is a set of flags. */
export const FAILURE_FLAGS = {
  /** BADONION: unparsable onion encrypted by sending peer */
  badOnion: 0x8000,
  /** PERM: permanent failure (otherwise transient) */
  perm: 0x4000,
  /** NODE: node failure (otherwise channel) */
  node: 0x2000,
  /** UPDATE: channel forwarding parameter was violated */
  update: 0x1000,
} as const;

const { badOnion: BADONION, perm: PERM, node: NODE, update: UPDATE } = FAILURE_FLAGS;

/** The wire form of one data field. `channel_update` is `u16 len` followed by `len` bytes. */
export type FailureFieldKind = 'sha256' | 'u16' | 'u32' | 'u64' | 'bigsize' | 'channel_update';

/**
 * BOLT 4 `failure_code`s. Field names are the spec's, camelCased: `sha256OfOnion` is
 * `sha256_of_onion`, `htlcMsat` is `htlc_msat`, `channelUpdate` is `len` + `channel_update`, ...
 */
export const FAILURE_CODES = {
  temporary_node_failure: { code: NODE | 2, fields: [] },
  permanent_node_failure: { code: PERM | NODE | 2, fields: [] },
  required_node_feature_missing: { code: PERM | NODE | 3, fields: [] },
  invalid_onion_version: { code: BADONION | PERM | 4, fields: [['sha256OfOnion', 'sha256']] },
  invalid_onion_hmac: { code: BADONION | PERM | 5, fields: [['sha256OfOnion', 'sha256']] },
  invalid_onion_key: { code: BADONION | PERM | 6, fields: [['sha256OfOnion', 'sha256']] },
  temporary_channel_failure: { code: UPDATE | 7, fields: [['channelUpdate', 'channel_update']] },
  permanent_channel_failure: { code: PERM | 8, fields: [] },
  required_channel_feature_missing: { code: PERM | 9, fields: [] },
  unknown_next_peer: { code: PERM | 10, fields: [] },
  amount_below_minimum: { code: UPDATE | 11, fields: [['htlcMsat', 'u64'], ['channelUpdate', 'channel_update']] },
  fee_insufficient: { code: UPDATE | 12, fields: [['htlcMsat', 'u64'], ['channelUpdate', 'channel_update']] },
  incorrect_cltv_expiry: { code: UPDATE | 13, fields: [['cltvExpiry', 'u32'], ['channelUpdate', 'channel_update']] },
  expiry_too_soon: { code: UPDATE | 14, fields: [['channelUpdate', 'channel_update']] },
  incorrect_or_unknown_payment_details: { code: PERM | 15, fields: [['htlcMsat', 'u64'], ['height', 'u32']] },
  final_incorrect_cltv_expiry: { code: 18, fields: [['cltvExpiry', 'u32']] },
  final_incorrect_htlc_amount: { code: 19, fields: [['incomingHtlcAmt', 'u64']] },
  channel_disabled: { code: UPDATE | 20, fields: [['disabledFlags', 'u16'], ['channelUpdate', 'channel_update']] },
  expiry_too_far: { code: 21, fields: [] },
  invalid_onion_payload: { code: PERM | 22, fields: [['type', 'bigsize'], ['offset', 'u16']] },
  mpp_timeout: { code: 23, fields: [] },
  invalid_onion_blinding: { code: BADONION | PERM | 24, fields: [['sha256OfOnion', 'sha256']] },
} as const satisfies Record<string, { code: number; fields: readonly (readonly [string, FailureFieldKind])[] }>;

export type FailureName = keyof typeof FAILURE_CODES;

type KindValue<K extends FailureFieldKind> = K extends 'sha256' | 'channel_update' ? Uint8Array : K extends 'u16' | 'u32' ? number : bigint;

/** The typed data of failure `N`, e.g. `{ htlcMsat: bigint; channelUpdate: Uint8Array }` for fee_insufficient. */
export type FailureData<N extends FailureName> = {
  readonly [F in (typeof FAILURE_CODES)[N]['fields'][number] as F[0]]: KindValue<F[1]>;
};

/** A decoded failure whose code is in the table. */
export type KnownFailure = {
  [N in FailureName]: {
    readonly name: N;
    readonly code: number;
    readonly data: FailureData<N>;
    /** The optional TLV stream after the data. */
    readonly tlvs: readonly TlvRecord[];
    /** Bytes after the data that are not a TLV stream (BOLT 4: the origin "MUST ignore any extra bytes"). */
    readonly extraBytes?: Uint8Array;
  };
}[FailureName];

/** A failure code this table does not know; its bytes after the code are kept. */
export interface UnknownFailure {
  readonly name: 'unknown';
  readonly code: number;
  readonly rest: Uint8Array;
}

export type FailureMessage = KnownFailure | UnknownFailure;

const BY_CODE = new Map<number, FailureName>(
  (Object.keys(FAILURE_CODES) as FailureName[]).map((name) => [FAILURE_CODES[name].code, name]),
);

export function failureName(code: number): FailureName | undefined {
  return BY_CODE.get(code);
}

/** The flags of a failure code. */
export function failureFlags(code: number): { badOnion: boolean; perm: boolean; node: boolean; update: boolean } {
  return {
    badOnion: (code & BADONION) !== 0,
    perm: (code & PERM) !== 0,
    node: (code & NODE) !== 0,
    update: (code & UPDATE) !== 0,
  };
}

/** Encodes `failuremsg` for a named failure: code, data fields, then `tlvs` if any. */
export function encodeFailureMessage<N extends FailureName>(name: N, data: FailureData<N>, tlvs: readonly TlvRecord[] = []): Uint8Array {
  const spec = FAILURE_CODES[name] as { code: number; fields: readonly (readonly [string, FailureFieldKind])[] } | undefined;
  if (!spec) throw new OnionError('onion.bad_argument', `unknown failure ${String(name)}`);
  try {
    const w = new ByteWriter();
    w.writeU16(spec.code, 'failure_code');
    const values = data as Record<string, unknown>;
    for (const [field, kind] of spec.fields) writeField(w, kind, values[field], field);
    if (tlvs.length > 0) w.writeBytes(encodeTlvStream(tlvs, 'failure tlvs'));
    return w.finish();
  } catch (e) {
    throw wrapError(OnionError, 'onion.bad_argument', name, e);
  }
}

function writeField(w: ByteWriter, kind: FailureFieldKind, value: unknown, field: string): void {
  const bytes = (n?: number): Uint8Array => {
    if (!(value instanceof Uint8Array) || (n !== undefined && value.length !== n)) {
      throw new OnionError('onion.bad_argument', `${field}: expected ${n ?? 'some'} bytes`);
    }
    return value;
  };
  switch (kind) {
    case 'sha256':
      w.writeBytes(bytes(32));
      return;
    case 'channel_update': {
      const b = bytes();
      w.writeU16(b.length, `${field} len`).writeBytes(b);
      return;
    }
    case 'u16':
      w.writeU16(value as number, field);
      return;
    case 'u32':
      w.writeU32(value as number, field);
      return;
    case 'u64':
      w.writeU64(value as bigint, field);
      return;
    case 'bigsize':
      w.writeBigSize(value as bigint, field);
      return;
  }
}

function readField(r: ByteReader, kind: FailureFieldKind, field: string): Uint8Array | number | bigint {
  switch (kind) {
    case 'sha256':
      return r.readBytes(32, field).slice();
    case 'channel_update':
      return r.readBytes(r.readU16(`${field} len`), field).slice();
    case 'u16':
      return r.readU16(field);
    case 'u32':
      return r.readU32(field);
    case 'u64':
      return r.readU64(field);
    case 'bigsize':
      return r.readBigSize(field);
  }
}

/**
 * Decodes `failuremsg`. A known code with truncated data is OnionParseError
 * `onion.bad_failure_message`; bytes after the data that are not a TLV stream are kept in
 * `extraBytes` and otherwise ignored (BOLT 4 Receiving Failure Codes).
 */
export function decodeFailureMessage(bytes: Uint8Array): FailureMessage {
  try {
    const r = new ByteReader(bytes);
    const code = r.readU16('failure_code');
    const name = BY_CODE.get(code);
    if (name === undefined) return { name: 'unknown', code, rest: r.readRest().slice() };
    const data: Record<string, unknown> = {};
    for (const [field, kind] of FAILURE_CODES[name].fields as readonly (readonly [string, FailureFieldKind])[]) {
      data[field] = readField(r, kind, field);
    }
    const rest = r.readRest();
    let tlvs: TlvRecord[] = [];
    let extraBytes: Uint8Array | undefined;
    try {
      tlvs = decodeTlvStream(rest, { name: 'failure tlvs' }).map((t) => ({ type: t.type, value: t.value.slice() }));
    } catch {
      extraBytes = rest.slice();
    }
    return { name, code, data, tlvs, ...(extraBytes ? { extraBytes } : {}) } as KnownFailure;
  } catch (e) {
    throw wrapError(OnionParseError, 'onion.bad_failure_message', 'failuremsg', e);
  }
}

/** SHA256 of the onion packet bytes, as BADONION failures carry it (`sha256_of_onion`). */
export function sha256OfOnion(onion: Uint8Array): Uint8Array {
  return sha256(onion);
}

/**
 * The failure a hop reports when it cannot process an onion (BOLT 4 Failure Messages,
 * requirements of the erring and forwarding node):
 * - inside a blinded route (a `path_key` came with the HTLC, or the payload held `current_path_key`):
 *   always `invalid_onion_blinding`;
 * - `onion.bad_version` / `onion.invalid_key` / `onion.hmac_mismatch`: `invalid_onion_version` /
 *   `invalid_onion_key` / `invalid_onion_hmac` (BADONION: sent in `update_fail_malformed_htlc`);
 * - a payload that does not parse or fit its role: `invalid_onion_payload`, with the TLV type
 *   and offset when the error names them.
 */
export function failureForOnionError(error: unknown, onion: Uint8Array, opts: { blinded?: boolean } = {}): Uint8Array {
  const hash = sha256OfOnion(onion);
  if (opts.blinded) return encodeFailureMessage('invalid_onion_blinding', { sha256OfOnion: hash });
  const code = error instanceof OnionError ? error.code : '';
  if (code === 'onion.bad_version') return encodeFailureMessage('invalid_onion_version', { sha256OfOnion: hash });
  if (code === 'onion.invalid_key') return encodeFailureMessage('invalid_onion_key', { sha256OfOnion: hash });
  if (code === 'onion.hmac_mismatch') return encodeFailureMessage('invalid_onion_hmac', { sha256OfOnion: hash });
  const details = error instanceof OnionError ? error.details : undefined;
  const type = typeof details?.type === 'string' ? BigInt(details.type) : 0n;
  const offset = typeof details?.offset === 'number' && details.offset <= 0xffff ? details.offset : 0;
  return encodeFailureMessage('invalid_onion_payload', { type, offset });
}
