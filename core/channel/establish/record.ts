/**
 * What an opening keeps durably once the channel exists (from funding_signed on): enough to rebuild
 * commitment 0 and its signatures, to follow the funding transaction to `minimum_depth`, to answer
 * channel_reestablish and to hand the channel to its ChannelLink after channel_ready. Plain data; the
 * JSON codec checks every field and throws OpenError `channel_open.bad_record` naming the first bad one.
 */
import { fromHex, isValidPublicKey, toHex } from '../../crypto';
import type { ChannelBasepoints } from '../keys';
import type { ChannelOpenTerms } from '../open';
import type { ChannelConfig, Side } from '../state';
import type { ChannelTypeSpec } from './channel-type';
import { openError } from './errors';

/** ChannelOpenTerms before the peer's channel_ready (no second per-commitment point yet). */
export type PendingTerms = Omit<ChannelOpenTerms, 'remoteSecondPerCommitmentPoint'>;

/** Where the funding transaction confirmed (the real short_channel_id comes from it). */
export interface FundingConfirmation {
  readonly height: number;
  /** The funding transaction's index in its block. */
  readonly txIndex: number;
  /** Display-order hex. */
  readonly blockHash: string;
}

export type OpeningRole = 'funder' | 'fundee';

export interface OpeningRecord {
  readonly version: 1;
  readonly role: OpeningRole;
  /** Hex node id of the peer. */
  readonly peerId: string;
  readonly keyIndex: number;
  readonly createdAt: number;
  readonly temporaryChannelId: Uint8Array;
  readonly channelType: ChannelTypeSpec;
  /** BOLT 2 `announce_channel`. */
  readonly announce: boolean;
  readonly terms: PendingTerms;
  /** The peer's signature of our commitment 0 (funding_created / funding_signed). */
  readonly remoteSignature: Uint8Array;
  readonly upfrontLocal: Uint8Array | null;
  readonly upfrontRemote: Uint8Array | null;
  /** The confirmations we wait for before sending channel_ready (0: at once). */
  readonly minimumDepth: number;
  /** The funding transaction once known (the funder's from the start; the fundee's once seen). */
  readonly fundingTx: Uint8Array | null;
  /** The best block height when funding_signed went out or came in (BOLT 2: the fundee forgets after 2016 blocks). */
  readonly signedAtHeight: number;
  readonly confirmation: FundingConfirmation | null;
  /** The `short_channel_id` alias we send in channel_ready (null: none). */
  readonly localAlias: bigint | null;
  readonly channelReadySent: boolean;
  /** The peer's channel_ready, once received. */
  readonly remoteReady: { readonly secondPerCommitmentPoint: Uint8Array; readonly alias: bigint | null } | null;
  /** Both channel_ready exchanged: the channel belongs to its ChannelLink (the record only follows the funding's confirmations). */
  readonly handedOff: boolean;
  /** The channel failed before lock-in (it must be closed on chain): why. */
  readonly failure: { readonly code: string; readonly message: string } | null;
  readonly revision: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

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

export function encodeOpeningRecord(r: OpeningRecord): Json {
  return toJson(r);
}

function bad(path: string, what: string): never {
  throw openError('bad_record', `${path}: ${what}`, { field: path });
}

class Fields {
  constructor(
    readonly v: Record<string, unknown>,
    readonly path: string,
  ) {}

  static of(value: unknown, path: string): Fields {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) bad(path, 'expected an object');
    return new Fields(value as Record<string, unknown>, path);
  }

  #at(k: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.v, k) ? this.v[k] : undefined;
  }

  obj(k: string): Fields {
    return Fields.of(this.#at(k), `${this.path}.${k}`);
  }

  isNull(k: string): boolean {
    return this.#at(k) === null;
  }

  int(k: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const x = this.#at(k);
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) bad(`${this.path}.${k}`, `expected an integer in ${min}..${max}`);
    return x as number;
  }

  big(k: string): bigint {
    const x = this.#at(k);
    if (typeof x !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(x)) bad(`${this.path}.${k}`, 'expected a decimal string');
    const v = BigInt(x as string);
    if (v >= 1n << 64n) bad(`${this.path}.${k}`, 'expected a u64');
    return v;
  }

  bool(k: string): boolean {
    const x = this.#at(k);
    if (typeof x !== 'boolean') bad(`${this.path}.${k}`, 'expected a boolean');
    return x as boolean;
  }

  str(k: string): string {
    const x = this.#at(k);
    if (typeof x !== 'string' || x.length > 2000) bad(`${this.path}.${k}`, 'expected a string');
    return x as string;
  }

  bytes(k: string, length?: number): Uint8Array {
    const x = this.#at(k);
    if (typeof x !== 'string' || !/^([0-9a-f]{2})*$/.test(x)) bad(`${this.path}.${k}`, 'expected lowercase hex');
    const b = fromHex(x as string);
    if (length !== undefined && b.length !== length) bad(`${this.path}.${k}`, `expected ${length} bytes`);
    return b;
  }

  point(k: string): Uint8Array {
    const b = this.bytes(k, 33);
    if (!isValidPublicKey(b)) bad(`${this.path}.${k}`, 'expected a valid public key');
    return b;
  }

  oneOf<T extends string>(k: string, values: readonly T[]): T {
    const x = this.#at(k);
    if (typeof x !== 'string' || !values.includes(x as T)) bad(`${this.path}.${k}`, `expected one of ${values.join(', ')}`);
    return x as T;
  }
}

