/**
 * BOLT 2 "Channel Establishment v1" as a sans-I/O core, for both roles: one ChannelOpening per
 * channel being opened with a peer, from open_channel until both channel_ready are exchanged (then
 * the channel belongs to its ChannelLink) — and, after that, following the funding transaction's
 * confirmations for the real short_channel_id.
 *
 *   funder                                            fundee
 *   open_channel ───────────────────────────────────▶ checkOpenChannel (BOLT 2 + acceptance policy)
 *   checkAcceptChannel ◀─────────────────────────────── accept_channel
 *   request build_funding → fundingBuilt()
 *   funding_created ────────────────────────────────▶ check its signature of our commitment 0,
 *                                                      persist, then
 *   check, persist, then broadcast ◀────────────────── funding_signed
 *   ... the funding reaches minimum_depth (zero-conf: at once) ...
 *   channel_ready ◀──────────────────────────────────▶ channel_ready          → event `channel_ready`
 *
 * Inputs: the peer's messages, `fundingBuilt` / `fundingFailed` (the wallet's answer to `build_funding`),
 * the chain (`fundingTransaction`, `fundingConfirmed`, `fundingUnconfirmed`, `bestBlock`), the connection
 * (`connected`, `disconnected`, `peerError`), `tick(nowMs)`. Randomness (temporary_channel_id, the scid
 * alias) comes from the context. Outputs: actions (messages, wallet and chain requests) taken with
 * `takeActions()`, events, and `snapshot()` to persist. "Persist before you promise" is structural, as in
 * ChannelLink: an action queued behind a state that must be durable (funding_signed, the broadcast of the
 * funding transaction, channel_ready with our alias) is refused by `takeActions()` until
 * `markPersisted(revision)` reports that state written.
 */
import { equalBytes, toHex, utf8 } from '../../crypto';
import { decodeTx, p2wsh, txid as computeTxid, txidToHex } from '../../bitcoin';
import type {
  AcceptChannel, ChannelReady, ChannelReestablish, FeatureVector, FundingCreated, FundingSigned, Message, OpenChannel,
} from '../../wire';
import { CHANNEL_FLAG_ANNOUNCE } from '../../wire';
import { channelIdFromFundingOutpoint } from '../channel-id';
import { ChannelCommandError, ChannelError } from '../errors';
import type { StoredChannel } from '../link';
import type { ChannelOpenTerms } from '../open';
import { initialChannelState, signInitialRemoteCommitment } from '../open';
import { buildChannelReestablish, planReestablish } from '../reestablish';
import { fundingScript } from '../scripts';
import type { ChannelSigner } from '../signer';
import type { ChannelConfig, ChannelState, Side } from '../state';
import type { ChannelTypeSpec } from './channel-type';
import { channelTypeFeatures, negotiated } from './channel-type';
import { OpenError, openError } from './errors';
import type { AcceptancePolicy, LocalChannelDefaults, OpenCheckContext } from './policy';
import {
  DEFAULT_ACCEPTANCE_POLICY, DEFAULT_LOCAL_CHANNEL_DEFAULTS, MAX_FUNDING_NO_WUMBO_SAT, checkAcceptChannel, checkInitialBalances, checkOpenChannel,
  localConfigFor,
} from './policy';
import type { FundingConfirmation, OpeningRecord, OpeningRole, PendingTerms } from './record';
import { isValidShutdownScript } from '../shutdown-script';

/** BOLT 2 channel_ready: "A non-funding node (fundee): SHOULD forget the channel if it does not see the correct funding transaction after a timeout of 2016 blocks." */
export const FUNDEE_FUNDING_TIMEOUT_BLOCKS = 2016;
/** How long we wait for the peer's next opening message (accept_channel, funding_created, funding_signed). */
export const DEFAULT_OPENING_TIMEOUT_MS = 120_000;

export type OpeningPhase =
  /** Funder: open_channel sent. */
  | 'awaiting_accept'
  /** Funder: accept_channel checked, the wallet builds the funding transaction. */
  | 'awaiting_funding_tx'
  /** Funder: funding_created sent. */
  | 'awaiting_funding_signed'
  /** Fundee: accept_channel sent. */
  | 'awaiting_funding_created'
  /** Both: the channel exists (funding_signed persisted); waiting for minimum_depth and both channel_ready. */
  | 'awaiting_lock_in'
  /** Both channel_ready exchanged: the channel is the ChannelLink's; only the funding's confirmations are followed. */
  | 'ready'
  /** Stopped before the channel existed: nothing is kept. */
  | 'forgotten'
  /** Stopped after the channel existed: it must be closed on chain (our commitment 0, through the monitor). */
  | 'failed';

/** Everything an opening needs from the node. */
export interface OpeningContext {
  /** The chain's `chain_hash`. */
  readonly chainHash: Uint8Array;
  /** Our `init` features and the peer's, on the current connection. */
  readonly localFeatures: FeatureVector;
  readonly remoteFeatures: FeatureVector;
  /** The channel keys (ChannelService.reserveKeys: a new key index per channel). */
  readonly keyIndex: number;
  readonly signer: ChannelSigner;
  readonly policy?: Partial<AcceptancePolicy>;
  readonly defaults?: Partial<LocalChannelDefaults>;
  /** Randomness: temporary_channel_id and the scid alias. */
  readonly randomBytes: (length: number) => Uint8Array;
  readonly nowMs: number;
  /** The best block height now. */
  readonly blockHeight: number;
  readonly timeoutMs?: number;
}

/** What the user asks for when opening a channel (funder). */
export interface OpenChannelRequest {
  readonly peerId: string;
  readonly fundingSatoshis: bigint;
  readonly pushMsat?: bigint;
  /** The initial commitment feerate (sat per 1000 weight). */
  readonly feeratePerKw: number;
  /** The funding transaction's fee rate (sat/vB), for the wallet. */
  readonly fundingFeeRateSatVb: number;
  /** BOLT 2 `announce_channel` (default: false, a private channel). */
  readonly announce?: boolean;
  /** Force a basic type; by default anchors when the peer supports them, else static_remotekey. */
  readonly channelType?: 'anchors' | 'static_remotekey';
  /** Ask for a zero-conf channel (the peer must trust us, and support option_zeroconf). */
  readonly zeroconf?: boolean;
  /** Ask for option_scid_alias (default: for private channels when the peer supports it). */
  readonly scidAlias?: boolean;
  /** Our `upfront_shutdown_script` (null/absent: none; an empty one is sent). */
  readonly upfrontShutdownScript?: Uint8Array | null;
}

/** The fundee's own choices for an incoming channel. */
export interface AcceptOptions {
  readonly upfrontShutdownScript?: Uint8Array | null;
}

