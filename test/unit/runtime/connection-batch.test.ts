/**
 * The socket adapter (core/runtime/peer/connection.ts): frames sent in one turn of the event loop
 * leave in one socket write, in order, each sealed with its own BOLT 8 nonce; reading pauses for
 * backpressure and resumes on the clock. Two real Connections over TCP on 127.0.0.1, a real handshake.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyFromPrivate, randomPrivateKey } from '../../../core/crypto';
import { PeerError } from '../../../core/peer/errors';
import { Connection } from '../../../core/runtime/peer/connection';
import { ManualClock, SystemClock, type Clock } from '../../../core/runtime/clock';

const systemClock = new SystemClock();
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

interface Side {
  readonly connection: Connection;
  readonly received: Uint8Array[];
  closed: PeerError | undefined;
  open: boolean;
}

async function pair(clock: Clock = systemClock): Promise<{ a: Side; b: Side; writes: () => number }> {
  const ka = randomPrivateKey();
  const kb = randomPrivateKey();
  const opts = { handshakeTimeoutMs: 5_000, clock, maxQueuedBytes: 1 << 20 };
  const side = (connection: () => Connection): Side => {
    const s: Side = { connection: undefined as unknown as Connection, received: [], closed: undefined, open: false };
    (s as { connection: Connection }).connection = connection();
    return s;
  };
  const handlers = (s: () => Side) => ({
    onHandshake: () => void (s().open = true),
    onMessage: (m: Uint8Array) => void s().received.push(m.slice()),
    onClose: (e: unknown) => void (s().closed = e as PeerError),
  });
  let b: Side | undefined;
  const server: Server = createServer((socket) => {
    b = side(() => new Connection(socket, { ...opts, localKey: kb }, handlers(() => b!)));
  });
  cleanups.push(() => server.close());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const socket: Socket = connect(port, '127.0.0.1');
  // What reaches the socket's handle: one `_write` (one buffer) or one `_writev` (a gathered write of
  // several, what corked writes become) per write the kernel is asked for.
  let writes = 0;
  const raw = socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
  for (const name of ['_write', '_writev'] as const) {
    const original = raw[name].bind(socket);
    raw[name] = (...args: unknown[]) => {
      writes++;
      original(...args);
    };
  }
  const a: Side = side(() => new Connection(socket, { ...opts, localKey: ka, remoteNodeId: publicKeyFromPrivate(kb) }, handlers(() => a)));
  cleanups.push(() => socket.destroy());
  await until(() => a.open && b !== undefined && b.open, 'the handshake');
  return { a, b: b!, writes: () => writes };
}

const message = (i: number, size: number) => Uint8Array.from({ length: size }, (_, j) => (i * 31 + j) & 0xff);

/** The index of the first received message that differs from what was sent, or -1 (a byte loop: toEqual is slow on MBs). */
function firstMismatch(received: Uint8Array[], expected: (i: number) => Uint8Array): number {
  for (let i = 0; i < received.length; i++) {
    const want = expected(i);
    const got = received[i]!;
    if (got.length !== want.length) return i;
    for (let j = 0; j < got.length; j++) if (got[j] !== want[j]) return i;
  }
  return -1;
}

