/**
 * A chain source that is down, answers garbage or never answers: a typed ChainSourceError in the
 * sync state ("out of sync since T: reason"), retries with growing delays, the tracker keeps what
 * it has (views, watches), and recovery when the source comes back — for both sources, with a
 * real btcd stopped and started again on the same ports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainSource } from '../../core/chain';
import { BitcoindRpcSource, EsploraSource, type ChainSyncState, chainClock } from '../../core/runtime/chain';
import { SystemClock } from '../../core/runtime/clock';
import { freePort } from '../../scripts/regtest/btcd';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { startBadServer, startEsplora, startTcpProxy, type EsploraShim } from '../support/esplora';
import { event, key, openChain, spend, synced, utxoOf, type ChainUnderTest } from './chain-support';

let btcd: Btcd;
let shim: EsploraShim;
const open: ChainUnderTest[] = [];

beforeAll(async () => {
  btcd = await startBtcd();
  shim = await startEsplora(btcd);
  await btcd.mine(101);
});

afterAll(async () => {
  for (const c of open) await c.stop().catch(() => undefined);
  await shim.close();
});

function track(c: ChainUnderTest): ChainUnderTest {
  open.push(c);
  return c;
}

type OutOfSync = Extract<ChainSyncState, { state: 'out_of_sync' }>;

async function outOfSync(c: ChainUnderTest, code: string, attempts = 2): Promise<OutOfSync> {
  return await waitFor(() => {
    const s = c.chain.sync.state;
    return s.state === 'out_of_sync' && s.reason.code === code && s.attempts >= attempts ? s : undefined;
  }, `out of sync with ${code} after ${attempts} attempts`);
}

function rpc(url: string, timeoutMs = 10_000): ChainSource {
  return new BitcoindRpcSource({ url, clock: chainClock(new SystemClock()), timeoutMs });
}

function esplora(url: string, timeoutMs = 10_000): ChainSource {
  return new EsploraSource({ url, clock: chainClock(new SystemClock()), timeoutMs });
}

describe('a dead or lying chain source', () => {
  it('btcd behind a proxy goes away: unreachable, backoff, the tracker keeps its state; it comes back: in sync, blocks mined meanwhile connected', async () => {
    const proxy = await startTcpProxy(btcd.rpcPort);
    const c = track(openChain(rpc(btcd.rpcUrl.replace(`:${btcd.rpcPort}`, `:${proxy.port}`))));
    await synced(c, btcd);
    const k = key('dead rpc');
    const { id } = c.chain.tracker.watchScript({ script: k.scriptHex, heightHint: c.chain.tracker.tip!.height + 1 }, 'test');
    const tip = c.chain.tracker.tip!;
    await proxy.pause();

    const first = await outOfSync(c, 'chain.source.unreachable', 1);
    const later = await outOfSync(c, 'chain.source.unreachable', 4);
    expect(later.since).toBe(first.since);
    expect(later.height).toBe(tip.height);
    // The delays grow: 50, 100, 200, 400 ms (no jitter in this test).
    expect(later.retryAt - first.retryAt).toBeGreaterThanOrEqual(50 + 100 + 200);
    expect(c.events.some((e) => e.type === 'chain.sync_state' && e.sync.state === 'out_of_sync')).toBe(true);
    // The tracker still serves what it has, and takes new watches.
    expect(c.chain.tracker.view(id)).toMatchObject({ txs: [] });
    expect(() => c.chain.tracker.watchTransaction({ txid: 'ab'.repeat(32), depth: 1, heightHint: 0 }, 'test')).not.toThrow();
    expect(c.chain.tracker.tip).toEqual(tip);

    const txid = await btcd.fund(k.address, 20_000n);
    await btcd.mine(2);
    await proxy.resume();
    await synced(c, btcd);
    expect(c.chain.sync.state).toMatchObject({ state: 'in_sync', height: tip.height + 2 });
    expect(c.chain.tracker.view(id)).toMatchObject({ txs: [{ txid, status: { kind: 'confirmed', height: tip.height + 1 } }] });
    await c.stop();
    await proxy.close();
  });

  it('keeps a transaction broadcast while the source is down and rebroadcasts it until it confirms', async () => {
    const proxy = await startTcpProxy(btcd.rpcPort);
    const c = track(openChain(rpc(btcd.rpcUrl.replace(`:${btcd.rpcPort}`, `:${proxy.port}`)), { rebroadcastIntervalMs: 200 }));
    await synced(c, btcd);
    const k = key('rebroadcast');
    const coin = await utxoOf(btcd, await btcd.fund(k.address, 50_000n), k.script);
    await btcd.mine(1);
    await synced(c, btcd);
    await proxy.pause();
    const tx = spend(k, coin, [{ script: key('rebroadcast dest').script, value: 49_000n }]);
    const sent = await c.chain.sync.broadcast(tx.raw);
    expect(sent.outcome.kind).toBe('source_down');
    expect(c.chain.own.view(tx.txid)).toMatchObject({ state: 'pending', attempts: 1 });
    await proxy.resume();
    const again = await event(c, 'chain.broadcast', (e) => e.txid === tx.txid && e.rebroadcast && e.outcome.kind === 'accepted');
    expect(again.attempt).toBeGreaterThanOrEqual(2);
    expect(await btcd.rpc<string[]>('getrawmempool')).toContain(tx.txid);
    await btcd.mine(6);
    expect(await event(c, 'chain.own_tx_settled', (e) => e.txid === tx.txid)).toMatchObject({ result: 'confirmed' });
    expect(c.chain.own.list()).toEqual([]);
    await c.stop();
    await proxy.close();
  });

  it('btcd stopped and started again (btcd starts regtest afresh): unreachable meanwhile, then the tracker follows the new chain from genesis', async () => {
    const c = track(openChain(rpc(btcd.rpcUrl), { maxReorgDepth: 1_000 }));
    await synced(c, btcd);
    const tip = c.chain.tracker.tip!;
    const { dir, rpcPort, p2pPort } = btcd;
    await btcd.stop();
    await outOfSync(c, 'chain.source.unreachable', 2);
    btcd = await startBtcd({ dir, rpcPort, p2pPort });
    const fresh = await btcd.mine(3);
    await synced(c, btcd);
    const reorg = c.events.find((e) => e.type === 'chain.reorg');
    expect(reorg).toMatchObject({ forkHeight: 0, depth: tip.height });
    expect(c.chain.tracker.tip).toMatchObject({ height: 3, hash: fresh[2] });
    await c.stop();
  });

  it('btcd restarted with a chain deeper than maxReorgDepth: halted, or (regtest, resetOnDeepReorg) started over, forgetting what the old chain held', async () => {
    await btcd.mine(30);
    const k = key('restart reset');
    const payment = await btcd.fund(k.address, 10_000n);
    await btcd.mine(1);
    const halting = track(openChain(rpc(btcd.rpcUrl)));
    const resetting = track(openChain(rpc(btcd.rpcUrl), { resetOnDeepReorg: true }));
    const watches = [halting, resetting].map((c) => c.chain.tracker.watchScript({ script: k.scriptHex, heightHint: 0 }, 'test').id);
    for (const c of [halting, resetting]) await event(c, 'chain.script_paid', (e) => e.txid === payment && e.status.kind === 'confirmed');
    const { dir, rpcPort, p2pPort } = btcd;
    await btcd.stop();
    btcd = await startBtcd({ dir, rpcPort, p2pPort });
    const fresh = await btcd.mine(2);
    await waitFor(() => (halting.chain.sync.state.state === 'halted' ? true : undefined), 'the tracker to halt');
    expect(halting.chain.sync.state).toMatchObject({ state: 'halted', reason: { code: 'chain.reorg_too_deep' } });
    expect(halting.events.some((e) => e.type === 'chain.reorg_too_deep')).toBe(true);
    await synced(resetting, btcd);
    expect(resetting.chain.tracker.tip?.hash).toBe(fresh[1]);
    await event(resetting, 'chain.script_unconfirmed', (e) => e.txid === payment && e.reason === 'reorg');
    expect(resetting.chain.tracker.view(watches[1]!)).toMatchObject({ txs: [] });
    await halting.stop();
    await resetting.stop();
  });

  it('the Esplora server down: unreachable and backoff; back on the same port: in sync again', async () => {
    const c = track(openChain(esplora(shim.url)));
    await synced(c, btcd);
    const port = shim.port;
    await shim.close();
    await outOfSync(c, 'chain.source.unreachable', 3);
    await btcd.mine(1);
    shim = await startEsplora(btcd, { port });
    await synced(c, btcd);
    await c.stop();
  });

  it.each(['rpc', 'esplora'] as const)('%s: nothing listening on the port is chain.source.unreachable', async (kind) => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const c = track(openChain(kind === 'rpc' ? rpc(`http://u:p@${url.slice(7)}`) : esplora(url)));
    const s = await outOfSync(c, 'chain.source.unreachable', 2);
    expect(s.height).toBeNull();
    expect(s.reason.message).not.toContain('u:p');
    await c.stop();
  });

  it.each(['rpc', 'esplora'] as const)('%s: a server answering garbage is chain.source.bad_response', async (kind) => {
    const server = await startBadServer('garbage');
    const c = track(openChain(kind === 'rpc' ? rpc(server.url) : esplora(server.url)));
    await outOfSync(c, 'chain.source.bad_response', 2);
    await c.stop();
    await server.close();
  });

  it.each(['rpc', 'esplora'] as const)('%s: a server that never answers is chain.source.timeout', async (kind) => {
    const server = await startBadServer('silent');
    const c = track(openChain(kind === 'rpc' ? rpc(server.url, 300) : esplora(server.url, 300)));
    await outOfSync(c, 'chain.source.timeout', 2);
    await c.stop();
    await server.close();
  });

  it.each(['rpc', 'esplora'] as const)('%s: a source on another network is chain.source.wrong_network', async (kind) => {
    const c = track(openChain(kind === 'rpc' ? rpc(btcd.rpcUrl) : esplora(shim.url), { network: 'mainnet' }));
    const s = await outOfSync(c, 'chain.source.wrong_network', 1);
    expect(s.reason.message).toContain('regtest');
    await c.stop();
  });

  it('wrong RPC credentials are chain.source.auth', async () => {
    const c = track(openChain(rpc(btcd.rpcUrl.replace(`:${btcd.rpcPass}@`, ':wrong@'))));
    const s = await outOfSync(c, 'chain.source.auth', 1);
    expect(s.reason.message).not.toContain('wrong');
    await c.stop();
  });
});
