/**
 * update_fee edge cases between two of our nodes over loopback TCP, on a real chain (btcd), each with
 * its SQLite file (test/support/channel-service-node.ts):
 * - an unreasonably large update_fee from the funder while its HTLC is in flight: the fundee fails the
 *   channel with `channel.feerate_too_high` (BOLT 2: "MUST send a warning and close the connection, or
 *   send an error and fail the channel"), a commitment at the old feerate goes on chain, the HTLC is
 *   timed out on chain and reported failed upstream, and every satoshi comes back to the two wallets;
 * - an update_fee lost in transit: cut before commitment_signed (forgotten on both sides), and cut after
 *   commitment_signed before the revoke_and_ack reached the funder (retransmitted by channel_reestablish):
 *   both sides end at one feerate, and a force close pays exactly that feerate's fee.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256, utf8 } from '../../core/crypto';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { ServiceNode } from '../support/channel-service-node';

const ONION = new Uint8Array(1366);
const preimage = (n: string) => sha256(utf8.encode(`update_fee test ${n}`));

let btcd: Btcd;
const nodes: ServiceNode[] = [];

beforeAll(async () => {
  btcd = await startBtcd();
});
afterAll(async () => {
  for (const n of nodes) await n.stop();
});

async function node(opts: Parameters<typeof ServiceNode.start>[1] = {}): Promise<ServiceNode> {
  const n = await ServiceNode.start(btcd, { defaults: { toSelfDelay: 12, minimumDepth: 3 }, autoFee: false, ...opts });
  nodes.push(n);
  return n;
}

async function mine(n: number): Promise<void> {
  await btcd.mine(n);
  for (const x of nodes) if (!x.stopped) await x.caughtUp(btcd);
}

/** Mines one block at a time until `check` holds (at most `max` blocks). */
async function mineUntil(check: () => boolean, what: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (check()) return;
    await mine(1);
    await new Promise((r) => setImmediate(r));
  }
  await waitFor(() => (check() ? true : undefined), what, 30_000);
}

async function inMempool(txid: string): Promise<boolean> {
  return (await btcd.rpc<string[]>('getrawmempool', [])).includes(txid);
}

async function openActive(a: ServiceNode, b: ServiceNode, amountSat: bigint, pushMsat: bigint) {
  const opened = await a.channels.fundChannel({ nodeId: b.nodeId, amountSat, pushMsat, feeRateSatVb: 2 });
  await waitFor(async () => ((await inMempool(opened.fundingTxid)) ? true : undefined), 'the funding transaction in the mempool');
  await mine(3);
  const active = (n: ServiceNode) => n.channels.list().find((c) => c.channelId === opened.channelId)?.state === 'active';
  await waitFor(() => (active(a) && active(b) ? true : undefined), 'both links active');
  return opened;
}

function settled(a: ServiceNode, b: ServiceNode, channelId: string): boolean {
  const sa = a.channels.inspect(channelId)!.stored.state;
  const sb = b.channels.inspect(channelId)!.stored.state;
  return sa.changes.length === 0 && sb.changes.length === 0 && !sa.remoteNextCommit && !sb.remoteNextCommit;
}

const stateOf = (n: ServiceNode, id: string) => n.channels.inspect(id)!.stored.state;