export type OpeningAction =
  | { readonly kind: 'send'; readonly message: Message }
  /** Funder: build (and lock the coins of) a funding transaction paying exactly `amountSat` to `scriptPubKey`; answer with fundingBuilt / fundingFailed. */
  | { readonly kind: 'build_funding'; readonly scriptPubKey: Uint8Array; readonly amountSat: bigint; readonly feeRateSatVb: number }
  /** Funder: funding_signed is persisted — release the funding transaction (wallet.commitFunding) and broadcast it. */
  | { readonly kind: 'broadcast_funding'; readonly txid: string; readonly tx: Uint8Array }
  /** Funder: the opening failed before funding_signed — unlock the coins (wallet.releaseFunding). */
  | { readonly kind: 'release_funding'; readonly txid: string }
  /** Follow this output: feed fundingTransaction / fundingConfirmed / fundingUnconfirmed / bestBlock. */
  | { readonly kind: 'watch_funding'; readonly txid: string; readonly outputIndex: number; readonly scriptPubKey: Uint8Array; readonly heightHint: number }
  /** Stop following it. */
  | { readonly kind: 'unwatch_funding'; readonly txid: string }
  /** Drop the persisted record: the channel is forgotten (BOLT 2 allows it: no funds of ours are at stake). */
  | { readonly kind: 'forget' };

/** The channel is established: what its ChannelLink starts from. */
export interface OpenedChannel {
  readonly terms: ChannelOpenTerms;
  /** For ChannelStore.saveChannel and `new ChannelLink(stored, signer)` (then `openedOnConnection()`). */
  readonly stored: StoredChannel;
  readonly channelType: ChannelTypeSpec;
  readonly announce: boolean;
  /** The real short_channel_id, when the funding is confirmed (zero-conf: maybe not yet). */
  readonly shortChannelId: bigint | null;
  readonly localAlias: bigint | null;
  readonly remoteAlias: bigint | null;
}

export type OpeningEvent =
  /** Funder: the peer's accept_channel passed our checks; the funding transaction is being built. */
  | { readonly type: 'accepted'; readonly minimumDepth: number }
  /** The channel exists (funding_signed persisted): from now on it is remembered across reconnections. */
  | { readonly type: 'funding_signed'; readonly channelId: Uint8Array }
  | { readonly type: 'funding_confirmed'; readonly depth: number; readonly shortChannelId: bigint }
  /** The funding transaction left the best chain: back to waiting (`lockedIn`: channel_ready had been sent). */
  | { readonly type: 'funding_reorged'; readonly lockedIn: boolean }
  /** The real short_channel_id changed (confirmed, reorged, confirmed in another block). */
  | { readonly type: 'short_channel_id'; readonly shortChannelId: bigint | null }
  | { readonly type: 'channel_ready'; readonly channel: OpenedChannel }
  /** The opening stopped. `onChain`: the channel existed — it must be closed on chain (and funds recovered). */
  | { readonly type: 'opening_failed'; readonly code: string; readonly message: string; readonly onChain: boolean };

export interface OpeningResult {
  readonly events: readonly OpeningEvent[];
  readonly failure: { readonly code: string; readonly message: string } | null;
  /** The peer broke a connection rule: close the connection. */
  readonly disconnect: boolean;
}

interface Queued {
  readonly action: OpeningAction;
  readonly requires: number;
}

interface MutableResult {
  events: OpeningEvent[];
  failure: { code: string; message: string } | null;
  disconnect: boolean;
}

/** The message types an opening handles (route them to it by temporary_channel_id or channel_id). */
export const OPENING_MESSAGE_TYPES = ['open_channel', 'accept_channel', 'funding_created', 'funding_signed', 'channel_ready', 'channel_reestablish'] as const;

/** BOLT 7 short_channel_id: block height (3 bytes), transaction index (3 bytes), output index (2 bytes). */
export function shortChannelIdOf(height: number, txIndex: number, outputIndex: number): bigint {
  return (BigInt(height) << 40n) | (BigInt(txIndex) << 16n) | BigInt(outputIndex);
}

/**
 * A random alias in block heights 16,000,000..16,777,215: far beyond any real short_channel_id for
 * centuries ("MUST NOT ... use an alias which collides with a short_channel_id of a channel on the same node").
 */
export function randomAlias(randomBytes: (n: number) => Uint8Array): bigint {
  const b = randomBytes(8);
  const height = 16_000_000 + (((b[0]! << 16) | (b[1]! << 8) | b[2]!) % 777_216);
  const txIndex = (b[3]! << 16) | (b[4]! << 8) | b[5]!;
  const output = (b[6]! << 8) | b[7]!;
  return shortChannelIdOf(height, txIndex, output);
}

function checkContext(ctx: OpeningContext): OpenCheckContext & { readonly peerId: string } {
  return {
    chainHash: ctx.chainHash,
    localFeatures: ctx.localFeatures,
    remoteFeatures: ctx.remoteFeatures,
    peerId: '',
    policy: { ...DEFAULT_ACCEPTANCE_POLICY, ...ctx.policy },
    defaults: { ...DEFAULT_LOCAL_CHANNEL_DEFAULTS, ...ctx.defaults },
  };
}

/** The channel state of commitment 0, with the peer's second point when known (the link needs it; the monitor does not). */
function fundedState(pending: PendingTerms, signer: ChannelSigner, remoteSignature: Uint8Array, second: Uint8Array | null): ChannelState {
  // initialChannelState wants the second point for `remoteNextPerCommitmentPoint` only: the first stands in
  // for it until channel_ready brings the real one, and is never used (null in the result).
  const state = initialChannelState({ ...pending, remoteSecondPerCommitmentPoint: second ?? pending.remoteFirstPerCommitmentPoint }, signer, remoteSignature);
  return second ? state : { ...state, remoteNextPerCommitmentPoint: null };
}

export class ChannelOpening {
  readonly role: OpeningRole;
  readonly peerId: string;
  readonly keyIndex: number;
  readonly createdAt: number;
  readonly temporaryChannelId: Uint8Array;
  readonly #signer: ChannelSigner;
  readonly #random: (n: number) => Uint8Array;
  readonly #timeoutMs: number;
  #check: OpenCheckContext;
  #phase: OpeningPhase;
  #channelType!: ChannelTypeSpec;
  #announce = false;
  /** Funder: what we sent; fundee: what we received. */
  #open: OpenChannel | null = null;
  #fundingFeeRateSatVb = 1;
  #localConfig: ChannelConfig | null = null;
  #remoteConfig: ChannelConfig | null = null;
  #remoteKeys: { basepoints: PendingTerms['remoteBasepoints']; first: Uint8Array } | null = null;
  #minimumDepth = 0;
  #upfrontLocal: Uint8Array | null = null;
  #upfrontRemote: Uint8Array | null = null;
  #fundingTx: Uint8Array | null = null;
  /** Funder: the txid of the prepared funding transaction, for releasing it. */
  #preparedTxid: string | null = null;
  #terms: PendingTerms | null = null;
  #remoteSignature: Uint8Array | null = null;
  #signedAtHeight = 0;
  #confirmation: FundingConfirmation | null = null;
  #bestHeight: number;
  #localAlias: bigint | null = null;
  #channelReadySent = false;
  #remoteReady: { secondPerCommitmentPoint: Uint8Array; alias: bigint | null } | null = null;
  #handedOff = false;
  #connection: 'connected' | 'reestablishing' | 'offline' = 'connected';
  #lastProgressMs: number;
  #failure: { code: string; message: string } | null = null;
  #revision = 0;
  #persisted = 0;
  #required = 0;
  #outbox: Queued[] = [];

