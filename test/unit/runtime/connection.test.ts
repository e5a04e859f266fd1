/**
 * The socket adapter (core/runtime/peer/connection.ts): reading pauses for backpressure and
 * resumes on the clock. Two real Connections over TCP on 127.0.0.1, a real handshake.
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

async function pair(clock: Clock = systemClock): Promise<{ a: Side; b: Side }> {
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
  const a: Side = side(() => new Connection(socket, { ...opts, localKey: ka, remoteNodeId: publicKeyFromPrivate(kb) }, handlers(() => a)));
  cleanups.push(() => socket.destroy());
  await until(() => a.open && b !== undefined && b.open, 'the handshake');
  return { a, b: b! };
}

const message = (i: number, size: number) => Uint8Array.from({ length: size }, (_, j) => (i * 31 + j) & 0xff);

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
