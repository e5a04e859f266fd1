/**
 * What the channel service needs of the node's other parts, as narrow ports the composition root
 * fills (core/node): the chain layer (watches, broadcast, fee estimates), the on-chain wallet
 * (funding transactions, scripts for closing outputs and sweeps, fee inputs for CPFP and anchor
 * HTLC transactions), the stores of the three channel aggregates written together, and whoever
 * claims upstream what the chain resolved (the payments layer).
 *
 * Like the wallet adapter's WalletChainPort, these live with the adapter: they join domains that do
 * not know each other (core/channel, core/monitor, core/chain, core/wallet).
 */
import type { BroadcastOutcome, ChainEvent, FeeEstimate, TxStatus, WatchSpec, WatchView } from '../../chain';
import type { Htlc } from '../../channel/state';
import type { ChannelStore, OpeningStore } from '../../channel/store';
import type { CpfpRequest, HtlcFeeRequest, MonitorStore } from '../../monitor';

/** The chain layer as the channel service uses it (core/runtime/chain's ChainSync and tracker). */
export interface ChannelChainPort {
  /** The best block followed, or null before the first sync. */
  tip(): { readonly height: number; readonly hash: string } | null;
  watch(spec: WatchSpec, owner: string): string;
  unwatch(watchId: string, owner: string): boolean;
  /** Ids of the watches `owner` holds. */
  watchIds(owner: string): ReadonlySet<string>;
  view(watchId: string): WatchView | undefined;
  txStatus(txid: string): TxStatus | null;
  /** Keeps `raw` as ours (persisted, rebroadcast until settled), hands it to the source, reports what it said. */
  broadcast(raw: Uint8Array): Promise<{ readonly txid: string; readonly outcome: BroadcastOutcome }>;
  /** Stops rebroadcasting one of ours (a claim the wallet abandoned). */
  forget(txid: string): void;
  /**
   * The position of `txid` in block `blockHash` (BOLT 7 short_channel_id: "the transaction index
   * within the block"), from the block itself; null when the block does not hold it.
   */
  blockTxIndex(blockHash: string, txid: string): Promise<number | null>;
  feeEstimate(targetBlocks: number): FeeEstimate;
}

/** A transaction the wallet built and persisted before handing it out. */
export interface WalletTx {
  readonly txid: string;
  readonly tx: Uint8Array;
  /** The earlier transaction of ours it replaces (abandoned in the wallet: stop rebroadcasting it). */
  readonly replaces?: string | null;
}

/**
 * The on-chain wallet as channels use it (core/runtime/wallet's WalletService over core/wallet). Each
 * call persists what it builds before returning; failures are typed GlasswingErrors (`wallet.*`).
 */
export interface ChannelWalletPort {
  /** BOLT 2 funding_created: a signed funding transaction paying exactly `amountSat` to the P2WSH `scriptPubKey`, its coins locked, NOT broadcastable yet. */
  buildFunding(req: { readonly scriptPubKey: Uint8Array; readonly amountSat: bigint; readonly feeRateSatVb: number }): WalletTx & { readonly outputIndex: number };
  /** funding_signed is persisted: the funding transaction is ours to broadcast (idempotent). */
  commitFunding(txid: string): Uint8Array;
  /** The opening failed before funding_signed: unlock the coins. */
  releaseFunding(txid: string): void;
  /** Funding transactions prepared and never committed (at start, those no opening holds are released). */
  preparedFundings(): readonly string[];
  /** A fresh script of the wallet's change chain (closing outputs, sweeps, upfront_shutdown_script); its index persisted first. */
  freshScript(): Uint8Array;
  /** An address of the node's network as an output script (`wallet.bad_address` otherwise). */
  scriptOf(address: string): Uint8Array;
  /** The number of anchor channels the reserve must cover (BOLT 3 anchors: CPFP needs coins of our own). */
  setAnchorChannels(count: number): void;
  /** A CPFP child through our anchor (a new request with the same key replaces the previous child). */
  fundCpfp(req: CpfpRequest): WalletTx;
  /** An anchors HTLC transaction with wallet inputs and change added (input 0 / output 0 kept). */
  fundHtlcTx(req: HtlcFeeRequest): WalletTx;
  /** Gives up on one of those whose broadcast was refused: its coins are spendable again. */
  abandon(txid: string): void;
}

/** The three channel aggregates, written together (one SQLite transaction) before anything that depends on them leaves. */
export interface ChannelStores {
  readonly channels: ChannelStore;
  readonly openings: OpeningStore;
  readonly monitors: MonitorStore;
  /** Runs `fn` in one transaction (nested calls join it). */
  atomically<T>(fn: () => T): T;
}

/** What the chain resolved that matters upstream (the payments layer claims or fails the incoming HTLC). */
export type OnChainResolution =
  /** The peer claimed an HTLC we offered with its preimage, on chain: settle the incoming HTLC it came from. */
  | { readonly kind: 'preimage_learned'; readonly channelId: string; readonly paymentHash: Uint8Array; readonly preimage: Uint8Array; readonly htlc: Htlc | null }
  /** An HTLC we offered timed out on chain (deep enough): fail the incoming HTLC it came from. */
  | { readonly kind: 'htlc_failed'; readonly channelId: string; readonly htlc: Htlc }
  /**
   * An HTLC offered to us sits unspent on the confirmed commitment and the monitor knows no preimage
   * for it: if we are its payee (or stored a claim for it), hand the preimage to the channel
   * (`fulfillHtlc`, which gives it to the monitor when the channel is not active).
   */
  | { readonly kind: 'preimage_wanted'; readonly channelId: string; readonly htlc: Htlc };

/** The chain events the service reads. */
export type ChannelChainEvent = ChainEvent;
