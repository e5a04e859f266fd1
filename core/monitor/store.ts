/**
 * The monitor's store port (core/store/monitor-repository.ts implements it on SQLite). The update
 * log is append-only, so the channel layer's write before each commitment_signed / revoke_and_ack
 * is one small insert; the snapshot is replaced whole when the monitor says `persist`. A checkpoint
 * (the folded log, compact) every so many updates bounds what a restart reads; the HTLCs of the
 * peer's revoked commitments are read from the store only when one of them appears on chain.
 */
import type { MonitorView } from './events';
import type { MonitorSnapshot } from './snapshot';
import type { MonitorUpdate } from './updates';
import type { Htlc } from '../channel/state';

export interface StoredMonitor {
  readonly channelId: string;
  /** The log to fold: the checkpoint's compact log and the updates after it (or the whole log, with no checkpoint). */
  readonly updates: readonly MonitorUpdate[];
  readonly snapshot: MonitorSnapshot | null;
  /** How many of `updates` came after the checkpoint (all of them without one). */
  readonly sinceCheckpoint: number;
}

export interface MonitorStore {
  /**
   * Appends updates to a channel's log, in order, durably (one transaction); a `remote_commitment` with
   * HTLCs is also kept by its number for `remoteHtlcs`.
   */
  appendMonitorUpdates(channelId: string, updates: readonly MonitorUpdate[]): void;
  /** Replaces the channel's checkpoint: `updates` (ChannelData.compact()) fold to what the whole log up to now folds to. */
  saveMonitorCheckpoint(channelId: string, updates: readonly MonitorUpdate[]): void;
  /** The HTLCs of the peer's commitment `ctn` as we signed it (undefined: it had none, or we never signed it). */
  remoteHtlcs(channelId: string, ctn: number): readonly Htlc[] | undefined;
  /** Replaces a channel's snapshot (and the state listings show), durably. */
  saveMonitorSnapshot(channelId: string, snapshot: MonitorSnapshot, state: MonitorView['state']): void;
  loadMonitor(channelId: string): StoredMonitor | undefined;
  /** Forgets a channel's monitor (a channel forgotten before its funding ever confirmed). */
  deleteMonitor(channelId: string): void;
  /**
   * Retires a closed monitor (core/monitor/retired.ts): its final view is kept, and a start serves it
   * instead of restoring the monitor. Its log stays (nothing reads it at start any more).
   */
  retireMonitor(channelId: string, view: MonitorView): void;
  /** Every retired monitor's final view, by channel id (one read at start). */
  retiredMonitors(): Map<string, MonitorView>;
  /** Every channel with a monitor, and the state its last snapshot was saved in. */
  listMonitors(): { readonly channelId: string; readonly state: string }[];
}
