/**
 * Channels between a Glasswing daemon and LND (v0.21, built by scripts/peers/lnd.mjs) on one btcd
 * (issue 14 item 5): we open to LND and close cooperatively; LND opens to us (we are the fundee) and
 * force closes, and we sweep our output of its commitment to our wallet; we open again and force
 * close, and our to_local comes back after LND's to_self_delay. Each close: the same closing
 * transaction on both sides, our wallet exact to the satoshi against btcd's view of the fees.
 * (LND on btcd does not sweep its to_remote after a remote force close: what LND does with its own
 * outputs is not checked here.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChannelSummary, FundChannelResult, NodeApi } from '../../core/api';
import { waitFor, type Btcd } from '../support/btcd';
import { fundLnd, lndBinary, startLnd, type Lnd } from '../support/lnd';
import { startInteropRig, type InteropRig } from '../support/interop-rig';
import { expectCoinsOnChain, type WalletNode } from '../support/wallet-node';

const haveLnd = lndBinary() !== null;

describe.skipIf(!haveLnd)('channels with LND on btcd', () => {
  let btcd: Btcd;
  let lnd: Lnd;
  let g: WalletNode;
  let api: NodeApi;
  let rig: InteropRig;
  const point = (c: ChannelSummary) => c.fundingOutpoint;
  /** Connected as LND sees it (after a close LND may drop and redial the connection). */
  const connected = () => waitFor(async () => {
    if ((await lnd.listPeers()).includes(g.daemon.nodeId)) return true;
    await api.connect({ address: lnd.address }).catch(() => undefined);
    return undefined;
  }, 'LND sees us connected', 30_000);

  beforeAll(async () => {
    rig = await startInteropRig({ tls: true, name: 'lnd-interop' });
    ({ btcd, g, api } = rig);
    lnd = await startLnd(btcd, { alias: 'lnd' });
    await fundLnd(btcd, lnd, 3_000_000n);
    await api.connect({ address: lnd.address });
    await waitFor(async () => ((await lnd.listPeers()).includes(g.daemon.nodeId) ? true : undefined), 'LND sees us');
  }, 240_000);

  it('we open to LND (anchors), it becomes active on both sides; we close cooperatively and our funds are back in the wallet', async () => {
    const r = await g.cli('openchannel', lnd.nodeId, '600000', '--push-msat', '50000000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    expect(opened.channelType).toContain('anchors');
    const c = await rig.mineUntil(async () => {
      const mine = await rig.ours(opened.channelId);
      const theirs = (await lnd.listChannels()).find((x) => mine && x.channel_point === point(mine));
      return mine?.lifecycle === 'active' && mine.state === 'active' && theirs?.active ? mine : undefined;
    }, 'active on both sides');
    expect((await lnd.listChannels()).find((x) => x.channel_point === point(c))).toMatchObject({ capacity: '600000', initiator: false });
    const before = await rig.total();
    const closed = await g.cli('closechannel', opened.channelId);
    expect(closed.code, closed.stderr).toBe(0);
    const view = await rig.mineUntil(async () => {
      const v = await rig.closedView(opened.channelId);
      return v?.onChain.closing?.kind === 'mutual' ? v : undefined;
    }, 'the cooperative close confirmed');
    const lndClosed = await rig.mineUntil(async () => (await lnd.closedChannels()).find((x) => x.channel_point === point(c)), 'LND records the close');
    expect(lndClosed.close_type).toBe('COOPERATIVE_CLOSE');
    expect(lndClosed.closing_tx_hash).toBe(view.onChain.closing!.txid);
    const fee = await rig.feeOf(view.onChain.closing!.txid);
    await waitFor(async () => ((await rig.total()) === before + 550_000n - fee ? true : undefined), 'our 550,000 sat less the closing fee in the wallet');
    await expectCoinsOnChain(api, btcd);
  }, 300_000);

  it('LND opens to us (we are the fundee); LND force closes; our to_remote is swept to our wallet', async () => {
    const before = await rig.total();
    await connected();
    const lndPoint = await lnd.openChannel(g.daemon.nodeId, 700_000n, { pushSat: 200_000n, private: true });
    const c = await rig.mineUntil(async () => {
      const mine = (await api.listChannels({})).channels.find((x) => x.fundingOutpoint === lndPoint);
      const theirs = (await lnd.listChannels()).find((x) => x.channel_point === lndPoint);
      return mine?.lifecycle === 'active' && mine.state === 'active' && theirs?.active ? mine : undefined;
    }, 'LND\'s channel active on both sides');
    expect(c).toMatchObject({ funder: 'remote', capacitySat: '700000', localBalanceMsat: '200000000' });
    await lnd.closeChannel(lndPoint, { force: true });
    const view = await rig.mineUntil(async () => {
      const v = await rig.closedView(c.channelId);
      const toRemote = v?.onChain.outputs.find((o) => o.role === 'to_remote');
      return v?.onChain.closing?.kind === 'remote' && toRemote?.spentBy?.by === 'us' && toRemote.spentBy.depth >= 1 ? v : undefined;
    }, 'our to_remote swept');
    const toRemote = view.onChain.outputs.find((o) => o.role === 'to_remote')!;
    expect(toRemote.valueSat).toBe('200000');
    const sweepFee = await rig.feeOf(toRemote.spentBy!.txid);
    await waitFor(async () => ((await rig.total()) === before + 200_000n - sweepFee ? true : undefined), 'our 200,000 sat less the sweep fee in the wallet');
    await rig.mineUntil(async () => ((await rig.ours(c.channelId))?.lifecycle === 'closed' ? true : undefined), 'closed on our side');
    await expectCoinsOnChain(api, btcd);
  }, 300_000);

  it('we force close a channel to LND: our commitment (LND sees it), to_local back in our wallet after LND\'s to_self_delay', async () => {
    await connected();
    const r = await g.cli('openchannel', lnd.nodeId, '500000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    const c = await rig.mineUntil(async () => {
      const mine = await rig.ours(opened.channelId);
      const theirs = (await lnd.listChannels()).find((x) => mine && x.channel_point === point(mine));
      return mine?.lifecycle === 'active' && mine.state === 'active' && theirs?.active ? mine : undefined;
    }, 'active on both sides');
    const before = await rig.total();
    // LND away first, so the close is ours alone (connected, LND would answer our error with its own commitment).
    await api.disconnect({ nodeId: lnd.nodeId });
    const forced = await g.cli('closechannel', opened.channelId, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    const local = await rig.mineUntil(async () => {
      const v = await rig.closedView(opened.channelId);
      return v?.onChain.closing?.kind === 'local' ? v : undefined;
    }, 'our commitment confirmed');
    const toLocal = local.onChain.outputs.find((o) => o.role === 'local_to_local')!;
    expect(toLocal.maturesAt).not.toBeNull();
    await rig.mine(Math.max(0, toLocal.maturesAt! - local.onChain.bestHeight));
    const swept = await rig.mineUntil(async () => {
      const v = await rig.closedView(opened.channelId);
      const o = v?.onChain.outputs.find((x) => x.role === 'local_to_local');
      return o?.spentBy?.by === 'us' ? o : undefined;
    }, 'to_local swept', 10);
    const cpfp = (await api.listTransactions({})).transactions.filter((t) => t.label === 'cpfp').reduce((a, t) => a + BigInt(t.feeSat ?? '0'), 0n);
    const sweepFee = await rig.feeOf(swept.spentBy!.txid);
    await waitFor(async () => ((await rig.total()) === before + BigInt(toLocal.valueSat) - sweepFee - cpfp ? true : undefined), 'to_local less the sweep fee in the wallet');
    void c;
    await api.connect({ address: lnd.address });
    await rig.mineUntil(async () => ((await lnd.closedChannels()).find((x) => x.channel_point === point(c))?.close_type === 'REMOTE_FORCE_CLOSE' ? true : undefined), 'LND records our force close');
    await expectCoinsOnChain(api, btcd);
  }, 400_000);

  it('LND opens to us; the connection drops and comes back (channel_reestablish both ways); LND closes cooperatively', async () => {
    const before = await rig.total();
    await connected();
    const lndPoint = await lnd.openChannel(g.daemon.nodeId, 400_000n, { pushSat: 30_000n, private: true });
    const c = await rig.mineUntil(async () => {
      const mine = (await api.listChannels({})).channels.find((x) => x.fundingOutpoint === lndPoint);
      const theirs = (await lnd.listChannels()).find((x) => x.channel_point === lndPoint);
      return mine?.lifecycle === 'active' && mine.state === 'active' && theirs?.active ? mine : undefined;
    }, 'active on both sides');
    await api.disconnect({ nodeId: lnd.nodeId });
    await waitFor(async () => ((await rig.ours(c.channelId))?.state === 'offline' ? true : undefined), 'offline');
    await api.connect({ address: lnd.address });
    await waitFor(async () => {
      const mine = await rig.ours(c.channelId);
      const theirs = (await lnd.listChannels()).find((x) => x.channel_point === lndPoint);
      return mine?.state === 'active' && theirs?.active ? true : undefined;
    }, 'reestablished on both sides', 60_000);
    const closingTxid = await lnd.closeChannel(lndPoint);
    const view = await rig.mineUntil(async () => {
      const v = await rig.closedView(c.channelId);
      return v?.onChain.closing?.kind === 'mutual' ? v : undefined;
    }, 'the cooperative close confirmed');
    expect(view.onChain.closing!.txid).toBe(closingTxid);
    // LND opened the channel: it pays the closing fee; our 30,000 sat come back whole.
    await waitFor(async () => ((await rig.total()) === before + 30_000n ? true : undefined), 'our 30,000 sat in the wallet');
  }, 300_000);
});
