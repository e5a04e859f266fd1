/**
 * Limits on inbound connections per remote address, before any cryptography: act one can be
 * replayed byte for byte, and each one costs us the ECDH of acts two and three. Sans-I/O: the
 * time comes in as `now`; the PeerManager asks `admit` for every accepted socket and reports
 * when a handshake ended.
 *
 * Defaults (see `DEFAULT_INBOUND_LIMITS`): at most 4 connections per address still in the BOLT 8
 * handshake, and new connections per address through a token bucket of 10 that refills at 2 per
 * second. IPv6 addresses count per /64 (one host usually holds a whole /64). Loopback is not
 * exempt: tests that start several daemons on 127.0.0.1 stay far below these numbers.
 */
import { TokenBucket } from '../token-bucket';

export interface InboundLimits {
  /** Connections from one address that may be in the BOLT 8 handshake at the same time. */
  readonly maxHandshakesPerAddress: number;
  /** Token bucket per address for new inbound connections: tokens added per second ... */
  readonly connectionsPerSecond: number;
  /** ... and the bucket size (the burst a fresh address may open at once). */
  readonly connectionBurst: number;
}

export const DEFAULT_INBOUND_LIMITS: InboundLimits = Object.freeze({
  maxHandshakesPerAddress: 4,
  connectionsPerSecond: 2,
  connectionBurst: 10,
});

/** Why an inbound connection was refused before its handshake. */
export type InboundRefusal = 'peer.too_many_handshakes' | 'peer.inbound_rate_limited';

interface AddressState {
  readonly connections: TokenBucket;
  handshaking: number;
}

/** The key an address is limited under: IPv4 as is, IPv6 by its /64 prefix. */
export function addressKey(host: string): string {
  const h = host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host; // IPv4-mapped
  if (!h.includes(':')) return h;
  const [head = '', tail] = h.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'), ...tailGroups];
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export class InboundLimiter {
  readonly #limits: InboundLimits;
  readonly #byAddress = new Map<string, AddressState>();

  constructor(limits: InboundLimits = DEFAULT_INBOUND_LIMITS) {
    this.#limits = limits;
  }

  /**
   * A new inbound connection from `key`: null if it may start its handshake (it then counts as
   * handshaking until `handshakeEnded`), or why it is refused.
   */
  admit(key: string, now: number): InboundRefusal | null {
    const state = this.#state(key, now);
    if (state.handshaking >= this.#limits.maxHandshakesPerAddress) return 'peer.too_many_handshakes';
    if (!state.connections.take(now)) return 'peer.inbound_rate_limited';
    state.handshaking++;
    return null;
  }

  /** The handshake of an admitted connection completed or failed. */
  handshakeEnded(key: string): void {
    const state = this.#byAddress.get(key);
    if (state && state.handshaking > 0) state.handshaking--;
  }

  /** Connections from `key` in the handshake now. */
  handshaking(key: string): number {
    return this.#byAddress.get(key)?.handshaking ?? 0;
  }

  /** Forgets addresses with nothing in flight and a full bucket (call now and then). */
  prune(now: number): void {
    for (const [key, state] of this.#byAddress) {
      if (state.handshaking === 0 && state.connections.tokensAt(now) >= this.#limits.connectionBurst) this.#byAddress.delete(key);
    }
  }

  #state(key: string, now: number): AddressState {
    let state = this.#byAddress.get(key);
    if (!state) {
      state = { connections: new TokenBucket(this.#limits.connectionsPerSecond, this.#limits.connectionBurst, now), handshaking: 0 };
      this.#byAddress.set(key, state);
    }
    return state;
  }
}

/**
 * Reports failures of connections that never named a node id at most once per address and code
 * per window, counting the others: a replayed act one must not become an event (and a log line)
 * per connection.
 */
export class FailureReportThrottle {
  readonly #windowMs: number;
  readonly #last = new Map<string, { at: number; suppressed: number }>();
  /** Failures not reported, since start. */
  suppressedTotal = 0;

  constructor(windowMs = 60_000) {
    this.#windowMs = windowMs;
  }

  /**
   * Whether to report this failure now; if so, how many like it were held back since the last
   * report (0 the first time).
   */
  report(key: string, code: string, now: number): { readonly report: boolean; readonly heldBack: number } {
    const k = `${key} ${code}`;
    const last = this.#last.get(k);
    if (last && now - last.at < this.#windowMs) {
      last.suppressed++;
      this.suppressedTotal++;
      return { report: false, heldBack: 0 };
    }
    this.#last.set(k, { at: now, suppressed: 0 });
    return { report: true, heldBack: last?.suppressed ?? 0 };
  }

  /**
   * Forgets windows that ended (call now and then); one that held failures back is kept up to ten
   * windows, so the next report can say how many.
   */
  prune(now: number): void {
    for (const [k, last] of this.#last) {
      const age = now - last.at;
      if (age >= this.#windowMs && (last.suppressed === 0 || age >= 10 * this.#windowMs)) this.#last.delete(k);
    }
  }
}
