/**
 * The monitor's store port (core/store/monitor-repository.ts implements it on SQLite). The update
 * log is append-only, so the channel layer's write before each commitment_signed / revoke_and_ack
 * is one small insert; the snapshot is replaced whole when the monitor says `persist`.
 */
import type { MonitorView } from './events';
import type { MonitorSnapshot } from './snapshot';
import type { MonitorUpdate } from './updates';

export interface StoredMonitor {
  readonly channelId: string;
  readonly updates: readonly MonitorUpdate[];
  readonly snapshot: MonitorSnapshot | null;
}

export interface MonitorStore {
  /** Appends updates to a channel's log, in order, durably (one transaction). */
  appendMonitorUpdates(channelId: string, updates: readonly MonitorUpdate[]): void;
  /** Replaces a channel's snapshot (and the state listings show), durably. */
  saveMonitorSnapshot(channelId: string, snapshot: MonitorSnapshot, state: MonitorView['state']): void;
  loadMonitor(channelId: string): StoredMonitor | undefined;
  /** Forgets a channel's monitor (a channel forgotten before its funding ever confirmed). */
  deleteMonitor(channelId: string): void;
  /** Every channel with a monitor, and the state its last snapshot was saved in. */
  listMonitors(): { readonly channelId: string; readonly state: string }[];
}
