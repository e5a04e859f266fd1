/**
 * A node on Esplora stops routing over a public channel closed on chain (issue 15): three
 * `glasswing daemon`s on btcd, A on the Esplora-shaped server of test/support/esplora.ts (filtered
 * mode: headers only, no block fetched), B and C on btcd's JSON-RPC. A —private— B —public— C: A
 * learns B–C from gossip (its chain reaching the announcement's depth while the lookup is on its
 * way), routes over it and pays over it (its channel is checked for a close at once); B closes it
 * cooperatively; A finds the funding output
 * spent through `/tx/:txid/outspend/:vout` (BOLT 7: "SHOULD monitor the funding transactions in the
 * blockchain, to identify channels that are being closed"), marks the channel spent at the close's
 * height and finds no route to C any more — without asking for a block (nor for its own channel's
 * short_channel_id: the funding's Merkle proof gives its position).
 */
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { FundChannelResult, RouteInfoResult } from '../../core/api';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { connected, openToMempool } from '../support/chain-daemons';
import { startEsplora, type EsploraShim } from '../support/esplora';
import { mempoolSpenders, deposit, rpcFlags, startWalletNode, synced, type WalletNode } from '../support/wallet-node';

let btcd: Btcd;
let shim: EsploraShim;
let a: WalletNode;
let b: WalletNode;
let c: WalletNode;

async function mine(n: number): Promise<void> {
  await btcd.mine(n);
  for (const node of [a, b, c]) await synced(node.api, btcd, 30_000 + n * 500);
}

const open = (x: WalletNode, y: WalletNode, ...flags: string[]): Promise<FundChannelResult> => openToMempool(btcd, x, y, ...flags);

beforeAll(async () => {
  btcd = await startBtcd();
  shim = await startEsplora(btcd);
  await btcd.mine(101);
  const rpc = [...rpcFlags(btcd), '--gossip-flush-ms', '300'];
  [a, b, c] = await Promise.all([
    startWalletNode(btcd, { args: ['--chain', 'esplora', '--esplora-url', shim.url, '--gossip-flush-ms', '300'] }),
    startWalletNode(btcd, { args: rpc }),
    startWalletNode(btcd, { args: rpc }),
  ]);
  for (const n of [a, b, c]) await synced(n.api, btcd);
  await deposit(a, btcd, 2_000_000n);
  await deposit(b, btcd, 2_000_000n);
  for (const n of [a, b, c]) await synced(n.api, btcd);
}, 180_000);

afterAll(async () => {
  await Promise.all([a, b, c].map((n) => n?.daemon.stop()));
  await shim?.close();
});