describe('Connection write batching', () => {
  it('writes the frames of one turn with one socket write (gathered: 64 KiB frames are not joined), in order, and calls each callback once', async () => {
    const { a, b, writes } = await pair();
    const before = writes();
    const written: number[] = [];
    const sizes = [0, 1, 2, 1400, 65_535, 3, 500];
    for (let i = 0; i < sizes.length; i++) expect(a.connection.send(message(i, sizes[i]!), () => written.push(i))).toBe(true);
    expect(a.connection.queuedBytes).toBeGreaterThan(65_535); // batched bytes count as queued
    await until(() => b.received.length === sizes.length, 'every message');
    expect(writes() - before).toBe(1);
    b.received.forEach((m, i) => expect(m).toEqual(message(i, sizes[i]!)));
    await until(() => written.length === sizes.length, 'every write callback');
    expect(written).toEqual(sizes.map((_, i) => i));
  });

  it('keeps the order across turns and across more than 1,000 frames (key rotation)', async () => {
    const { a, b } = await pair();
    let sent = 0;
    for (let turn = 0; turn < 30; turn++) {
      for (let i = 0; i < 50; i++) a.connection.send(message(sent++, 40));
      await new Promise((r) => setImmediate(r));
    }
    await until(() => b.received.length === sent, 'every message');
    b.received.forEach((m, i) => expect(m).toEqual(message(i, 40)));
  });

  it('end() in the same turn still delivers what was sent before it', async () => {
    const { a, b } = await pair();
    for (let i = 0; i < 5; i++) a.connection.send(message(i, 100));
    a.connection.end(new PeerError('peer.disconnect_requested', 'done'));
    await until(() => b.closed !== undefined, 'the close');
    expect(b.received.map((m) => m.length)).toEqual([100, 100, 100, 100, 100]);
  });

  it('destroy() in the same turn fails the batched frames’ callbacks (never calls them twice)', async () => {
    const { a } = await pair();
    const results: (Error | undefined)[] = [];
    for (let i = 0; i < 3; i++) a.connection.send(message(i, 10), (e) => results.push(e));
    a.connection.destroy(new PeerError('peer.disconnect_requested', 'gone'));
    await until(() => results.length === 3, 'the callbacks');
    await new Promise((r) => setTimeout(r, 20));
    expect(results).toHaveLength(3);
    for (const e of results) expect((e as PeerError).code).toBe('peer.not_connected');
  });
});

describe('Connection writes under backpressure (real TCP, a reader that stops reading)', () => {
  /**
   * Both sides pump many small messages the way the messenger does (send while fewer than WINDOW
   * bytes are queued; each write callback pumps again), while each side stops reading its socket
   * for a while every few hundred messages, so the kernel buffers fill and frames wait in the
   * connection's drain queue. Every message must arrive once, in order, byte for byte (a frame out
   * of order fails its BOLT 8 MAC, since each was sealed with the next nonce).
   */
  it('delivers every message both ways, in order, and calls every write callback once', async () => {
    const { a, b } = await pair();
    const COUNT = 3_000;
    const WINDOW = 256 * 1024;
    const size = (i: number) => (i % 10 === 0 ? 1 + ((i * 7919) % 30_000) : 1 + ((i * 7919) % 1_400));
    let sawDrainQueue = false;
    const watch = setInterval(() => {
      if (a.connection.socket.writableNeedDrain || b.connection.socket.writableNeedDrain) sawDrainQueue = true;
    }, 1);
    cleanups.push(() => clearInterval(watch));
    const pump = (from: Side, state: { sent: number; written: number }) => {
      while (state.sent < COUNT && from.connection.queuedBytes < WINDOW) {
        const i = state.sent++;
        const ok = from.connection.send(message(i, size(i)), (e) => {
          expect(e).toBeUndefined();
          state.written++;
          pump(from, state);
        });
        expect(ok).toBe(true);
      }
    };
    // Each side stops reading for 40 ms after every 300 messages it has read.
    const stall = (s: Side) => {
      let next = 300;
      const handlers = {
        onHandshake: () => undefined,
        onMessage: (m: Uint8Array) => {
          s.received.push(m.slice());
          if (s.received.length >= next) {
            next += 300;
            s.connection.socket.pause();
            setTimeout(() => s.connection.socket.resume(), 40);
          }
        },
        onClose: (e: unknown) => void (s.closed = e as PeerError),
      };
      s.connection.setHandlers(handlers);
    };
    stall(a);
    stall(b);
    const sa = { sent: 0, written: 0 };
    const sb = { sent: 0, written: 0 };
    pump(a, sa);
    pump(b, sb);
    await until(() => a.received.length === COUNT && b.received.length === COUNT, `every message (A got ${a.received.length}, B ${b.received.length})`);
    await until(() => sa.written === COUNT && sb.written === COUNT, 'every write callback');
    expect(sawDrainQueue).toBe(true); // the test did reach the socket's backpressure
    for (const s of [a, b]) expect(firstMismatch(s.received, (i) => message(i, size(i)))).toBe(-1);
    expect(a.closed).toBeUndefined();
    expect(b.closed).toBeUndefined();
  }, 60_000);

  it('a close while frames wait for a drain: each callback once (written or peer.not_connected), the peer gets an in-order prefix', async () => {
    for (const how of ['end', 'destroy'] as const) {
      const { a, b } = await pair();
      b.connection.socket.pause(); // B reads nothing: A's frames back up
      const results = new Map<number, Error | undefined>();
      let calls = 0;
      let i = 0;
      const big = 60_000;
      const sendOne = () => {
        const n = i++;
        expect(a.connection.send(message(n, big), (e) => {
          calls++;
          expect(results.has(n)).toBe(false);
          results.set(n, e);
        })).toBe(true);
      };
      // Until the kernel's buffers are full, the socket holds bytes, and frames wait in the connection for a drain.
      const waiting = () => a.connection.socket.writableNeedDrain && a.connection.queuedBytes - a.connection.socket.writableLength >= 2 * big;
      const deadline = Date.now() + 20_000;
      while (!waiting() && Date.now() < deadline) {
        sendOne();
        await new Promise((r) => setTimeout(r, 1));
      }
      expect(waiting()).toBe(true);
      for (let k = 0; k < 3; k++) sendOne(); // and a few sent in the same turn as the close
      const sent = i;
      if (how === 'end') a.connection.end(new PeerError('peer.disconnect_requested', 'bye'));
      else a.connection.destroy(new PeerError('peer.disconnect_requested', 'bye'));
      expect(a.connection.send(message(0, 1), () => calls++)).toBe(false); // nothing after the close
      b.connection.socket.resume();
      await until(() => calls === sent, `every callback (${calls} of ${sent})`);
      await until(() => b.closed !== undefined, 'B to see the close');
      await new Promise((r) => setTimeout(r, 20));
      expect(calls).toBe(sent);
      for (const e of results.values()) if (e) expect((e as PeerError).code).toBe('peer.not_connected');
      expect(b.received.length).toBeLessThanOrEqual(sent);
      expect(firstMismatch(b.received, (n) => message(n, big))).toBe(-1);
    }
  }, 60_000);
});

