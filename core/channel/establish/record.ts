/**
 * What an opening keeps durably once the channel exists (from funding_signed on): enough to rebuild
 * commitment 0 and its signatures, to follow the funding transaction to `minimum_depth`, to answer
 * channel_reestablish and to hand the channel to its ChannelLink after channel_ready. Plain data; the
 * JSON codec checks every field and throws OpenError `channel_open.bad_record` naming the first bad one.
 */
import type { ChannelOpenTerms } from '../open';
import type { Side } from '../state';
import { JsonFields, plainToJson, readChannelBasepoints, readChannelConfig, type Json } from '../state-codec';
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

export function encodeOpeningRecord(r: OpeningRecord): Json {
  return plainToJson(r);
}

/** Strings in a record (ids, failure texts) are at most this long. */
const MAX_STRING = 2000;

function bad(path: string, what: string): never {
  throw fail(path, what);
}

/** The record codec's errors: OpenError `channel_open.bad_record` naming the field. */
function fail(path: string, what: string): Error {
  return openError('bad_record', `${path}: ${what}`, { field: path });
}

function terms(o: JsonFields): PendingTerms {
  const outpoint = o.obj('fundingOutpoint');
  return {
    fundingOutpoint: { txid: outpoint.bytes('txid', 32), vout: outpoint.int('vout', 0, 0xffff) },
    fundingSatoshis: o.u64('fundingSatoshis'),
    pushMsat: o.u64('pushMsat'),
    feeratePerKw: o.int('feeratePerKw', 0, 0xffffffff),
    channelType: o.oneOf('channelType', ['static_remotekey', 'anchors'] as const),
    funder: o.oneOf<Side>('funder', ['local', 'remote']),
    localConfig: readChannelConfig(o.obj('localConfig')),
    remoteConfig: readChannelConfig(o.obj('remoteConfig')),
    remoteBasepoints: readChannelBasepoints(o.obj('remoteBasepoints')),
    remoteFirstPerCommitmentPoint: o.point('remoteFirstPerCommitmentPoint'),
  };
}

function failure(o: JsonFields): { code: string; message: string } | null {
  if (o.isNull('failure')) return null;
  const f = o.obj('failure');
  return { code: f.str('code', MAX_STRING), message: f.str('message', MAX_STRING) };
}

/** JSON value → OpeningRecord; throws OpenError `channel_open.bad_record`. */
export function decodeOpeningRecord(value: unknown): OpeningRecord {
  const o = JsonFields.of(value, 'opening', fail);
  if (o.v.version !== 1) bad('opening.version', 'unsupported version');
  const script = (k: string): Uint8Array | null => (o.isNull(k) ? null : o.bytes(k));
  const alias = (f: JsonFields, k: string): bigint | null => (f.isNull(k) ? null : f.u64(k));
  const type = o.obj('channelType');
  const conf = o.isNull('confirmation') ? null : o.obj('confirmation');
  const ready = o.isNull('remoteReady') ? null : o.obj('remoteReady');
  const blockHash = conf?.str('blockHash', MAX_STRING);
  if (blockHash !== undefined && !/^[0-9a-f]{64}$/.test(blockHash)) bad('opening.confirmation.blockHash', 'expected 32-byte hex');
  return {
    version: 1,
    role: o.oneOf<OpeningRole>('role', ['funder', 'fundee']),
    peerId: o.str('peerId', MAX_STRING),
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
