/**
 * A lean BOLT 8 connection for the flood: our own initiator over a real TCP socket bound to a
 * chosen local address (each flood peer looks like its own host: 127.0.x.y), our `init`, then
 * frames written as fast as the flood wants. What comes back is decrypted only to answer pings
 * (BOLT 1: a peer that does not answer may be closed) and to count onion messages; nothing is kept.
 */
import { connect, type Socket } from 'node:net';
import { NoiseInitiator, type NoiseSession } from '../../core/transport';
import { encodeMessage } from '../../core/wire';
import type { PeerKey } from './traffic';
import { initMessage } from './traffic';

const PING = 18;
const PONG = 19;
const INIT = 16;
const ONION_MESSAGE = 513;
const WARNING = 1;
const ERROR = 17;

export class FloodConnection {
  readonly socket: Socket;
  #session: NoiseSession | undefined;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #initSeen: (() => void) | undefined;
  /** Messages the node sent us, by type number. */
  readonly received = new Map<number, number>();
  closed = false;
  closedAt = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.closedAt = Date.now();
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  /** Opens TCP from `localAddress`, completes BOLT 8 with `remote` and exchanges init. */
  static async open(port: number, remote: Uint8Array, key: PeerKey, localAddress: string, timeoutMs = 30_000): Promise<FloodConnection> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(s));
      s.once('error', reject);
    });
    const c = new FloodConnection(socket);
    const initiator = new NoiseInitiator({ localStatic: key.secret, remoteStatic: remote });
    socket.write(initiator.actOne());
    const act2 = await c.#read(50, timeoutMs);
    const { act3, session } = initiator.actThree(act2);
    socket.write(act3);
    const initSeen = new Promise<void>((resolve) => (c.#initSeen = resolve));
    c.#session = session;
    const rest = Buffer.concat(c.#pending);
    c.#pending = [];
    c.#pendingBytes = 0;
    if (rest.length) c.#onData(rest);
    c.send(initMessage());
    await withTimeout(initSeen, timeoutMs, 'the node did not send init');
    return c;
  }

  /** Writes one message (plaintext) as a frame; false if the socket is backed up (the caller may skip). */
  send(plaintext: Uint8Array): boolean {
    if (this.closed || !this.#session) return false;
    return this.socket.write(this.#session.encrypt(plaintext));
  }

  /** Bytes written but not yet taken by the kernel. */
  get backlog(): number {
    return this.socket.writableLength;
  }

  destroy(): void {
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (!this.#session) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      return;
    }
    let messages: Uint8Array[];
    try {
      messages = this.#session.feed(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    } catch {
      this.socket.destroy();
      return;
    }
    for (const m of messages) {
      const type = m.length >= 2 ? (m[0]! << 8) | m[1]! : -1;
      this.received.set(type, (this.received.get(type) ?? 0) + 1);
      if (type === INIT) this.#initSeen?.();
      if (type === PING && m.length >= 4) {
        // BOLT 1: a pong of num_pong_bytes; a ping asking 65532 or more is not answered.
        const n = (m[2]! << 8) | m[3]!;
        if (n < 65_532) this.send(encodeMessage({ type: 'pong', ignored: new Uint8Array(n) }));
      }
    }
  }

  async #read(n: number, timeoutMs: number): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    while (this.#pendingBytes < n) {
      if (this.closed) throw new Error('the node closed the connection in the handshake');
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} bytes`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const all = Buffer.concat(this.#pending);
    this.#pending = [all.subarray(n)];
    this.#pendingBytes = all.length - n;
    return new Uint8Array(all.subarray(0, n));
  }
}

export const MESSAGE_TYPES = { PING, PONG, INIT, ONION_MESSAGE, WARNING, ERROR } as const;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms))),
  ]);
}
