/**
 * The UTXO set after random sequences of deposits, spends, mempool replacements, blocks, reorgs
 * (with and without explicit `transactionUnconfirmed`), re-deliveries and restarts equals a
 * simple model: our outputs of the transactions in the best chain or the mempool (those the
 * wallet was told about), minus the outpoints those transactions spend — with confirmations from
 * the tip. The wallet runs on real SQLite (in memory, reopened for restarts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../core/store';
import { txidToHex } from '../../../core/bitcoin';
import { toHex } from '../../../core/crypto';
import { blockHash, KEYS, makeTx, openTestWallet, T0, THEIR_SCRIPT } from './fixtures';

interface ModelTx {
  readonly txid: string;
  readonly raw: Uint8Array;
  readonly spends: readonly string[];
  readonly outputs: readonly { readonly script: Uint8Array; readonly value: bigint }[];
  /** In the mempool: whether the wallet was told (a silent one is first seen in a block). */
  notified: boolean;
}

const OUR_SCRIPTS = [...Array.from({ length: 8 }, (_, i) => KEYS.script('receive', i)), ...Array.from({ length: 4 }, (_, i) => KEYS.script('change', i))];
const OURS = new Set(OUR_SCRIPTS.map(toHex));

type Op =
  | { kind: 'deposit'; outs: { ours: number; value: number }[]; silent: boolean }
  | { kind: 'spend'; picks: number[]; outs: { ours: number; value: number }[] }
  | { kind: 'replace'; pick: number; ours: number; silent: boolean }
  | { kind: 'mine'; count: number; withNoise: boolean }
  | { kind: 'reorg'; depth: number; explicit: boolean }
  | { kind: 'redeliver'; pick: number }
  | { kind: 'restart' };

