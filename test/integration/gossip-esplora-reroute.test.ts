/**
 * A payer on Esplora and channels closed on chain, end to end (issue 15): four `glasswing
 * daemon`s on btcd, A on the Esplora-shaped server of test/support/esplora.ts (filtered mode:
 * headers only), B, C and D on btcd's JSON-RPC. A —private— B, and public B–C, B–D, D–C: A pays C
 * over B–C (the cheaper route) unless it knows better.
 *
 * B relays no gossip during the test (`--gossip-flush-ms` of an hour): A learns the graph by
 * querying B when it connects (BOLT 7 gossip queries, answered at once), and never hears the
 * disabling channel_update B signs when B–C closes — so what A knows of the close comes from the
 * chain alone (BOLT 7: "SHOULD monitor the funding transactions in the blockchain, to identify
 * channels that are being closed").
 *
 * - The close of B–C is mined while the Esplora server's tip lags one block behind its other
 *   answers (`holdTip`): A pays, its first part goes over B–C and B fails it; A asks about that
 *   part's channels at once, hears B–C spent in a block it does not have yet, pays over B–D–C, and
 *   marks B–C spent at the close's height once that block reaches it.
 * - D closes D–C, A's last way to C: A finds it spent and has no route; the close's block is
 *   invalidated (btcd `invalidateblock`): A puts D–C back unspent and routes over it again; mined
 *   again, it is spent again and there is no route.
 */
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { FundChannelResult, PaymentInfo, RouteInfoResult } from '../../core/api';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { connected, openToMempool } from '../support/chain-daemons';
import { startEsplora, type EsploraShim } from '../support/esplora';
import { deposit, mempoolSpenders, rpcFlags, startWalletNode, synced, type WalletNode } from '../support/wallet-node';

/**
 * A learns a spend from Esplora by asking (core/gossip/spend-check.ts: at once after a failure or a
 * hint of the close, else in its rotation at one output a second) once its tip has the block:
 * seconds alone, longer while the whole suite loads the machine (once over 20 s in a full run).
 */
const CHAIN_NEWS_MS = 60_000;

let btcd: Btcd;
let shim: EsploraShim;
let a: WalletNode;
let b: WalletNode;
let c: WalletNode;
let d: WalletNode;

const all = (): WalletNode[] => [a, b, c, d];

async function mine(n: number, nodes: readonly WalletNode[] = all()): Promise<void> {
  await btcd.mine(n);
  for (const node of nodes) await synced(node.api, btcd, 30_000 + n * 500);
}

const scidOf = async (n: WalletNode, channelId: string): Promise<string> =>
  (await n.api.listChannels({})).channels.find((x) => x.channelId === channelId)!.shortChannelId!;

const graphChannel = async (n: WalletNode, scid: string) => (await n.api.listGraphChannels({})).channels.find((x) => x.shortChannelId === scid);

/** A's route to C after its own channel to B (which a route names by B's alias for it: the channel is private). */
async function routeToC(): Promise<string[]> {
  const r = await a.cli('getroute', c.daemon.nodeId, '70000');
  expect(r.code, r.stderr).toBe(0);
  return (r.json as RouteInfoResult).hops.slice(1).map((h) => h.shortChannelId);
}

beforeAll(async () => {
  btcd = await startBtcd();
  shim = await startEsplora(btcd);
  await btcd.mine(101);
  const flush = ['--gossip-flush-ms', '300'];
  [a, b, c, d] = await Promise.all([
    startWalletNode(btcd, { args: ['--chain', 'esplora', '--esplora-url', shim.url, ...flush] }),
    // B's relay queue is flushed once an hour: nothing it accepts or signs reaches A by relay.
    startWalletNode(btcd, { args: [...rpcFlags(btcd), '--gossip-flush-ms', '3600000'] }),
    startWalletNode(btcd, { args: [...rpcFlags(btcd), ...flush] }),
    startWalletNode(btcd, { args: [...rpcFlags(btcd), ...flush] }),
  ]);
  for (const n of all()) await synced(n.api, btcd);
  // B funds two channels: two coins, so the second does not wait for the first's change.
  for (const [n, sat] of [[a, 2_000_000n], [b, 1_000_000n], [b, 1_000_000n], [d, 2_000_000n]] as const) await deposit(n, btcd, sat);
  for (const n of all()) await synced(n.api, btcd);
}, 240_000);

