/**
 * The thin socket adapter: runs the BOLT 8 handshake over a node:net socket, then moves
 * encrypted frames in and plaintext Lightning messages out. It knows nothing about message
 * contents; PeerSession does. Outbound frames go through a bounded queue with backpressure.
 */
import type { Socket } from 'node:net';
import { ACT_ONE_LENGTH, ACT_THREE_LENGTH, ACT_TWO_LENGTH, FrameError, NoiseInitiator, NoiseResponder, type NoiseSession } from '../../transport';
import type { GlasswingError } from '../../errors';
import { isGlasswingError } from '../../errors';
import { toHex, uninitializedBytes } from '../../crypto';
import { PeerError } from '../../peer/errors';
import type { Clock, Timer } from '../clock';

export interface ConnectionHandlers {
  /** The handshake completed: `remoteNodeId` is authenticated. */
  onHandshake(remoteNodeId: string): void;
  /** One decrypted Lightning message. */
  onMessage(plaintext: Uint8Array): void;
  /** The connection ended (exactly once). `error` says why. */
  onClose(error: GlasswingError): void;
  /** The outbound queue drained below its limit. */
  onDrain?(): void;
}

/**
 * Called once per frame: with no argument when the socket accepted the bytes (they left this
 * process for the kernel), or with an error when the connection closed before that.
 */
export type WriteCallback = (error?: Error) => void;

export interface ConnectionOptions {
  readonly localKey: Uint8Array;
  /** Initiator: the node id we dial (BOLT 8 `rs.pub`). Responder: undefined. */
  readonly remoteNodeId?: Uint8Array;
  readonly handshakeTimeoutMs: number;
  /** The node's clock (the handshake timeout, the grace period of end()). */
  readonly clock: Clock;
  /** Bytes of encrypted frames we buffer for a slow reader before refusing more. */
  readonly maxQueuedBytes: number;
}

type Phase = 'act1' | 'act2' | 'act3' | 'open' | 'closed';

/** A frame (or handshake act) waiting to be written: its parts, in order, and their total length. */
interface QueuedFrame {
  readonly parts: readonly Uint8Array[];
  readonly length: number;
  readonly onWritten: WriteCallback | undefined;
}

/**
 * A turn's frames up to this many bytes in all are joined into one buffer for their write (copying
 * small frames costs less than the stream's bookkeeping per part); above it, the parts are handed to
 * the socket as they are and leave in one gathered write (writev), so a 64 KiB message is not copied.
 */
const JOIN_MAX_BYTES = 16 * 1024;

export class Connection {
  readonly socket: Socket;
  readonly direction: 'inbound' | 'outbound';
  readonly #opts: ConnectionOptions;
  #handlers: ConnectionHandlers;
  #phase: Phase;
  #initiator: NoiseInitiator | undefined;
  #responder: NoiseResponder | undefined;
  #session: NoiseSession | undefined;
  #pending: QueuedFrame[] = [];
  #pendingBytes = 0;
  /**
   * Frames sent during this turn of the event loop, written to the socket together at its end
   * (one write, so one syscall, for the messages one read produced: a forwarder answers a burst
   * of onion messages with a burst). Frames keep their order; each was sealed with its own nonce.
   */
  #batch: QueuedFrame[] = [];
  #batchBytes = 0;
  #handshakeTimer: Timer | undefined;
  /** Set while reading is paused (backpressure); resumes reading when it fires. */
  #resumeTimer: Timer | undefined;
  /** How often reading was paused (for tests and diagnostics). */
  pauses = 0;
  bytesIn = 0;
  bytesOut = 0;

