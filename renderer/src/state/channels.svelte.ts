/**
 * Channels as the Channels page shows them: the list, and for each channel the inspector's view
 * (both commitments, the four change lists, HTLCs), its last step and its message history.
 * Seeded from `listChannels` / `getChannel`, then moved on by every `channel.updated` (the full
 * view after each step), `channel.message` and `channel.failed` event — never polled.
 */
import type { NodeApi } from '../../../core/api/methods';
import type { NodeEvent } from '../../../core/api/events';
import type { ChannelDetail, ChannelMessageInfo, ChannelSummary, ChannelView } from '../../../core/api/channels';
import type { ClosedChannelInfo, OpeningInfo } from '../../../core/api/channel-methods';
import { channelMessageOf, mergeChannelMessages, reduceChannels, sortChannels } from '../lib/channels';
import { errorText } from '../lib/errors';
import { LiveState } from './live.svelte';

const FLUSH_MS = 60;

/** What caused a channel's latest step (from `channel.updated`). */
export interface ChannelStep {
  readonly cause: string;
  readonly persisted: boolean;
  /** Updates reversed on reconnection (BOLT 2), e.g. `add local:3`. */
  readonly forgotten: readonly string[];
  readonly time: number;
}

export interface InspectedChannel {
  readonly view: ChannelView;
  readonly lastSent: ChannelDetail['lastSent'] | null;
  readonly messages: readonly ChannelMessageInfo[];
  readonly step: ChannelStep | null;
  /** Steps seen since the inspector opened (the page pulses on each). */
  readonly steps: number;
}

export class ChannelsState extends LiveState {
  #channels = $state.raw<readonly ChannelSummary[]>([]);
  #openings = $state.raw<readonly OpeningInfo[]>([]);
  #closed = $state.raw<Readonly<Record<string, ClosedChannelInfo>>>({});
  #closedReload = false;
  #inspected = $state.raw<Readonly<Record<string, InspectedChannel>>>({});
  #inspectError = $state<Readonly<Record<string, string>>>({});
  /** Live messages per channel, also before the inspector loads (so none is missed). */
  #pendingMessages = new Map<string, ChannelMessageInfo[]>();

  constructor() {
    super(FLUSH_MS);
  }

  get channels(): readonly ChannelSummary[] {
    return this.#channels;
  }

  /** Channels being opened (before both channel_ready), newest first; live from `channel.opening`. */
  get openings(): readonly OpeningInfo[] {
    return this.#openings;
  }

  /** A closing or closed channel's on-chain resolution (the monitor's view), live from `monitor.*`. */
  closed(channelId: string): ClosedChannelInfo | null {
    return this.#closed[channelId] ?? null;
  }

  /** The inspector's data for a channel, once `inspect` loaded it. */
  inspected(channelId: string): InspectedChannel | null {
    return this.#inspected[channelId] ?? null;
  }

  inspectError(channelId: string): string | null {
    return this.#inspectError[channelId] ?? null;
  }

  channel(channelId: string): ChannelSummary | null {
    return this.#channels.find((c) => c.channelId === channelId) ?? null;
  }

  protected accepts(event: NodeEvent): boolean {
    return event.type.startsWith('channel.') || event.type.startsWith('monitor.') || event.type === 'chain.block_connected';
  }

  protected async load(api: NodeApi): Promise<(early: readonly NodeEvent[]) => void> {
    this.#inspected = {};
    const [{ channels }, { openings }, { channels: closed }] = await Promise.all([api.listChannels({}), api.listOpenings({}), api.listClosedChannels({})]);
    return (early) => {
      this.#openings = reduceOpenings(openings, early);
      this.#closed = Object.fromEntries(closed.map((c) => [c.channel.channelId, c]));
      let list: readonly ChannelSummary[] = sortChannels(channels);
      for (const event of early) list = reduceChannels(list, event);
      this.#channels = list;
    };
  }

