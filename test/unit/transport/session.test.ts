/**
 * Property tests for the BOLT 8 message session: framing round-trips across any chunking,
 * key rotation stays in step in both directions, the 65,535-byte limit, and tampered or
 * random bytes give typed errors.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, publicKeyFromPrivate, randomBytes, toHex } from '../../../core/crypto';
import type { NoiseSession } from '../../../core/transport';
import { FrameError, LENGTH_HEADER_LENGTH, MAC_LENGTH, MAX_FRAME_LENGTH, MAX_MESSAGE_LENGTH } from '../../../core/transport';
import { NoiseSession as SessionClass } from '../../../core/transport/session';
import { handshake, keyPair, splitAt, thrown, transportErrorCode } from './helpers';

const RUNS = { numRuns: 25 };

/** One handshake shared by tests that only need a fresh pair of sessions with fixed keys. */
const [ik0, rk0] = fc.sample(keyPair, 1)[0]!;
function pair(): { a: NoiseSession; b: NoiseSession } {
  const { initiator, responder } = handshake(ik0, rk0);
  return { a: initiator, b: responder };
}

const messages = fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 12 });
const cuts = fc.array(fc.nat(5000), { maxLength: 20 });

function feedAll(session: NoiseSession, chunks: readonly Uint8Array[]): Uint8Array[] {
  return chunks.flatMap((c) => session.feed(c));
}

