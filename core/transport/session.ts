/**
 * The BOLT 8 message phase: framed ChaCha20-Poly1305 encryption with per-direction key
 * rotation, and a streaming decoder that accepts bytes in arbitrary chunks. Sans-I/O: it is
 * fed bytes and returns bytes; the socket lives in core/peer.
 */
import type { DetachedSeal } from '../crypto';
import { aeadDecrypt, aeadDecryptDetached, aeadEncrypt, aeadEncryptDetached, concatBytes, hkdfTwoKeys, toHex, uninitializedBytes, zeroize } from '../crypto';
import { KEY_ROTATION_NONCE, LENGTH_HEADER_LENGTH, MAC_LENGTH, MAX_MESSAGE_LENGTH } from './constants';
import { FrameError, TransportError } from './errors';
import { EMPTY, writeNonce } from './noise';
import type { Traceable, TraceSink } from './trace';
import { TRACE } from './trace';

/** What a finished handshake hands to the session. The session copies every array. */
export interface SessionKeys extends Traceable {
  /** BOLT 8 `sk`: the key this side encrypts with. */
  readonly sendingKey: Uint8Array;
  /** BOLT 8 `rk`: the key this side decrypts with. */
  readonly receivingKey: Uint8Array;
  /** BOLT 8 `ck` after Act Three: both `sck` and `rck` start from it. */
  readonly chainingKey: Uint8Array;
  /** The peer's 33-byte static public key (its node id). */
  readonly remoteStatic: Uint8Array;
}

type Direction = 'send' | 'receive';

/**
 * One direction's cipher state: key `k`, chaining key `ck` (BOLT 8 `sck`/`rck`) and nonce `n`.
 * Every encryption or decryption uses one nonce; at 1000 the key rotates.
 */
class CipherDirection {
  #k: Uint8Array;
  #ck: Uint8Array;
  #n = 0;
  readonly #nonce = new Uint8Array(12);
  readonly #direction: Direction;
  readonly #trace: TraceSink | undefined;

  constructor(k: Uint8Array, ck: Uint8Array, direction: Direction, trace: TraceSink | undefined) {
    this.#k = k.slice();
    this.#ck = ck.slice();
    this.#direction = direction;
    this.#trace = trace;
  }

