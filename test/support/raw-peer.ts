/**
 * A hand-driven Lightning connection for bad-input tests: a real TCP socket on which the test
 * decides byte by byte what to send (garbage, short acts, broken frames), using our own BOLT 8
 * implementation when it needs a valid handshake.
 */
import { connect, type Socket } from 'node:net';
import { NoiseInitiator, type NoiseSession } from '../../core/transport';
import { fromHex, publicKeyFromPrivate, randomPrivateKey } from '../../core/crypto';
import { decodeMessage, encodeMessage, FeatureVector, type Message } from '../../core/wire';

export class RawPeer {
  readonly socket: Socket;
  session: NoiseSession | undefined;
  readonly received: Message[] = [];
  #buffer = new Uint8Array(0);
  #closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.#closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      const data = new Uint8Array(chunk);
      if (this.session) {
        try {
          for (const m of this.session.feed(data)) this.received.push(decodeMessage(m));
        } catch {
          /* the test inspects what arrived */
        }
      } else {
        const merged = new Uint8Array(this.#buffer.length + data.length);
        merged.set(this.#buffer);
        merged.set(data, this.#buffer.length);
        this.#buffer = merged;
      }
    });
  }

  static open(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  /** Our node key for the handshake (random), and so our node id as the other side sees it. */
  readonly localKey: Uint8Array = randomPrivateKey();

  get localNodeId(): Uint8Array {
    return publicKeyFromPrivate(this.localKey);
  }

  /** Completes a real BOLT 8 handshake with the node `remoteNodeId` and exchanges init. */
  async handshake(remoteNodeId: string, sendInit = true): Promise<void> {
    const initiator = new NoiseInitiator({ localStatic: this.localKey, remoteStatic: fromHex(remoteNodeId) });
    this.socket.write(initiator.actOne());
    const act2 = await this.#readBytes(50);
    const { act3, session } = initiator.actThree(act2);
    this.socket.write(act3);
    this.session = session;
    const rest = this.#buffer;
    this.#buffer = new Uint8Array(0);
    if (rest.length) for (const m of session.feed(rest)) this.received.push(decodeMessage(m));
    if (sendInit) {
      const features = FeatureVector.fromBits([0, 8, 12, 14, 44]);
      this.sendMessage({ type: 'init', globalFeatures: FeatureVector.EMPTY, features, tlvs: {} });
      await this.waitFor((m) => m.type === 'init');
    }
  }

  sendMessage(m: Message): void {
    this.socket.write(this.session!.encrypt(encodeMessage(m)));
  }

  /** Encrypts raw plaintext (any bytes, e.g. an unknown even type) as one frame. */
  sendPlaintext(bytes: Uint8Array): void {
    this.socket.write(this.session!.encrypt(bytes));
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  async waitFor(pred: (m: Message) => boolean, timeoutMs = 10_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.received.find(pred);
      if (m) return m;
      if (Date.now() > deadline) throw new Error('timed out waiting for a message');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Resolves when the node closes the connection. */
  closed(timeoutMs = 15_000): Promise<void> {
    return Promise.race([
      this.#closed,
      new Promise<void>((_, reject) => setTimeout(() => reject(new Error('the node did not close the connection')), timeoutMs)),
    ]);
  }

  destroy(): void {
    this.socket.destroy();
  }

  async #readBytes(n: number, timeoutMs = 10_000): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    while (this.#buffer.length < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} bytes`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const out = this.#buffer.slice(0, n);
    this.#buffer = this.#buffer.slice(n);
    return out;
  }
}
