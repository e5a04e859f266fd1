/** Esplora's transaction JSON, serialized back to bytes and checked against its txid; its outspend JSON. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeTx, txidToHex } from '../../../core/bitcoin';
import { toHex } from '../../../core/crypto';
import { ChainSourceError } from '../../../core/chain';
import { esploraTx, parseOutspend } from '../../../core/runtime/chain';
import { scriptFor, spendTx, txidHex } from '../../support/chain-builder';

function json(tx: ReturnType<typeof spendTx>, status: unknown = { confirmed: true, block_height: 7, block_hash: 'ab'.repeat(32), block_time: 1 }) {
  return {
    txid: txidHex(tx),
    version: tx.version,
    locktime: tx.locktime,
    vin: tx.inputs.map((i) => ({ txid: txidToHex(i.prevout.txid), vout: i.prevout.vout, scriptsig: toHex(i.scriptSig), witness: i.witness.map(toHex), sequence: i.sequence, is_coinbase: false })),
    vout: tx.outputs.map((o) => ({ scriptpubkey: toHex(o.scriptPubKey), value: Number(o.value) })),
    status,
  };
}

describe('Esplora transaction JSON', () => {
  it('serializes back to the same bytes, with the status', () => {
    const tx = spendTx([{ txid: '12'.repeat(32), vout: 3 }, { txid: '34'.repeat(32), vout: 0 }], [{ script: scriptFor('a'), value: 5_000n }, { script: scriptFor('b'), value: 1n }]);
    const { txid, tx: found } = esploraTx(json(tx), 'test');
    expect(txid).toBe(txidHex(tx));
    expect(toHex(found.raw)).toBe(toHex(encodeTx(tx)));
    expect(found.status).toEqual({ kind: 'confirmed', height: 7, blockHash: 'ab'.repeat(32) });
    expect(esploraTx(json(tx, { confirmed: false }), 'test').tx.status).toEqual({ kind: 'mempool' });
  });

  it('refuses a transaction whose fields do not hash to its txid', () => {
    const tx = spendTx([{ txid: '12'.repeat(32), vout: 3 }], [{ script: scriptFor('a'), value: 5_000n }]);
    const lying = { ...json(tx), vout: [{ scriptpubkey: toHex(scriptFor('thief')), value: 5_000 }] };
    expect(() => esploraTx(lying, 'test')).toThrow(ChainSourceError);
  });

  it('gives chain.source.bad_response, never anything else, for any JSON', () => {
    const tx = spendTx([{ txid: '12'.repeat(32), vout: 3 }], [{ script: scriptFor('a'), value: 5_000n }]);
    const good = json(tx) as Record<string, unknown>;
    fc.assert(
      fc.property(fc.anything(), fc.constantFrom(...Object.keys(good)), fc.boolean(), (value, field, whole) => {
        const input = whole ? value : { ...good, [field]: value };
        try {
          esploraTx(input, 'prop');
        } catch (e) {
          expect(e).toBeInstanceOf(ChainSourceError);
          expect((e as ChainSourceError).code).toBe('chain.source.bad_response');
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('Esplora outspend JSON', () => {
  const hash = 'Ab'.repeat(32);

  it('reads unspent, spent in a block and spent in the mempool', () => {
    expect(parseOutspend({ spent: false }, 'test')).toEqual({ spent: false });
    expect(parseOutspend({ spent: true, txid: hash, vin: 0, status: { confirmed: true, block_height: 812, block_hash: hash, block_time: 1 } }, 'test'))
      .toEqual({ spent: true, txid: hash.toLowerCase(), status: { kind: 'confirmed', height: 812, blockHash: hash.toLowerCase() } });
    expect(parseOutspend({ spent: true, txid: hash, vin: 0, status: { confirmed: false } }, 'test')).toEqual({ spent: true, txid: hash.toLowerCase(), status: { kind: 'mempool' } });
  });

  it('gives chain.source.bad_response, never anything else, for any JSON', () => {
    const good = { spent: true, txid: hash, vin: 1, status: { confirmed: true, block_height: 812, block_hash: hash, block_time: 1 } } as Record<string, unknown>;
    fc.assert(
      fc.property(fc.anything(), fc.constantFrom(...Object.keys(good)), fc.boolean(), (value, field, whole) => {
        const input = whole ? value : { ...good, [field]: value };
        try {
          const r = parseOutspend(input, 'prop');
          if (r.spent) expect(r.txid).toMatch(/^[0-9a-f]{64}$/);
        } catch (e) {
          expect(e).toBeInstanceOf(ChainSourceError);
          expect((e as ChainSourceError).code).toBe('chain.source.bad_response');
        }
      }),
      { numRuns: 500 },
    );
  });
});