  constructor(socket: Socket, opts: ConnectionOptions, handlers: ConnectionHandlers) {
    this.socket = socket;
    this.#opts = opts;
    this.#handlers = handlers;
    this.direction = opts.remoteNodeId ? 'outbound' : 'inbound';
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    socket.on('error', (e: NodeJS.ErrnoException) => this.#close(new PeerError('peer.socket_error', `socket error: ${e.code ?? e.message}`)));
    socket.on('close', () => this.#close(this.#closedError()));
    socket.on('drain', () => this.#handlers.onDrain?.());
    this.#handshakeTimer = opts.clock.timeout(
      'peer.handshake_timeout',
      opts.handshakeTimeoutMs,
      () => this.#close(new PeerError('peer.handshake_timeout', `the BOLT 8 handshake did not complete within ${opts.handshakeTimeoutMs} ms`)),
    );
    if (opts.remoteNodeId) {
      this.#phase = 'act2';
      try {
        this.#initiator = new NoiseInitiator({ localStatic: opts.localKey, remoteStatic: opts.remoteNodeId });
        this.#writeAct(this.#initiator.actOne()); // BOLT 8 act one: the initiator speaks first
      } catch (e) {
        this.#phase = 'act1';
        queueMicrotask(() => this.#close(asError(e)));
      }
    } else {
      this.#phase = 'act1';
      this.#responder = new NoiseResponder({ localStatic: opts.localKey });
    }
  }

  setHandlers(handlers: ConnectionHandlers): void {
    this.#handlers = handlers;
  }

  get isOpen(): boolean {
    return this.#phase === 'open';
  }

  get remoteAddress(): string {
    const host = this.socket.remoteAddress ?? '?';
    return host.includes(':') ? `[${host}]:${this.socket.remotePort}` : `${host}:${this.socket.remotePort}`;
  }

  /** Encrypted bytes waiting to be written (our queue + the socket's). */
  get queuedBytes(): number {
    return this.#pendingBytes + this.#batchBytes + this.socket.writableLength;
  }

  /**
   * Encrypts and queues one message. Returns false (and sends nothing) when the queue is over
   * its limit; the caller decides whether to drop the message or the peer. `onWritten`, if
   * given, is called once the frame was written to the socket, or with an error if the
   * connection closed first (never when this returns false).
   */
  send(plaintext: Uint8Array, onWritten?: WriteCallback): boolean {
    if (this.#phase !== 'open' || !this.#session) return false;
    if (this.queuedBytes > this.#opts.maxQueuedBytes) return false;
    const parts = this.#session.encryptParts(plaintext);
    const length = parts[0].length + parts[1].length + parts[2].length;
    this.bytesOut += length;
    this.#write({ parts, length, onWritten });
    return true;
  }

  /**
   * Stops reading the socket for `ms` (backpressure: what the peer sends meanwhile waits in the
   * kernel's buffers, and TCP's window then holds the sender back). Messages already decrypted
   * from the current read are still delivered. A pause while paused changes nothing; reading
   * resumes by itself. Writing is unaffected.
   */
  pauseReading(ms: number): void {
    if (this.#phase !== 'open' || this.#resumeTimer !== undefined) return;
    this.pauses++;
    this.socket.pause();
    this.#resumeTimer = this.#opts.clock.timeout('peer.resume_reading', ms, () => {
      this.#resumeTimer = undefined;
      if (this.#phase === 'open') this.socket.resume();
    });
  }

  get readingPaused(): boolean {
    return this.#resumeTimer !== undefined;
  }

  /** Writes what is queued, then closes the socket. */
  end(error: GlasswingError): void {
    if (this.#phase === 'closed') return;
    this.#flushBatch(); // what this turn sent goes out before the FIN
    this.#finish(error);
    // Frames still waiting for a drain can no longer be written after end().
    this.#failPending();
    this.socket.end();
    // Do not wait forever for a peer that never reads.
    const grace = this.#opts.clock.timeout('peer.end_grace', 2_000, () => this.socket.destroy());
    this.socket.once('close', () => grace.cancel());
  }

  /** Closes immediately. */
  destroy(error: GlasswingError): void {
    this.#close(error);
  }

  /** A handshake act: one part, no callback. */
  #writeAct(bytes: Uint8Array): void {
    this.#write({ parts: [bytes], length: bytes.length, onWritten: undefined });
  }

  #write(frame: QueuedFrame): void {
    if (this.#batch.length > 0) return this.#addToBatch(frame); // after what is already batched
    if (this.socket.writableNeedDrain || this.#pending.length > 0) {
      this.#pending.push(frame);
      this.#pendingBytes += frame.length;
      if (this.#pending.length === 1) this.socket.once('drain', () => this.#flush());
      return;
    }
    this.#addToBatch(frame);
  }

  #addToBatch(frame: QueuedFrame): void {
    this.#batch.push(frame);
    this.#batchBytes += frame.length;
    if (this.#batch.length === 1) queueMicrotask(() => this.#flushBatch());
  }

  /**
   * Writes the frames batched this turn in one socket write: small ones joined into one buffer,
   * larger ones as their parts, gathered (JOIN_MAX_BYTES). One callback each.
   */
  #flushBatch(): void {
    const batch = this.#batch;
    if (batch.length === 0) return;
    const total = this.#batchBytes;
    this.#batch = [];
    this.#batchBytes = 0;
    if (this.socket.destroyed) return this.#fail(batch);
    const callbacks = batch.filter((b) => b.onWritten !== undefined);
    const onWritten: WriteCallback | undefined = callbacks.length === 0 ? undefined : (error) => {
      for (const b of callbacks) {
        try {
          b.onWritten!(error);
        } catch {
          /* see #socketWrite */
        }
      }
    };
    if (total > JOIN_MAX_BYTES) return this.#socketWrite(batch.flatMap((b) => b.parts), onWritten);
    const joined = uninitializedBytes(total); // every byte is written below
    let off = 0;
    for (const b of batch) {
      for (const part of b.parts) {
        joined.set(part, off);
        off += part.length;
      }
    }
    this.#socketWrite([joined], onWritten);
  }

  /** Hands `parts` to the socket as one write (corked: a gathered write of them all); `onWritten` once the last is written. */
  #socketWrite(parts: readonly Uint8Array[], onWritten: WriteCallback | undefined): void {
    let called = false;
    const once: WriteCallback | undefined = onWritten && ((error) => {
      if (called) return;
      called = true;
      try {
        onWritten(error ?? undefined);
      } catch {
        // The caller's bug must not break the socket loop.
      }
    });
    if (once && this.socket.destroyed) return once(new PeerError('peer.not_connected', 'the connection closed before the frame was written'));
    const last = parts.length - 1;
    if (last > 0) this.socket.cork();
    for (let i = 0; i < last; i++) this.socket.write(parts[i]!);
    if (once) this.socket.write(parts[last]!, (e) => once(e ?? undefined));
    else this.socket.write(parts[last]!);
    if (last > 0) this.socket.uncork();
  }

  #flush(): void {
    while (this.#pending.length > 0 && !this.socket.writableNeedDrain && !this.socket.destroyed) {
      const next = this.#pending.shift()!;
      this.#pendingBytes -= next.length;
      this.#socketWrite(next.parts, next.onWritten);
    }
    if (this.#pending.length > 0) this.socket.once('drain', () => this.#flush());
  }

  /** Frames that never reached the socket: tell their writers. */
  #failPending(): void {
    const pending = [...this.#batch.splice(0), ...this.#pending.splice(0)];
    this.#pendingBytes = 0;
    this.#batchBytes = 0;
    this.#fail(pending);
  }

  #fail(frames: { onWritten: WriteCallback | undefined }[]): void {
    if (frames.length === 0) return;
    const error = new PeerError('peer.not_connected', 'the connection closed before the frame was written');
    for (const p of frames) {
      try {
        p.onWritten?.(error);
      } catch {
        /* see #socketWrite */
      }
    }
  }

  #rx: Uint8Array = new Uint8Array(0);

  #onData(chunk: Uint8Array): void {
    if (this.#phase === 'closed') return;
    this.bytesIn += chunk.length;
    try {
      if (this.#phase === 'open') {
        let messages: Uint8Array[];
        try {
          messages = this.#session!.feedOwned(chunk); // each read's buffer is its own (Node allocates one per read), or a slice of #rx
        } catch (e) {
          // Messages decrypted before a bad MAC in the same chunk are still the peer's words.
          if (e instanceof FrameError) for (const m of e.messagesBefore) if (this.#phase === 'open') this.#handlers.onMessage(m);
          throw e;
        }
        for (const m of messages) {
          if (this.#phase !== 'open') return;
          this.#handlers.onMessage(m);
        }
        return;
      }
      // Handshake: accumulate exactly one act at a time.
      const merged = new Uint8Array(this.#rx.length + chunk.length);
      merged.set(this.#rx);
      merged.set(chunk, this.#rx.length);
      this.#rx = merged;
      this.#advanceHandshake();
    } catch (e) {
      this.#close(asError(e));
    }
  }

  #advanceHandshake(): void {
    if (this.#phase === 'act1') {
      if (this.#rx.length < ACT_ONE_LENGTH) return;
      const act1 = this.#rx.subarray(0, ACT_ONE_LENGTH);
      this.#rx = this.#rx.slice(ACT_ONE_LENGTH);
      this.#phase = 'act3';
      // BOLT 8 act two is written as one buffer (some implementations read it in one go).
      this.#writeAct(this.#responder!.actTwo(act1));
    }
    if (this.#phase === 'act2') {
      if (this.#rx.length < ACT_TWO_LENGTH) return;
      const act2 = this.#rx.subarray(0, ACT_TWO_LENGTH);
      const rest = this.#rx.slice(ACT_TWO_LENGTH);
      const { act3, session } = this.#initiator!.actThree(act2);
      this.#writeAct(act3);
      this.#open(session, rest);
      return;
    }
    if (this.#phase === 'act3') {
      if (this.#rx.length < ACT_THREE_LENGTH) return;
      const act3 = this.#rx.subarray(0, ACT_THREE_LENGTH);
      const rest = this.#rx.slice(ACT_THREE_LENGTH);
      this.#open(this.#responder!.complete(act3), rest);
    }
  }

  #open(session: NoiseSession, rest: Uint8Array): void {
    this.#session = session;
    this.#initiator = undefined;
    this.#responder = undefined;
    this.#rx = new Uint8Array(0);
    this.#phase = 'open';
    this.#handshakeTimer?.cancel();
    this.#handlers.onHandshake(toHex(session.remoteStatic));
    // Frames that arrived in the same TCP segment as the last act.
    if (rest.length > 0 && this.#phase === 'open') this.#onData(rest);
  }

  #closedError(): PeerError {
    if (this.#phase === 'open' || this.#phase === 'closed') {
      return new PeerError('peer.closed_by_remote', 'the connection was closed by the other side');
    }
    const act = this.#phase === 'act1' ? 'one' : this.#phase === 'act2' ? 'two' : 'three';
    const expected = this.#phase === 'act3' ? ACT_THREE_LENGTH : ACT_ONE_LENGTH;
    return new PeerError(
      'peer.handshake_truncated',
      `the connection closed during the BOLT 8 handshake: ${this.#rx.length} of the ${expected} bytes of act ${act} arrived`,
    );
  }

  #finish(error: GlasswingError): boolean {
    if (this.#phase === 'closed') return false;
    this.#phase = 'closed';
    this.#handshakeTimer?.cancel();
    if (this.#resumeTimer !== undefined) {
      this.#resumeTimer.cancel();
      this.#resumeTimer = undefined;
      this.socket.resume(); // let the socket see the peer's FIN and close
    }
    this.#initiator?.destroy();
    this.#responder?.destroy();
    this.#session?.destroy();
    this.#handlers.onClose(error);
    return true;
  }

  #close(error: GlasswingError): void {
    if (this.#finish(error)) {
      this.socket.destroy();
      this.#failPending();
    }
  }
}

function asError(e: unknown): GlasswingError {
  if (isGlasswingError(e)) return e;
  return new PeerError('peer.internal', e instanceof Error ? e.message : String(e));
}
