/**
 * ChannelState ⇄ JSON, for the store and for tools. The JSON has the state's shape, with every
 * bigint as a decimal string and every byte array as lowercase hex. `decodeChannelState`
 * checks every field and throws ChannelStateError (`channel_state.bad_field`) naming the first
 * bad one; it never throws anything untyped.
 */
import { fromHex, isValidPublicKey, toHex } from '../crypto';
import { ChannelStateError } from './errors';
import type {
  Change, ChangeList, ChannelClosing, ChannelConfig, ChannelParams, ChannelState, ChannelStatus, CommitmentSpec, FailBackReason, Htlc, IncomingHtlcData,
  LocalCommitment, RemoteCommitment, Side, Update,
} from './state';
import type { ChannelBasepoints } from './keys';
import type { ShachainStore } from './shachain';
import { SHACHAIN_MAX_INDEX } from './shachain';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Plain data → JSON value: bigint → decimal string, Uint8Array → hex (undefined fields left out). */
export function plainToJson(value: unknown): Json {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(plainToJson);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plainToJson(v);
    return out;
  }
  return value as Json;
}

export function encodeChannelState(state: ChannelState): Json {
  return plainToJson(state);
}

function bad(path: string, what: string): ChannelStateError {
  return new ChannelStateError('channel_state.bad_field', `${path}: ${what}`, { field: path });
}

/** The typed error a JSON reader throws for the field at `path` (each codec names its own). */
export type JsonFieldError = (path: string, what: string) => Error;

/** A cursor over an untrusted JSON object: every read checks its field and throws the codec's typed error naming it. */
export class JsonFields {
  constructor(
    readonly v: { [key: string]: unknown },
    readonly path: string,
    readonly fail: JsonFieldError = bad,
  ) {}

  static of(value: unknown, path: string, fail: JsonFieldError = bad): JsonFields {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail(path, 'expected an object');
    return new JsonFields(value as { [key: string]: unknown }, path, fail);
  }

  #at(k: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.v, k) ? this.v[k] : undefined;
  }

  #bad(k: string, what: string): Error {
    return this.fail(`${this.path}.${k}`, what);
  }

  obj(k: string): JsonFields {
    return JsonFields.of(this.#at(k), `${this.path}.${k}`, this.fail);
  }

  int(k: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const x = this.#at(k);
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) throw this.#bad(k, `expected an integer in ${min}..${max}`);
    return x;
  }

  big(k: string, signed = false): bigint {
    const x = this.#at(k);
    if (typeof x !== 'string' || !(signed ? /^-?(0|[1-9][0-9]{0,25})$/ : /^(0|[1-9][0-9]{0,25})$/).test(x)) {
      throw this.#bad(k, 'expected a decimal string');
    }
    return BigInt(x);
  }

  /** A decimal string below 2^64. */
  u64(k: string): bigint {
    const v = this.big(k);
    if (v >= 1n << 64n) throw this.#bad(k, 'expected a u64');
    return v;
  }

  bytes(k: string, length?: number): Uint8Array {
    const x = this.#at(k);
    if (typeof x !== 'string' || !/^([0-9a-f]{2})*$/.test(x)) throw this.#bad(k, 'expected lowercase hex');
    const b = fromHex(x);
    if (length !== undefined && b.length !== length) throw this.#bad(k, `expected ${length} bytes`);
    return b;
  }

  point(k: string): Uint8Array {
    const b = this.bytes(k, 33);
    if (!isValidPublicKey(b)) throw this.#bad(k, 'not a valid public key');
    return b;
  }

  str(k: string, maxLength = Number.MAX_SAFE_INTEGER): string {
    const x = this.#at(k);
    if (typeof x !== 'string' || x.length > maxLength) throw this.#bad(k, 'expected a string');
    return x;
  }

  oneOf<T extends string>(k: string, options: readonly T[]): T {
    const x = this.#at(k);
    if (typeof x !== 'string' || !(options as readonly string[]).includes(x)) throw this.#bad(k, `expected one of ${options.join(', ')}`);
    return x as T;
  }

  bool(k: string): boolean {
    const x = this.#at(k);
    if (typeof x !== 'boolean') throw this.#bad(k, 'expected a boolean');
    return x;
  }

  has(k: string): boolean {
    return this.#at(k) !== undefined;
  }

  isNull(k: string): boolean {
    return this.#at(k) === null;
  }

  list<T>(k: string, item: (value: unknown, path: string) => T, maxLength = 100_000): T[] {
    const x = this.#at(k);
    if (!Array.isArray(x) || x.length > maxLength) throw this.#bad(k, 'expected an array');
    return x.map((v, i) => item(v, `${this.path}.${k}[${i}]`));
  }
}

