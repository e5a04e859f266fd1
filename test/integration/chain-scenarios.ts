/**
 * The chain layer's scenario suite, run over each chain source against a real btcd on regtest:
 * chain-rpc.test.ts (btcd's JSON-RPC, blocks mode) and chain-esplora.test.ts (the Esplora source
 * through test/support/esplora.ts, filtered mode). Confirmations, reorgs and mempool are btcd's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainSource } from '../../core/chain';
import { BitcoindRpcSource, EsploraSource, chainClock } from '../../core/runtime/chain';
import { SystemClock } from '../../core/runtime/clock';
import { type Btcd, startBtcd } from '../support/btcd';
import { startEsplora, type EsploraShim } from '../support/esplora';
import { event, key, openChain, spend, synced, utxoOf, type ChainUnderTest } from './chain-support';

export type SourceKind = 'bitcoind-rpc' | 'esplora';

export interface Harness {
  btcd: Btcd;
  shim: EsploraShim | null;
  source(): ChainSource;
}

/** Starts btcd (and the Esplora shim) for the file; `source()` makes a fresh source of `kind`. */
export function harness(kind: SourceKind): Harness {
  const h: Harness = {
    btcd: undefined as unknown as Btcd,
    shim: null,
    source: () =>
      kind === 'bitcoind-rpc'
        ? new BitcoindRpcSource({ url: h.btcd.rpcUrl, clock: chainClock(new SystemClock()), timeoutMs: 10_000 })
        : new EsploraSource({ url: h.shim!.url, clock: chainClock(new SystemClock()), timeoutMs: 10_000 }),
  };
  beforeAll(async () => {
    h.btcd = await startBtcd();
    if (kind === 'esplora') h.shim = await startEsplora(h.btcd);
    await h.btcd.mine(101); // a mature faucet coin for fund()
  });
  afterAll(async () => {
    await h.shim?.close();
  });
  return h;
}

