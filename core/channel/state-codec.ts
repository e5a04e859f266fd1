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

/** Plain data → JSON value: bigint → decimal string, Uint8Array → hex. */
function toJson(value: unknown): Json {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
    return out;
  }
  return value as Json;
}

export function encodeChannelState(state: ChannelState): Json {
  return toJson(state);
}

function bad(path: string, what: string): ChannelStateError {
  return new ChannelStateError('channel_state.bad_field', `${path}: ${what}`, { field: path });
}

/** A cursor over an untrusted JSON object. */
class Obj {
  constructor(
    readonly v: { [key: string]: unknown },
    readonly path: string,
  ) {}

  static of(value: unknown, path: string): Obj {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad(path, 'expected an object');
    return new Obj(value as { [key: string]: unknown }, path);
  }

  #at(k: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.v, k) ? this.v[k] : undefined;
  }

  obj(k: string): Obj {
    return Obj.of(this.#at(k), `${this.path}.${k}`);
  }

  int(k: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const x = this.#at(k);
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) throw bad(`${this.path}.${k}`, `expected an integer in ${min}..${max}`);
    return x;
  }

  big(k: string, signed = false): bigint {
    const x = this.#at(k);
    if (typeof x !== 'string' || !(signed ? /^-?(0|[1-9][0-9]{0,25})$/ : /^(0|[1-9][0-9]{0,25})$/).test(x)) {
      throw bad(`${this.path}.${k}`, 'expected a decimal string');
    }
    return BigInt(x);
  }

  bytes(k: string, length?: number): Uint8Array {
    const x = this.#at(k);
    if (typeof x !== 'string' || !/^([0-9a-f]{2})*$/.test(x)) throw bad(`${this.path}.${k}`, 'expected lowercase hex');
    const b = fromHex(x);
    if (length !== undefined && b.length !== length) throw bad(`${this.path}.${k}`, `expected ${length} bytes`);
    return b;
  }

  point(k: string): Uint8Array {
    const b = this.bytes(k, 33);
    if (!isValidPublicKey(b)) throw bad(`${this.path}.${k}`, 'not a valid public key');
    return b;
  }

  str(k: string): string {
    const x = this.#at(k);
    if (typeof x !== 'string') throw bad(`${this.path}.${k}`, 'expected a string');
    return x;
  }

  oneOf<T extends string>(k: string, options: readonly T[]): T {
    const x = this.#at(k);
    if (typeof x !== 'string' || !(options as readonly string[]).includes(x)) throw bad(`${this.path}.${k}`, `expected one of ${options.join(', ')}`);
    return x as T;
  }

  bool(k: string): boolean {
    const x = this.#at(k);
    if (typeof x !== 'boolean') throw bad(`${this.path}.${k}`, 'expected a boolean');
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
    if (!Array.isArray(x) || x.length > maxLength) throw bad(`${this.path}.${k}`, 'expected an array');
    return x.map((v, i) => item(v, `${this.path}.${k}[${i}]`));
  }
}

const SIDES = ['local', 'remote'] as const;
const LISTS = ['local_unacked', 'local_acked', 'remote_unacked', 'remote_acked'] as const satisfies readonly ChangeList[];
const FAIL_BACK_REASONS = ['dust_exposure', 'shutdown'] as const satisfies readonly FailBackReason[];
const U32 = 0xffffffff;
const MAX_CTN = SHACHAIN_MAX_INDEX;

function config(o: Obj): ChannelConfig {
  return {
    dustLimitSat: o.big('dustLimitSat'),
    maxHtlcValueInFlightMsat: o.big('maxHtlcValueInFlightMsat'),
    channelReserveSat: o.big('channelReserveSat'),
    htlcMinimumMsat: o.big('htlcMinimumMsat'),
    toSelfDelay: o.int('toSelfDelay', 0, 0xffff),
    maxAcceptedHtlcs: o.int('maxAcceptedHtlcs', 0, 0xffff),
  };
}

function basepoints(o: Obj): ChannelBasepoints {
  return {
    fundingPubkey: o.point('fundingPubkey'),
    revocationBasepoint: o.point('revocationBasepoint'),
    paymentBasepoint: o.point('paymentBasepoint'),
    delayedPaymentBasepoint: o.point('delayedPaymentBasepoint'),
    htlcBasepoint: o.point('htlcBasepoint'),
  };
}

function params(o: Obj): ChannelParams {
  const side = (k: Side) => {
    const s = o.obj(k);
    return { config: config(s.obj('config')), basepoints: basepoints(s.obj('basepoints')) };
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
  const o = Obj.of(v, path);
  return {
    offerer: o.oneOf('offerer', SIDES),
    id: o.big('id'),
    amountMsat: o.big('amountMsat'),
    paymentHash: o.bytes('paymentHash', 32),
    cltvExpiry: o.int('cltvExpiry', 0, U32),
  };
}

function spec(o: Obj): CommitmentSpec {
  return {
    feeratePerKw: o.int('feeratePerKw', 0, U32),
    localMsat: o.big('localMsat', true),
    remoteMsat: o.big('remoteMsat', true),
    htlcs: o.list('htlcs', htlc, 1000),
  };
}

function update(o: Obj): Update {
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

function nullableInt(o: Obj, k: string): number | null {
  return o.isNull(k) ? null : o.int(k, 0, MAX_CTN);
}

function change(v: unknown, path: string): Change {
  const o = Obj.of(v, path);
  return {
    seq: o.int('seq'),
    origin: o.oneOf('origin', SIDES),
    list: o.oneOf('list', LISTS),
    update: update(o.obj('update')),
    signedInRemote: nullableInt(o, 'signedInRemote'),
    inLocal: nullableInt(o, 'inLocal'),
  };
}

function remoteCommitment(o: Obj): RemoteCommitment {
  return { ctn: o.int('ctn', 0, MAX_CTN), spec: spec(o.obj('spec')), perCommitmentPoint: o.point('perCommitmentPoint') };
}

function localCommitment(o: Obj): LocalCommitment {
  return {
    ctn: o.int('ctn', 0, MAX_CTN),
    spec: spec(o.obj('spec')),
    signature: o.bytes('signature', 64),
    htlcSignatures: o.list('htlcSignatures', (v, p) => Obj.of({ s: v }, p).bytes('s', 64), 1000),
  };
}

function status(o: Obj): ChannelStatus {
  const kind = o.oneOf('kind', ['normal', 'failed'] as const);
  return kind === 'normal' ? { kind } : { kind, code: o.str('code'), message: o.str('message') };
}

function shachain(o: Obj): ShachainStore {
  const buckets = o.list(
    'buckets',
    (v, p) => {
      if (v === null) return null;
      const e = Obj.of(v, p);
      return { index: e.int('index', 0, SHACHAIN_MAX_INDEX), secret: e.bytes('secret', 32) };
    },
    49,
  );
  if (buckets.length !== 49) throw bad(`${o.path}.buckets`, 'expected 49 buckets');
  return { buckets };
}

function incoming(v: unknown, path: string): IncomingHtlcData {
  const o = Obj.of(v, path);
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

function closing(o: Obj): ChannelClosing {
  const script = (k: string): Uint8Array | null => (o.isNull(k) ? null : o.bytes(k));
  return {
    upfrontLocal: script('upfrontLocal'),
    upfrontRemote: script('upfrontRemote'),
    shutdownLocal: script('shutdownLocal'),
    shutdownRemote: script('shutdownRemote'),
  };
}

function aliases(o: Obj): { local: bigint | null; remote: bigint | null } {
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
  const o = Obj.of(value, 'state');
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
