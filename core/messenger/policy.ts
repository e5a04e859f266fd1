/**
 * The DoS policy as plain data structures: a per-peer inbound token bucket, and bounded
 * per-peer outbound queues with a global memory cap and random early drop. Deterministic: time
 * and randomness come in as arguments.
 */
import type { MessengerPolicy } from './constants';
import type { DropReason } from './errors';

export { TokenBucket } from '../token-bucket';

/** One message waiting for its first hop's connection to take it. */
export interface QueuedItem<T> {
  readonly item: T;
  readonly size: number;
  readonly queuedAt: number;
}

export interface QueueStats {
  readonly nodeId: string;
  readonly messages: number;
  readonly bytes: number;
}

/**
 * Per-peer FIFO queues of outbound onion messages with byte accounting. `admit` decides
 * whether one more message of `size` bytes may join a peer's queue.
 */
export class OutboundQueues<T> {
  #policy: MessengerPolicy;
  readonly #queues = new Map<string, { items: QueuedItem<T>[]; bytes: number }>();
  #totalBytes = 0;
  #peakBytes = 0;

  constructor(policy: MessengerPolicy) {
    this.#policy = policy;
  }

  /** New limits apply to messages admitted from now on; queued ones stay. */
  setPolicy(policy: MessengerPolicy): void {
    this.#policy = policy;
  }

  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** The most bytes ever held at once. */
  get peakBytes(): number {
    return this.#peakBytes;
  }

  bytesFor(nodeId: string): number {
    return this.#queues.get(nodeId)?.bytes ?? 0;
  }

  lengthOf(nodeId: string): number {
    return this.#queues.get(nodeId)?.items.length ?? 0;
  }

  /**
   * Whether a message of `size` bytes may be queued for `nodeId`: null if yes, else the drop
   * reason. `random` in [0, 1) decides random early drops: once the fuller of the peer's queue
   * and the memory total passes `earlyDropThreshold`, the drop probability rises linearly from 0
   * to 1 at the limit.
   */
  admit(nodeId: string, size: number, random: () => number): DropReason | null {
    const { outboundQueueBytes, memoryCapBytes, earlyDropThreshold } = this.#policy;
    const peerBytes = this.bytesFor(nodeId);
    if (peerBytes + size > outboundQueueBytes) return 'queue_full';
    if (this.#totalBytes + size > memoryCapBytes) return 'memory_cap';
    const fill = Math.max(peerBytes / outboundQueueBytes, this.#totalBytes / memoryCapBytes);
    if (fill > earlyDropThreshold && earlyDropThreshold < 1) {
      const p = (fill - earlyDropThreshold) / (1 - earlyDropThreshold);
      if (random() < p) return 'random_early_drop';
    }
    return null;
  }

  push(nodeId: string, item: T, size: number, now: number): void {
    let q = this.#queues.get(nodeId);
    if (!q) this.#queues.set(nodeId, (q = { items: [], bytes: 0 }));
    q.items.push({ item, size, queuedAt: now });
    q.bytes += size;
    this.#totalBytes += size;
    this.#peakBytes = Math.max(this.#peakBytes, this.#totalBytes);
  }

  /** Takes the oldest message for `nodeId`. */
  shift(nodeId: string): QueuedItem<T> | undefined {
    const q = this.#queues.get(nodeId);
    const next = q?.items.shift();
    if (!q || !next) return undefined;
    q.bytes -= next.size;
    this.#totalBytes -= next.size;
    if (q.items.length === 0) this.#queues.delete(nodeId);
    return next;
  }

  /** Removes and returns everything queued for `nodeId`, oldest first. */
  takeAll(nodeId: string): QueuedItem<T>[] {
    const q = this.#queues.get(nodeId);
    if (!q) return [];
    this.#queues.delete(nodeId);
    this.#totalBytes -= q.bytes;
    return q.items;
  }

  /** Removes the messages queued before `before` for `nodeId` (oldest first). */
  takeOlderThan(nodeId: string, before: number): QueuedItem<T>[] {
    const q = this.#queues.get(nodeId);
    if (!q) return [];
    const old = q.items.filter((i) => i.queuedAt < before);
    if (old.length === 0) return [];
    q.items = q.items.filter((i) => i.queuedAt >= before);
    for (const i of old) {
      q.bytes -= i.size;
      this.#totalBytes -= i.size;
    }
    if (q.items.length === 0) this.#queues.delete(nodeId);
    return old;
  }

  nodeIds(): string[] {
    return [...this.#queues.keys()];
  }

  stats(): QueueStats[] {
    return [...this.#queues].map(([nodeId, q]) => ({ nodeId, messages: q.items.length, bytes: q.bytes }));
  }
}
