import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ecdsaSign, ecdsaVerify, publicKeyFromPrivate, toHex } from '../../../core/crypto';
import {
  BitcoinError, SIGHASH_ALL, SIGHASH_ANYONECANPAY, SIGHASH_NONE, SIGHASH_SINGLE, decodeDerSignature, decodeWitnessSignature,
  encodeDerSignature, encodeWitnessSignature, segwitV0Sighash,
} from '../../../core/bitcoin';
import type { Transaction, TxInput, TxOutput } from '../../../core/bitcoin';

const sig64 = fc.uint8Array({ minLength: 64, maxLength: 64 });

describe('DER signatures', () => {
  it('round-trips every compact signature through strict DER', () => {
    fc.assert(
      fc.property(sig64, (s) => {
        const der = encodeDerSignature(s);
        expect(der.length).toBeLessThanOrEqual(72);
        expect(toHex(decodeDerSignature(der))).toBe(toHex(s));
        const w = decodeWitnessSignature(encodeWitnessSignature(s, 0x83));
        expect(w.sighashType).toBe(0x83);
        expect(toHex(w.signature)).toBe(toHex(s));
      }),
      { numRuns: 300 },
    );
  });

  it('gives bitcoin.bad_der, never an untyped exception, for random or truncated bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        try {
          const s = decodeDerSignature(b);
          expect(toHex(encodeDerSignature(s))).toBe(toHex(b)); // only canonical encodings decode
        } catch (e) {
          expect(e).toBeInstanceOf(BitcoinError);
          expect((e as BitcoinError).code).toBe('bitcoin.bad_der');
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(sig64, fc.nat(), (s, cut) => {
        const der = encodeDerSignature(s);
        expect(() => decodeDerSignature(der.subarray(0, cut % der.length))).toThrow(BitcoinError);
      }),
    );
  });

  it('rejects non-minimal integers and negative values', () => {
    // r = 0x00 0x01 (padded without need), s = 0x01
    expect(() => decodeDerSignature(Uint8Array.of(0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01))).toThrow(BitcoinError);
    expect(() => decodeDerSignature(Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01))).toThrow(BitcoinError);
  });
});

describe('BIP 143 sighash', () => {
  const input = (n: number): TxInput => ({ prevout: { txid: new Uint8Array(32).fill(n), vout: n }, scriptSig: new Uint8Array(0), sequence: n, witness: [] });
  const output = (n: number): TxOutput => ({ value: BigInt(1000 + n), scriptPubKey: Uint8Array.of(0x51, n) });
  const base: Transaction = { version: 2, inputs: [input(1)], outputs: [output(1)], locktime: 0 };
  const script = Uint8Array.of(0x51);

  it('SIGHASH_SINGLE|ANYONECANPAY commits only to its own input and output, so other parties can add theirs', () => {
    const flags = SIGHASH_SINGLE | SIGHASH_ANYONECANPAY;
    const extended: Transaction = { ...base, inputs: [...base.inputs, input(2)], outputs: [...base.outputs, output(2)] };
    expect(toHex(segwitV0Sighash(extended, 0, script, 5000n, flags))).toBe(toHex(segwitV0Sighash(base, 0, script, 5000n, flags)));
    // SIGHASH_ALL sees the additions.
    expect(toHex(segwitV0Sighash(extended, 0, script, 5000n, SIGHASH_ALL))).not.toBe(toHex(segwitV0Sighash(base, 0, script, 5000n, SIGHASH_ALL)));
    // Both commit to the spent value and to the own output.
    expect(toHex(segwitV0Sighash(base, 0, script, 5001n, flags))).not.toBe(toHex(segwitV0Sighash(base, 0, script, 5000n, flags)));
    const changedOut: Transaction = { ...base, outputs: [output(9)] };
    expect(toHex(segwitV0Sighash(changedOut, 0, script, 5000n, flags))).not.toBe(toHex(segwitV0Sighash(base, 0, script, 5000n, flags)));
  });

  it('SIGHASH_NONE ignores outputs; unknown types are rejected', () => {
    const changedOut: Transaction = { ...base, outputs: [output(9)] };
    expect(toHex(segwitV0Sighash(changedOut, 0, script, 1n, SIGHASH_NONE))).toBe(toHex(segwitV0Sighash(base, 0, script, 1n, SIGHASH_NONE)));
    expect(() => segwitV0Sighash(base, 0, script, 1n, 0x04)).toThrow(BitcoinError);
    expect(() => segwitV0Sighash(base, 3, script, 1n, SIGHASH_ALL)).toThrow(BitcoinError);
  });

  it('a signature over the digest verifies with the key and not after a change', () => {
    const key = new Uint8Array(32).fill(7);
    const digest = segwitV0Sighash(base, 0, script, 5000n, SIGHASH_ALL);
    const sig = ecdsaSign(digest, key);
    expect(ecdsaVerify(sig, digest, publicKeyFromPrivate(key))).toBe(true);
    expect(ecdsaVerify(sig, segwitV0Sighash({ ...base, locktime: 1 }, 0, script, 5000n, SIGHASH_ALL), publicKeyFromPrivate(key))).toBe(false);
  });
});