describe('Connection backpressure (pauseReading)', () => {
  it('reads nothing more while paused, keeps writing, and resumes when the clock says so', async () => {
    const clock = new ManualClock();
    const { a, b } = await pair(clock);
    a.connection.send(message(1, 10));
    await until(() => b.received.length === 1, 'the first message');
    b.connection.pauseReading(250);
    expect(b.connection.readingPaused).toBe(true);
    b.connection.pauseReading(1000); // a pause while paused changes nothing
    expect(b.connection.pauses).toBe(1);
    for (let i = 2; i <= 4; i++) a.connection.send(message(i, 10));
    b.connection.send(message(9, 9)); // B still writes
    await until(() => a.received.length === 1, 'B’s message at A');
    // A's frames left A (on loopback they are then in B's receive buffer); B gets turns to read them.
    await until(() => a.connection.queuedBytes === 0, 'A to write its frames');
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(b.received).toHaveLength(1);
    clock.advance(249);
    expect(b.connection.readingPaused).toBe(true);
    clock.advance(1);
    expect(b.connection.readingPaused).toBe(false);
    await until(() => b.received.length === 4, 'the messages sent during the pause');
    b.received.forEach((m, i) => expect(m).toEqual(message(i + 1, 10)));
  });

  it('a connection closed while paused closes cleanly and leaves no timer', async () => {
    const clock = new ManualClock();
    const { a, b } = await pair(clock);
    b.connection.pauseReading(1000);
    a.connection.end(new PeerError('peer.disconnect_requested', 'bye'));
    b.connection.destroy(new PeerError('peer.disconnect_requested', 'bye too'));
    expect(clock.timers().filter((t) => t.name === 'peer.resume_reading')).toEqual([]);
    await until(() => a.closed !== undefined && b.closed !== undefined, 'both closed');
  });
});