const SIDES = ['local', 'remote'] as const;
const LISTS = ['local_unacked', 'local_acked', 'remote_unacked', 'remote_acked'] as const satisfies readonly ChangeList[];
const FAIL_BACK_REASONS = ['dust_exposure', 'shutdown'] as const satisfies readonly FailBackReason[];
const U32 = 0xffffffff;
const MAX_CTN = SHACHAIN_MAX_INDEX;

/** A ChannelConfig from its JSON (the channel state's and the opening record's). */
export function readChannelConfig(o: JsonFields): ChannelConfig {
  return {
    dustLimitSat: o.big('dustLimitSat'),
    maxHtlcValueInFlightMsat: o.big('maxHtlcValueInFlightMsat'),
    channelReserveSat: o.big('channelReserveSat'),
    htlcMinimumMsat: o.big('htlcMinimumMsat'),
    toSelfDelay: o.int('toSelfDelay', 0, 0xffff),
    maxAcceptedHtlcs: o.int('maxAcceptedHtlcs', 0, 0xffff),
  };
}

/** ChannelBasepoints from their JSON (each a valid public key). */
export function readChannelBasepoints(o: JsonFields): ChannelBasepoints {
  return {
    fundingPubkey: o.point('fundingPubkey'),
    revocationBasepoint: o.point('revocationBasepoint'),
    paymentBasepoint: o.point('paymentBasepoint'),
    delayedPaymentBasepoint: o.point('delayedPaymentBasepoint'),
    htlcBasepoint: o.point('htlcBasepoint'),
  };
}

function params(o: JsonFields): ChannelParams {
  const side = (k: Side) => {
    const s = o.obj(k);
    return { config: readChannelConfig(s.obj('config')), basepoints: readChannelBasepoints(s.obj('basepoints')) };
  };
  const outpoint = o.obj('fundingOutpoint');
  return {
    channelId: o.bytes('channelId', 32),
    channelType: o.oneOf('channelType', ['static_remotekey', 'anchors'] as const),
    funder: o.oneOf('funder', SIDES),
    fundingOutpoint: { txid: outpoint.bytes('txid', 32), vout: outpoint.int('vout', 0, U32) },
    fundingSatoshis: o.big('fundingSatoshis'),
    obscuringFactor: o.big('obscuringFactor'),
    local: side('local'),
    remote: side('remote'),
  };
}

function htlc(v: unknown, path: string): Htlc {
  const o = JsonFields.of(v, path);
  return {
    offerer: o.oneOf('offerer', SIDES),
    id: o.big('id'),
    amountMsat: o.big('amountMsat'),
    paymentHash: o.bytes('paymentHash', 32),
    cltvExpiry: o.int('cltvExpiry', 0, U32),
  };
}

function spec(o: JsonFields): CommitmentSpec {
  return {
    feeratePerKw: o.int('feeratePerKw', 0, U32),
    localMsat: o.big('localMsat', true),
    remoteMsat: o.big('remoteMsat', true),
    htlcs: o.list('htlcs', htlc, 1000),
  };
}

function update(o: JsonFields): Update {
  const kind = o.oneOf('kind', ['add', 'fulfill', 'fail', 'fail_malformed', 'fee'] as const);
  switch (kind) {
    case 'add':
      return { kind, htlc: htlc(o.v.htlc, `${o.path}.htlc`) };
    case 'fulfill':
      return { kind, id: o.big('id'), paymentPreimage: o.bytes('paymentPreimage', 32) };
    case 'fail':
      return { kind, id: o.big('id'), reason: o.bytes('reason') };
    case 'fail_malformed':
      return { kind, id: o.big('id'), sha256OfOnion: o.bytes('sha256OfOnion', 32), failureCode: o.int('failureCode', 0, 0xffff) };
    case 'fee':
      return { kind, feeratePerKw: o.int('feeratePerKw', 0, U32) };
  }
}

function nullableInt(o: JsonFields, k: string): number | null {
  return o.isNull(k) ? null : o.int(k, 0, MAX_CTN);
}

function change(v: unknown, path: string): Change {
  const o = JsonFields.of(v, path);
  return {
    seq: o.int('seq'),
    origin: o.oneOf('origin', SIDES),
    list: o.oneOf('list', LISTS),
    update: update(o.obj('update')),
    signedInRemote: nullableInt(o, 'signedInRemote'),
    inLocal: nullableInt(o, 'inLocal'),
  };
}

