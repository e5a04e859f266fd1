/**
 * What the app knows about the node, kept live by its events: info, peers, the activity log
 * and the traffic windows. Attached to an API when the connection opens; every (re)attach
 * starts from a fresh snapshot (the node may have restarted), seeded from `recentEvents`.
 *
 * Events are applied in small batches (at most ten times a second) so a busy node does not
 * re-render the page for every message.
 */
import type { NodeApi } from '../../../core/api/methods';
import type { NodeEvent } from '../../../core/api/events';
import type { NodeInfo } from '../../../core/api/types';
import { appendLog, appendOlder, olderEvents, olderWindow, type LogRow } from '../lib/activity-log';
import { eventsAfter, mergeEvents } from '../lib/events';
import { peerLabel, reducePeers, sortPeers, withPingResult, type PeerList } from '../lib/peers';
import { TrafficCounter, classifyDrop, classifyTraffic, type TrafficView } from '../lib/traffic';
import { LiveState } from './live.svelte';

/** How many past events to load on attach. */
export const SEED_EVENTS = 2000;
/** How many more events each "load older" asks for. */
export const OLDER_EVENTS = 2000;
export const TRAFFIC_WINDOW_SECONDS = 60;
const FLUSH_MS = 100;

/** The node's info after a settings change (alias and listen address are in both). */
export function withSettings(info: NodeInfo, event: NodeEvent): NodeInfo {
  if (event.type !== 'node.settings_changed') return info;
  const { alias, listen } = event.settings;
  return { ...info, alias, listen: listen ? [listen] : [] };
}

export class NodeState extends LiveState {
  #info = $state.raw<NodeInfo | null>(null);
  #peers = $state.raw<PeerList>([]);
  #log = $state.raw<readonly LogRow[]>([]);
  /** The oldest event seen (logged or not), and the newest: what a "load older" asks before. */
  #oldestSeq = Infinity;
  #newestSeq = 0;
  /** The node's history has nothing older than what was loaded. */
  #historyStart = $state(false);
  #loadingOlder = $state(false);
  readonly #wireCounter = new TrafficCounter(TRAFFIC_WINDOW_SECONDS);
  readonly #onionCounter = new TrafficCounter(TRAFFIC_WINDOW_SECONDS);
  readonly #dropCounter = new TrafficCounter(TRAFFIC_WINDOW_SECONDS);
  #wire = $state.raw<TrafficView>(this.#wireCounter.view(Date.now()));
  #onion = $state.raw<TrafficView>(this.#onionCounter.view(Date.now()));
  #drops = $state.raw<TrafficView>(this.#dropCounter.view(Date.now()));
  #now = Date.now();

  constructor() {
    super(FLUSH_MS);
  }

  get info(): NodeInfo | null {
    return this.#info;
  }

  get peers(): PeerList {
    return this.#peers;
  }

  /** The name given to a connected peer (labelPeer), or null. */
  labelOf(nodeId: string | null | undefined): string | null {
    return peerLabel(this.#peers, nodeId);
  }

  /** Records a new label at once (the node also reports it as `peer.updated`). */
  setLabel(nodeId: string, label: string | null): void {
    this.#peers = this.#peers.map((p) => (p.nodeId === nodeId ? { ...p, label } : p));
  }

  get log(): readonly LogRow[] {
    return this.#log;
  }

  /** True once every event the node still keeps is loaded (there is nothing older to ask for). */
  get historyStart(): boolean {
    return this.#historyStart;
  }

  get loadingOlder(): boolean {
    return this.#loadingOlder;
  }

  /** Loads events older than those seen, from the node's capped history (lib/activity-log.ts `olderWindow`). */
  async loadOlder(): Promise<void> {
    const api = this.api;
    if (!api || this.#historyStart || this.#loadingOlder) return;
    this.#loadingOlder = true;
    try {
      const limit = olderWindow(this.#oldestSeq, this.#newestSeq, OLDER_EVENTS);
      const { events } = await api.recentEvents({ limit });
      if (!this.isCurrent(api)) return;
      const { older, historyStart } = olderEvents(events, this.#oldestSeq, limit);
      this.#log = appendOlder(this.#log, older);
      if (older.length) this.#oldestSeq = Math.min(this.#oldestSeq, older[0]!.seq);
      this.#historyStart = historyStart;
    } finally {
      if (this.isCurrent(api)) this.#loadingOlder = false;
    }
  }

  get wireTraffic(): TrafficView {
    return this.#wire;
  }

  get onionTraffic(): TrafficView {
    return this.#onion;
  }

  /** Onion messages dropped in the window, by reason (`totalsByType` is per reason). */
  get onionDrops(): TrafficView {
    return this.#drops;
  }

  protected accepts(): boolean {
    return true;
  }

  protected async load(api: NodeApi): Promise<(early: readonly NodeEvent[]) => void> {
    const [info, { peers }, { events }] = await Promise.all([
      api.getInfo({}),
      api.listPeers({}),
      api.recentEvents({ limit: SEED_EVENTS }),
    ]);
    return (early) => {
      this.#wireCounter.clear();
      this.#onionCounter.clear();
      this.#dropCounter.clear();
      const seed = mergeEvents(events);
      const seedSeq = seed.at(-1)?.seq ?? 0;
      for (const event of seed) this.#count(event);
      // The peer snapshot is authoritative; later events move it on.
      let list = sortPeers(peers);
      const later = eventsAfter(mergeEvents(early), seedSeq);
      for (const event of later) {
        list = reducePeers(list, event);
        this.#count(event);
      }
      this.#peers = list;
      this.#info = later.reduce(withSettings, info);
      this.#log = appendLog(appendLog([], seed), later);
      this.#oldestSeq = seed[0]?.seq ?? later[0]?.seq ?? Infinity;
      this.#newestSeq = later.at(-1)?.seq ?? seedSeq;
      this.#historyStart = seed.length < SEED_EVENTS || (seed[0]?.seq ?? 1) <= 1;
      this.#loadingOlder = false;
      this.#refreshTraffic();
    };
  }

  /** Moves the traffic windows to `now` (called every second by the clock). */
  tick(now: number): void {
    this.#now = now;
    this.#refreshTraffic();
  }

  /** Records a ping answered through the API at once (its `peer.pong` event follows). */
  recordPing(nodeId: string, rttMs: number): void {
    this.#peers = withPingResult(this.#peers, nodeId, rttMs);
  }

  #count(event: NodeEvent): void {
    for (const sample of classifyTraffic(event)) {
      (sample.stream === 'wire' ? this.#wireCounter : this.#onionCounter).add(sample);
    }
    const drop = classifyDrop(event);
    if (drop) this.#dropCounter.add(drop);
  }

  protected apply(batch: readonly NodeEvent[]): void {
    let peers = this.#peers;
    let info = this.#info;
    for (const event of batch) {
      peers = reducePeers(peers, event, { countMessages: true });
      if (info) info = withSettings(info, event);
      this.#count(event);
    }
    this.#peers = peers;
    this.#info = info;
    this.#log = appendLog(this.#log, batch);
    const last = batch.at(-1);
    if (last) {
      this.#newestSeq = Math.max(this.#newestSeq, last.seq);
      if (!Number.isFinite(this.#oldestSeq)) this.#oldestSeq = batch[0]!.seq;
    }
    this.#refreshTraffic();
  }

  #refreshTraffic(): void {
    const now = Math.max(this.#now, Date.now());
    this.#wire = this.#wireCounter.view(now);
    this.#onion = this.#onionCounter.view(now);
    this.#drops = this.#dropCounter.view(now);
  }
}
