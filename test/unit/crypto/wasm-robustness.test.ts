/**
 * tiny-secp256k1@2.2.4 leaks its WebAssembly stack each time it rejects an input inside the
 * module; about 3,100 rejected points corrupt the instance for good (backend-wasm.ts). Peers send
 * bad points at will, so the wasm backend must never let the module reject anything: here each
 * refusal path runs far past that count, and the module must still compute correct answers.
 */
import { describe, expect, it } from 'vitest';
import {
  CURVE_ORDER, bigintToBytes, ecdh, ecdsaRecoverPublicKey, ecdsaSign, ecdsaVerify, pointAdd, pointAddScalar, pointMultiply, publicKeyFromPrivate,
  schnorrSign, schnorrVerify, toHex, xOnlyPublicKey,
} from '../../../core/crypto';
import { onBackend, useBackendInBlock } from './backends';

const ROUNDS = 5000; // well past the ~3,100 rejections that break an unguarded instance

describe('the wasm backend survives a flood of invalid input', () => {
  useBackendInBlock('wasm');

  it(`refuses ${ROUNDS} times on every path, then still computes what @noble computes`, () => {
    const k = new Uint8Array(32).fill(7);
    const good = publicKeyFromPrivate(k);
    const offCurve = Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)); // x >= p
    const notAnX = Uint8Array.of(2, ...bigintToBytes(5n, 32)); // 5^3 + 7 is not a square mod p
    const digest = new Uint8Array(32).fill(3);
    const sig = ecdsaSign(digest, k);
    const zeroR = Uint8Array.of(...new Uint8Array(32), ...sig.subarray(32));
    const bigS = Uint8Array.of(...sig.subarray(0, 32), ...bigintToBytes(CURVE_ORDER, 32));
    const noPointR = Uint8Array.of(...bigintToBytes(5n, 32), ...sig.subarray(32));
    let refusals = 0;
    const refuse = (f: () => unknown) => {
      try {
        const r = f();
        if (r === false) refusals++;
      } catch {
        refusals++;
      }
    };
    for (let i = 0; i < ROUNDS; i++) {
      const bad = i % 2 === 0 ? offCurve : notAnX;
      refuse(() => ecdh(k, bad));
      refuse(() => pointMultiply(bad, k));
      refuse(() => pointAddScalar(bad, k));
      refuse(() => pointAdd(good, bad));
      refuse(() => ecdsaVerify(sig, digest, bad));
      refuse(() => ecdsaVerify(zeroR, digest, good));
      refuse(() => ecdsaVerify(bigS, digest, good));
      refuse(() => ecdsaRecoverPublicKey(noPointR, i % 4, digest));
      refuse(() => ecdsaRecoverPublicKey(bigS, 0, digest));
      refuse(() => schnorrVerify(new Uint8Array(64).fill(1), digest, bad.subarray(1)));
    }
    expect(refusals).toBe(ROUNDS * 10);

    const answers = () => [
      toHex(ecdh(k, good)), toHex(pointMultiply(good, k)), toHex(pointAdd(good, publicKeyFromPrivate(digest))), toHex(ecdsaSign(digest, k)),
      ecdsaVerify(sig, digest, good), toHex(schnorrSign(digest, k, digest)), schnorrVerify(schnorrSign(digest, k, digest), digest, xOnlyPublicKey(k)),
    ];
    expect(answers()).toEqual(onBackend('noble', answers));
  });
});