describe('NoiseSession', () => {
  it('random messages round-trip whatever the chunking of the byte stream', () => {
    fc.assert(
      fc.property(messages, cuts, (msgs, points) => {
        const { a, b } = pair();
        const stream = concatBytes(...msgs.map((m) => a.encrypt(m)));
        const out = feedAll(b, splitAt(stream, points));
        expect(out.map(toHex)).toEqual(msgs.map(toHex));
        expect(b.bufferedBytes).toBe(0);
      }),
      RUNS,
    );
  });

  it('feedOwned (chunks handed over, as a socket’s reads are): the same messages as feed whatever the chunking, parts included', () => {
    fc.assert(
      fc.property(messages, cuts, (msgs, points) => {
        const { a, b } = pair();
        const stream = concatBytes(...msgs.map((m) => a.encrypt(m)));
        const out = splitAt(stream, points).flatMap((c) => b.feedOwned(c.slice()));
        expect(out.map(toHex)).toEqual(msgs.map(toHex));
        const { a: a2, b: b2 } = pair();
        const fromParts = msgs.flatMap((m) => a2.encryptParts(m)).flatMap((part) => b2.feedOwned(part));
        expect(fromParts.map(toHex)).toEqual(msgs.map(toHex));
        expect([b.bufferedBytes, b2.bufferedBytes]).toEqual([0, 0]);
      }),
      RUNS,
    );
  });

  it('frames as parts (18-byte lc, ciphertext, 16-byte MAC), fed part by part, round-trip; a changed MAC byte is message_bad_tag', () => {
    fc.assert(
      fc.property(messages, fc.nat(), fc.boolean(), (msgs, flipAt, flip) => {
        const { a, b } = pair();
        const parts = msgs.map((m) => a.encryptParts(m));
        parts.forEach((p, i) => expect(p.map((x) => x.length)).toEqual([LENGTH_HEADER_LENGTH, msgs[i]!.length, MAC_LENGTH]));
        const bad = flipAt % msgs.length;
        if (flip) parts[bad]![2] = parts[bad]![2].map((x, j) => (j === flipAt % MAC_LENGTH ? x ^ 1 : x));
        const fed: Uint8Array[] = [];
        let error: unknown;
        try {
          for (const p of parts) for (const x of p) fed.push(...b.feed(x));
        } catch (e) {
          error = e;
        }
        if (!flip) {
          expect(fed.map(toHex)).toEqual(msgs.map(toHex));
          expect(b.bufferedBytes).toBe(0);
          return;
        }
        expect(error).toBeInstanceOf(FrameError);
        expect((error as FrameError).code).toBe('transport.message_bad_tag');
        expect(fed.map(toHex)).toEqual(msgs.slice(0, bad).map(toHex));
      }),
      RUNS,
    );
  });

  it('every frame is 34 bytes longer than its message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (m) => {
        expect(pair().a.encrypt(m)).toHaveLength(m.length + LENGTH_HEADER_LENGTH + MAC_LENGTH);
      }),
      { numRuns: 10 },
    );
  });

  it('a byte stream fed one byte at a time yields each message exactly when its last byte arrives', () => {
    const { a, b } = pair();
    const msgs = [new Uint8Array(0), Uint8Array.of(1, 2, 3), new Uint8Array(40).fill(5)];
    const frames = msgs.map((m) => a.encrypt(m));
    let k = 0;
    for (const frame of frames) {
      for (let j = 0; j < frame.length; j++) {
        const out = b.feed(frame.subarray(j, j + 1));
        if (j < frame.length - 1) {
          expect(out).toEqual([]);
          expect(b.bufferedBytes).toBe(j + 1);
        } else {
          expect(out.map(toHex)).toEqual([toHex(msgs[k]!)]);
        }
      }
      k++;
    }
  });

  it('keys rotate in step: 1,200 messages each way, interleaved, in random chunks, all decrypt', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(3000), { maxLength: 400 }), fc.integer({ min: 0, max: 255 }), (points, seed) => {
        const { a, b } = pair();
        const count = 1200; // past two rotations per direction (every 500 messages)
        const msgs = Array.from({ length: count }, (_, i) => Uint8Array.of(seed, i & 0xff, i >> 8));
        const toB = concatBytes(...msgs.map((m) => a.encrypt(m)));
        const toA = concatBytes(...msgs.map((m) => b.encrypt(m)));
        expect(feedAll(b, splitAt(toB, points.map((p) => p * 3))).map(toHex)).toEqual(msgs.map(toHex));
        expect(feedAll(a, splitAt(toA, points)).map(toHex)).toEqual(msgs.map(toHex));
      }),
      { numRuns: 5 },
    );
  });

  it('accepts a message of exactly 65,535 bytes and refuses 65,536 or more with message_too_large', () => {
    const { a, b } = pair();
    const max = new Uint8Array(MAX_MESSAGE_LENGTH).fill(0xab);
    const frame = a.encrypt(max);
    expect(frame).toHaveLength(MAX_FRAME_LENGTH);
    const [got] = b.feed(frame);
    expect(got).toHaveLength(MAX_MESSAGE_LENGTH);
    expect(got!.every((x) => x === 0xab)).toBe(true);
    for (const n of [MAX_MESSAGE_LENGTH + 1, 70_000, 1 << 20]) {
      expect(transportErrorCode(() => a.encrypt(new Uint8Array(n)))).toBe('transport.message_too_large');
    }
    // A refused message does not consume nonces: the next frame still decrypts.
    expect(b.feed(a.encrypt(Uint8Array.of(1))).map(toHex)).toEqual(['01']);
  });

  it('the receiver never buffers more than one maximum frame of a partial message', () => {
    const { a, b } = pair();
    const frame = a.encrypt(new Uint8Array(MAX_MESSAGE_LENGTH));
    expect(b.feed(frame.subarray(0, MAX_FRAME_LENGTH - 1))).toEqual([]);
    expect(b.bufferedBytes).toBe(MAX_FRAME_LENGTH - 1);
    expect(b.feed(frame.subarray(MAX_FRAME_LENGTH - 1))).toHaveLength(1);
    expect(b.bufferedBytes).toBe(0);
  });

  it('a bit flip anywhere in a frame gives length_bad_tag (first 18 bytes) or message_bad_tag, keeping earlier messages', () => {
    fc.assert(
      fc.property(messages, fc.nat(), fc.nat(), cuts, (msgs, which, bitSeed, points) => {
        const { a, b } = pair();
        const frames = msgs.map((m) => a.encrypt(m));
        const target = which % frames.length;
        const frame = frames[target]!;
        const bit = bitSeed % (frame.length * 8);
        frame[bit >> 3]! ^= 1 << (bit & 7);
        const chunks = splitAt(concatBytes(...frames), points);
        const before: Uint8Array[] = [];
        const e = thrown(() => {
          for (const c of chunks) before.push(...b.feed(c));
        });
        expect(e).toBeInstanceOf(FrameError);
        const err = e as FrameError;
        expect(err.code).toBe(bit >> 3 < LENGTH_HEADER_LENGTH ? 'transport.length_bad_tag' : 'transport.message_bad_tag');
        // Every message before the tampered frame was delivered, by earlier calls or on the error.
        expect([...before, ...err.messagesBefore].map(toHex)).toEqual(msgs.slice(0, target).map(toHex));
        // The receiving direction is dead afterwards.
        expect(transportErrorCode(() => b.feed(new Uint8Array(1)))).toBe('transport.closed');
      }),
      RUNS,
    );
  });

  it('random bytes fed to a session give nothing (under 18 bytes) or a FrameError, never an untyped exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), cuts, (junk, points) => {
        const { b } = pair();
        let out: Uint8Array[] | undefined;
        let error: unknown;
        try {
          out = feedAll(b, splitAt(junk, points));
        } catch (e) {
          error = e;
        }
        if (junk.length < LENGTH_HEADER_LENGTH) {
          expect(out).toEqual([]);
        } else {
          // A random 18-byte prefix passes a Poly1305 check with probability 2^-128.
          expect(error).toBeInstanceOf(FrameError);
          expect((error as FrameError).code).toBe('transport.length_bad_tag');
        }
      }),
      RUNS,
    );
  });

  it('a truncated stream returns the whole messages and keeps the partial frame for later', () => {
    fc.assert(
      fc.property(messages, fc.nat(), (msgs, cutSeed) => {
        const { a, b } = pair();
        const frames = msgs.map((m) => a.encrypt(m));
        const stream = concatBytes(...frames);
        const cut = cutSeed % (stream.length + 1);
        let whole = 0;
        for (let end = 0; whole < frames.length && end + frames[whole]!.length <= cut; whole++) end += frames[whole]!.length;
        const first = b.feed(stream.subarray(0, cut));
        expect(first.map(toHex)).toEqual(msgs.slice(0, whole).map(toHex));
        expect(b.feed(stream.subarray(cut)).map(toHex)).toEqual(msgs.slice(whole).map(toHex));
      }),
      RUNS,
    );
  });

  it('changing a chunk after feeding it does not corrupt the buffered partial frame', () => {
    const { a, b } = pair();
    const frame = a.encrypt(Uint8Array.of(1, 2, 3, 4));
    const chunk = frame.slice(0, 10);
    expect(b.feed(chunk)).toEqual([]);
    chunk.fill(0);
    expect(b.feed(frame.subarray(10)).map(toHex)).toEqual(['01020304']);
  });

  it('accepts node:net style Buffer chunks (pooled, reused by the caller) like plain Uint8Arrays', () => {
    const { a, b } = pair();
    const msgs = [Uint8Array.of(9, 8, 7), new Uint8Array(100).fill(3)];
    const stream = Buffer.from(concatBytes(...msgs.map((m) => a.encrypt(m))));
    const out: Uint8Array[] = [];
    for (let off = 0; off < stream.length; off += 7) {
      const chunk = Buffer.from(stream.subarray(off, off + 7)); // small Buffers share one pool
      out.push(...b.feed(chunk));
      chunk.fill(0xee);
    }
    expect(out.map(toHex)).toEqual(msgs.map(toHex));
  });

  it('destroy() closes the session: encrypt and feed throw transport.closed, remoteStatic stays readable', () => {
    const { a, b } = pair();
    const remote = toHex(a.remoteStatic);
    a.destroy();
    a.destroy(); // idempotent
    expect(a.closed).toBe(true);
    expect(transportErrorCode(() => a.encrypt(new Uint8Array(1)))).toBe('transport.closed');
    expect(transportErrorCode(() => a.feed(b.encrypt(new Uint8Array(1))))).toBe('transport.closed');
    expect(toHex(a.remoteStatic)).toBe(remote);
  });

  it('remoteStatic returns a copy: changing it does not change the session', () => {
    const { a } = pair();
    const first = a.remoteStatic;
    const hex = toHex(first);
    first.fill(0);
    expect(toHex(a.remoteStatic)).toBe(hex);
  });

  it('non-byte arguments throw transport.not_bytes', () => {
    const { a } = pair();
    expect(transportErrorCode(() => a.encrypt('hi' as unknown as Uint8Array))).toBe('transport.not_bytes');
    expect(transportErrorCode(() => a.feed(null as unknown as Uint8Array))).toBe('transport.not_bytes');
  });

  it('after a receive failure the session can still encrypt (for a final error message)', () => {
    const { a, b } = pair();
    expect(transportErrorCode(() => b.feed(new Uint8Array(LENGTH_HEADER_LENGTH)))).toBe('transport.length_bad_tag');
    expect(a.feed(b.encrypt(Uint8Array.of(0x11))).map(toHex)).toEqual(['11']);
  });

  it('exposes no key material: no reachable property or getter holds a key, and inspect/JSON show none', () => {
    const keys = { sendingKey: randomBytes(32), receivingKey: randomBytes(32), chainingKey: randomBytes(32) };
    const session = new SessionClass({ ...keys, remoteStatic: publicKeyFromPrivate(ik0) });
    const reachable: Uint8Array[] = [];
    const walk = (value: unknown, depth: number): void => {
      if (value instanceof Uint8Array) reachable.push(value);
      else if (value !== null && typeof value === 'object' && depth < 4) {
        for (const key of Reflect.ownKeys(value)) walk((value as Record<PropertyKey, unknown>)[key], depth + 1);
      }
    };
    walk(session, 0);
    for (const name of Object.getOwnPropertyNames(SessionClass.prototype)) {
      const getter = Object.getOwnPropertyDescriptor(SessionClass.prototype, name)?.get;
      if (getter) walk(getter.call(session), 1);
    }
    const shown = inspect(session, { showHidden: true, depth: 10, breakLength: Infinity, maxArrayLength: Infinity }) + JSON.stringify(session);
    for (const k of Object.values(keys)) {
      expect(reachable.some((r) => r.length === k.length && r.every((x, i) => x === k[i]))).toBe(false);
      expect(shown).not.toContain(toHex(k));
      expect(shown).not.toContain(k.join(', '));
    }
  });
});