  /**
   * BOLT 8 "Encrypting and Sending Messages" steps 3–4: encrypt with `sn`, AD empty, then `sn++`.
   * The ciphertext (as long as `plaintext`) and its 16-byte MAC come back apart, as the cipher wrote them.
   */
  seal(plaintext: Uint8Array, what: 'length' | 'message'): DetachedSeal {
    const sealed = aeadEncryptDetached(this.#k, writeNonce(this.#nonce, this.#n), EMPTY, plaintext);
    if (this.#trace) this.#traceSeal(plaintext, what, toHex(sealed.ciphertext) + toHex(sealed.tag));
    this.#advance();
    return sealed;
  }

  /** The same step with the ciphertext and its MAC in one array (a length prefix: `lc`, 18 bytes). */
  sealJoined(plaintext: Uint8Array, what: 'length' | 'message'): Uint8Array {
    const sealed = aeadEncrypt(this.#k, writeNonce(this.#nonce, this.#n), EMPTY, plaintext);
    if (this.#trace) this.#traceSeal(plaintext, what, toHex(sealed));
    this.#advance();
    return sealed;
  }

  #traceSeal(plaintext: Uint8Array, what: 'length' | 'message', ciphertext: string): void {
    this.#trace!({ op: `encrypt_${what}`, cleartext: toHex(plaintext), nonce: toHex(this.#nonce), sk: toHex(this.#k), ciphertext });
  }

  /**
   * BOLT 8 "Receiving and Decrypting Messages" steps 3 and 5: decrypt with `rn`, AD empty, then
   * `rn++`. A failed MAC throws CryptoError `crypto.bad_mac` and leaves the nonce unchanged.
   * `tag` given: the MAC apart from `ciphertext` (it came in a later read); else it ends `ciphertext`.
   */
  open(ciphertext: Uint8Array, what: 'length' | 'message', tag?: Uint8Array): Uint8Array {
    const nonce = writeNonce(this.#nonce, this.#n);
    const out = tag ? aeadDecryptDetached(this.#k, nonce, EMPTY, ciphertext, tag) : aeadDecrypt(this.#k, nonce, EMPTY, ciphertext);
    if (this.#trace) {
      const sealed = toHex(ciphertext) + (tag ? toHex(tag) : '');
      this.#trace({ op: `decrypt_${what}`, cleartext: toHex(out), nonce: toHex(this.#nonce), rk: toHex(this.#k), ciphertext: sealed });
    }
    this.#advance();
    return out;
  }

  #advance(): void {
    this.#n += 1;
    // BOLT 8 "Lightning Message Key Rotation": rotate "once the nonce dedicated to it reaches 1000".
    if (this.#n === KEY_ROTATION_NONCE) this.#rotate();
  }

  #rotate(): void {
    // BOLT 8 key rotation step 2: ck', k' = HKDF(ck, k)
    const [ck2, k2] = hkdfTwoKeys(this.#ck, this.#k);
    if (this.#trace) {
      this.#trace({ op: 'key_rotation_HKDF', direction: this.#direction, salt_ck: toHex(this.#ck), ikm_k: toHex(this.#k), new_ck: toHex(ck2), new_k: toHex(k2) });
    }
    zeroize(this.#k, this.#ck); // forget the previous keys (backwards secrecy)
    this.#n = 0; // step 3: reset the nonce for the key to n = 0
    this.#k = k2; // step 4: k = k'
    this.#ck = ck2; // step 5: ck = ck'
  }

  destroy(): void {
    zeroize(this.#k, this.#ck, this.#nonce);
    this.#n = 0;
  }
}

type SessionState = 'open' | 'receive_failed' | 'closed';

/**
 * An established BOLT 8 session. `encrypt` frames one outgoing message; `feed` takes bytes
 * as they arrive from the socket and returns every message completed by them. Keys live in
 * private fields and are zeroed by `destroy()`; only the peer's public key is exposed.
 *
 * Constructed by NoiseInitiator / NoiseResponder (the index exports only its type).
 */
export class NoiseSession {
  readonly #remoteStatic: Uint8Array;
  readonly #send: CipherDirection;
  readonly #receive: CipherDirection;
  #state: SessionState = 'open';
  /** Received bytes not yet consumed; every array here is owned by the session. */
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** Length of the body being awaited, or -1 while waiting for an 18-byte length header. */
  #bodyLength = -1;

  constructor(keys: SessionKeys) {
    const trace = keys[TRACE];
    this.#remoteStatic = keys.remoteStatic.slice();
    // BOLT 8 Act Three, sender step 8 / receiver step 11: rck = sck = ck. Nonces start at 0.
    this.#send = new CipherDirection(keys.sendingKey, keys.chainingKey, 'send', trace);
    this.#receive = new CipherDirection(keys.receivingKey, keys.chainingKey, 'receive', trace);
  }

  /** The peer's 33-byte compressed static public key (its node id). A copy. */
  get remoteStatic(): Uint8Array {
    return this.#remoteStatic.slice();
  }

  /**
   * Bytes of the frame in progress received so far (0 between frames). Never more than one
   * frame: at most MAX_FRAME_LENGTH − 1 once `feed` returns.
   */
  get bufferedBytes(): number {
    return this.#buffered + (this.#bodyLength < 0 ? 0 : LENGTH_HEADER_LENGTH);
  }

  /** True once `destroy()` was called. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /**
   * Encrypts one Lightning message into a frame: `lc || c` where `lc` is the encrypted 2-byte
   * big-endian length with its MAC and `c` the encrypted message with its MAC
   * (BOLT 8 "Encrypting and Sending Messages"). The frame is 34 bytes longer than `plaintext`.
   * Throws TransportError `transport.message_too_large` above 65,535 bytes.
   */
  encrypt(plaintext: Uint8Array): Uint8Array {
    return concatBytes(...this.encryptParts(plaintext));
  }

  /**
   * The same frame as `encrypt`, in the three parts the cipher wrote: `lc` (18 bytes), the
   * message's ciphertext and its 16-byte MAC. Written to the socket together (one gathered write),
   * a 64 KiB message is not copied again to join them (a seventh of a frame's work: bench/transport).
   */
  encryptParts(plaintext: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
    this.#assertNotClosed();
    if (!(plaintext instanceof Uint8Array)) throw new TransportError('transport.not_bytes', 'encrypt: expected a Uint8Array');
    const l = plaintext.length; // step 1: l = len(m)
    // BOLT 8: "The *maximum* size of _any_ Lightning message MUST NOT exceed `65535` bytes."
    if (l > MAX_MESSAGE_LENGTH) {
      throw new TransportError('transport.message_too_large', `message of ${l} bytes exceeds ${MAX_MESSAGE_LENGTH}`, {
        length: l,
        max: MAX_MESSAGE_LENGTH,
      });
    }
    const lengthBytes = new Uint8Array([l >>> 8, l & 0xff]); // step 2: l as 2 big-endian bytes
    const lc = this.#send.sealJoined(lengthBytes, 'length'); // step 3: lc (18 bytes), sn++
    const body = this.#send.seal(plaintext, 'message'); // step 4: c, sn++
    return [lc, body.ciphertext, body.tag]; // step 5: send lc || c
  }

  /**
   * Accepts the next bytes from the peer, in chunks of any size (including empty), and returns
   * the messages they complete, in order. A partial frame is kept for the next call.
   *
   * Throws FrameError (`transport.length_bad_tag` / `transport.message_bad_tag`) when a MAC
   * fails; the messages decrypted before it in this call are on the error's `messagesBefore`.
   * After that, or after `destroy()`, `feed` throws TransportError `transport.closed`.
   * The caller may reuse or mutate `chunk` after the call: leftovers are copied.
   */
  feed(chunk: Uint8Array): Uint8Array[] {
    return this.#feed(chunk, true);
  }

  /**
   * As `feed`, for a chunk the caller hands over and never changes afterwards (a socket's read
   * buffer: Node allocates one per read and does not reuse it). The part of a frame that a later
   * read completes is then kept as the read's own array, not copied — up to 64 KiB for a large
   * frame, whose parts seldom fall on read boundaries.
   */
  feedOwned(chunk: Uint8Array): Uint8Array[] {
    return this.#feed(chunk, false);
  }

  #feed(chunk: Uint8Array, copyLeftover: boolean): Uint8Array[] {
    this.#assertNotClosed();
    if (this.#state === 'receive_failed') {
      throw new TransportError('transport.closed', 'the receiving direction failed earlier; close the connection');
    }
    if (!(chunk instanceof Uint8Array)) throw new TransportError('transport.not_bytes', 'feed: expected a Uint8Array');
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const messages: Uint8Array[] = [];
    for (;;) {
      const need = this.#bodyLength < 0 ? LENGTH_HEADER_LENGTH : this.#bodyLength + MAC_LENGTH;
      if (this.#buffered < need) break;
      // A body whole in this chunk with its MAC in the next (frames written as parts, or a read that
      // ends there): the two are opened apart rather than copied together.
      const first = this.#chunks[0]!;
      const apart = this.#bodyLength >= 0 && first.length >= this.#bodyLength && first.length < need;
      const bytes = this.#take(apart ? this.#bodyLength : need);
      const tag = apart ? this.#take(MAC_LENGTH) : undefined;
      if (this.#bodyLength < 0) {
        // Receiving step 1–3: read exactly 18 bytes, decrypt `lc` with `rn`, `rn++`.
        let l: Uint8Array;
        try {
          l = this.#receive.open(bytes, 'length');
        } catch {
          this.#failReceive();
          throw new FrameError('transport.length_bad_tag', 'the MAC of the encrypted length prefix does not match', messages);
        }
        this.#bodyLength = (l[0]! << 8) | l[1]!; // a 2-byte length: never above 65,535
      } else {
        // Receiving steps 4–5: read exactly l+16 bytes, decrypt `c` with `rn`, `rn++`.
        try {
          messages.push(this.#receive.open(bytes, 'message', tag));
        } catch {
          this.#failReceive();
          throw new FrameError('transport.message_bad_tag', 'the MAC of the message body does not match', messages);
        }
        this.#bodyLength = -1;
      }
    }
    // Keep no reference to the caller's array beyond this call (unless it was handed over).
    const last = this.#chunks.length - 1;
    if (copyLeftover && last >= 0 && this.#chunks[last]!.buffer === chunk.buffer) this.#chunks[last] = new Uint8Array(this.#chunks[last]!);
    return messages;
  }

  /** Zeroes every key and chaining key and drops buffered bytes. Idempotent. */
  destroy(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#send.destroy();
    this.#receive.destroy();
    this.#chunks = [];
    this.#buffered = 0;
  }

  /** Removes and returns exactly `n` buffered bytes (the caller checked they are there). */
  #take(n: number): Uint8Array {
    const first = this.#chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      this.#buffered -= n;
      return out;
    }
    const out = uninitializedBytes(n); // the loop below fills all n bytes
    let off = 0;
    let used = 0; // chunks consumed whole; removed with one splice (no quadratic shift)
    while (off < n) {
      const c = this.#chunks[used]!;
      const k = Math.min(c.length, n - off);
      out.set(k === c.length ? c : c.subarray(0, k), off);
      off += k;
      if (k === c.length) used++;
      else this.#chunks[used] = c.subarray(k);
    }
    this.#chunks.splice(0, used);
    this.#buffered -= n;
    return out;
  }

  #failReceive(): void {
    this.#state = 'receive_failed';
    this.#receive.destroy();
    this.#chunks = [];
    this.#buffered = 0;
  }

  #assertNotClosed(): void {
    if (this.#state === 'closed') throw new TransportError('transport.closed', 'the session was destroyed');
  }
}
