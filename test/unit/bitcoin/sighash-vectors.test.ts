/**
 * BIP 143 digests against the BIP's own examples (data/bip143-sighash.json, see data/PROVENANCE.md),
 * and the one-allocation serializers (encodeTx, segwitV0Sighash, buildScript) against plain
 * reference implementations written from BIP 143 / BIP 144 with a growing ByteWriter, on random
 * transactions — scripts longer than 252 bytes included, so 3-byte CompactSizes are exercised.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, fromHex, sha256d, toHex } from '../../../core/crypto';
import { ByteWriter } from '../../../core/wire';
import {
  BitcoinError, MAX_MONEY, SIGHASH_ALL, SIGHASH_ANYONECANPAY, SIGHASH_NONE, SIGHASH_SINGLE, buildScript, decodeTx, encodeScriptNum,
  encodeTx, pushData, pushNumber, segwitV0Sighash, writeCompactSize, writeU32LE, writeU64LE, writeVarBytes,
} from '../../../core/bitcoin';
import type { ScriptPart, Transaction, TxOutput } from '../../../core/bitcoin';

interface Bip143Case {
  readonly name: string;
  readonly tx: string;
  readonly input: number;
  readonly scriptCode: string;
  readonly amountSat: string;
  readonly sighashType: number;
  readonly sigHash: string;
}

const BIP143: readonly Bip143Case[] = (
  JSON.parse(readFileSync(join(import.meta.dirname, 'data/bip143-sighash.json'), 'utf8')) as { cases: Bip143Case[] }
).cases;

// ---- reference implementations, written from the BIPs without regard for speed ----

function refWriteTx(w: ByteWriter, tx: Transaction, witness: boolean): void {
  const segwit = witness && tx.inputs.some((i) => i.witness.length > 0);
  writeU32LE(w, tx.version);
  if (segwit) w.writeU8(0).writeU8(1); // BIP 144 marker, flag
  writeCompactSize(w, tx.inputs.length);
  for (const i of tx.inputs) {
    w.writeBytes(i.prevout.txid);
    writeU32LE(w, i.prevout.vout);
    writeVarBytes(w, i.scriptSig);
    writeU32LE(w, i.sequence);
  }
  writeCompactSize(w, tx.outputs.length);
  for (const o of tx.outputs) refWriteOutput(w, o);
  if (segwit) {
    for (const i of tx.inputs) {
      writeCompactSize(w, i.witness.length);
      for (const item of i.witness) writeVarBytes(w, item);
    }
  }
  writeU32LE(w, tx.locktime);
}

function refWriteOutput(w: ByteWriter, o: TxOutput): void {
  writeU64LE(w, o.value);
  writeVarBytes(w, o.scriptPubKey);
}

function refEncodeTx(tx: Transaction, witness = true): Uint8Array {
  const w = new ByteWriter();
  refWriteTx(w, tx, witness);
  return w.finish();
}

/** BIP 143 "Specification", items 1–10, literally. */
function refSighash(tx: Transaction, n: number, scriptCode: Uint8Array, amount: bigint, type: number): Uint8Array {
  const base = type & 0x1f;
  const acp = (type & SIGHASH_ANYONECANPAY) !== 0;
  const zero: Uint8Array = new Uint8Array(32);
  const dsha = (fill: (w: ByteWriter) => void): Uint8Array => {
    const w = new ByteWriter();
    fill(w);
    return sha256d(w.finish());
  };
  const hashPrevouts = acp ? zero : dsha((w) => tx.inputs.forEach((i) => {
    w.writeBytes(i.prevout.txid);
    writeU32LE(w, i.prevout.vout);
  }));
  const hashSequence = acp || base === SIGHASH_SINGLE || base === SIGHASH_NONE ? zero : dsha((w) => tx.inputs.forEach((i) => writeU32LE(w, i.sequence)));
  let hashOutputs = zero;
  if (base !== SIGHASH_SINGLE && base !== SIGHASH_NONE) hashOutputs = dsha((w) => tx.outputs.forEach((o) => refWriteOutput(w, o)));
  else if (base === SIGHASH_SINGLE && n < tx.outputs.length) hashOutputs = dsha((w) => refWriteOutput(w, tx.outputs[n]!));
  const w = new ByteWriter();
  writeU32LE(w, tx.version);
  w.writeBytes(hashPrevouts);
  w.writeBytes(hashSequence);
  w.writeBytes(tx.inputs[n]!.prevout.txid);
  writeU32LE(w, tx.inputs[n]!.prevout.vout);
  writeVarBytes(w, scriptCode);
  writeU64LE(w, amount);
  writeU32LE(w, tx.inputs[n]!.sequence);
  w.writeBytes(hashOutputs);
  writeU32LE(w, tx.locktime);
  writeU32LE(w, type);
  return sha256d(w.finish());
}

/** A script assembled part by part with pushData / pushNumber and concatenated. */
function refBuildScript(...parts: ScriptPart[]): Uint8Array {
  return concatBytes(...parts.map((p) => (typeof p === 'number' ? Uint8Array.of(p) : p instanceof Uint8Array ? pushData(p) : pushNumber(p.num))));
}

