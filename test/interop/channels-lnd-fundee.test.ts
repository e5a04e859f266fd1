/**
 * LND (v0.21, built by scripts/peers/lnd.mjs) opens a channel to us on btcd — we are the fundee —
 * and the channel survives reconnections with an HTLC in flight each way (issue 14, remaining item
 * 3): our payment to an LND hold invoice (LND holds it), and LND's payment to G2 (a second
 * Glasswing daemon, with a private channel from us) through us, held because G2 is frozen
 * (SIGSTOP) so our forward waits, as channels-enforce holds a payment. Then a disconnection, a kill -9
 * of our daemon, a kill -9 of LND: each time BOLT 2 channel_reestablish brings the channel back on
 * both sides with both HTLCs, they settle (LND settles its invoice; G2 thaws and claims), and the
 * balances reconcile to the msat: ours from the payments and our forwarding fee, LND's msat view of
 * the channel (`/v1/balance/channels`) the same. Last, LND closes cooperatively: LND opened the
 * channel, so it pays the closing fee (BOLT 2 closing_signed: "the funder … pays the fee"), and our
 * whole balance comes back to our wallet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bolt11InvoiceInfo, ChannelSummary, NodeApi, PaymentInfo } from '../../core/api';
import { fromHex, sha256, toHex } from '../../core/crypto';
import { startBtcd, waitFor, type Btcd } from '../support/btcd';
import { feeOf, mineUntil, rawTx, sat, totalSat } from '../support/chain-daemons';
import { DaemonProcess } from '../support/daemon';
import { chainFlags } from '../support/interop-rig';
import { fundLnd, lndBinary, payWhenRoutable, startLnd, type Lnd, type LndChannel } from '../support/lnd';
import { tempDir } from '../support/tmp';
import { deposit, expectCoinsOnChain, synced, type WalletNode } from '../support/wallet-node';

const haveLnd = lndBinary() !== null;
const CAPACITY_SAT = 800_000n;
const PUSH_SAT = 300_000n;
/** Our default forwarding policy: 1,000 msat + 100 ppm of the forwarded amount. */
const ourFee = (amountMsat: bigint) => 1_000n + (amountMsat * 100n) / 1_000_000n;
/** BOLT 3: each anchor output of an option_anchors commitment is 330 sat; its base weight is 1124. */
const ANCHOR_SAT = 330n;
const ANCHORS_COMMITMENT_WEIGHT = 1124n;

interface Held {
  /** Ours to LND's hold invoice. */
  readonly ours: { readonly preimage: string; readonly hash: string; readonly amountMsat: bigint; readonly paying: Promise<unknown> };
  /** LND's to G2 through us. */
  readonly theirs: { readonly hash: string; readonly amountMsat: bigint; readonly paying: Promise<unknown> };
}