const outsArb = fc.array(fc.record({ ours: fc.integer({ min: -4, max: OUR_SCRIPTS.length - 1 }), value: fc.integer({ min: 1, max: 1000 }) }), {
  minLength: 1, maxLength: 3,
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deposit' as const), outs: outsArb, silent: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('spend' as const), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }), outs: outsArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), ours: fc.integer({ min: 0, max: OUR_SCRIPTS.length - 1 }), silent: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('mine' as const), count: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant(1000)), withNoise: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reorg' as const), depth: fc.integer({ min: 1, max: 3 }), explicit: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

function outputsOf(outs: readonly { ours: number; value: number }[], budget: bigint | null): { script: Uint8Array; value: bigint }[] {
  const list = outs.map((o) => ({ script: o.ours >= 0 ? OUR_SCRIPTS[o.ours]! : THEIR_SCRIPT, value: BigInt(o.value) * 1000n }));
  if (budget === null) return list;
  // A spend pays out at most what it spends (the rest is its fee).
  const total = list.reduce((s, o) => s + o.value, 0n);
  return total <= budget ? list : list.map((o) => ({ ...o, value: (o.value * budget) / total / 2n + 1n }));
}

describe('the UTXO set against a model', () => {
  it('matches after random confirms, reorgs, replacements, spends and restarts', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const db = openDatabase(':memory:');
        const tw = openTestWallet({ db });
        let wallet = tw.wallet;
        const chain: { hash: string; txs: ModelTx[] }[] = [];
        let mempool: ModelTx[] = [];
        // What the wallet still believes after the real mempool dropped it (a replacement it was not
        // told about): gone once the wallet learns of a transaction spending one of the same coins.
        let shadow: ModelTx[] = [];
        let fork = 0;
        const tip = (): number => chain.length; // heights 1..n

        const real = (): ModelTx[] => [...chain.flatMap((b) => b.txs), ...mempool.filter((t) => t.notified)];
        const modelUtxos = (withShadow: boolean): Map<string, { value: bigint; confirmations: number }> => {
          const unconfirmed = [...mempool.filter((m) => m.notified), ...(withShadow ? shadow : [])];
          const spent = new Set([...real(), ...(withShadow ? shadow : [])].flatMap((t) => t.spends));
          if (!withShadow) for (const m of mempool) for (const k of m.spends) spent.add(k);
          const out = new Map<string, { value: bigint; confirmations: number }>();
          chain.forEach((block, h) => {
            for (const t of block.txs) {
              t.outputs.forEach((o, vout) => {
                if (OURS.has(toHex(o.script)) && !spent.has(`${t.txid}:${vout}`)) out.set(`${t.txid}:${vout}`, { value: o.value, confirmations: tip() - (h + 1) + 1 });
              });
            }
          });
          for (const t of unconfirmed) {
            t.outputs.forEach((o, vout) => {
              if (OURS.has(toHex(o.script)) && !spent.has(`${t.txid}:${vout}`)) out.set(`${t.txid}:${vout}`, { value: o.value, confirmations: 0 });
            });
          }
          return out;
        };
        const add = (outputs: { script: Uint8Array; value: bigint }[], spends?: string[]): ModelTx => {
          const inputs = spends?.map((k) => ({ txid: k.split(':')[0]!, vout: Number(k.split(':')[1]) }));
          const t = makeTx(outputs, inputs);
          return { txid: t.txid, raw: t.raw, spends: t.tx.inputs.map((i) => `${txidToHex(i.prevout.txid)}:${i.prevout.vout}`), outputs, notified: true };
        };
        /** Removes `t` and everything in the mempool that spends its outputs; returns them. */
        const evict = (t: ModelTx): ModelTx[] => {
          mempool = mempool.filter((m) => m !== t);
          return [t, ...mempool.filter((m) => m.spends.some((k) => k.startsWith(`${t.txid}:`))).flatMap(evict)];
        };
        /** The wallet learns of `t`: shadow transactions spending one of its coins, and their descendants, are gone. */
        const dropShadow = (v: ModelTx): void => {
          shadow = shadow.filter((x) => x !== v);
          for (const child of shadow.filter((x) => x.spends.some((k) => k.startsWith(`${v.txid}:`)))) dropShadow(child);
        };
        const learn = (t: ModelTx): void => {
          // A replacement can be the very transaction the wallet still believes in (same inputs and outputs).
          shadow = shadow.filter((x) => x.txid !== t.txid);
          for (const v of shadow.filter((x) => x.txid !== t.txid && x.spends.some((k) => t.spends.includes(k)))) dropShadow(v);
        };
        const notify = (t: ModelTx): void => {
          learn(t);
          wallet.mempoolTransaction(t.raw, T0);
        };

        for (const op of ops) {
          switch (op.kind) {
            case 'deposit': {
              const t = add(outputsOf(op.outs, null));
              t.notified = !op.silent;
              mempool.push(t);
              if (t.notified) notify(t);
              break;
            }
            case 'spend': {
              const utxos = [...modelUtxos(false).entries()];
              if (utxos.length === 0) break;
              const picks = [...new Set(op.picks.map((p) => utxos[p % utxos.length]!))];
              const budget = picks.reduce((s, [, u]) => s + u.value, 0n);
              const t = add(outputsOf(op.outs, budget), picks.map(([k]) => k));
              mempool.push(t);
              notify(t);
              break;
            }
            case 'replace': {
              // A conflicting spend of a mempool transaction's first input, paying us. Told, the wallet
              // sees the replacement; silent, it learns only when the replacement confirms.
              if (mempool.length === 0) break;
              const victim = mempool[op.pick % mempool.length]!;
              const [k] = victim.spends;
              const t = add([{ script: OUR_SCRIPTS[op.ours]!, value: 500n }], [k!]);
              // The very same transaction (a replacement of a replacement, same input and payee) replaces
              // nothing: a mempool keeps it and what spends it (the model evicted its children here, seed -1573720898).
              if (t.txid === victim.txid) break;
              const evicted = evict(victim);
              t.notified = !op.silent;
              mempool.push(t);
              if (t.notified) {
                // The wallet drops the transaction it replaces and everything spending from it, also
                // what it still believed after an earlier replacement it was not told about.
                for (const e of evicted) for (const child of shadow.filter((x) => x.spends.some((k) => k.startsWith(`${e.txid}:`)))) dropShadow(child);
                notify(t);
              } else shadow.push(...evicted.filter((e) => e.notified));
              break;
            }
            case 'mine': {
              const txs = mempool.slice(0, op.count);
              mempool = mempool.slice(op.count);
              const hash = blockHash(tip() + 1, `f${fork}`);
              chain.push({ hash, txs });
              for (const t of txs) learn(t);
              const noise = op.withNoise ? [makeTx([{ script: THEIR_SCRIPT, value: 1n }]).raw] : [];
              wallet.transactionsConfirmed({ height: tip(), hash, time: 1_700_000_000 + tip() * 600 }, [...noise, ...txs.map((t) => t.raw)]);
              wallet.bestBlockUpdated(tip(), hash);
              break;
            }
            case 'reorg': {
              const depth = Math.min(op.depth, chain.length);
              if (depth === 0) break;
              const gone = chain.splice(chain.length - depth, depth);
              const back = gone.flatMap((b) => b.txs);
              for (const t of back) t.notified = true;
              mempool = [...back, ...mempool];
              fork++;
              if (op.explicit) for (const t of [...back].reverse()) wallet.transactionUnconfirmed(t.txid);
              wallet.bestBlockUpdated(tip(), chain.length ? chain[chain.length - 1]!.hash : blockHash(0));
              break;
            }
            case 'redeliver': {
              if (chain.length > 0) {
                const h = op.pick % chain.length;
                expect(wallet.transactionsConfirmed({ height: h + 1, hash: chain[h]!.hash, time: 1_700_000_000 + (h + 1) * 600 }, chain[h]!.txs.map((t) => t.raw)).events).toEqual([]);
              }
              const notified = mempool.filter((m) => m.notified);
              if (notified.length > 0) expect(wallet.mempoolTransaction(notified[op.pick % notified.length]!.raw, T0).events).toEqual([]);
              break;
            }
            case 'restart':
              wallet = tw.reopen();
              break;
          }

          const expected = modelUtxos(true);
          const actual = new Map(wallet.listUtxos().map((u) => [`${u.txid}:${u.vout}`, { value: u.amountSat, confirmations: u.confirmations }]));
          expect(actual).toEqual(expected);
          // What the wallet keeps up to date step by step equals a fresh derivation from the store.
          const fresh = tw.reopen();
          expect(fresh.listUtxos()).toEqual(wallet.listUtxos());
          expect(fresh.listTransactions()).toEqual(wallet.listTransactions());
          const balance = wallet.balance();
          const values = [...expected.values()];
          expect(balance.confirmedSat).toBe(values.filter((u) => u.confirmations > 0).reduce((s, u) => s + u.value, 0n));
          expect(balance.unconfirmedSat).toBe(values.filter((u) => u.confirmations === 0).reduce((s, u) => s + u.value, 0n));
        }
        db.close();
      }),
      { numRuns: 300 },
    );
  });
});