describe('a public channel closed on chain, on a node that follows Esplora', () => {
  let bc: FundChannelResult;
  let scid = '';

  it('is learned from gossip and routed over', async () => {
    await connected(a, b);
    await connected(b, c);
    const ab = await open(a, b, '--private');
    bc = await open(b, c, '--public');
    await mine(3);
    // A's chain stops three blocks above the funding (the Esplora server's tip is held), and A's
    // check of B–C's position waits at its Merkle proof: B and C announce B–C at their sixth
    // confirmation, A looks it up with three, and its chain reaches the height that gives five
    // while that answer is on its way. (Under load this can happen by itself — A's chain, blocks
    // behind B's, catching up during a slow lookup — and the answer then waited for a block that
    // never came: A never took the channel. Now it is asked again at once.)
    const hold = await shim.holdTip();
    const proof = shim.gate((path) => path === `/tx/${bc.fundingTxid}/merkle-proof`);
    await btcd.mine(3);
    for (const n of [b, c]) await synced(n.api, btcd);
    await waitFor(() => (proof.waiting() > 0 ? true : undefined), 'A\'s lookup of B–C at its Merkle proof', 60_000);
    hold.release();
    await synced(a.api, btcd);
    proof.release();
    for (const [n, id] of [[a, ab.channelId], [b, ab.channelId], [b, bc.channelId], [c, bc.channelId]] as const) {
      await waitFor(async () => ((await n.api.listChannels({})).channels.find((x) => x.channelId === id)?.state === 'active' ? true : undefined), 'active', 60_000);
    }
    // A found its own channel's short_channel_id from the funding's Merkle proof (checked against the header), as B
    // did from the whole block: the same id, and no block fetched.
    const abScid = async (n: WalletNode) => (await n.api.listChannels({})).channels.find((x) => x.channelId === ab.channelId)!.shortChannelId;
    expect(await abScid(a)).toBe(await abScid(b));
    expect(shim.requests.get('/tx/:txid/merkle-proof') ?? 0).toBeGreaterThan(0);
    expect(shim.requests.get('/block/:hash/raw') ?? 0).toBe(0);
    scid = (await b.api.listChannels({})).channels.find((x) => x.channelId === bc.channelId)!.shortChannelId!;
    await waitFor(async () => (await a.api.listGraphChannels({})).channels.find((x) => x.shortChannelId === scid && x.policies.every((p) => p !== null)),
      'the B–C channel with both updates on A', 60_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\nA's graph: ${JSON.stringify((await a.api.listGraphChannels({})).channels)}\nA's gossip: ${JSON.stringify(await a.api.gossipInfo({}))}\nA's log: ${a.daemon.logs.filter((l) => /gossip|funding/.test(l)).slice(-15).join('\n')}\nEsplora test server's failures (${shim.requests.get('5xx') ?? 0}): ${shim.errors.join('\n')}`);
    });
    const route = await a.cli('getroute', c.daemon.nodeId, '70000');
    expect(route.code, route.stderr).toBe(0);
    expect((route.json as RouteInfoResult).hops.map((h) => h.shortChannelId)[1]).toBe(scid);
    // A payment over it: the channels of its route are asked about at once (the rotation asks
    // once per block, and no block comes meanwhile; A's chain watches ask about A–B only).
    const bcOutspends = () => shim.requests.get(`outspend ${bc.fundingTxid}:${bc.fundingOutputIndex}`) ?? 0;
    const asked = bcOutspends();
    const inv = (await c.cli('invoice', '70000', 'over B–C')).json as { bolt11: string };
    const paid = await a.cli('pay', inv.bolt11, '--max-fee-msat', '5000');
    expect(paid.code, paid.stderr).toBe(0);
    expect(paid.json).toMatchObject({ status: 'succeeded' });
    await waitFor(() => (bcOutspends() > asked ? true : undefined), 'the route\'s channel asked about');
  }, 180_000);

  it('is marked spent at the close\'s height and no longer routed over, with no block fetched', async () => {
    // (A fetched one block for its own channel's short_channel_id, core/runtime/channel/chain-port.ts; none since.)
    const blocksBefore = shim.requests.get('/block/:hash/raw') ?? 0;
    const outspendsBefore = shim.requests.get(`outspend ${bc.fundingTxid}:${bc.fundingOutputIndex}`) ?? 0;
    const closed = await b.cli('closechannel', bc.channelId);
    expect(closed.code, closed.stderr).toBe(0);
    await waitFor(async () => ((await mempoolSpenders(btcd, `${bc.fundingTxid}:${bc.fundingOutputIndex}`)).length > 0 ? true : undefined), 'the closing transaction in the mempool', 60_000);
    const closeHeight = (await btcd.height()) + 1;
    await mine(1);
    const spent = await waitFor(async () => (await a.api.listGraphChannels({})).channels.find((x) => x.shortChannelId === scid && x.spentAtHeight !== null), 'the B–C channel spent on A');
    expect(spent.spentAtHeight).toBe(closeHeight);
    const none = await a.cli('getroute', c.daemon.nodeId, '70000');
    expect(none.code).toBe(1);
    expect(none.json).toMatchObject({ error: { code: 'routing.no_route' } });
    expect(shim.requests.get(`outspend ${bc.fundingTxid}:${bc.fundingOutputIndex}`) ?? 0).toBeGreaterThan(outspendsBefore);
    // gossipinfo shows the checks on the Esplora node (the payment's route asked for one at least), none on a JSON-RPC node.
    const info = await a.cli('gossipinfo');
    expect(info.code, info.stderr).toBe(0);
    expect((info.json as { spendChecks: { asked: number } | null }).spendChecks?.asked).toBeGreaterThan(0);
    expect((await b.api.gossipInfo({})).spendChecks).toBeNull();
    expect(shim.requests.get('/block/:hash/raw') ?? 0).toBe(blocksBefore);
  }, 120_000);
});