describe.skipIf(!haveLnd)('LND opens to us (we are the fundee): reconnections with HTLCs both ways, LND closes', () => {
  let btcd: Btcd;
  let lnd: Lnd;
  let g: WalletNode;
  let g2: WalletNode;
  let api: NodeApi;
  let lndPoint: string;
  let c: ChannelSummary;
  let toG2: ChannelSummary;
  /** What our balances must be, msat: on LND's channel and on the channel to G2. */
  let expectLocal = 0n;
  let expectToG2 = 0n;
  let n = 0;

  const ours = async (): Promise<ChannelSummary | undefined> => (await api.listChannels({})).channels.find((x) => x.channelId === c.channelId);
  const oursToG2 = async (): Promise<ChannelSummary | undefined> => (await api.listChannels({})).channels.find((x) => x.channelId === toG2.channelId);
  const theirs = async (): Promise<LndChannel | undefined> => (await lnd.listChannels()).find((x) => x.channel_point === lndPoint);
  const htlcsAtLnd = (x: LndChannel | undefined) => (x?.pending_htlcs ?? []).length;
  const nodes = () => [g, g2];

  async function usableBoth(what: string, htlcs: number): Promise<ChannelSummary> {
    let last: unknown;
    try {
      return await waitFor(async () => {
        const mine = await ours();
        const lndView = await theirs();
        last = { ours: mine && { state: mine.state, numHtlcs: mine.numHtlcs, localCtn: mine.localCtn, remoteCtn: mine.remoteCtn, failure: mine.failure }, lnd: lndView && { active: lndView.active, htlcs: htlcsAtLnd(lndView) } };
        return mine?.state === 'active' && mine.numHtlcs === htlcs && lndView?.active && htlcsAtLnd(lndView) === htlcs ? mine : undefined;
      }, what, 90_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}; last seen ${JSON.stringify(last)}; our log tail:\n${g.daemon.logs.slice(-30).join('\n')}`);
    }
  }
  /** After a drop: neither side lists the other any more (else `connect` would see the dying connection). */
  const apart = () => waitFor(async () => (!(await lnd.listPeers()).includes(g.daemon.nodeId) && !(await api.listPeers({})).peers.some((p) => p.nodeId === lnd.nodeId) ? true : undefined), 'the connection to LND gone on both sides', 60_000);
  const connectLnd = () => waitFor(async () => {
    if ((await lnd.listPeers()).includes(g.daemon.nodeId)) return true;
    await api.connect({ address: lnd.address }).catch(() => undefined);
    return undefined;
  }, 'connected to LND', 60_000);
  const connectG2 = () => waitFor(async () => {
    if ((await g2.api.listPeers({})).peers.some((p) => p.nodeId === g.daemon.nodeId)) return true;
    await api.connect({ address: g2.daemon.address }).catch(() => undefined);
    return undefined;
  }, 'connected to G2', 60_000);
  const freezeG2 = () => g2.daemon.child!.kill('SIGSTOP');
  const thawG2 = () => g2.daemon.child?.kill('SIGCONT');

  /**
   * An HTLC in flight each way on LND's channel: ours to an LND hold invoice, held by LND; LND's to
   * G2 through us, held by us while G2 is frozen (we forward only an HTLC locked in on both of LND's
   * channel's commitments, so our HTLC to G2 shows LND's is committed on both sides).
   */
  async function holdBoth(oursMsat: bigint, theirsMsat: bigint): Promise<Held> {
    const preimage = toHex(sha256(new TextEncoder().encode(`lnd fundee ${n++} ${Date.now()}`)));
    const hash = toHex(sha256(fromHex(preimage)));
    const request = await lnd.addHoldInvoice(hash, oursMsat);
    // The CLI call may die with our daemon: the outcome is read from listPayments.
    const oursPaying = g.cli('pay', request).catch(() => undefined);
    await waitFor(async () => ((await lnd.lookupInvoice(hash)).state === 'ACCEPTED' ? true : undefined), 'our HTLC held by LND');
    const inv = (await g2.api.createInvoice({ amountMsat: theirsMsat.toString(), description: `lnd to g2 ${n}` })) as Bolt11InvoiceInfo;
    freezeG2();
    // The stream may die with LND: the outcome is read from LND's payments.
    const theirsPaying = payWhenRoutable(lnd, inv.bolt11, 60_000, { timeoutSeconds: 600 }).catch(() => undefined);
    await waitFor(async () => {
      const [mine, out, lndView] = [await ours(), await oursToG2(), await theirs()];
      return mine?.numHtlcs === 2 && out?.numHtlcs === 1 && htlcsAtLnd(lndView) === 2 ? true : undefined;
    }, 'LND\'s HTLC held by us, forwarded to frozen G2; both HTLCs on both sides', 60_000);
    return { ours: { preimage, hash, amountMsat: oursMsat, paying: oursPaying }, theirs: { hash: inv.paymentHash, amountMsat: theirsMsat, paying: theirsPaying } };
  }

  /** LND settles its invoice, G2 thaws and claims; both payments succeed and every balance reconciles to the msat. */
  async function settleBoth(h: Held): Promise<void> {
    await lnd.settleInvoice(h.ours.preimage);
    const paid = await waitFor(async () => {
      const p = (await api.listPayments({})).payments.find((x: PaymentInfo) => x.paymentHash === h.ours.hash);
      return p?.status === 'succeeded' ? p : undefined;
    }, 'our payment succeeded', 60_000);
    expect(paid.preimage).toBe(h.ours.preimage);
    expect((await lnd.lookupInvoice(h.ours.hash)).state).toBe('SETTLED');
    expectLocal -= h.ours.amountMsat;

    thawG2();
    await connectG2();
    const lndPaid = await waitFor(async () => {
      const p = await lnd.lookupPayment(h.theirs.hash);
      return p?.status === 'SUCCEEDED' || p?.status === 'FAILED' ? p : undefined;
    }, 'LND\'s payment to G2 resolved', 90_000);
    expect(lndPaid.status, lndPaid.failure_reason).toBe('SUCCEEDED');
    expect(toHex(sha256(fromHex(lndPaid.payment_preimage)))).toBe(h.theirs.hash);
    expect(lndPaid.fee_msat).toBe(ourFee(h.theirs.amountMsat).toString());
    await waitFor(async () => ((await g2.api.listBolt11Invoices({})).invoices.find((x) => x.paymentHash === h.theirs.hash)?.status === 'paid' ? true : undefined), 'G2\'s invoice paid');
    expectLocal += h.theirs.amountMsat + ourFee(h.theirs.amountMsat);
    expectToG2 -= h.theirs.amountMsat;

    await usableBoth('settled on both sides', 0);
    await waitFor(async () => ((await oursToG2())?.numHtlcs === 0 ? true : undefined), 'our channel to G2 settled');
    await reconciled();
    await Promise.all([h.ours.paying, h.theirs.paying]);
  }

  /** Our balances are what the payments make them; LND's msat view of the channel says the same. */
  async function reconciled(): Promise<void> {
    const mine = (await ours())!;
    expect(BigInt(mine.localBalanceMsat)).toBe(expectLocal);
    expect(BigInt((await oursToG2())!.localBalanceMsat)).toBe(expectToG2);
    // LND's only channel is this one: its channel balance is this channel's, in msat.
    const lndView = (await theirs())!;
    const lndBalance = await lnd.channelBalance();
    expect(lndBalance.remoteMsat).toBe(expectLocal);
    // LND's own balance is its to_local: what we count as its share, less the commitment fee and
    // the two anchors it pays as funder (BOLT 3: fee = feerate × 1124 / 1000 with no HTLC, rounded
    // down; LND's `commit_fee` is the transaction's, which also has the outputs' msat remainders).
    const commitFeeSat = (BigInt(mine.feeratePerKw) * ANCHORS_COMMITMENT_WEIGHT) / 1_000n;
    expect(lndView.fee_per_kw).toBe(String(mine.feeratePerKw));
    expect(lndBalance.localMsat).toBe(BigInt(mine.remoteBalanceMsat) - (commitFeeSat + 2n * ANCHOR_SAT) * 1_000n);
    expect(BigInt(mine.localBalanceMsat) + BigInt(mine.remoteBalanceMsat)).toBe(CAPACITY_SAT * 1_000n);
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
    const flags = await chainFlags(btcd);
    const daemon = new DaemonProcess(tempDir('glasswing-lnd-fundee-'), flags);
    await daemon.start();
    api = await daemon.api();
    g = { daemon, api, cli: (...args) => daemon.cli(...args) };
    await synced(api, btcd);
    await deposit(g, btcd, 1_000_000n);
    const daemon2 = new DaemonProcess(tempDir('glasswing-lnd-fundee-g2-'), flags);
    await daemon2.start();
    const api2 = await daemon2.api();
    g2 = { daemon: daemon2, api: api2, cli: (...args) => daemon2.cli(...args) };
    await synced(api2, btcd);
    lnd = await startLnd(btcd, { alias: 'lnd', dir: tempDir('glasswing-lnd-fundee-lnd-') });
    await fundLnd(btcd, lnd, 1_500_000n);

    // Our private channel to G2 (its invoices' route hints name it), funded by us.
    await connectG2();
    const r = await g.cli('openchannel', daemon2.nodeId, '400000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    // LND's channel to us: LND funds it and pushes us 300,000 sat.
    await connectLnd();
    lndPoint = await lnd.openChannel(daemon.nodeId, CAPACITY_SAT, { pushSat: PUSH_SAT, private: true });
    [c, toG2] = await mineUntil(btcd, nodes(), async () => {
      const list = (await api.listChannels({})).channels;
      const mine = list.find((x) => x.fundingOutpoint === lndPoint);
      const out = list.find((x) => x.peer === daemon2.nodeId);
      const outThere = out && (await api2.listChannels({})).channels.find((x) => x.channelId === out.channelId);
      const lndView = await theirs();
      const ready = mine?.lifecycle === 'active' && mine.state === 'active' && lndView?.active && out?.lifecycle === 'active' && out.state === 'active' && outThere?.state === 'active';
      return ready ? [mine, out] as const : undefined;
    }, 'LND\'s channel and ours to G2 active on both sides');
    expect(c).toMatchObject({ funder: 'remote', capacitySat: CAPACITY_SAT.toString(), localBalanceMsat: (PUSH_SAT * 1_000n).toString() });
    expect(await theirs()).toMatchObject({ initiator: true, capacity: CAPACITY_SAT.toString() });
    // LND v0.21 proposes anchors to a peer that offers them.
    expect(c.channelType).toContain('anchors');
    expectLocal = PUSH_SAT * 1_000n;
    expectToG2 = BigInt(toG2.localBalanceMsat);
    await reconciled();
  }, 300_000);

  afterAll(() => {
    // A failed test may leave G2 frozen: a stopped process does not act on the SIGTERM that ends it.
    thawG2();
  });

  it('a disconnection with both HTLCs in flight: reestablished with both on both sides, then settled, balances to the msat', async () => {
    const h = await holdBoth(11_000_000n, 21_000_000n);
    await api.disconnect({ nodeId: lnd.nodeId });
    await waitFor(async () => ((await ours())?.state !== 'active' ? true : undefined), 'offline on our side');
    await apart();
    await connectLnd();
    await usableBoth('reestablished with both HTLCs on both sides', 2);
    await settleBoth(h);
  }, 240_000);

  it('kill -9 of our daemon with both HTLCs in flight: restarted from SQLite, reestablished, settled, balances to the msat', async () => {
    const h = await holdBoth(12_000_000n, 22_000_000n);
    await g.daemon.stop('SIGKILL');
    await waitFor(async () => (!(await lnd.listPeers()).includes(g.daemon.nodeId) ? true : undefined), 'LND sees us gone');
    await restartOurs();
    await connectLnd();
    await usableBoth('reestablished after our restart, both HTLCs on both sides', 2);
    // Our HTLC to G2 is still on that channel's commitments, waiting for G2.
    expect((await oursToG2())?.numHtlcs).toBe(1);
    await settleBoth(h);
  }, 240_000);

  it('kill -9 of LND with both HTLCs in flight: LND restarted on its data, reestablished, settled, balances to the msat', async () => {
    const h = await holdBoth(13_000_000n, 23_000_000n);
    lnd.kill();
    await waitFor(async () => ((await ours())?.state !== 'active' ? true : undefined), 'offline on our side');
    lnd = await startLnd(btcd, { alias: 'lnd', dir: lnd.dir });
    await waitFor(async () => (!(await api.listPeers({})).peers.some((p) => p.nodeId === lnd.nodeId) ? true : undefined), 'the old connection gone on our side');
    await connectLnd();
    await usableBoth('reestablished after LND\'s restart, both HTLCs on both sides', 2);
    expect((await lnd.lookupInvoice(h.ours.hash)).state).toBe('ACCEPTED');
    expect((await lnd.lookupPayment(h.theirs.hash))?.status).toBe('IN_FLIGHT');
    await settleBoth(h);
  }, 300_000);

  it('LND closes cooperatively: LND (the funder) pays the closing fee, our whole balance is back in our wallet', async () => {
    await connectLnd();
    await usableBoth('usable before the close', 0);
    const balanceMsat = BigInt((await ours())!.localBalanceMsat);
    expect(balanceMsat).toBe(expectLocal);
    const before = await totalSat(api);
    const closingTxid = await lnd.closeChannel(lndPoint);
    const closed = await mineUntil(btcd, nodes(), async () => {
      const v = (await api.listClosedChannels({})).channels.find((x) => x.channel.channelId === c.channelId);
      return v?.onChain.closing?.kind === 'mutual' ? v : undefined;
    }, 'the cooperative close confirmed');
    expect(closed.onChain.closing!.txid).toBe(closingTxid);
    // BOLT 3 closing transaction: each side's output is its balance rounded down to the satoshi,
    // less the fee for the funder only. Ours is whole; the fee came out of LND's.
    const ourSat = balanceMsat / 1_000n;
    const tx = await rawTx(btcd, closingTxid);
    const outputs = tx.vout.map((o) => sat(o.value));
    expect(outputs).toContain(ourSat);
    const fee = await feeOf(btcd, closingTxid);
    expect(fee).toBeGreaterThan(0n);
    expect(outputs.reduce((a, v) => a + v, 0n) + fee).toBe(CAPACITY_SAT);
    expect(outputs.find((v) => v !== ourSat)).toBe(CAPACITY_SAT - ourSat - fee);
    await waitFor(async () => ((await totalSat(api)) === before + ourSat ? true : undefined), 'our whole balance in our wallet');
    const lndClosed = await mineUntil(btcd, nodes(), async () => (await lnd.closedChannels()).find((x) => x.channel_point === lndPoint), 'LND records the close');
    expect(lndClosed.close_type).toBe('COOPERATIVE_CLOSE');
    await expectCoinsOnChain(api, btcd);
  }, 300_000);
});
