/**
 * A closed channel's monitor retired on a real chain (issue 19: a start must not restore every channel
 * ever closed): two channel services on btcd close a channel cooperatively; once the closing
 * transaction is 100 blocks deep (BOLT 5 "irrevocably resolved") the monitor's final view is stored
 * and its chain watches let go, and a restart from the SQLite file lists the closed channel exactly
 * as before (with its depth at the new tip), restoring no monitor for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MONITOR_POLICY } from '../../core/monitor';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { ServiceNode } from '../support/channel-service-node';

let btcd: Btcd;
const nodes: ServiceNode[] = [];

beforeAll(async () => {
  btcd = await startBtcd();
});
afterAll(async () => {
  for (const n of nodes) await n.stop();
});

async function node(): Promise<ServiceNode> {
  const n = await ServiceNode.start(btcd, { defaults: { toSelfDelay: 12, minimumDepth: 3 } });
  nodes.push(n);
  return n;
}

async function mine(n: number): Promise<void> {
  await btcd.mine(n);
  for (const x of nodes) if (!x.stopped) await x.caughtUp(btcd);
}

async function inMempool(txid: string): Promise<boolean> {
  return (await btcd.rpc<string[]>('getrawmempool', [])).includes(txid);
}

function retiredRow(n: ServiceNode, channelId: string): string | null {
  return (n.db.prepare('SELECT retired FROM monitors WHERE channel_id = ?').get(channelId) as { retired: string | null } | undefined)?.retired ?? null;
}

/** The chain watches the channel service still holds on the channel's funding outpoint. */
function fundingWatches(n: ServiceNode, fundingTxid: string, vout: number): unknown[] {
  return n.db.prepare("SELECT owners FROM chain_watches WHERE id = ? AND owners LIKE '%channels%'").all(`outpoint:${fundingTxid}:${vout}`);
}

describe('a closed channel retired on a real chain', () => {
  it('retires the monitor once the close is final, lets its watches go, and lists the same closed channel after a restart', async () => {
    const a0 = await node();
    const b = await node();
    await a0.fund(btcd, 3_000_000n);
    await a0.connect(b);
    const opened = await a0.channels.fundChannel({ nodeId: b.nodeId, amountSat: 500_000n, pushMsat: 50_000_000n, feeRateSatVb: 2 });
    await waitFor(async () => ((await inMempool(opened.fundingTxid)) ? true : undefined), 'the funding transaction in the mempool');
    await mine(3);
    const { channelId } = opened;
    await waitFor(() => (a0.channels.list()[0]?.state === 'active' && b.channels.list()[0]?.state === 'active' ? true : undefined), 'both links active');
    expect(a0.channels.closeChannel({ channelId }).kind).toBe('cooperative');
    const closing = await waitFor(() => a0.eventsOf('channel.closing').find((e) => e.stage === 'closing_tx') as { txid: string } | undefined, 'the closing transaction');
    await waitFor(async () => ((await inMempool(closing.txid)) ? true : undefined), 'the closing transaction in the mempool');
    await mine(1);
    await waitFor(() => (a0.channels.list()[0]?.onChain?.kind === 'mutual' ? true : undefined), 'the mutual close seen');
    expect(fundingWatches(a0, opened.fundingTxid, opened.fundingOutputIndex)).toHaveLength(1);

    // One block short of final: still a live monitor.
    await mine(DEFAULT_MONITOR_POLICY.finalityDepth - 2);
    await waitFor(() => (a0.channels.listClosed()[0]?.onChain.closing?.depth === DEFAULT_MONITOR_POLICY.finalityDepth - 1 ? true : undefined), 'the close 99 deep');
    expect(a0.channels.listClosed()[0]!.onChain.state).toBe('closing');
    expect(retiredRow(a0, channelId)).toBeNull();

    // The block that makes it final: closed, retired, the funding outpoint no longer watched.
    await mine(1);
    await waitFor(() => (retiredRow(a0, channelId) !== null && retiredRow(b, channelId) !== null ? true : undefined), 'both monitors retired');
    const before = a0.channels.listClosed();
    expect(before).toHaveLength(1);
    expect(before[0]!.onChain).toMatchObject({ state: 'closed', closing: { kind: 'mutual', txid: closing.txid, depth: DEFAULT_MONITOR_POLICY.finalityDepth } });
    expect(before[0]!.channel.lifecycle).toBe('closed');
    expect(fundingWatches(a0, opened.fundingTxid, opened.fundingOutputIndex)).toHaveLength(0);
    const listed = a0.channels.list();
    const logRowsB = b.db.prepare('SELECT COUNT(*) AS n, MAX(seq) AS top FROM monitor_updates WHERE channel_id = ?').get(channelId);
    const closedB = b.channels.listClosed();

    // A restart from the SQLite file: the same closed channel, the same channel list (but for the
    // link's connection state: the peer is not connected again here).
    const a1 = await a0.restart(btcd);
    nodes.push(a1);
    await a1.caughtUp(btcd);
    const unlinked = <T extends { state: string }>(c: T) => ({ ...c, state: 'n/a' });
    expect(a1.channels.listClosed().map((c) => ({ ...c, channel: unlinked(c.channel) }))).toEqual(before.map((c) => ({ ...c, channel: unlinked(c.channel) })));
    expect(a1.channels.list().map(unlinked)).toEqual(listed.map(unlinked));
    expect(fundingWatches(a1, opened.fundingTxid, opened.fundingOutputIndex)).toHaveLength(0);
    // B saw A go away: its retired channel's link went offline, and nothing was written to its monitor
    // (no new monitor opened for a channel whose monitor is retired).
    await waitFor(() => (b.channels.list()[0]?.state === 'offline' ? true : undefined), 'B sees the peer gone');
    expect(b.db.prepare('SELECT COUNT(*) AS n, MAX(seq) AS top FROM monitor_updates WHERE channel_id = ?').get(channelId)).toEqual(logRowsB);
    expect(b.channels.listClosed().map((c) => c.onChain)).toEqual(closedB.map((c) => c.onChain));
    expect(retiredRow(b, channelId)).not.toBeNull();

    // Blocks go on: the depths follow the tip as a live monitor's would.
    await mine(3);
    await waitFor(() => (a1.channels.listClosed()[0]?.onChain.closing?.depth === DEFAULT_MONITOR_POLICY.finalityDepth + 3 ? true : undefined), 'the depth at the new tip');
    expect(a1.channels.listClosed()[0]!.onChain.bestHeight).toBe(await btcd.height());
  }, 300_000);
});