describe('update_fee edge cases over real TCP', () => {
  it('fails the channel on an unreasonably large update_fee with an HTLC in flight: typed reason, old feerate on chain, the HTLC timed out and failed back, nothing lost', async () => {
    // The funder lets itself send up to 200,000 sat/kw; the fundee finds anything above 100,000 unreasonable.
    const f = await node({ policy: { maxFeeratePerKw: 200_000 } });
    const r = await node();
    await f.fund(btcd, 3_000_000n);
    await f.connect(r);
    const { channelId: id } = await openActive(f, r, 800_000n, 300_000_000n);
    const fBefore = f.wallet.balance().totalSat;
    const rBefore = r.wallet.balance().totalSat;
    const oldRate = stateOf(f, id).localCommit.spec.feeratePerKw;
    const expiry = (await btcd.height()) + 20;
    f.channels.addHtlc(id, { amountMsat: 100_000_000n, paymentHash: sha256(preimage('absurd')), cltvExpiry: expiry, onionRoutingPacket: ONION });
    await waitFor(() => (settled(f, r, id) && stateOf(r, id).localCommit.spec.htlcs.length === 1 ? true : undefined), 'the HTLC committed');

    f.channels.updateFee(id, 150_000);
    await waitFor(() => (r.channels.list()[0]?.failure?.code === 'channel.feerate_too_high' ? true : undefined), 'the fundee failed the channel');
    expect(r.eventsOf('channel.failed')).toMatchObject([{ code: 'channel.feerate_too_high' }]);
    // BOLT 2: "send an error": the funder got it, with the reason, and failed the channel too.
    await waitFor(() => (f.eventsOf('peer.protocol_message').some((e) => e.direction === 'in' && e.kind === 'error' && String(e.text).includes('channel.feerate_too_high')) ? true : undefined), 'the error at the funder');
    await waitFor(() => (f.channels.list()[0]?.lifecycle === 'force_closing' ? true : undefined), 'the funder force closing');
    // Neither commitment took the absurd rate: it was never committed.
    for (const n of [f, r]) expect(stateOf(n, id).localCommit.spec.feeratePerKw).toBe(oldRate);

    // One of the two commitments confirms (whichever reached the mempool first).
    await mineUntil(() => ['local', 'remote'].includes(String(f.channels.list()[0]?.onChain?.kind)) && ['local', 'remote'].includes(String(r.channels.list()[0]?.onChain?.kind)), 'a commitment confirmed');
    // The HTLC expires and the funder takes it back on chain, and reports it failed upstream.
    await mineUntil(() => f.upstream.some((u) => u.kind === 'htlc_failed'), 'the HTLC failed back upstream', 60);
    expect(f.eventsOf('channel.onchain_htlc')).toMatchObject([{ outcome: 'timed_out' }]);
    await mineUntil(() => f.channels.list()[0]?.lifecycle === 'closed' && r.channels.list()[0]?.lifecycle === 'closed', 'closed on both sides', 60);
    // The funder claimed all of its outputs; the fundee its 300,000 sat. The fundee "lost" only the incoming HTLC it
    // never had the preimage for: the funder's money, which went back to it.
    expect(f.channels.onChainView(id)?.totals).toMatchObject({ pendingSat: '0', lostSat: '0' });
    expect(r.channels.onChainView(id)?.totals).toMatchObject({ claimedSat: '300000', pendingSat: '0', lostSat: '100000' });
    // 500,000 sat of the funder's (its 400,000 and the 100,000-sat HTLC) and the fundee's 300,000 are back,
    // less the fees of the commitment and the sweeps.
    await waitFor(() => (f.wallet.balance().totalSat - fBefore > 480_000n && r.wallet.balance().totalSat - rBefore > 295_000n ? true : undefined), 'both wallets paid', 30_000);
    expect(f.wallet.balance().totalSat - fBefore).toBeLessThanOrEqual(500_000n);
    expect(r.wallet.balance().totalSat - rBefore).toBeLessThanOrEqual(300_000n);
  }, 180_000);

  it('ends at one feerate on both sides when update_fee is lost before commitment_signed, and when the revoke_and_ack is lost after it; a force close pays that rate', async () => {
    // The funder signs only when told (autoCommit off), so the test chooses where the connection is cut.
    const f = await node({ autoCommit: false });
    const r = await node();
    await f.fund(btcd, 2_000_000n);
    await f.connect(r);
    const { channelId: id } = await openActive(f, r, 600_000n, 200_000_000n);
    const oldRate = stateOf(f, id).localCommit.spec.feeratePerKw;
    const active = () => f.channels.list()[0]?.state === 'active' && r.channels.list()[0]?.state === 'active';

    // 1. update_fee reaches the fundee; the connection drops before any commitment_signed covers it.
    f.channels.updateFee(id, 5_000);
    await waitFor(() => (stateOf(r, id).changes.some((c) => c.update.kind === 'fee') ? true : undefined), 'update_fee received');
    f.peers.disconnect(r.nodeId);
    // BOLT 2: "upon disconnection: MUST reverse any uncommitted updates sent by the other side".
    await waitFor(() => (stateOf(r, id).changes.length === 0 ? true : undefined), 'the fundee forgot it');
    await f.connect(r);
    await waitFor(() => (active() ? true : undefined), 'reestablished');
    expect(stateOf(f, id).changes).toEqual([]);
    for (const n of [f, r]) expect(stateOf(n, id).localCommit.spec.feeratePerKw).toBe(oldRate);

    // 2. update_fee and commitment_signed reach the fundee; its revoke_and_ack does not reach the funder.
    f.channels.updateFee(id, 7_000);
    f.channels.commit(id);
    // Cut in the same tick: nothing the fundee answers can have arrived yet.
    expect(stateOf(f, id).remoteNextCommit).not.toBeNull();
    f.peers.disconnect(r.nodeId);
    await waitFor(() => (stateOf(r, id).localCommit.spec.feeratePerKw === 7_000 ? true : undefined), 'the fundee signed for 7,000 sat/kw');
    expect(stateOf(f, id).remoteNextCommit).not.toBeNull();
    await f.connect(r);
    // channel_reestablish: the fundee re-sends its revoke_and_ack (and its commitment_signed); the funder completes.
    await waitFor(() => (active() && settled(f, r, id) && stateOf(f, id).localCommit.spec.feeratePerKw === 7_000 ? true : undefined), 'settled at 7,000 sat/kw');
    for (const n of [f, r]) {
      expect(stateOf(n, id).localCommit.spec.feeratePerKw).toBe(7_000);
      expect(stateOf(n, id).remoteCommit.spec.feeratePerKw).toBe(7_000);
      expect(n.channels.checkLocalSignatures(id)).toEqual({ ok: true });
    }

    // The fundee's commitment pays exactly the agreed fee: BOLT 3 anchors, 1124 weight, no HTLC.
    await f.stop();
    await waitFor(() => (r.channels.list()[0]?.state === 'offline' ? true : undefined), 'the link offline');
    const closed = r.channels.closeChannel({ channelId: id, force: true });
    await waitFor(async () => ((await inMempool(closed.commitmentTxid!)) ? true : undefined), 'the commitment in the mempool');
    // Its one input is the 600,000-sat funding output.
    const tx = await btcd.rpc<{ vout: { value: number }[] }>('getrawtransaction', [closed.commitmentTxid!, 1]);
    const paidOut = tx.vout.reduce((sum, o) => sum + BigInt(Math.round(o.value * 1e8)), 0n);
    expect(600_000n - paidOut).toBe((7_000n * 1124n) / 1000n);
    await mine(1);
  }, 180_000);
});
