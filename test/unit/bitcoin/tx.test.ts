import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../core/crypto';
import { ByteReader, ByteWriter } from '../../../core/wire';
import {
  BitcoinError, MAX_MONEY, decodeTx, encodeTx, readCompactSize, txid, txidFromHex, txidToHex, txWeight, writeCompactSize,
} from '../../../core/bitcoin';
import type { Transaction } from '../../../core/bitcoin';
import { loadVectors } from '../../support/vectors';

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

const arbInput = (withWitness: boolean) =>
  fc.record({
    prevout: fc.record({ txid: bytes(32, 32), vout: u32 }),
    scriptSig: bytes(0, 40),
    sequence: u32,
    witness: withWitness ? fc.array(bytes(0, 80), { maxLength: 4 }) : fc.constant([] as Uint8Array[]),
  });
const arbTx = (withWitness: boolean): fc.Arbitrary<Transaction> =>
  fc.record({
    version: u32,
    inputs: fc.array(arbInput(withWitness), { minLength: 1, maxLength: 4 }),
    outputs: fc.array(fc.record({ value: fc.bigInt({ min: 0n, max: MAX_MONEY }), scriptPubKey: bytes(0, 40) }), { maxLength: 4 }),
    locktime: u32,
  });

describe('core/bitcoin transactions', () => {
  it('decodes and re-encodes the BOLT 3 funding and commitment transactions, computing txids in display order', () => {
    const v = loadVectors<{ funding_tx: { funding_tx: string; funding_txid: string }; legacy: { cases: { output_commit_tx: string }[] } }>(
      'bolt03/commitment.json',
    );
    const funding = decodeTx(fromHex(v.funding_tx.funding_tx));
    expect(funding.outputs.map((o) => o.value)).toEqual([10000000n, 4989986080n]);
    expect(toHex(encodeTx(funding))).toBe(v.funding_tx.funding_tx);
    expect(txidToHex(txid(funding))).toBe(v.funding_tx.funding_txid);
    expect(txWeight(funding)).toBe((4 * v.funding_tx.funding_tx.length) / 2);
    const commitHex = v.legacy.cases[0]!.output_commit_tx;
    const commit = decodeTx(fromHex(commitHex));
    expect(commit.inputs[0]!.witness).toHaveLength(4);
    expect(txidToHex(commit.inputs[0]!.prevout.txid)).toBe(v.funding_tx.funding_txid);
    expect(toHex(encodeTx(commit))).toBe(commitHex);
    expect(txWeight(commit)).toBeLessThan((4 * commitHex.length) / 2);
  });

  it('round-trips any transaction, with or without witnesses', () => {
    fc.assert(
      fc.property(fc.boolean().chain((w) => arbTx(w)), (tx) => {
        const encoded = encodeTx(tx);
        const decoded = decodeTx(encoded);
        expect(toHex(encodeTx(decoded))).toBe(toHex(encoded));
        // A witness-less serialization hashes to the same txid.
        expect(toHex(txid(decoded))).toBe(toHex(txid(tx)));
        // Empty witnesses are not serialized, so they come back empty.
        const hadWitness = tx.inputs.some((i) => i.witness.length > 0);
        expect(decoded.inputs.map((i) => i.witness.length)).toEqual(tx.inputs.map((i) => (hadWitness ? i.witness.length : 0)));
      }),
      { numRuns: 200 },
    );
  });

  it('gives a typed BitcoinError, never an untyped exception, for random or truncated bytes', () => {
    fc.assert(
      fc.property(bytes(0, 200), (b) => {
        try {
          const tx = decodeTx(b);
          expect(toHex(encodeTx(tx))).toBe(toHex(b));
        } catch (e) {
          expect(e).toBeInstanceOf(BitcoinError);
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(arbTx(true), fc.nat(), (tx, cut) => {
        const encoded = encodeTx(tx);
        const n = cut % encoded.length;
        expect(() => decodeTx(encoded.subarray(0, n))).toThrow(BitcoinError);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects trailing bytes, a bad segwit flag and an empty witness section', () => {
    const tx: Transaction = {
      version: 2,
      inputs: [{ prevout: { txid: new Uint8Array(32), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0, witness: [Uint8Array.of(1)] }],
      outputs: [{ value: 1n, scriptPubKey: Uint8Array.of(0x51) }],
      locktime: 0,
    };
    const enc = encodeTx(tx);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as BitcoinError).code;
      }
      return 'no error';
    };
    expect(code(() => decodeTx(Uint8Array.from([...enc, 0])))).toBe('bitcoin.trailing_bytes');
    const badFlag = enc.slice();
    badFlag[5] = 2;
    expect(code(() => decodeTx(badFlag))).toBe('bitcoin.bad_tx');
    const noWitness = encodeTx({ ...tx, inputs: [{ ...tx.inputs[0]!, witness: [] }] });
    const emptySection = Uint8Array.from([...noWitness.subarray(0, 4), 0, 1, ...noWitness.subarray(4, noWitness.length - 4), 0, ...noWitness.subarray(noWitness.length - 4)]);
    expect(code(() => decodeTx(emptySection))).toBe('bitcoin.bad_tx');
    expect(code(() => encodeTx({ ...tx, inputs: [] }))).toBe('bitcoin.bad_tx');
  });

  it('CompactSize round-trips and rejects non-minimal encodings', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x02000000 }), (n) => {
        const w = new ByteWriter();
        writeCompactSize(w, n);
        const r = new ByteReader(w.finish());
        expect(readCompactSize(r)).toBe(n);
        expect(r.atEnd).toBe(true);
      }),
    );
    expect(() => readCompactSize(new ByteReader(Uint8Array.of(0xfd, 0xfc, 0x00)))).toThrow(BitcoinError);
    expect(() => readCompactSize(new ByteReader(Uint8Array.of(0xfe, 0xff, 0xff, 0x00, 0x00)))).toThrow(BitcoinError);
  });

  it('txid hex conversion reverses the byte order', () => {
    const id = txidFromHex('8984484a580b825b9972d7adb15050b3ab624ccd731946b3eeddb92f4e7ef6be');
    expect(toHex(id)).toBe('bef67e4e2fb9ddeeb3461973cd4c62abb35050b1add772995b820b584a488489');
    expect(txidToHex(id)).toBe('8984484a580b825b9972d7adb15050b3ab624ccd731946b3eeddb92f4e7ef6be');
  });
});