  protected override onDetach(): void {
    this.#pendingMessages.clear();
  }

  /** Loads a channel's full view and message history; events keep it live afterwards. */
  async inspect(channelId: string): Promise<void> {
    const api = this.api;
    if (!api) return;
    const { [channelId]: _gone, ...rest } = this.#inspectError;
    this.#inspectError = rest;
    try {
      const detail = await api.getChannel({ channelId });
      if (!this.isCurrent(api)) return;
      const live = this.#pendingMessages.get(channelId) ?? [];
      const previous = this.#inspected[channelId];
      this.#inspected = {
        ...this.#inspected,
        [channelId]: {
          view: detail.view,
          lastSent: detail.lastSent,
          messages: mergeChannelMessages(mergeChannelMessages([], detail.messages), live),
          step: previous?.step ?? null,
          steps: previous?.steps ?? 0,
        },
      };
      this.#channels = reduceChannels(this.#channels, { type: 'channel.updated', channel: detail, view: detail.view, persisted: true, cause: 'loaded', forgotten: [], seq: 0, time: Date.now() } as NodeEvent);
    } catch (e) {
      if (this.isCurrent(api)) this.#inspectError = { ...this.#inspectError, [channelId]: errorText(e) };
    }
  }

  /** Reads the monitors' views again (after `monitor.*` events and new blocks: depths, maturities). */
  async #reloadClosed(): Promise<void> {
    const api = this.api;
    if (!api || this.#closedReload) return;
    this.#closedReload = true;
    try {
      const { channels } = await api.listClosedChannels({});
      if (this.isCurrent(api)) this.#closed = Object.fromEntries(channels.map((c) => [c.channel.channelId, c]));
    } catch {
      // The next event tries again.
    } finally {
      this.#closedReload = false;
    }
  }

  protected apply(batch: readonly NodeEvent[]): void {
    this.#openings = reduceOpenings(this.#openings, batch);
    if (batch.some((e) => e.type.startsWith('monitor.') || e.type === 'channel.closing' || (e.type === 'chain.block_connected' && Object.keys(this.#closed).length > 0))) void this.#reloadClosed();
    let list = this.#channels;
    let inspected = this.#inspected;
    for (const event of batch) {
      list = reduceChannels(list, event);
      const message = channelMessageOf(event);
      if (message) {
        const pending = this.#pendingMessages.get(message.channelId) ?? [];
        pending.push(message);
        if (pending.length > 400) pending.splice(0, pending.length - 400);
        this.#pendingMessages.set(message.channelId, pending);
        const current = inspected[message.channelId];
        if (current) inspected = { ...inspected, [message.channelId]: { ...current, messages: mergeChannelMessages(current.messages, [message]) } };
      } else if (event.type === 'channel.updated') {
        const id = event.channel.channelId;
        const current = inspected[id];
        if (current) {
          const forgotten = (event as { forgotten?: readonly string[] }).forgotten ?? [];
          inspected = {
            ...inspected,
            [id]: { ...current, view: event.view, step: { cause: event.cause, persisted: event.persisted, forgotten, time: event.time }, steps: current.steps + 1 },
          };
        }
      }
    }
    this.#channels = list;
    this.#inspected = inspected;
  }
}

/** Openings after `channel.opening` events: each carries the whole opening; those that became channels or failed long ago drop out. */
export function reduceOpenings(openings: readonly OpeningInfo[], events: readonly NodeEvent[]): readonly OpeningInfo[] {
  let list = openings;
  for (const e of events) {
    if (e.type !== 'channel.opening') continue;
    const i = list.findIndex((o) => o.temporaryChannelId === e.opening.temporaryChannelId);
    list = i === -1 ? [e.opening, ...list] : list.map((o, j) => (j === i ? e.opening : o));
  }
  return list.filter((o) => o.lifecycle === 'opening' || o.lifecycle === 'awaiting_confirmations' || o.lifecycle === 'failed');
}
