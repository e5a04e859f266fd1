/**
 * The node's one typed event bus. Layers publish event bodies; the bus stamps them with a
 * sequence number and time, keeps a capped history for late subscribers, and fans them out.
 * A throwing listener is isolated: it never breaks the publisher or other listeners.
 */
import type { NodeEvent, NodeEventBody } from '../api';

export type EventListener = (event: NodeEvent) => void;

export class EventBus {
  readonly #listeners = new Set<EventListener>();
  readonly #history: NodeEvent[] = [];
  readonly #capacity: number;
  readonly #now: () => number;
  #seq = 0;

  constructor(opts: { capacity?: number; now?: () => number } = {}) {
    this.#capacity = opts.capacity ?? 5000;
    this.#now = opts.now ?? Date.now;
  }

  publish(body: NodeEventBody): NodeEvent {
    const event = { ...body, seq: ++this.#seq, time: this.#now() } as NodeEvent;
    this.#history.push(event);
    if (this.#history.length > this.#capacity) this.#history.splice(0, this.#history.length - this.#capacity);
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken subscriber must not take the node down; it simply misses nothing else.
      }
    }
    return event;
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The last `limit` events (oldest first), optionally only of some types. */
  recent(limit = 200, types?: readonly string[]): NodeEvent[] {
    const filtered = types && types.length ? this.#history.filter((e) => types.includes(e.type)) : this.#history;
    return filtered.slice(-limit);
  }
}
