/** Shared helpers for the onion unit tests: deterministic keys and nodes from small seeds. */
import fc from 'fast-check';
import { publicKeyFromPrivate, scalarFromHash, sha256 } from '../../../core/crypto';

export interface TestNode {
  readonly privateKey: Uint8Array;
  readonly nodeId: Uint8Array;
}

/** A valid private key derived from a seed and an index (SHA-256, reduced mod n). */
export function keyFromSeed(seed: number, index: number): Uint8Array {
  return scalarFromHash(sha256(new TextEncoder().encode(`onion-test/${seed}/${index}`)));
}

/** `count` distinct nodes derived from `seed`. */
export function nodesFromSeed(seed: number, count: number): TestNode[] {
  return Array.from({ length: count }, (_, i) => {
    const privateKey = keyFromSeed(seed, i);
    return { privateKey, nodeId: publicKeyFromPrivate(privateKey) };
  });
}

/** fast-check: a 32-bit seed for keys. */
export const seedArb = fc.integer({ min: 0, max: 0x7fffffff });

/** Runs `fn` and returns the error it throws (fails the test if it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, got a value');
}