export function chainScenarios(kind: SourceKind): Harness {
  const h = harness(kind);
  const open: ChainUnderTest[] = [];
  const track = (c: ChainUnderTest): ChainUnderTest => {
    open.push(c);
    return c;
  };
  afterAll(async () => {
    for (const c of open) await c.stop().catch(() => undefined);
  });

  describe(`chain over ${kind}`, () => {
    it('falls back to the configured fee rate when the source has no estimate (a quiet regtest: no transaction mined yet)', async () => {
      const c = track(openChain(h.source(), { fallbackSatPerKw: 1_234 }));
      await synced(c, h.btcd);
      expect(c.chain.sync.feeEstimate(6)).toMatchObject({ satPerKw: 1_234, origin: 'fallback' });
      expect(c.chain.sync.feeEstimate(1)).toMatchObject({ origin: 'fallback' });
      await c.stop();
    });

    it('connects to btcd on regtest, follows new blocks and is in sync at its tip', async () => {
      const c = track(openChain(h.source()));
      await synced(c, h.btcd);
      expect(c.chain.sync.info).toMatchObject({ kind, network: 'regtest', flavor: kind === 'esplora' ? 'esplora' : 'btcd' });
      const from = c.events.length;
      const hashes = await h.btcd.mine(3);
      await synced(c, h.btcd);
      const connected = c.events.slice(from).filter((e) => e.type === 'chain.block_connected').map((e) => (e as { hash: string }).hash);
      expect(connected).toEqual(hashes);
      expect(c.chain.sync.state).toMatchObject({ state: 'in_sync', height: await h.btcd.height() });
      await c.stop();
    });

    it('reports a watched transaction confirmed and then at its depth', async () => {
      const c = track(openChain(h.source()));
      await synced(c, h.btcd);
      const k = key(`${kind} depth`);
      const txid = await h.btcd.fund(k.address, 50_000n);
      const { id } = c.chain.tracker.watchTransaction({ txid, depth: 3, heightHint: c.chain.tracker.tip!.height + 1 }, 'test');
      c.chain.sync.wake();
      const [block] = await h.btcd.mine(1);
      const confirmed = await event(c, 'chain.tx_confirmed', (e) => e.txid === txid);
      expect(confirmed).toMatchObject({ watchId: id, blockHash: block, height: await h.btcd.height() });
      await h.btcd.mine(2);
      const deep = await event(c, 'chain.tx_depth_reached', (e) => e.txid === txid);
      expect(deep).toMatchObject({ depth: 3, blockHash: block });
      expect(c.chain.tracker.view(id)).toMatchObject({ confirmations: 3 });
      await c.stop();
    });

    it('unconfirms a payment, its spend and the tx on invalidateblock, and confirms them again on reconsiderblock and on a longer fork', async () => {
      const c = track(openChain(h.source()));
      await synced(c, h.btcd);
      const a = key(`${kind} reorg a`);
      const b = key(`${kind} reorg b`);
      const hint = c.chain.tracker.tip!.height + 1;
      const scriptWatch = c.chain.tracker.watchScript({ script: a.scriptHex, heightHint: hint }, 'test').id;
      const payTxid = await h.btcd.fund(a.address, 80_000n);
      const txWatch = c.chain.tracker.watchTransaction({ txid: payTxid, depth: 1, heightHint: hint }, 'test').id;
      const coin = await utxoOf(h.btcd, payTxid, a.script);
      const coinWatch = c.chain.tracker.watchOutpoint({ txid: coin.txid, vout: coin.vout, script: a.scriptHex, heightHint: hint }, 'test').id;
      c.chain.sync.wake();
      const [payBlock] = await h.btcd.mine(1);
      const out = spend(a, coin, [{ script: b.script, value: 79_000n }]);
      await h.btcd.rpc('sendrawtransaction', [out.hex]);
      const [spendBlock] = await h.btcd.mine(1);
      await event(c, 'chain.outpoint_spent', (e) => e.spendingTxid === out.txid && e.status.kind === 'confirmed');
      await event(c, 'chain.script_spent', (e) => e.txid === out.txid && e.status.kind === 'confirmed');
      expect(c.chain.tracker.view(scriptWatch)).toMatchObject({ txs: [{ txid: payTxid, status: { blockHash: payBlock } }, { txid: out.txid, status: { blockHash: spendBlock } }] });

      // invalidateblock: both blocks leave btcd's best chain; their transactions go back to its mempool.
      let from = c.events.length;
      await h.btcd.rpc('invalidateblock', [payBlock]);
      await event(c, 'chain.tx_unconfirmed', (e) => e.txid === payTxid, from);
      await event(c, 'chain.outpoint_unspent', (e) => e.formerSpendingTxid === out.txid && e.reason === 'reorg', from);
      await event(c, 'chain.script_unconfirmed', (e) => e.txid === payTxid && e.reason === 'reorg', from);
      await event(c, 'chain.script_unconfirmed', (e) => e.txid === out.txid, from);
      const disconnected = c.events.slice(from).filter((e) => e.type === 'chain.block_disconnected').map((e) => (e as { hash: string }).hash);
      expect(disconnected).toEqual([spendBlock, payBlock]);
      // Back in the mempool: seen there again.
      await event(c, 'chain.outpoint_spent', (e) => e.spendingTxid === out.txid && e.status.kind === 'mempool', from);
      await event(c, 'chain.script_paid', (e) => e.txid === payTxid && e.status.kind === 'mempool', from);
      expect(c.chain.tracker.view(txWatch)).toMatchObject({ confirmations: 0 });
      expect(c.chain.tracker.view(coinWatch)).toMatchObject({ spender: { txid: out.txid, status: { kind: 'mempool' } } });

      // reconsiderblock: the same blocks come back.
      from = c.events.length;
      await h.btcd.rpc('reconsiderblock', [payBlock]);
      expect(await event(c, 'chain.tx_confirmed', (e) => e.txid === payTxid, from)).toMatchObject({ blockHash: payBlock });
      expect(await event(c, 'chain.outpoint_spent', (e) => e.status.kind === 'confirmed', from)).toMatchObject({ spendingTxid: out.txid, status: { blockHash: spendBlock } });

      // A longer competing chain: invalidate again and mine three blocks on the fork; btcd puts
      // the mempool transactions in them, so they confirm in other blocks.
      await h.btcd.rpc('invalidateblock', [payBlock]);
      await event(c, 'chain.tx_unconfirmed', (e) => e.txid === payTxid, from);
      from = c.events.length;
      const fork = await h.btcd.mine(3);
      await h.btcd.rpc('reconsiderblock', [payBlock]); // the old branch is shorter now: it stays out
      expect(await h.btcd.rpc<string>('getbestblockhash')).toBe(fork[2]);
      const again = await event(c, 'chain.tx_confirmed', (e) => e.txid === payTxid, from);
      expect(fork).toContain(again.blockHash);
      await event(c, 'chain.outpoint_spent', (e) => e.spendingTxid === out.txid && e.status.kind === 'confirmed', from);
      await synced(c, h.btcd);
      expect(c.chain.tracker.view(scriptWatch)).toMatchObject({ txs: [{ txid: payTxid, status: { kind: 'confirmed' } }, { txid: out.txid, status: { kind: 'confirmed' } }] });
      await c.stop();
    });

    it('resumes from the persisted tip after a restart (a new tracker on the same SQLite file)', async () => {
      const first = track(openChain(h.source()));
      await synced(first, h.btcd);
      const k = key(`${kind} restart`);
      const watch = first.chain.tracker.watchScript({ script: k.scriptHex, heightHint: first.chain.tracker.tip!.height + 1 }, 'test').id;
      const tip = first.chain.tracker.tip!;
      await first.stop();

      const txid = await h.btcd.fund(k.address, 30_000n);
      const mined = await h.btcd.mine(2);
      const second = track(openChain(h.source(), { path: first.path }));
      expect(second.chain.tracker.tip).toEqual(tip);
      await synced(second, h.btcd);
      const connected = second.events.filter((e) => e.type === 'chain.block_connected').map((e) => (e as { height: number }).height);
      expect(connected[0]).toBe(tip.height + 1);
      expect(connected).toEqual(Array.from({ length: (await h.btcd.height()) - tip.height }, (_, i) => tip.height + 1 + i));
      expect(await event(second, 'chain.script_paid', (e) => e.txid === txid && e.status.kind === 'confirmed')).toMatchObject({ watchId: watch, status: { blockHash: mined[0] } });
      await second.stop();
    });

    it('finds the history of a watch registered late, from its height hint', async () => {
      const k = key(`${kind} late`);
      const pay = await h.btcd.fund(k.address, 40_000n);
      const [payBlock] = await h.btcd.mine(1);
      const payHeight = await h.btcd.height();
      const coin = await utxoOf(h.btcd, pay, k.script);
      const out = spend(k, coin, [{ script: key('elsewhere').script, value: 39_000n }]);
      await h.btcd.rpc('sendrawtransaction', [out.hex]);
      await h.btcd.mine(3);
      const c = track(openChain(h.source()));
      await synced(c, h.btcd);
      const id = c.chain.sync.watch({ kind: 'script', script: k.scriptHex, heightHint: payHeight - 2 }, 'test');
      expect(await event(c, 'chain.script_paid', (e) => e.txid === pay)).toMatchObject({ watchId: id, status: { kind: 'confirmed', height: payHeight, blockHash: payBlock } });
      expect(await event(c, 'chain.script_spent', (e) => e.txid === out.txid)).toMatchObject({ inputs: [{ outpoint: `${pay}:${coin.vout}`, valueSat: 40_000n }], status: { height: payHeight + 1 } });
      if (kind === 'bitcoind-rpc') await event(c, 'chain.rescan_finished');
      await c.stop();
    });

    it('broadcasts with typed outcomes: accepted, already known, conflict, insufficient fee, non-standard, already confirmed', async () => {
      const c = track(openChain(h.source()));
      await synced(c, h.btcd);
      const k = key(`${kind} broadcast`);
      const dest = key(`${kind} broadcast dest`);
      const funded = await h.btcd.fund(k.address, 100_000n);
      await h.btcd.mine(1);
      const coin = await utxoOf(h.btcd, funded, k.script);

      const first = spend(k, coin, [{ script: dest.script, value: 99_000n }]);
      expect(await c.chain.sync.broadcast(first.raw)).toEqual({ txid: first.txid, outcome: { kind: 'accepted' } });
      expect((await c.chain.sync.broadcast(first.raw)).outcome.kind).toBe('already_known');
      expect(await h.btcd.rpc<string[]>('getrawmempool')).toContain(first.txid);

      const double = spend(k, coin, [{ script: key('thief').script, value: 98_000n }]);
      expect((await c.chain.sync.broadcast(double.raw)).outcome).toMatchObject({ kind: 'conflict' });

      // Spending the unconfirmed output with no fee: btcd wants a fee (or priority, which an
      // unconfirmed coin does not have).
      const child = spend(dest, { txid: first.txid, vout: 0, value: 99_000n }, [{ script: k.script, value: 99_000n }]);
      expect((await c.chain.sync.broadcast(child.raw)).outcome).toMatchObject({ kind: 'insufficient_fee' });

      const dust = spend(dest, { txid: first.txid, vout: 0, value: 99_000n }, [{ script: k.script, value: 90_000n }, { script: key('dust').script, value: 100n }]);
      expect((await c.chain.sync.broadcast(dust.raw)).outcome).toMatchObject({ kind: 'non_standard' });

      const [block] = await h.btcd.mine(1);
      expect(await event(c, 'chain.tx_confirmed', (e) => e.txid === first.txid)).toMatchObject({ blockHash: block });
      expect((await c.chain.sync.broadcast(first.raw)).outcome.kind).toBe('already_confirmed');
      // The double spend, now that the first is in a block: its input is spent.
      expect((await c.chain.sync.broadcast(double.raw)).outcome.kind).toBe('conflict');
      expect(c.chain.own.view(first.txid)).toMatchObject({ state: 'confirmed' });
      expect(c.chain.own.view(double.txid)).toMatchObject({ state: 'conflicted', conflictingTxid: first.txid });
      expect(c.events.filter((e) => e.type === 'chain.broadcast').length).toBeGreaterThanOrEqual(7);
      await c.stop();
    });

    it("uses the source's estimate once btcd has seen transactions mined, never below the floor", async () => {
      const c = track(openChain(h.source()));
      await synced(c, h.btcd);
      const e = c.chain.sync.feeEstimate(6);
      expect(e.origin).toBe('source');
      expect(e.satPerKw).toBeGreaterThanOrEqual(253);
      await c.stop();
    });
  });
  return h;
}
