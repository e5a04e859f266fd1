/**
 * Reconnections with LND (v0.21, built by scripts/peers/lnd.mjs) on btcd (issue 14, remaining item
 * 3), mid-payment: each time our payment's HTLC is held by LND (a hold invoice), so it sits on both
 * commitments while the connection drops — a disconnection, a kill -9 of our daemon, a kill -9 of
 * LND. BOLT 2 channel_reestablish brings the channel back usable on both sides with the HTLC still
 * on it; LND then settles, our payment succeeds with LND's preimage, and nothing is lost: our
 * balance is the opening balance less exactly what we paid (a direct channel: no fee). Payments
 * both ways after the last restart succeed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bolt11InvoiceInfo, ChannelSummary, FundChannelResult, NodeApi, PaymentInfo } from '../../core/api';
import { sha256, toHex } from '../../core/crypto';
import { startBtcd, waitFor, type Btcd } from '../support/btcd';
import { mineUntil } from '../support/chain-daemons';
import { DaemonProcess } from '../support/daemon';
import { chainFlags } from '../support/interop-rig';
import { fundLnd, lndBinary, payWhenRoutable, startLnd, type Lnd } from '../support/lnd';
import { tempDir } from '../support/tmp';
import { deposit, synced, type WalletNode } from '../support/wallet-node';

const haveLnd = lndBinary() !== null;

describe.skipIf(!haveLnd)('reconnections with LND mid-payment', () => {
  let btcd: Btcd;
  let lnd: Lnd;
  let g: WalletNode;
  let api: NodeApi;
  let c: ChannelSummary;
  let paidMsat = 0n;
  let n = 0;

  const ours = async (): Promise<ChannelSummary | undefined> => (await api.listChannels({})).channels.find((x) => x.channelId === c.channelId);
  const theirs = async () => (await lnd.listChannels()).find((x) => x.channel_point === c.fundingOutpoint);
  async function usableBoth(what: string, htlcs: number): Promise<ChannelSummary> {
    let last: unknown;
    try {
      return await waitFor(async () => {
        const mine = await ours();
        const lndView = await theirs();
        last = { ours: mine && { state: mine.state, numHtlcs: mine.numHtlcs, localCtn: mine.localCtn, remoteCtn: mine.remoteCtn, failure: mine.failure }, lnd: lndView && { active: lndView.active, htlcs: (lndView.pending_htlcs ?? []).length } };
        return mine?.state === 'active' && mine.numHtlcs === htlcs && lndView?.active && (lndView.pending_htlcs ?? []).length === htlcs ? mine : undefined;
      }, what, 90_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}; last seen ${JSON.stringify(last)}; our log tail:\n${g.daemon.logs.slice(-30).join('\n')}`);
    }
  }
  /** After a drop: neither side lists the other any more (else `connect` would see the dying connection). */
  const apart = () => waitFor(async () => (!(await lnd.listPeers()).includes(g.daemon.nodeId) && !(await api.listPeers({})).peers.some((p) => p.nodeId === lnd.nodeId) ? true : undefined), 'the connection gone on both sides', 60_000);
  const connect = () => waitFor(async () => {
    if ((await lnd.listPeers()).includes(g.daemon.nodeId)) return true;
    await api.connect({ address: lnd.address }).catch(() => undefined);
    return undefined;
  }, 'connected to LND', 60_000);

  /** Our payment to a fresh LND hold invoice, held by LND (its HTLC on both commitments). */
  async function held(amountMsat: bigint): Promise<{ preimage: string; hash: string; paying: Promise<unknown> }> {
    const preimage = toHex(sha256(new TextEncoder().encode(`lnd reconnect ${n++} ${Date.now()}`)));
    const hash = toHex(sha256(Buffer.from(preimage, 'hex')));
    const request = await lnd.addHoldInvoice(hash, amountMsat);
    // The CLI call may die with our daemon: the outcome is read from listPayments.
    const paying = g.cli('pay', request).catch(() => undefined);
    await waitFor(async () => ((await lnd.lookupInvoice(hash)).state === 'ACCEPTED' && (await ours())?.numHtlcs === 1 ? true : undefined), 'the HTLC held by LND');
    return { preimage, hash, paying };
  }
  /** LND settles; our payment succeeds with its preimage and the HTLC leaves both commitments. */
  async function settle(h: { preimage: string; hash: string; paying: Promise<unknown> }, amountMsat: bigint): Promise<void> {
    await lnd.settleInvoice(h.preimage);
    const p = await waitFor(async () => {
      const found = (await api.listPayments({})).payments.find((x: PaymentInfo) => x.paymentHash === h.hash);
      return found?.status === 'succeeded' ? found : undefined;
    }, 'our payment succeeded', 60_000);
    expect(p.preimage).toBe(h.preimage);
    expect((await lnd.lookupInvoice(h.hash)).state).toBe('SETTLED');
    paidMsat += amountMsat;
    await usableBoth('settled on both sides', 0);
    expect(BigInt((await ours())!.localBalanceMsat)).toBe(BigInt(c.localBalanceMsat) - paidMsat);
    await h.paying;
  }
  async function restartOurs(): Promise<void> {
    await g.daemon.start();
    api = await g.daemon.api();
    g = { daemon: g.daemon, api, cli: (...args) => g.daemon.cli(...args) };
    await synced(api, btcd);
  }

  beforeAll(async () => {
    btcd = await startBtcd({ tls: true });
    await btcd.mine(101);
    const daemon = new DaemonProcess(tempDir('glasswing-lnd-reconnect-'), await chainFlags(btcd));
    await daemon.start();
    api = await daemon.api();
    g = { daemon, api, cli: (...args) => daemon.cli(...args) };
    await synced(api, btcd);
    await deposit(g, btcd, 2_000_000n);
    lnd = await startLnd(btcd, { alias: 'lnd', dir: tempDir('glasswing-lnd-reconnect-lnd-') });
    await fundLnd(btcd, lnd, 500_000n);
    await connect();
    const r = await g.cli('openchannel', lnd.nodeId, '600000', '--push-msat', '100000000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    c = await mineUntil(btcd, [g], async () => {
      const mine = (await api.listChannels({})).channels.find((x) => x.channelId === opened.channelId);
      const lndView = mine ? (await lnd.listChannels()).find((x) => x.channel_point === mine.fundingOutpoint) : undefined;
      return mine?.lifecycle === 'active' && mine.state === 'active' && lndView?.active ? mine : undefined;
    }, 'active on both sides');
  }, 300_000);

  it('a disconnection with our HTLC held by LND: reestablished with the HTLC, then settled', async () => {
    const h = await held(11_000_000n);
    await api.disconnect({ nodeId: lnd.nodeId });
    await waitFor(async () => ((await ours())?.state !== 'active' ? true : undefined), 'offline on our side');
    await apart();
    await connect();
    await usableBoth('reestablished with the HTLC on both sides', 1);
    await settle(h, 11_000_000n);
  }, 180_000);

  it('kill -9 of our daemon with our HTLC held by LND: restarted from SQLite, reestablished, settled', async () => {
    const h = await held(12_000_000n);
    await g.daemon.stop('SIGKILL');
    await waitFor(async () => (!(await lnd.listPeers()).includes(g.daemon.nodeId) ? true : undefined), 'LND sees us gone');
    await restartOurs();
    await connect();
    await usableBoth('reestablished after our restart, the HTLC on both sides', 1);
    await settle(h, 12_000_000n);
  }, 180_000);

  it('kill -9 of LND with our HTLC held: LND restarted on its data, reestablished, settled; payments both ways after', async () => {
    const h = await held(13_000_000n);
    lnd.kill();
    await waitFor(async () => ((await ours())?.state !== 'active' ? true : undefined), 'offline on our side');
    lnd = await startLnd(btcd, { alias: 'lnd', dir: lnd.dir });
    await waitFor(async () => (!(await api.listPeers({})).peers.some((p) => p.nodeId === lnd.nodeId) ? true : undefined), 'the old connection gone on our side');
    await connect();
    await usableBoth('reestablished after LND\'s restart, the HTLC on both sides', 1);
    expect((await lnd.lookupInvoice(h.hash)).state).toBe('ACCEPTED');
    await settle(h, 13_000_000n);
    // Both ways after.
    const inv = await lnd.addInvoice(3_000_000n, 'after the restarts');
    const r = await g.cli('pay', inv.paymentRequest);
    expect(r.code, r.stderr).toBe(0);
    expect((r.json as PaymentInfo).status).toBe('succeeded');
    paidMsat += 3_000_000n;
    const ourInv = (await api.createInvoice({ amountMsat: '4000000', description: 'paid by LND after the restarts' })) as Bolt11InvoiceInfo;
    const lndPaid = await payWhenRoutable(lnd, ourInv.bolt11);
    expect(lndPaid.status, lndPaid.failure_reason).toBe('SUCCEEDED');
    paidMsat -= 4_000_000n;
    await usableBoth('settled', 0);
    expect(BigInt((await ours())!.localBalanceMsat)).toBe(BigInt(c.localBalanceMsat) - paidMsat);
  }, 240_000);
});
