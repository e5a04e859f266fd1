/** Shared arbitraries and helpers for the transport property tests. */
import fc from 'fast-check';
import { isValidPrivateKey, publicKeyFromPrivate } from '../../../core/crypto';
import type { NoiseSession } from '../../../core/transport';
import { NoiseInitiator, NoiseResponder, TransportError } from '../../../core/transport';

/** A valid secp256k1 private key. */
export const privateKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => isValidPrivateKey(k));

/** Two distinct node keys. */
export const keyPair = fc.tuple(privateKey, privateKey).filter(([a, b]) => a.some((x, i) => x !== b[i]));

export interface Handshake {
  readonly initiator: NoiseSession;
  readonly responder: NoiseSession;
  readonly act1: Uint8Array;
  readonly act2: Uint8Array;
  readonly act3: Uint8Array;
}

/** A full in-memory handshake between two fresh state machines (random ephemeral keys). */
export function handshake(initiatorKey: Uint8Array, responderKey: Uint8Array): Handshake {
  const i = new NoiseInitiator({ localStatic: initiatorKey, remoteStatic: publicKeyFromPrivate(responderKey) });
  const r = new NoiseResponder({ localStatic: responderKey });
  const act1 = i.actOne();
  const act2 = r.actTwo(act1);
  const { act3, session: initiator } = i.actThree(act2);
  const responder = r.complete(act3);
  return { initiator, responder, act1, act2, act3 };
}

/** Runs `fn` and returns what it threw; fails the test if it returned normally. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a TransportError, but the call returned');
}

/** Asserts `fn` throws a TransportError (never a RangeError/TypeError) and returns its code. */
export function transportErrorCode(fn: () => unknown): string {
  const e = thrown(fn);
  if (!(e instanceof TransportError)) throw new Error(`expected a TransportError, got ${String(e)}`);
  return e.code;
}

/** Splits `bytes` at the given cut points (any values; they are clamped and sorted). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.min(bytes.length, Math.max(0, c))))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    parts.push(bytes.slice(prev, p));
    prev = p;
  }
  return parts;
}