  private constructor(role: OpeningRole, peerId: string, ctx: OpeningContext, temporaryChannelId: Uint8Array) {
    this.role = role;
    this.peerId = peerId;
    this.keyIndex = ctx.keyIndex;
    this.createdAt = ctx.nowMs;
    this.temporaryChannelId = temporaryChannelId;
    this.#signer = ctx.signer;
    this.#random = ctx.randomBytes;
    this.#timeoutMs = ctx.timeoutMs ?? DEFAULT_OPENING_TIMEOUT_MS;
    this.#check = { ...checkContext(ctx), peerId };
    this.#phase = role === 'funder' ? 'awaiting_accept' : 'awaiting_funding_created';
    this.#bestHeight = ctx.blockHeight;
    this.#lastProgressMs = ctx.nowMs;
  }

  // ----- creation ----------------------------------------------------------------------------------

  /**
   * Opens a channel to a connected peer (funder): checks the request, chooses the channel_type and queues
   * open_channel. Throws OpenError `channel_open.bad_request` for a request the peer would have to refuse.
   */
  static funder(req: OpenChannelRequest, ctx: OpeningContext): ChannelOpening {
    // "MUST ensure temporary_channel_id is unique from any other channel ID with the same peer" (random 32 bytes).
    const o = new ChannelOpening('funder', req.peerId, ctx, ctx.randomBytes(32).slice());
    o.#startFunder(req);
    return o;
  }

  /**
   * A peer's open_channel (fundee). A refused one gives an opening already `forgotten`, with the `error`
   * that says why queued and `failure` set; an accepted one has accept_channel queued.
   */
  static fundee(peerId: string, open: OpenChannel, ctx: OpeningContext, opts: AcceptOptions = {}): ChannelOpening {
    const o = new ChannelOpening('fundee', peerId, ctx, open.temporaryChannelId.slice());
    o.#startFundee(open, opts);
    return o;
  }

  /** An opening restored from its record after a restart (offline until `connected()`). */
  static restore(record: OpeningRecord, ctx: Omit<OpeningContext, 'keyIndex'>): ChannelOpening {
    const o = new ChannelOpening(record.role, record.peerId, { ...ctx, keyIndex: record.keyIndex, nowMs: record.createdAt }, record.temporaryChannelId.slice());
    o.#channelType = record.channelType;
    o.#announce = record.announce;
    o.#terms = record.terms;
    o.#localConfig = record.terms.localConfig;
    o.#remoteConfig = record.terms.remoteConfig;
    o.#remoteKeys = { basepoints: record.terms.remoteBasepoints, first: record.terms.remoteFirstPerCommitmentPoint };
    o.#remoteSignature = record.remoteSignature;
    o.#upfrontLocal = record.upfrontLocal;
    o.#upfrontRemote = record.upfrontRemote;
    o.#minimumDepth = record.minimumDepth;
    o.#fundingTx = record.fundingTx;
    o.#signedAtHeight = record.signedAtHeight;
    o.#confirmation = record.confirmation;
    o.#localAlias = record.localAlias;
    o.#channelReadySent = record.channelReadySent;
    o.#remoteReady = record.remoteReady;
    o.#handedOff = record.handedOff;
    o.#phase = record.failure ? 'failed' : record.handedOff ? 'ready' : 'awaiting_lock_in';
    o.#failure = record.failure;
    o.#connection = 'offline';
    o.#revision = o.#persisted = o.#required = record.revision;
    if (record.failure) return o;
    // Still ours to do after a crash: the funding transaction may never have left (idempotent at the wallet).
    const outpoint = record.terms.fundingOutpoint;
    const txid = txidToHex(outpoint.txid);
    o.#push({ kind: 'watch_funding', txid, outputIndex: outpoint.vout, scriptPubKey: o.#fundingScriptPubKey(), heightHint: record.signedAtHeight }, false);
    if (record.role === 'funder' && record.fundingTx && !record.confirmation) o.#push({ kind: 'broadcast_funding', txid, tx: record.fundingTx.slice() }, false);
    return o;
  }

  // ----- state --------------------------------------------------------------------------------------

  get phase(): OpeningPhase {
    return this.#phase;
  }

  get failure(): { readonly code: string; readonly message: string } | null {
    return this.#failure;
  }

  get channelType(): ChannelTypeSpec {
    return this.#channelType;
  }

  /** BOLT 2 `channel_id`, once the funding outpoint is known (funding_created). */
  get channelId(): Uint8Array | null {
    return this.#terms ? channelIdFromFundingOutpoint(this.#terms.fundingOutpoint) : null;
  }

  get shortChannelId(): bigint | null {
    const c = this.#confirmation;
    return c && this.#terms ? shortChannelIdOf(c.height, c.txIndex, this.#terms.fundingOutpoint.vout) : null;
  }

  /** Confirmations of the funding transaction (0: unconfirmed). */
  get depth(): number {
    return this.#confirmation ? Math.max(0, this.#bestHeight - this.#confirmation.height + 1) : 0;
  }

  /** The confirmations we wait for before sending channel_ready. */
  get minimumDepth(): number {
    return this.#minimumDepth;
  }

