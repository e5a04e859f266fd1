/**
 * Public channels and routing over the gossip graph (issue 15 items 2 and 5, issue 14 item 1):
 * three `glasswing daemon` processes on btcd, A — B — C. A opens a private channel to B; B opens
 * a public one to C (`openchannel --public`). At six confirmations B and C exchange
 * announcement_signatures, build the channel_announcement and broadcast it with their
 * channel_updates and node_announcements; A learns the B–C channel from B's gossip alone. C's
 * invoice carries no route hint for its public channel, so A's payment finds its route in the
 * graph, naming the channel by its real short_channel_id, and B forwards it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DecodeResult, FundChannelResult, GraphChannelInfo, NodeApi, PaymentInfo } from '../../core/api';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { connected, openToMempool } from '../support/chain-daemons';
import { deposit, rpcFlags, startWalletNode, synced, type WalletNode } from '../support/wallet-node';

let btcd: Btcd;
let a: WalletNode;
let b: WalletNode;
let c: WalletNode;

async function mine(n: number): Promise<void> {
  await btcd.mine(n);
  for (const node of [a, b, c]) await synced(node.api, btcd, 30_000 + n * 500);
}

const open = (x: WalletNode, y: WalletNode, ...flags: string[]): Promise<FundChannelResult> => openToMempool(btcd, x, y, ...flags);

async function graphChannel(api: NodeApi, check: (c: GraphChannelInfo) => boolean, what: string): Promise<GraphChannelInfo> {
  return await waitFor(async () => (await api.listGraphChannels({})).channels.find(check), what, 60_000);
}

beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
  const args = [...rpcFlags(btcd), '--gossip-flush-ms', '300'];
  [a, b, c] = await Promise.all([startWalletNode(btcd, { args }), startWalletNode(btcd, { args }), startWalletNode(btcd, { args })]);
  for (const n of [a, b, c]) await synced(n.api, btcd);
  await deposit(a, btcd, 2_000_000n);
  await deposit(b, btcd, 2_000_000n);
  for (const n of [a, b, c]) await synced(n.api, btcd);
}, 180_000);

describe('a public channel announced and used for routing', () => {
  let bc: FundChannelResult;
  let scid: string;

  it('B and C announce their public channel at six confirmations; A learns it from gossip only', async () => {
    await connected(a, b);
    await connected(b, c);
    // B gets some of it, to forward towards A later.
    const ab = await open(a, b, '--private', '--push-msat', '200000000');
    // C gets some of the channel, to pay with later.
    bc = await open(b, c, '--public', '--push-msat', '200000000');
    await mine(6);
    for (const [n, id] of [[a, ab.channelId], [b, ab.channelId], [b, bc.channelId], [c, bc.channelId]] as const) {
      await waitFor(async () => ((await n.api.listChannels({})).channels.find((x) => x.channelId === id)?.state === 'active' ? true : undefined), 'active', 60_000);
    }
    scid = (await b.api.listChannels({})).channels.find((x) => x.channelId === bc.channelId)!.shortChannelId!;
    // Both ends' updates, on A, which never talked to C and holds no hint.
    const seen = await graphChannel(a.api, (x) => x.shortChannelId === scid && x.policies.every((p) => p !== null), 'the B–C channel with both updates on A');
    expect([seen.nodeId1, seen.nodeId2].sort()).toEqual([b.daemon.nodeId, c.daemon.nodeId].sort());
    expect(seen.capacitySat).toBe('600000');
    // The private A–B channel is not in anyone's graph.
    expect((await b.api.listGraphChannels({})).channels.map((x) => x.shortChannelId)).toEqual([scid]);
    // B's and C's node_announcements reached A.
    const nodes = await waitFor(async () => {
      const list = (await a.api.listNodes({})).nodes;
      return list.filter((n) => n.alias !== null).length === 2 ? list : undefined;
    }, 'both node announcements on A');
    expect(nodes.map((n) => n.nodeId).sort()).toEqual([b.daemon.nodeId, c.daemon.nodeId].sort());
    expect(nodes.every((n) => n.addresses.length === 1)).toBe(true);
  }, 180_000);

  it('C\'s invoice has no hint for its public channel; A pays it over the graph through B', async () => {
    const inv = (await c.cli('invoice', '70000', 'over the graph')).json as { bolt11: string };
    const decoded = (await a.api.decode({ string: inv.bolt11 })) as DecodeResult & { route_hints?: unknown };
    expect(JSON.stringify(decoded)).not.toContain('route_hints');
    const route = await a.cli('getroute', c.daemon.nodeId, '70000');
    expect(route.code, route.stderr).toBe(0);
    expect((route.json as { hops: { shortChannelId: string }[] }).hops[1]!.shortChannelId).toBe(scid);
    const r = await a.cli('pay', inv.bolt11, '--max-fee-msat', '5000');
    expect(r.code, r.stderr).toBe(0);
    const paid = r.json as PaymentInfo;
    expect(paid.status).toBe('succeeded');
    expect(paid.parts[0]!.route.map((h) => h.nodeId)).toEqual([b.daemon.nodeId, c.daemon.nodeId]);
    expect(paid.parts[0]!.route[1]!.shortChannelId).toBe(scid);
    // B's fee is its channel_update's (the default policy: 1,000 msat + 100 ppm).
    expect(paid.feeMsat).toBe((1_000n + (70_000n * 100n) / 1_000_000n).toString());
  }, 120_000);

  it('B changes its forwarding policy: its new channel_update reaches A, and A pays the new fee', async () => {
    const set = await b.cli('forwardingpolicy', '--base-msat', '3000', '--ppm', '200', '--cltv-delta', '48');
    expect(set.code, set.stderr).toBe(0);
    expect(set.json).toEqual({ feeBaseMsat: '3000', feeProportionalMillionths: '200', cltvExpiryDelta: 48 });
    const bIs1 = b.daemon.nodeId < c.daemon.nodeId;
    const seen = await graphChannel(a.api, (x) => x.shortChannelId === scid && x.policies[bIs1 ? 0 : 1]?.feeBaseMsat === '3000', 'B\'s new update on A');
    expect(seen.policies[bIs1 ? 0 : 1]).toMatchObject({ feeProportionalMillionths: '200', cltvExpiryDelta: 48, disabled: false });
    const inv = (await c.cli('invoice', '70000', 'new fee')).json as { bolt11: string };
    const r = await a.cli('pay', inv.bolt11, '--max-fee-msat', '5000');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ status: 'succeeded', feeMsat: (3_000n + (70_000n * 200n) / 1_000_000n).toString() });
    // Saved: a restart of B keeps it.
    await b.daemon.stop();
    b = { ...b, api: await (async () => { await b.daemon.start(); return await b.daemon.api(); })() };
    expect(await b.api.getForwardingPolicy({})).toEqual({ feeBaseMsat: '3000', feeProportionalMillionths: '200', cltvExpiryDelta: 48 });
  }, 120_000);

  it('a stale route hint: B refuses with fee_insufficient and its channel_update, C retries with the new fee', async () => {
    // B is back (on a new port: A dials it again; B redials C): both its channels active again.
    await connected(a, b);
    for (const [n, peer] of [[a, b], [c, b]] as const) {
      await waitFor(async () => ((await n.api.listChannels({})).channels.find((x) => x.peer === peer.daemon.nodeId)?.state === 'active' ? true : undefined), 'active again', 60_000);
    }
    // A's invoice names its private channel with B by the policy B's own channel_update told A.
    const hinted = async () => {
      const inv = (await a.cli('invoice', '20000', 'stale hint')).json as { bolt11: string };
      type Hop = { fee_base_msat: number; fee_proportional_millionths: number; cltv_expiry_delta: number };
      const d = (await a.api.decode({ string: inv.bolt11 })) as unknown as { bolt11: { fields: { route_hints?: Hop[][] } } };
      const hop = d.bolt11.fields.route_hints?.[0]?.[0];
      return hop && hop.fee_base_msat === 3000 ? { bolt11: inv.bolt11, hop } : undefined;
    };
    const stale = await waitFor(hinted, 'A\'s hint with B\'s policy (from B\'s channel_update)', 30_000);
    expect(stale.hop).toMatchObject({ fee_base_msat: 3000, fee_proportional_millionths: 200, cltv_expiry_delta: 48 });
    // B raises its fee after the invoice was made: the hint is stale.
    expect((await b.cli('forwardingpolicy', '--base-msat', '5000', '--ppm', '300')).code).toBe(0);
    const r = await c.cli('pay', stale.bolt11, '--max-fee-msat', '10000');
    expect(r.code, r.stderr).toBe(0);
    const paid = r.json as PaymentInfo;
    expect(paid).toMatchObject({ status: 'succeeded', feeMsat: (5_000n + (20_000n * 300n) / 1_000_000n).toString() });
    const failed = paid.parts.filter((p) => p.failure !== null);
    expect(failed.map((p) => p.failure!.code)).toEqual(['fee_insufficient']);
    expect(failed[0]!.failure!.erringNode).toBe(b.daemon.nodeId);
    expect(failed[0]!.failure!.message).toContain('retrying with its newer channel_update');
  }, 120_000);

  it('C sets the addresses it announces: its new node_announcement carries them, in BOLT 7 order, to A', async () => {
    const wanted = ['c.example.com:9736', '[2001:db8::5]:9735', '203.0.113.5:9735'];
    const set = await c.cli('settings', '--announce-addr', wanted.join(','));
    expect(set.code, set.stderr).toBe(0);
    const ordered = ['203.0.113.5:9735', '[2001:db8::5]:9735', 'c.example.com:9736'];
    expect(set.json).toMatchObject({ announceAddresses: wanted, announcedAddresses: ordered });
    await waitFor(async () => ((await a.api.listNodes({})).nodes.find((n) => n.nodeId === c.daemon.nodeId)?.addresses.join(',') === ordered.join(',') ? true : undefined), 'C\'s new addresses on A', 60_000);
    // A bad one changes nothing, and says which.
    const bad = await c.cli('settings', '--announce-addr', '203.0.113.5:9735,nope.onion:1');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('[1]');
    expect((await c.api.getSettings({})).announceAddresses).toEqual(wanted);
  }, 120_000);

  it('B and C close their channel: A sees its funding spent in the block that confirms the close and routes over it no more', async () => {
    const closed = await b.cli('closechannel', bc.channelId);
    expect(closed.code, closed.stderr).toBe(0);
    await waitFor(async () => ((await btcd.rpc<string[]>('getrawmempool')).length > 0 ? true : undefined), 'the closing transaction in the mempool', 60_000);
    await mine(1);
    const height = (await a.api.getInfo({})).chain.height!;
    const seen = await graphChannel(a.api, (x) => x.shortChannelId === scid && x.spentAtHeight !== null, 'the B–C channel spent on A');
    expect(seen.spentAtHeight).toBe(height);
    const route = await a.cli('getroute', c.daemon.nodeId, '70000');
    expect(route.code).not.toBe(0);
  }, 120_000);
});
