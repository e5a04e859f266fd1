/**
 * Counters for `messengerstats`: every event the messenger publishes is counted by outcome,
 * every drop by reason (and by onion error code), every delivery by handler kind.
 */
import type { OnionMessageEventBody } from './events';

export class MessengerCounters {
  readonly #counters = new Map<string, number>();
  readonly #drops = new Map<string, number>();
  readonly #dropCodes = new Map<string, number>();
  readonly #delivered = new Map<string, number>();

  observe(event: OnionMessageEventBody): void {
    // A throttled drop report stands for `count` messages, received and dropped (none had its own event).
    const n = event.type === 'onion.dropped' && event.count !== undefined ? event.count : 1;
    bump(this.#counters, event.type.slice('onion.'.length), n);
    if (event.type === 'onion.dropped') {
      if (event.count !== undefined) bump(this.#counters, 'received', n);
      bump(this.#drops, event.reason, n);
      if (event.code) bump(this.#dropCodes, event.code, n);
    } else if (event.type === 'onion.delivered') {
      bump(this.#delivered, event.handler);
    }
  }

  count(outcome: string): number {
    return this.#counters.get(outcome) ?? 0;
  }

  drops(reason: string): number {
    return this.#drops.get(reason) ?? 0;
  }

  snapshot(): { counters: Record<string, number>; drops: Record<string, number>; dropCodes: Record<string, number>; delivered: Record<string, number> } {
    return {
      counters: Object.fromEntries(this.#counters),
      drops: Object.fromEntries(this.#drops),
      dropCodes: Object.fromEntries(this.#dropCodes),
      delivered: Object.fromEntries(this.#delivered),
    };
  }
}

function bump(map: Map<string, number>, key: string, n = 1): void {
  map.set(key, (map.get(key) ?? 0) + n);
}