function remoteCommitment(o: JsonFields): RemoteCommitment {
  return { ctn: o.int('ctn', 0, MAX_CTN), spec: spec(o.obj('spec')), perCommitmentPoint: o.point('perCommitmentPoint') };
}

function localCommitment(o: JsonFields): LocalCommitment {
  return {
    ctn: o.int('ctn', 0, MAX_CTN),
    spec: spec(o.obj('spec')),
    signature: o.bytes('signature', 64),
    htlcSignatures: o.list('htlcSignatures', (v, p) => JsonFields.of({ s: v }, p).bytes('s', 64), 1000),
  };
}

function status(o: JsonFields): ChannelStatus {
  const kind = o.oneOf('kind', ['normal', 'failed'] as const);
  return kind === 'normal' ? { kind } : { kind, code: o.str('code'), message: o.str('message') };
}

function shachain(o: JsonFields): ShachainStore {
  const buckets = o.list(
    'buckets',
    (v, p) => {
      if (v === null) return null;
      const e = JsonFields.of(v, p);
      return { index: e.int('index', 0, SHACHAIN_MAX_INDEX), secret: e.bytes('secret', 32) };
    },
    49,
  );
  if (buckets.length !== 49) throw bad(`${o.path}.buckets`, 'expected 49 buckets');
  return { buckets };
}

function incoming(v: unknown, path: string): IncomingHtlcData {
  const o = JsonFields.of(v, path);
  return {
    id: o.big('id'),
    onionRoutingPacket: o.bytes('onionRoutingPacket'),
    pathKey: o.isNull('pathKey') ? null : o.point('pathKey'),
    // Absent in snapshots written before max_dust_htlc_exposure_msat: nothing was flagged then.
    failBack: o.isNull('failBack') || !o.has('failBack') ? null : o.oneOf('failBack', FAIL_BACK_REASONS),
    // Absent in snapshots written before async payments, and for any HTLC without hold_htlc.
    ...(o.has('holdHtlc') && o.bool('holdHtlc') ? { holdHtlc: true } : {}),
  };
}

function closing(o: JsonFields): ChannelClosing {
  const script = (k: string): Uint8Array | null => (o.isNull(k) ? null : o.bytes(k));
  return {
    upfrontLocal: script('upfrontLocal'),
    upfrontRemote: script('upfrontRemote'),
    shutdownLocal: script('shutdownLocal'),
    shutdownRemote: script('shutdownRemote'),
  };
}

function aliases(o: JsonFields): { local: bigint | null; remote: bigint | null } {
  const scid = (k: string): bigint | null => {
    if (o.isNull(k)) return null;
    const v = o.big(k);
    if (v >= 1n << 64n) throw bad(`${o.path}.${k}`, 'expected a u64');
    return v;
  };
  return { local: scid('local'), remote: scid('remote') };
}

/** JSON value → ChannelState; throws ChannelStateError naming the first bad field. */
export function decodeChannelState(value: unknown): ChannelState {
  const o = JsonFields.of(value, 'state');
  if (o.v.version !== 1) throw bad('state.version', 'unsupported version');
  return {
    version: 1,
    params: params(o.obj('params')),
    status: status(o.obj('status')),
    localCommit: localCommitment(o.obj('localCommit')),
    revocationOwed: o.bool('revocationOwed'),
    remoteCommit: remoteCommitment(o.obj('remoteCommit')),
    remoteNextCommit: o.isNull('remoteNextCommit') ? null : remoteCommitment(o.obj('remoteNextCommit')),
    remoteNextPerCommitmentPoint: o.isNull('remoteNextPerCommitmentPoint') ? null : o.point('remoteNextPerCommitmentPoint'),
    changes: o.list('changes', change),
    nextChangeSeq: o.int('nextChangeSeq'),
    nextLocalHtlcId: o.big('nextLocalHtlcId'),
    nextRemoteHtlcId: o.big('nextRemoteHtlcId'),
    incomingHtlcs: o.list('incomingHtlcs', incoming, 1000),
    remoteSecrets: shachain(o.obj('remoteSecrets')),
    // Absent in snapshots written before closing existed (and in test openings).
    ...(o.has('closing') ? { closing: closing(o.obj('closing')) } : {}),
    ...(o.has('aliases') ? { aliases: aliases(o.obj('aliases')) } : {}),
  };
}