afterAll(async () => {
  await Promise.all(all().map((n) => n?.daemon.stop()));
  await shim?.close();
});

describe('a payer on Esplora and a public channel closed on chain', () => {
  let bc: FundChannelResult;
  let dc: FundChannelResult;
  const scids = { bc: '', bd: '', dc: '' };

  it('learns the public channels from B\'s answers to its queries', async () => {
    await connected(b, c);
    await connected(b, d);
    await connected(d, c);
    bc = await openToMempool(btcd, b, c, '--public');
    const bd = await openToMempool(btcd, b, d, '--public');
    dc = await openToMempool(btcd, d, c, '--public');
    await mine(6);
    const publics = [[b, bc.channelId], [b, bd.channelId], [d, dc.channelId]] as const;
    for (const [n, id] of publics) {
      await waitFor(async () => ((await n.api.listChannels({})).channels.find((x) => x.channelId === id)?.state === 'active' ? true : undefined), 'active', 60_000);
    }
    [scids.bc, scids.bd, scids.dc] = await Promise.all(publics.map(([n, id]) => scidOf(n, id)));
    // B has the three with both updates (announced at 6 confirmations), then A connects and asks B for the graph.
    await waitFor(async () => {
      const chans = (await b.api.listGraphChannels({})).channels;
      return [scids.bc, scids.bd, scids.dc].every((s) => chans.find((x) => x.shortChannelId === s)?.policies.every((p) => p !== null)) ? true : undefined;
    }, 'B\'s graph with the three public channels', 60_000);
    await connected(a, b);
    const ab = await openToMempool(btcd, a, b, '--private');
    await mine(3);
    for (const n of [a, b]) {
      await waitFor(async () => ((await n.api.listChannels({})).channels.find((x) => x.channelId === ab.channelId)?.state === 'active' ? true : undefined), 'A–B active', 60_000);
    }
    await waitFor(async () => {
      const chans = (await a.api.listGraphChannels({})).channels;
      return [scids.bc, scids.bd, scids.dc].every((s) => chans.find((x) => x.shortChannelId === s)?.policies.every((p) => p !== null)) ? true : undefined;
    }, 'A\'s graph with the three public channels and their updates', 60_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\nA's graph: ${JSON.stringify((await a.api.listGraphChannels({})).channels)}\nA's gossip: ${JSON.stringify(await a.api.gossipInfo({}))}`);
    });
    expect(await routeToC()).toEqual([scids.bc]);
  }, 240_000);

  it('pays over another route when its first route\'s channel was closed, and finds the close', async () => {
    const outspends = () => shim.requests.get(`outspend ${bc.fundingTxid}:${bc.fundingOutputIndex}`) ?? 0;
    // The server's tip stays where A is; the close is mined above it.
    const hold = await shim.holdTip();
    const closed = await b.cli('closechannel', bc.channelId);
    expect(closed.code, closed.stderr).toBe(0);
    await waitFor(async () => ((await mempoolSpenders(btcd, `${bc.fundingTxid}:${bc.fundingOutputIndex}`)).length > 0 ? true : undefined), 'the closing transaction in the mempool', 60_000);
    const closeHeight = (await btcd.height()) + 1;
    await mine(1, [b, c, d]);
    // A has not seen that block, nor heard of the close by gossip: B–C is still its best route.
    expect((await a.api.chainInfo({})).tip?.height).toBe(closeHeight - 1);
    expect((await graphChannel(a, scids.bc))?.spentAtHeight).toBeNull();
    expect(await routeToC()).toEqual([scids.bc]);
    const asked = outspends();

    const inv = (await c.cli('invoice', '70000', 'around a closed channel')).json as { bolt11: string };
    const paid = await a.cli('pay', inv.bolt11, '--max-fee-msat', '10000');
    expect(paid.code, paid.stderr).toBe(0);
    expect(paid.json).toMatchObject({ status: 'succeeded' });
    const payment = (await a.api.listPayments({})).payments.find((p) => p.paymentHash === (paid.json as PaymentInfo).paymentHash)!;
    const routes = payment.parts.map((p) => [p.status, p.route.slice(1).map((h) => h.shortChannelId)]);
    // The first part went over B–C and B failed it; the one that succeeded went over B–D–C.
    expect(routes[0]).toEqual(['failed', [scids.bc]]);
    expect(routes.at(-1)).toEqual(['succeeded', [scids.bd, scids.dc]]);
    expect(payment.parts[0]!.failure?.erringNode).toBe(b.daemon.nodeId);
    // The failure had A ask about B–C at once; the answer named a block A lacks: not taken yet.
    await waitFor(() => (outspends() > asked ? true : undefined), 'B–C asked about after the failure');
    expect((await graphChannel(a, scids.bc))?.spentAtHeight).toBeNull();

    // The server's tip moves on: A gets the close's block, asks again and marks B–C spent there.
    hold.release();
    await synced(a.api, btcd);
    const spent = await waitFor(async () => {
      const ch = await graphChannel(a, scids.bc);
      return ch?.spentAtHeight != null ? ch : undefined;
    }, 'B–C spent on A', CHAIN_NEWS_MS);
    expect(spent.spentAtHeight).toBe(closeHeight);
    expect(await routeToC()).toEqual([scids.bd, scids.dc]);
  }, 180_000);

  it('routes over a channel again once its close is reorganised out, and not once it is mined again', async () => {
    // D closes D–C, the last way to C (A's payment memory keeps it off B–C, and B–C is spent anyway).
    const closed = await d.cli('closechannel', dc.channelId);
    expect(closed.code, closed.stderr).toBe(0);
    await waitFor(async () => ((await mempoolSpenders(btcd, `${dc.fundingTxid}:${dc.fundingOutputIndex}`)).length > 0 ? true : undefined), 'D–C\'s close in the mempool', 60_000);
    const closeHeight = (await btcd.height()) + 1;
    await mine(1);
    await waitFor(async () => ((await graphChannel(a, scids.dc))?.spentAtHeight === closeHeight ? true : undefined), 'D–C spent on A', CHAIN_NEWS_MS);
    expect((await a.cli('getroute', c.daemon.nodeId, '70000')).json).toMatchObject({ error: { code: 'routing.no_route' } });
    // The close's block leaves btcd's chain: the spend is gone, the channel is routed over again
    // (BOLT 7 forgets a channel only "once its funding output has been spent").
    await btcd.rpc('invalidateblock', [await btcd.rpc<string>('getblockhash', [closeHeight])]);
    for (const n of all()) await synced(n.api, btcd, 60_000);
    await waitFor(async () => ((await graphChannel(a, scids.dc))?.spentAtHeight === null ? true : undefined), 'D–C unspent again on A', CHAIN_NEWS_MS);
    expect(await routeToC()).toEqual([scids.bd, scids.dc]);
    // B–C's close, in a block below, stays.
    expect((await graphChannel(a, scids.bc))?.spentAtHeight).not.toBeNull();
    // The close is back in btcd's mempool: mined again, at the same height in another block.
    await mine(1);
    await waitFor(async () => ((await graphChannel(a, scids.dc))?.spentAtHeight === closeHeight ? true : undefined), 'D–C spent again on A', CHAIN_NEWS_MS);
    expect((await a.cli('getroute', c.daemon.nodeId, '70000')).json).toMatchObject({ error: { code: 'routing.no_route' } });
  }, 180_000);
});