// ---- generators ----

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const script = fc.oneof(bytes(0, 40), bytes(250, 300));
const arbTx = (withWitness: boolean): fc.Arbitrary<Transaction> =>
  fc.record({
    version: u32,
    inputs: fc.array(
      fc.record({
        prevout: fc.record({ txid: bytes(32, 32), vout: u32 }),
        scriptSig: script,
        sequence: u32,
        witness: withWitness ? fc.array(script, { maxLength: 3 }) : fc.constant([] as Uint8Array[]),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    outputs: fc.array(fc.record({ value: fc.bigInt({ min: 0n, max: MAX_MONEY }), scriptPubKey: script }), { maxLength: 3 }),
    locktime: u32,
  });
const sighashType = fc.constantFrom(0x01, 0x02, 0x03, 0x81, 0x82, 0x83);

describe('BIP 143 examples', () => {
  it('the data file holds the twelve digests of the BIP', () => {
    expect(BIP143).toHaveLength(12);
  });

  for (const c of BIP143) {
    it(`${c.name}: the digest is the BIP's sigHash`, () => {
      const tx = decodeTx(fromHex(c.tx));
      expect(toHex(encodeTx(tx))).toBe(c.tx);
      expect(toHex(segwitV0Sighash(tx, c.input, fromHex(c.scriptCode), BigInt(c.amountSat), c.sighashType))).toBe(c.sigHash);
    });
  }
});

describe('one-allocation serializers agree with the reference implementations', () => {
  it('encodeTx and txid serialization equal the BIP 144 reference, with and without witnesses', () => {
    fc.assert(
      fc.property(fc.boolean().chain(arbTx), (tx) => {
        expect(toHex(encodeTx(tx))).toBe(toHex(refEncodeTx(tx)));
        expect(toHex(encodeTx(tx, { witness: false }))).toBe(toHex(refEncodeTx(tx, false)));
      }),
      { numRuns: 300 },
    );
  });

  it('segwitV0Sighash equals the BIP 143 reference for every sighash type and input', () => {
    fc.assert(
      fc.property(arbTx(false), fc.nat(), script, fc.bigInt({ min: 0n, max: MAX_MONEY }), sighashType, (tx, pick, code, amount, type) => {
        const n = pick % tx.inputs.length;
        expect(toHex(segwitV0Sighash(tx, n, code, amount, type))).toBe(toHex(refSighash(tx, n, code, amount, type)));
      }),
      { numRuns: 300 },
    );
  });

  it('a value, sequence or locktime out of range is bitcoin.bad_value, as before', () => {
    const tx: Transaction = {
      version: 2,
      inputs: [{ prevout: { txid: new Uint8Array(32), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0, witness: [] }],
      outputs: [{ value: 1n, scriptPubKey: Uint8Array.of(0x51) }],
      locktime: 0,
    };
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof BitcoinError ? e.code : 'untyped';
      }
      return 'no error';
    };
    expect(code(() => encodeTx({ ...tx, outputs: [{ value: MAX_MONEY + 1n, scriptPubKey: new Uint8Array(0) }] }))).toBe('bitcoin.bad_value');
    expect(code(() => encodeTx({ ...tx, locktime: 2 ** 32 }))).toBe('bitcoin.bad_value');
    expect(code(() => encodeTx({ ...tx, inputs: [{ ...tx.inputs[0]!, sequence: -1 }] }))).toBe('bitcoin.bad_value');
    expect(code(() => encodeTx({ ...tx, inputs: [{ ...tx.inputs[0]!, prevout: { txid: new Uint8Array(31), vout: 0 } }] }))).toBe('bitcoin.bad_value');
    expect(code(() => segwitV0Sighash(tx, 0, new Uint8Array(0), -1n, SIGHASH_ALL))).toBe('bitcoin.bad_value');
    expect(code(() => segwitV0Sighash({ ...tx, version: 1.5 }, 0, new Uint8Array(0), 1n, SIGHASH_ALL))).toBe('bitcoin.bad_value');
  });

  it('buildScript equals pushing each part and concatenating', () => {
    const part: fc.Arbitrary<ScriptPart> = fc.oneof(
      fc.integer({ min: 0, max: 0xff }),
      fc.oneof(bytes(0, 80), bytes(250, 300)),
      fc.record({ num: fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n })) }),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 12 }), (parts) => {
        expect(toHex(buildScript(...parts))).toBe(toHex(refBuildScript(...parts)));
      }),
      { numRuns: 300 },
    );
  });

  it('script numbers given as numbers encode like the same bigints (the fast path for timelocks)', () => {
    const edges = [0, 1, 16, 17, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffff, 0x800000, 0x7fffffff];
    for (const n of edges) {
      expect(toHex(encodeScriptNum(n)), `${n}`).toBe(toHex(encodeScriptNum(BigInt(n))));
      expect(toHex(pushNumber(n)), `${n}`).toBe(toHex(pushNumber(BigInt(n))));
    }
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (n) => {
        expect(toHex(encodeScriptNum(n))).toBe(toHex(encodeScriptNum(BigInt(n))));
        expect(toHex(pushNumber(n))).toBe(toHex(pushNumber(BigInt(n))));
      }),
      { numRuns: 500 },
    );
  });
});