  /** The channel state of commitment 0 once the channel exists (for the monitor, from funding_signed on). */
  channelState(): ChannelState | null {
    if (!this.#terms || !this.#remoteSignature) return null;
    return this.#withExtras(fundedState(this.#terms, this.#signer, this.#remoteSignature, this.#remoteReady?.secondPerCommitmentPoint ?? null));
  }

  // ----- persistence ----------------------------------------------------------------------------------

  get revision(): number {
    return this.#revision;
  }

  /** A queued action waits for a state not yet reported durable. */
  get needsPersist(): boolean {
    return this.#required > this.#persisted;
  }

  /** Something changed since the last write (optional changes included). */
  get dirty(): boolean {
    return this.#revision > this.#persisted;
  }

  /** Whether there is anything to persist at all (the channel exists). */
  get persistable(): boolean {
    return this.#terms !== null && this.#remoteSignature !== null && (this.#phase === 'awaiting_lock_in' || this.#phase === 'ready' || this.#phase === 'failed');
  }

  snapshot(): OpeningRecord {
    if (!this.#terms || !this.#remoteSignature) throw openError('not_persistable', 'nothing to persist before funding_signed');
    return {
      version: 1,
      role: this.role,
      peerId: this.peerId,
      keyIndex: this.keyIndex,
      createdAt: this.createdAt,
      temporaryChannelId: this.temporaryChannelId,
      channelType: this.#channelType,
      announce: this.#announce,
      terms: this.#terms,
      remoteSignature: this.#remoteSignature,
      upfrontLocal: this.#upfrontLocal,
      upfrontRemote: this.#upfrontRemote,
      minimumDepth: this.#minimumDepth,
      fundingTx: this.#fundingTx,
      signedAtHeight: this.#signedAtHeight,
      confirmation: this.#confirmation,
      localAlias: this.#localAlias,
      channelReadySent: this.#channelReadySent,
      remoteReady: this.#remoteReady,
      handedOff: this.#handedOff,
      failure: this.#phase === 'failed' ? this.#failure : null,
      revision: this.#revision,
    };
  }

  markPersisted(revision: number): void {
    if (revision > this.#revision) throw openError('bad_revision', `revision ${revision} was never produced`);
    if (revision > this.#persisted) this.#persisted = revision;
  }

  /** The actions to carry out now, in order. Throws `channel_open.not_persisted` (keeping them) if one waits for an unwritten state. */
  takeActions(): OpeningAction[] {
    const blocked = this.#outbox.find((q) => q.requires > this.#persisted);
    if (blocked) {
      throw openError('not_persisted', `${blocked.action.kind} needs opening revision ${blocked.requires}, only ${this.#persisted} is durable`);
    }
    return this.#outbox.splice(0).map((q) => q.action);
  }

  // ----- funder -------------------------------------------------------------------------------------

  #startFunder(req: OpenChannelRequest): void {
    const ctx = this.#check;
    const { defaults } = ctx;
    const funding = req.fundingSatoshis;
    const push = req.pushMsat ?? 0n;
    const badRequest = (message: string): OpenError => openError('bad_request', message);
    if (funding <= 0n) throw badRequest('funding_satoshis must be positive');
    // "if both nodes advertised option_support_large_channel: MAY set funding_satoshis greater than or equal to 2^24 satoshi. otherwise: MUST set funding_satoshis to less than 2^24 satoshi."
    if (funding > MAX_FUNDING_NO_WUMBO_SAT && !negotiated(ctx.localFeatures, ctx.remoteFeatures, 'option_support_large_channel')) {
      throw badRequest('funding of 2^24 sat or more needs option_support_large_channel on both sides');
    }
    // "MUST set push_msat to equal or less than 1000 * funding_satoshis."
    if (push < 0n || push > funding * 1000n) throw badRequest('push_msat must be between 0 and funding_satoshis * 1000');
    if (!Number.isInteger(req.feeratePerKw) || req.feeratePerKw < 253 || req.feeratePerKw > 0xffffffff) throw badRequest('feerate_per_kw must be at least 253');
    const upfront = req.upfrontShutdownScript ?? null;
    const scriptFeatures = { anySegwit: negotiated(ctx.localFeatures, ctx.remoteFeatures, 'option_shutdown_anysegwit'), simpleClose: negotiated(ctx.localFeatures, ctx.remoteFeatures, 'option_simple_close') };
    if (upfront && !isValidShutdownScript(upfront, scriptFeatures)) throw badRequest('upfront_shutdown_script is not a shutdown form the peer accepts');
    // The channel_type: always explicit. Anchors when both support them (or asked), else static_remotekey.
    const anchors = req.channelType ? req.channelType === 'anchors' : negotiated(ctx.localFeatures, ctx.remoteFeatures, 'option_anchors');
    if (anchors && !negotiated(ctx.localFeatures, ctx.remoteFeatures, 'option_anchors')) throw badRequest('the peer does not support option_anchors');
    const announce = req.announce ?? false;
    const zeroconf = req.zeroconf ?? false;
    if (zeroconf && !negotiated(ctx.localFeatures, ctx.remoteFeatures, 'option_zeroconf')) throw badRequest('the peer does not support option_zeroconf');
    const aliasSupported = negotiated(ctx.localFeatures, ctx.remoteFeatures, 'option_scid_alias');
    // "if announce_channel is true: MUST NOT send channel_type with the option_scid_alias bit set."
    if (req.scidAlias && (announce || !aliasSupported)) throw badRequest(announce ? 'option_scid_alias is for private channels' : 'the peer does not support option_scid_alias');
    const scidAlias = req.scidAlias ?? (!announce && aliasSupported);
    this.#channelType = { base: anchors ? 'anchors' : 'static_remotekey', scidAlias, zeroconf };
    this.#announce = announce;
    this.#upfrontLocal = upfront ? upfront.slice() : null;
    this.#fundingFeeRateSatVb = req.fundingFeeRateSatVb;
    const local = localConfigFor(funding, defaults);
    this.#localConfig = local;
    // Our own request must pass the fundee's checks of the initial commitment (its reserve is unknown: ours stands in).
    try {
      checkInitialBalances(funding, push, req.feeratePerKw, this.#channelType.base, local.channelReserveSat, local.channelReserveSat);
    } catch (e) {
      if (e instanceof OpenError) throw badRequest(e.message);
      throw e;
    }
    const b = this.#signer.basepoints;
    const open: OpenChannel = {
      type: 'open_channel',
      chainHash: ctx.chainHash,
      temporaryChannelId: this.temporaryChannelId,
      fundingSatoshis: funding,
      pushMsat: push,
      dustLimitSatoshis: local.dustLimitSat,
      maxHtlcValueInFlightMsat: local.maxHtlcValueInFlightMsat,
      channelReserveSatoshis: local.channelReserveSat,
      htlcMinimumMsat: local.htlcMinimumMsat,
      feeratePerKw: req.feeratePerKw,
      toSelfDelay: local.toSelfDelay,
      maxAcceptedHtlcs: local.maxAcceptedHtlcs,
      fundingPubkey: b.fundingPubkey,
      revocationBasepoint: b.revocationBasepoint,
      paymentBasepoint: b.paymentBasepoint,
      delayedPaymentBasepoint: b.delayedPaymentBasepoint,
      htlcBasepoint: b.htlcBasepoint,
      // "MUST set first_per_commitment_point to the per-commitment point to be used for the initial commitment transaction"
      firstPerCommitmentPoint: this.#signer.perCommitmentPoint(0),
      // "MUST set undefined bits in channel_flags to 0."
      channelFlags: announce ? CHANNEL_FLAG_ANNOUNCE : 0,
      // "if it includes open_channel_tlvs: MUST include upfront_shutdown_script. MUST set channel_type" (zero-length: none).
      tlvs: { upfrontShutdownScript: this.#upfrontLocal ?? new Uint8Array(0), channelType: channelTypeFeatures(this.#channelType) },
    };
    this.#open = open;
    this.#send(open);
  }

  #onAcceptChannel(r: MutableResult, m: AcceptChannel): void {
    if (this.role !== 'funder' || this.#phase !== 'awaiting_accept') return this.#unexpected(r, m.type);
    const open = this.#open!;
    let accepted;
    try {
      accepted = checkAcceptChannel(m, open, this.#channelType, this.#check);
    } catch (e) {
      if (e instanceof OpenError) return this.#abort(r, e.code, e.message);
      throw e;
    }
    this.#remoteConfig = accepted.remoteConfig;
    this.#remoteKeys = {
      basepoints: {
        fundingPubkey: m.fundingPubkey,
        revocationBasepoint: m.revocationBasepoint,
        paymentBasepoint: m.paymentBasepoint,
        delayedPaymentBasepoint: m.delayedPaymentBasepoint,
        htlcBasepoint: m.htlcBasepoint,
      },
      first: m.firstPerCommitmentPoint,
    };
    this.#upfrontRemote = accepted.upfrontRemote;
    // The opener "is free to send [channel_ready] at any time": zero-conf at once, otherwise at the depth the
    // peer asked for (at least one confirmation when it asked for none without a zero-conf channel type).
    this.#minimumDepth = this.#channelType.zeroconf ? 0 : Math.max(1, accepted.minimumDepth);
    this.#phase = 'awaiting_funding_tx';
    this.#push({ kind: 'build_funding', scriptPubKey: this.#fundingScriptPubKey(), amountSat: open.fundingSatoshis, feeRateSatVb: this.#fundingFeeRateSatVb }, false);
    r.events.push({ type: 'accepted', minimumDepth: accepted.minimumDepth });
  }

  /**
   * The wallet built the funding transaction (signed, coins locked, not broadcast). Checks that it pays
   * exactly funding_satoshis to the funding script, signs the fundee's commitment 0 and sends funding_created.
   */
  fundingBuilt(funding: { readonly tx: Uint8Array; readonly outputIndex: number }, nowMs: number): OpeningResult {
    const r = this.#result();
    if (this.role !== 'funder' || this.#phase !== 'awaiting_funding_tx') throw openError('unexpected_funding', `no funding transaction is awaited (phase ${this.#phase})`);
    const open = this.#open!;
    let txid: Uint8Array;
    try {
      const tx = decodeTx(funding.tx);
      txid = computeTxid(tx);
      this.#preparedTxid = txidToHex(txid);
      const out = tx.outputs[funding.outputIndex];
      // funding_created: "funding_output_index to the output number of that transaction that corresponds the funding transaction output"
      if (!out || out.value !== open.fundingSatoshis || !equalBytes(out.scriptPubKey, this.#fundingScriptPubKey()) || funding.outputIndex > 0xffff) {
        this.#abort(r, 'channel_open.bad_funding_output', 'the funding transaction does not pay funding_satoshis to the funding script');
        return this.#done(r);
      }
    } catch (e) {
      if (e instanceof OpenError) throw e;
      this.#abort(r, 'channel_open.bad_funding_output', `the funding transaction does not decode: ${(e as Error).message}`);
      return this.#done(r);
    }
    this.#fundingTx = funding.tx.slice();
    const terms = this.#pendingTerms({ txid, vout: funding.outputIndex }, 'local');
    let signature: Uint8Array;
    try {
      // "signature to the valid signature using its funding_pubkey for the initial commitment transaction"
      signature = signInitialRemoteCommitment({ ...terms, remoteSecondPerCommitmentPoint: terms.remoteFirstPerCommitmentPoint }, this.#signer);
    } catch (e) {
      if (e instanceof ChannelCommandError || e instanceof ChannelError) {
        this.#abort(r, 'channel_open.funder_cannot_pay_fee', e.message);
        return this.#done(r);
      }
      throw e;
    }
    this.#terms = terms;
    this.#phase = 'awaiting_funding_signed';
    this.#lastProgressMs = nowMs;
    const created: FundingCreated = {
      type: 'funding_created',
      temporaryChannelId: this.temporaryChannelId,
      fundingTxid: txid,
      fundingOutputIndex: funding.outputIndex,
      signature,
    };
    this.#send(created);
    return this.#done(r);
  }

  /** The wallet could not build the funding transaction (e.g. insufficient funds): the opening stops. */
  fundingFailed(reason: string): OpeningResult {
    const r = this.#result();
    if (this.#phase !== 'awaiting_funding_tx') return this.#done(r);
    this.#abort(r, 'channel_open.funding_failed', `the funding transaction could not be built: ${reason}`);
    return this.#done(r);
  }

  #onFundingSigned(r: MutableResult, m: FundingSigned): void {
    if (this.role !== 'funder' || this.#phase !== 'awaiting_funding_signed') return this.#unexpected(r, m.type);
    const terms = this.#terms!;
    if (!equalBytes(m.channelId, channelIdFromFundingOutpoint(terms.fundingOutpoint))) {
      return this.#abort(r, 'channel_open.wrong_channel_id', 'funding_signed channel_id is not derived from our funding outpoint');
    }
    try {
      // "if signature is incorrect OR non-compliant with LOW-S-standard rule: MUST send a warning and close the
      //  connection, or send an error and fail the channel." Nothing was broadcast: we fail and forget.
      fundedState(terms, this.#signer, m.signature, null);
    } catch (e) {
      if (e instanceof ChannelError || e instanceof ChannelCommandError) return this.#abort(r, 'channel_open.bad_funding_signature', e.message);
      throw e;
    }
    this.#remoteSignature = m.signature.slice();
    this.#signedAtHeight = this.#bestHeight;
    this.#phase = 'awaiting_lock_in';
    this.#bump(true);
    const txid = txidToHex(terms.fundingOutpoint.txid);
    // "MUST NOT broadcast the funding transaction before receipt of a valid funding_signed. on receipt of a valid
    //  funding_signed: SHOULD broadcast the funding transaction." — once the channel is durable.
    this.#push({ kind: 'broadcast_funding', txid, tx: this.#fundingTx!.slice() }, true);
    this.#push({ kind: 'watch_funding', txid, outputIndex: terms.fundingOutpoint.vout, scriptPubKey: this.#fundingScriptPubKey(), heightHint: this.#bestHeight }, true);
    r.events.push({ type: 'funding_signed', channelId: channelIdFromFundingOutpoint(terms.fundingOutpoint) });
    this.#maybeReady(r);
  }

  // ----- fundee -------------------------------------------------------------------------------------

  #startFundee(open: OpenChannel, opts: AcceptOptions): void {
    const r = this.#result();
    let accepted;
    try {
      accepted = checkOpenChannel(open, this.#check);
    } catch (e) {
      if (e instanceof OpenError) {
        this.#abort(r, e.code, e.message);
        return;
      }
      throw e;
    }
    const upfront = opts.upfrontShutdownScript ?? null;
    const ctx = this.#check;
    const scriptFeatures = { anySegwit: negotiated(ctx.localFeatures, ctx.remoteFeatures, 'option_shutdown_anysegwit'), simpleClose: negotiated(ctx.localFeatures, ctx.remoteFeatures, 'option_simple_close') };
    if (upfront && !isValidShutdownScript(upfront, scriptFeatures)) throw openError('bad_request', 'our upfront_shutdown_script is not a shutdown form the peer accepts');
    this.#open = open;
    this.#channelType = accepted.channelType;
    this.#announce = accepted.announce;
    this.#localConfig = accepted.localConfig;
    this.#remoteConfig = accepted.remoteConfig;
    this.#remoteKeys = {
      basepoints: {
        fundingPubkey: open.fundingPubkey,
        revocationBasepoint: open.revocationBasepoint,
        paymentBasepoint: open.paymentBasepoint,
        delayedPaymentBasepoint: open.delayedPaymentBasepoint,
        htlcBasepoint: open.htlcBasepoint,
      },
      first: open.firstPerCommitmentPoint,
    };
    this.#upfrontRemote = accepted.upfrontRemote;
    this.#upfrontLocal = upfront ? upfront.slice() : null;
    this.#minimumDepth = accepted.minimumDepth;
    const local = accepted.localConfig;
    const b = this.#signer.basepoints;
    const accept: AcceptChannel = {
      type: 'accept_channel',
      // "The temporary_channel_id MUST be the same as the temporary_channel_id in the open_channel message."
      temporaryChannelId: this.temporaryChannelId,
      dustLimitSatoshis: local.dustLimitSat,
      maxHtlcValueInFlightMsat: local.maxHtlcValueInFlightMsat,
      channelReserveSatoshis: local.channelReserveSat,
      htlcMinimumMsat: local.htlcMinimumMsat,
      minimumDepth: accepted.minimumDepth,
      toSelfDelay: local.toSelfDelay,
      maxAcceptedHtlcs: local.maxAcceptedHtlcs,
      fundingPubkey: b.fundingPubkey,
      revocationBasepoint: b.revocationBasepoint,
      paymentBasepoint: b.paymentBasepoint,
      delayedPaymentBasepoint: b.delayedPaymentBasepoint,
      htlcBasepoint: b.htlcBasepoint,
      firstPerCommitmentPoint: this.#signer.perCommitmentPoint(0),
      // "MUST set channel_type to the channel_type from open_channel."
      tlvs: { upfrontShutdownScript: this.#upfrontLocal ?? new Uint8Array(0), channelType: channelTypeFeatures(accepted.channelType) },
    };
    this.#send(accept);
  }

  /** The channel's terms once the funding outpoint is known: the same for funder and fundee but for who funds. */
  #pendingTerms(fundingOutpoint: PendingTerms['fundingOutpoint'], funder: Side): PendingTerms {
    const open = this.#open!;
    return {
      fundingOutpoint,
      fundingSatoshis: open.fundingSatoshis,
      pushMsat: open.pushMsat,
      feeratePerKw: open.feeratePerKw,
      channelType: this.#channelType.base,
      funder,
      localConfig: this.#localConfig!,
      remoteConfig: this.#remoteConfig!,
      remoteBasepoints: this.#remoteKeys!.basepoints,
      remoteFirstPerCommitmentPoint: this.#remoteKeys!.first,
    };
  }

  #onFundingCreated(r: MutableResult, m: FundingCreated): void {
    if (this.role !== 'fundee' || this.#phase !== 'awaiting_funding_created') return this.#unexpected(r, m.type);
    const terms = this.#pendingTerms({ txid: m.fundingTxid.slice(), vout: m.fundingOutputIndex }, 'remote');
    let signature: Uint8Array;
    try {
      // funding_created recipient: "if signature is incorrect OR non-compliant with LOW-S-standard rule: MUST send a
      // warning and close the connection, or send an error and fail the channel." Nothing is ours yet: fail and forget.
      fundedState(terms, this.#signer, m.signature, null);
      signature = signInitialRemoteCommitment({ ...terms, remoteSecondPerCommitmentPoint: terms.remoteFirstPerCommitmentPoint }, this.#signer);
    } catch (e) {
      if (e instanceof ChannelError) return this.#abort(r, 'channel_open.bad_funding_signature', e.message);
      if (e instanceof ChannelCommandError) return this.#abort(r, 'channel_open.funder_cannot_pay_fee', e.message);
      throw e;
    }
    this.#terms = terms;
    this.#remoteSignature = m.signature.slice();
    this.#signedAtHeight = this.#bestHeight;
    this.#phase = 'awaiting_lock_in';
    this.#bump(true);
    const channelId = channelIdFromFundingOutpoint(terms.fundingOutpoint);
    // funding_signed sender: "channel_id by exclusive-OR of the funding_txid and the funding_output_index" — sent
    // only once the channel is durable (BOLT 2: after sending funding_signed we MUST remember the channel).
    const signed: FundingSigned = { type: 'funding_signed', channelId, signature };
    this.#send(signed, true);
    const txid = txidToHex(terms.fundingOutpoint.txid);
    this.#push({ kind: 'watch_funding', txid, outputIndex: terms.fundingOutpoint.vout, scriptPubKey: this.#fundingScriptPubKey(), heightHint: this.#bestHeight }, true);
    r.events.push({ type: 'funding_signed', channelId });
    this.#maybeReady(r);
  }

  // ----- the chain ---------------------------------------------------------------------------------

  /**
   * The funding transaction, seen in the mempool or a block. BOLT 2 channel_ready: "MUST NOT send channel_ready
   * unless outpoint of given by funding_txid and funding_output_index in the funding_created message pays exactly
   * funding_satoshis to the scriptpubkey specified in BOLT 3" — a transaction that does not fails the channel.
   */
  fundingTransaction(raw: Uint8Array): OpeningResult {
    const r = this.#result();
    if (!this.#terms || (this.#phase !== 'awaiting_lock_in' && this.#phase !== 'ready')) return this.#done(r);
    const outpoint = this.#terms.fundingOutpoint;
    let ok = false;
    try {
      const tx = decodeTx(raw);
      if (!equalBytes(computeTxid(tx), outpoint.txid)) return this.#done(r); // another transaction: not ours to judge
      const out = tx.outputs[outpoint.vout];
      ok = !!out && out.value === this.#terms.fundingSatoshis && equalBytes(out.scriptPubKey, this.#fundingScriptPubKey());
    } catch {
      ok = false;
    }
    if (!ok) {
      this.#failChannel(r, 'channel_open.bad_funding_output', 'the funding transaction does not pay funding_satoshis to the funding script');
      return this.#done(r);
    }
    if (!this.#fundingTx) {
      this.#fundingTx = raw.slice();
      this.#bump(false);
    }
    this.#maybeReady(r);
    return this.#done(r);
  }

  /** The funding transaction confirmed in block `height` at index `txIndex` (feed `fundingTransaction` first). */
  fundingConfirmed(confirmation: FundingConfirmation): OpeningResult {
    const r = this.#result();
    if (!this.#terms || (this.#phase !== 'awaiting_lock_in' && this.#phase !== 'ready')) return this.#done(r);
    if (!this.#fundingTx) throw openError('funding_unseen', 'feed the funding transaction (fundingTransaction) before its confirmation');
    const c = this.#confirmation;
    if (c && c.height === confirmation.height && c.txIndex === confirmation.txIndex && c.blockHash === confirmation.blockHash) return this.#done(r);
    this.#confirmation = { ...confirmation };
    if (confirmation.height > this.#bestHeight) this.#bestHeight = confirmation.height;
    this.#bump(false);
    r.events.push({ type: 'funding_confirmed', depth: this.depth, shortChannelId: this.shortChannelId! });
    r.events.push({ type: 'short_channel_id', shortChannelId: this.shortChannelId });
    this.#maybeReady(r);
    return this.#done(r);
  }

  /**
   * The funding transaction's block left the best chain (a reorg). Before lock-in the opening goes back to
   * waiting for confirmations; after it, the channel goes on (the real short_channel_id is gone until it confirms again).
   */
  fundingUnconfirmed(): OpeningResult {
    const r = this.#result();
    if (!this.#confirmation) return this.#done(r);
    this.#confirmation = null;
    this.#bump(false);
    r.events.push({ type: 'funding_reorged', lockedIn: this.#channelReadySent });
    r.events.push({ type: 'short_channel_id', shortChannelId: null });
    return this.#done(r);
  }

  /** A new best block (after the transactions of the block were fed). */
  bestBlock(height: number): OpeningResult {
    const r = this.#result();
    this.#bestHeight = height;
    if (this.#phase !== 'awaiting_lock_in') return this.#done(r);
    if (this.#confirmation) {
      r.events.push({ type: 'funding_confirmed', depth: this.depth, shortChannelId: this.shortChannelId! });
      this.#maybeReady(r);
    } else if (this.role === 'fundee' && height >= this.#signedAtHeight + FUNDEE_FUNDING_TIMEOUT_BLOCKS) {
      // "A non-funding node (fundee): SHOULD forget the channel if it does not see the correct funding transaction after a timeout of 2016 blocks."
      this.#forgetChannel(r, 'channel_open.funding_timeout', `the funding transaction did not confirm within ${FUNDEE_FUNDING_TIMEOUT_BLOCKS} blocks`);
    }
    return this.#done(r);
  }

  // ----- the connection ------------------------------------------------------------------------------

  /** A (new) connection to the peer completed init. Before funding_signed nothing survives a disconnection. */
  connected(features?: { readonly local: FeatureVector; readonly remote: FeatureVector }): OpeningResult {
    const r = this.#result();
    if (features) this.#check = { ...this.#check, localFeatures: features.local, remoteFeatures: features.remote };
    if (this.#phase !== 'awaiting_lock_in') return this.#done(r);
    this.#outbox = this.#outbox.filter((q) => q.action.kind !== 'send');
    this.#connection = 'reestablishing';
    // BOLT 2 Message Retransmission, "upon reconnection: MUST transmit channel_reestablish for each channel."
    this.#send(buildChannelReestablish(this.#stateForReestablish(), this.#signer));
    return this.#done(r);
  }

  /** The connection ended. */
  disconnected(): OpeningResult {
    const r = this.#result();
    this.#outbox = this.#outbox.filter((q) => q.action.kind !== 'send');
    if (this.#phase === 'awaiting_accept' || this.#phase === 'awaiting_funding_tx' || this.#phase === 'awaiting_funding_signed' || this.#phase === 'awaiting_funding_created') {
      // BOLT 2 Message Retransmission: the funder that has not broadcast and the fundee that has not sent
      // funding_signed "SHOULD NOT remember the channel for reconnection".
      this.#stop(r, 'channel_open.disconnected', 'the peer disconnected before the channel was funded', false);
      return this.#done(r);
    }
    this.#connection = 'offline';
    return this.#done(r);
  }

  /** The peer sent `error` for this channel (or all channels): BOLT 1 "MUST fail the channel". */
  peerError(text: string): OpeningResult {
    const r = this.#result();
    const message = `the peer failed the channel: ${text.slice(0, 200)}`;
    if (this.#phase === 'awaiting_lock_in') this.#failChannel(r, 'channel_open.peer_error', message, false);
    else if (this.#phase !== 'ready' && this.#phase !== 'forgotten' && this.#phase !== 'failed') this.#stop(r, 'channel_open.peer_error', message, false);
    return this.#done(r);
  }

  /** The user gives up an opening before funding_signed. */
  cancel(): OpeningResult {
    const r = this.#result();
    if (this.#phase === 'awaiting_lock_in' || this.#phase === 'ready') throw openError('cannot_cancel', 'the channel exists: close it instead');
    if (this.#phase !== 'forgotten' && this.#phase !== 'failed') this.#abort(r, 'channel_open.cancelled', 'the opening was cancelled');
    return this.#done(r);
  }

  /** Timeouts: a peer that stops answering before the channel is funded. */
  tick(nowMs: number): OpeningResult {
    const r = this.#result();
    const waitingOnPeer = this.#phase === 'awaiting_accept' || this.#phase === 'awaiting_funding_created' || this.#phase === 'awaiting_funding_signed';
    if (waitingOnPeer && nowMs - this.#lastProgressMs > this.#timeoutMs) {
      this.#abort(r, 'channel_open.timeout', `no answer from the peer within ${Math.round(this.#timeoutMs / 1000)} s (${this.#phase})`);
    }
    return this.#done(r);
  }

  // ----- messages -------------------------------------------------------------------------------------

  /** A message for this opening from the peer's current connection. */
  receive(m: Message, nowMs: number): OpeningResult {
    const r = this.#result();
    if (this.#phase === 'forgotten' || this.#phase === 'failed') return this.#done(r);
    if (this.#phase === 'ready') {
      // The link owns the channel now; a redundant channel_ready is ignored there.
      return this.#done(r);
    }
    if (this.#connection === 'reestablishing' && m.type !== 'channel_reestablish') {
      // "MUST wait to receive the other node's channel_reestablish message before sending any other messages for that channel."
      this.#send({ type: 'warning', channelId: this.channelId!, data: utf8.encode(`${m.type} before channel_reestablish`) });
      r.disconnect = true;
      return this.#done(r);
    }
    this.#lastProgressMs = nowMs;
    switch (m.type) {
      case 'accept_channel':
        this.#onAcceptChannel(r, m);
        break;
      case 'funding_created':
        this.#onFundingCreated(r, m);
        break;
      case 'funding_signed':
        this.#onFundingSigned(r, m);
        break;
      case 'channel_ready':
        this.#onChannelReady(r, m);
        break;
      case 'channel_reestablish':
        this.#onReestablish(r, m);
        break;
      default:
        this.#unexpected(r, m.type);
    }
    return this.#done(r);
  }

  #onChannelReady(r: MutableResult, m: ChannelReady): void {
    if (this.#phase !== 'awaiting_lock_in') return this.#unexpected(r, m.type);
    if (!equalBytes(m.channelId, this.channelId!)) return this.#unexpected(r, m.type);
    const alias = m.tlvs?.shortChannelId ?? null;
    if (this.#remoteReady && equalBytes(this.#remoteReady.secondPerCommitmentPoint, m.secondPerCommitmentPoint) && this.#remoteReady.alias === alias) return;
    // "MAY send multiple channel_ready messages to the same peer with different alias values": the latest counts.
    this.#remoteReady = { secondPerCommitmentPoint: m.secondPerCommitmentPoint.slice(), alias };
    this.#bump(false);
    this.#maybeReady(r);
  }

  #onReestablish(r: MutableResult, m: ChannelReestablish): void {
    if (this.#phase !== 'awaiting_lock_in' || this.#connection !== 'reestablishing') {
      this.#send({ type: 'warning', channelId: m.channelId, data: utf8.encode('unexpected channel_reestablish') });
      return;
    }
    const plan = planReestablish(this.#stateForReestablish(), 'none', m, this.#signer);
    if (plan.kind === 'fail') return this.#failChannel(r, plan.error.code, plan.error.message);
    this.#connection = 'connected';
    // "if next_commitment_number is 1 in both the channel_reestablish it sent and received: MUST retransmit channel_ready,
    //  otherwise MUST NOT retransmit channel_ready" — ours, if we had sent it.
    if (plan.channelReady && this.#channelReadySent) this.#send(this.#channelReady());
    this.#maybeReady(r);
  }

  // ----- channel_ready and hand-off ---------------------------------------------------------------------

  /** Sends channel_ready when the funding allows it, and hands the channel over once both were exchanged. */
  #maybeReady(r: MutableResult): void {
    if (this.#phase !== 'awaiting_lock_in' || this.#connection !== 'connected') return;
    if (!this.#channelReadySent && this.#fundingTx !== null && this.depth >= this.#minimumDepth) {
      // The fundee "SHOULD wait until the funding transaction has reached minimum_depth"; with option_zeroconf it is 0.
      // Our alias: "if option_scid_alias was negotiated: MUST set short_channel_id alias" (and always for zero-conf and
      // scid_alias channel types, whose HTLCs can only use it).
      const needAlias = this.#channelType.scidAlias || this.#channelType.zeroconf || negotiated(this.#check.localFeatures, this.#check.remoteFeatures, 'option_scid_alias');
      if (needAlias && this.#localAlias === null) this.#localAlias = randomAlias(this.#random);
      this.#channelReadySent = true;
      this.#bump(true);
      this.#send(this.#channelReady(), true);
    }
    if (this.#channelReadySent && this.#remoteReady) this.#handOff(r);
  }

  #channelReady(): ChannelReady {
    return {
      type: 'channel_ready',
      channelId: this.channelId!,
      // "MUST set second_per_commitment_point to the per-commitment point to be used for commitment transaction #1"
      secondPerCommitmentPoint: this.#signer.perCommitmentPoint(1),
      ...(this.#localAlias !== null ? { tlvs: { shortChannelId: this.#localAlias } } : {}),
    };
  }

  #handOff(r: MutableResult): void {
    const terms: ChannelOpenTerms = { ...this.#terms!, remoteSecondPerCommitmentPoint: this.#remoteReady!.secondPerCommitmentPoint };
    const state = this.#withExtras(initialChannelState(terms, this.#signer, this.#remoteSignature!));
    this.#handedOff = true;
    this.#phase = 'ready';
    this.#bump(true);
    const stored: StoredChannel = {
      peerId: this.peerId,
      keyIndex: this.keyIndex,
      createdAt: this.createdAt,
      state,
      lastSent: 'none',
      sentUpdates: [],
      dataLoss: null,
      revision: 1,
    };
    r.events.push({
      type: 'channel_ready',
      channel: {
        terms,
        stored,
        channelType: this.#channelType,
        announce: this.#announce,
        shortChannelId: this.shortChannelId,
        localAlias: this.#localAlias,
        remoteAlias: this.#remoteReady!.alias,
      },
    });
  }

  /** The state the link continues from: commitment 0, the upfront scripts, the aliases. */
  #withExtras(state: ChannelState): ChannelState {
    return {
      ...state,
      closing: { upfrontLocal: this.#upfrontLocal, upfrontRemote: this.#upfrontRemote, shutdownLocal: null, shutdownRemote: null },
      aliases: { local: this.#localAlias, remote: this.#remoteReady?.alias ?? null },
    };
  }

  /** Commitment 0 as channel_reestablish sees it (the peer's next point does not matter there). */
  #stateForReestablish(): ChannelState {
    return fundedState(this.#terms!, this.#signer, this.#remoteSignature!, null);
  }

  // ----- failures -------------------------------------------------------------------------------------

  /** Before the channel exists: send `error` (unless the peer failed it), unlock the funding coins, forget. */
  #abort(r: MutableResult, code: string, message: string): void {
    this.#stop(r, code, message, true);
  }

  #stop(r: MutableResult, code: string, message: string, notify: boolean): void {
    this.#outbox = [];
    if (notify) this.#send(this.#error(code, message, this.temporaryChannelId));
    if (this.#preparedTxid) this.#push({ kind: 'release_funding', txid: this.#preparedTxid }, false);
    this.#preparedTxid = null;
    this.#phase = 'forgotten';
    this.#failure = { code, message };
    r.failure = this.#failure;
    r.events.push({ type: 'opening_failed', code, message, onChain: false });
  }

  /** After the channel exists: it fails (persisted before our `error` leaves) and must be closed on chain. */
  #failChannel(r: MutableResult, code: string, message: string, notify = true): void {
    this.#outbox = [];
    this.#phase = 'failed';
    this.#failure = { code, message };
    this.#bump(true);
    if (notify) this.#send(this.#error(code, message, this.channelId!), true);
    r.failure = this.#failure;
    r.events.push({ type: 'opening_failed', code, message, onChain: true });
  }

  /** The fundee gives up a channel whose funding never came: error, stop watching, drop the record. */
  #forgetChannel(r: MutableResult, code: string, message: string): void {
    this.#outbox = [];
    this.#phase = 'forgotten';
    this.#failure = { code, message };
    if (this.#connection === 'connected') this.#send(this.#error(code, message, this.channelId!));
    this.#push({ kind: 'unwatch_funding', txid: txidToHex(this.#terms!.fundingOutpoint.txid) }, false);
    this.#push({ kind: 'forget' }, false);
    r.failure = this.#failure;
    r.events.push({ type: 'opening_failed', code, message, onChain: false });
  }

  #unexpected(r: MutableResult, type: string): void {
    // A message out of order: the opening cannot go on in this connection.
    if (this.#phase === 'awaiting_lock_in') {
      this.#send({ type: 'warning', channelId: this.channelId!, data: utf8.encode(`unexpected ${type}`) });
      r.disconnect = true;
      return;
    }
    this.#abort(r, 'channel_open.unexpected_message', `unexpected ${type} (${this.#phase})`);
  }

  #error(code: string, message: string, channelId: Uint8Array): Message {
    return { type: 'error', channelId, data: utf8.encode(`${code}: ${message}`.slice(0, 1000)) };
  }

  // ----- internals ----------------------------------------------------------------------------------

  #fundingScriptPubKey(): Uint8Array {
    const remote = this.#terms?.remoteBasepoints.fundingPubkey ?? this.#remoteKeys!.basepoints.fundingPubkey;
    return p2wsh(fundingScript(this.#signer.basepoints.fundingPubkey, remote));
  }

  #result(): MutableResult {
    return { events: [], failure: null, disconnect: false };
  }

  #done(r: MutableResult): OpeningResult {
    return r;
  }

  #bump(required: boolean): void {
    this.#revision++;
    if (required) this.#required = this.#revision;
  }

  #push(action: OpeningAction, required: boolean): void {
    this.#outbox.push({ action, requires: required ? this.#required : 0 });
  }

  #send(message: Message, required = false): void {
    this.#push({ kind: 'send', message }, required);
  }
}

/** Hex of a temporary or final channel id (for maps keyed by it). */
export function openingKey(id: Uint8Array): string {
  return toHex(id);
}