function config(o: Fields): ChannelConfig {
  return {
    dustLimitSat: o.big('dustLimitSat'),
    maxHtlcValueInFlightMsat: o.big('maxHtlcValueInFlightMsat'),
    channelReserveSat: o.big('channelReserveSat'),
    htlcMinimumMsat: o.big('htlcMinimumMsat'),
    toSelfDelay: o.int('toSelfDelay', 0, 0xffff),
    maxAcceptedHtlcs: o.int('maxAcceptedHtlcs', 0, 0xffff),
  };
}

function basepoints(o: Fields): ChannelBasepoints {
  return {
    fundingPubkey: o.point('fundingPubkey'),
    revocationBasepoint: o.point('revocationBasepoint'),
    paymentBasepoint: o.point('paymentBasepoint'),
    delayedPaymentBasepoint: o.point('delayedPaymentBasepoint'),
    htlcBasepoint: o.point('htlcBasepoint'),
  };
}

function terms(o: Fields): PendingTerms {
  const outpoint = o.obj('fundingOutpoint');
  return {
    fundingOutpoint: { txid: outpoint.bytes('txid', 32), vout: outpoint.int('vout', 0, 0xffff) },
    fundingSatoshis: o.big('fundingSatoshis'),
    pushMsat: o.big('pushMsat'),
    feeratePerKw: o.int('feeratePerKw', 0, 0xffffffff),
    channelType: o.oneOf('channelType', ['static_remotekey', 'anchors'] as const),
    funder: o.oneOf<Side>('funder', ['local', 'remote']),
    localConfig: config(o.obj('localConfig')),
    remoteConfig: config(o.obj('remoteConfig')),
    remoteBasepoints: basepoints(o.obj('remoteBasepoints')),
    remoteFirstPerCommitmentPoint: o.point('remoteFirstPerCommitmentPoint'),
  };
}

function failure(o: Fields): { code: string; message: string } | null {
  if (o.isNull('failure')) return null;
  const f = o.obj('failure');
  return { code: f.str('code'), message: f.str('message') };
}

/** JSON value → OpeningRecord; throws OpenError `channel_open.bad_record`. */
export function decodeOpeningRecord(value: unknown): OpeningRecord {
  const o = Fields.of(value, 'opening');
  if (o.v.version !== 1) bad('opening.version', 'unsupported version');
  const script = (k: string): Uint8Array | null => (o.isNull(k) ? null : o.bytes(k));
  const alias = (f: Fields, k: string): bigint | null => (f.isNull(k) ? null : f.big(k));
  const type = o.obj('channelType');
  const conf = o.isNull('confirmation') ? null : o.obj('confirmation');
  const ready = o.isNull('remoteReady') ? null : o.obj('remoteReady');
  const blockHash = conf?.str('blockHash');
  if (blockHash !== undefined && !/^[0-9a-f]{64}$/.test(blockHash)) bad('opening.confirmation.blockHash', 'expected 32-byte hex');
  return {
    version: 1,
    role: o.oneOf<OpeningRole>('role', ['funder', 'fundee']),
    peerId: o.str('peerId'),
    keyIndex: o.int('keyIndex', 0, 0xffffffff),
    createdAt: o.int('createdAt'),
    temporaryChannelId: o.bytes('temporaryChannelId', 32),
    channelType: { base: type.oneOf('base', ['static_remotekey', 'anchors'] as const), scidAlias: type.bool('scidAlias'), zeroconf: type.bool('zeroconf') },
    announce: o.bool('announce'),
    terms: terms(o.obj('terms')),
    remoteSignature: o.bytes('remoteSignature', 64),
    upfrontLocal: script('upfrontLocal'),
    upfrontRemote: script('upfrontRemote'),
    minimumDepth: o.int('minimumDepth', 0, 0xffffffff),
    fundingTx: script('fundingTx'),
    signedAtHeight: o.int('signedAtHeight'),
    confirmation: conf ? { height: conf.int('height', 0, 0xffffff), txIndex: conf.int('txIndex', 0, 0xffffff), blockHash: blockHash! } : null,
    localAlias: alias(o, 'localAlias'),
    channelReadySent: o.bool('channelReadySent'),
    remoteReady: ready ? { secondPerCommitmentPoint: ready.point('secondPerCommitmentPoint'), alias: alias(ready, 'alias') } : null,
    handedOff: o.bool('handedOff'),
    failure: failure(o),
    revision: o.int('revision'),
  };
}
