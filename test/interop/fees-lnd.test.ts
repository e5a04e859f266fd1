/**
 * update_fee with LND (v0.21, built by scripts/peers/lnd.mjs) on btcd (issue 14, remaining item 1).
 * btcd's estimate never moves, so both nodes take theirs from one fee service on 127.0.0.1
 * (`test/support/fee-service.ts`): ours with `--fee-url`, LND with its own `--fee.url` (which LND
 * v0.21 honours with any backend, btcd included: chainreg/chainregistry.go). We open an anchors
 * channel to LND and are its funder; the test moves the service and we follow with update_fee
 * (BOLT 2: the funder "SHOULD send update_fee to ensure the current fee rate is sufficient"):
 * raised, lowered, raised again with an HTLC in flight (an LND hold invoice), moved twice while
 * payments run both ways (the desynchronized dance), moved while LND is away (sent after
 * channel_reestablish); LND accepts each —
 * its commitment feerate is ours —, payments after succeed, and our force close confirms a
 * commitment paying exactly the new feerate (BOLT 3: anchors commitment weight 1124).
 * Not here: LND as funder sending update_fee — LND checks its fee every 10 to 60 minutes
 * (htlcswitch DefaultMin/MaxLinkFeeUpdateTimeout, no option): fees-lnd-funder.test.ts, a long test
 * run only with GLASSWING_LND_FEE_TIMER=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bolt11InvoiceInfo, ChannelSummary, FundChannelResult, PaymentInfo } from '../../core/api';
import { sha256, toHex } from '../../core/crypto';
import { waitFor } from '../support/btcd';
import { startFeeService, type FeeService } from '../support/fee-service';
import { fundLnd, lndBinary, payWhenRoutable, startLnd, type Lnd, type LndChannel } from '../support/lnd';
import { startInteropRig, type InteropRig } from '../support/interop-rig';

const haveLnd = lndBinary() !== null;
/** BOLT 3 "Fee Calculation": the base weight of an option_anchors commitment, and per untrimmed HTLC. */
const ANCHORS_COMMITMENT_WEIGHT = 1124;
const HTLC_WEIGHT = 172;

describe.skipIf(!haveLnd)('update_fee with LND on btcd', () => {
  let rig: InteropRig;
  let lnd: Lnd;
  let fees: FeeService;
  let c: ChannelSummary;

  /** Both sides' commitments at `perKw`: our newest and LND's view. */
  async function atFeerate(perKw: number): Promise<{ ours: ChannelSummary; theirs: LndChannel }> {
    return await waitFor(async () => {
      const ours = await rig.ours(c.channelId);
      const theirs = (await lnd.listChannels()).find((x) => x.channel_point === c.fundingOutpoint);
      return ours?.feeratePerKw === perKw && ours.state === 'active' && theirs?.fee_per_kw === String(perKw) ? { ours, theirs } : undefined;
    }, `both commitments at ${perKw} sat/kw`, 60_000);
  }
  async function payLnd(amountMsat: bigint): Promise<void> {
    const inv = await lnd.addInvoice(amountMsat, 'after update_fee');
    const r = await rig.g.cli('pay', inv.paymentRequest);
    expect(r.code, r.stderr).toBe(0);
    expect((r.json as PaymentInfo).status).toBe('succeeded');
    expect((await lnd.lookupInvoice(inv.paymentHash)).state).toBe('SETTLED');
  }

  beforeAll(async () => {
    // 4,000 sat/kvB is 1,000 sat/kw: the channel opens at that.
    fees = await startFeeService(4_000);
    rig = await startInteropRig({ tls: true, name: 'lnd-fees', daemonArgs: ['--fee-url', fees.url, '--fee-poll-ms', '1000'] });
    lnd = await startLnd(rig.btcd, { alias: 'lnd', args: [`--fee.url=${fees.url}`] });
    await fundLnd(rig.btcd, lnd, 1_000_000n);
    await rig.api.connect({ address: lnd.address });
    await waitFor(async () => ((await lnd.listPeers()).includes(rig.g.daemon.nodeId) ? true : undefined), 'LND sees us');
    const r = await rig.g.cli('openchannel', lnd.nodeId, '600000', '--push-msat', '100000000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    expect(opened.channelType).toContain('anchors');
    c = await rig.mineUntil(async () => {
      const mine = await rig.ours(opened.channelId);
      const theirs = (await lnd.listChannels()).find((x) => mine && x.channel_point === mine.fundingOutpoint);
      return mine?.lifecycle === 'active' && mine.state === 'active' && theirs?.active ? mine : undefined;
    }, 'active on both sides');
    expect(c.feeratePerKw).toBe(1_000);
  }, 300_000);

  afterAll(async () => {
    await fees?.close();
  });

  it('the estimate rises: we send update_fee, LND takes it (its commitment at our feerate), a payment after succeeds', async () => {
    fees.set(8_000);
    const { theirs } = await atFeerate(2_000);
    // LND's commitment fee at the new rate (no HTLC): BOLT 3 weight × feerate / 1000.
    expect(theirs.commit_fee).toBe(String(Math.floor((2_000 * ANCHORS_COMMITMENT_WEIGHT) / 1000)));
    await payLnd(5_000_000n);
  }, 120_000);

  it('the estimate falls: update_fee down, accepted; a payment after succeeds', async () => {
    fees.set(2_000);
    await atFeerate(500);
    await payLnd(4_000_000n);
  }, 120_000);

  it('update_fee while an HTLC is in flight (LND holds it): both commitments move with the HTLC on them, then the payment settles', async () => {
    const preimage = toHex(sha256(new TextEncoder().encode(`fees-lnd hold ${Date.now()}`)));
    const hash = toHex(sha256(Buffer.from(preimage, 'hex')));
    const request = await lnd.addHoldInvoice(hash, 7_000_000n);
    const paying = rig.g.cli('pay', request);
    await waitFor(async () => ((await lnd.lookupInvoice(hash)).state === 'ACCEPTED' && (await rig.ours(c.channelId))?.numHtlcs === 1 ? true : undefined), 'the HTLC held by LND');
    fees.set(6_000);
    const { ours, theirs } = await atFeerate(1_500);
    expect(ours.numHtlcs).toBe(1);
    expect(theirs.pending_htlcs).toHaveLength(1);
    // The HTLC is above dust at 1,500 sat/kw (anchors: zero-fee second stage), so it weighs in.
    expect(theirs.commit_fee).toBe(String(Math.floor((1_500 * (ANCHORS_COMMITMENT_WEIGHT + HTLC_WEIGHT)) / 1000)));
    await lnd.settleInvoice(preimage);
    const r = await paying;
    expect(r.code, r.stderr).toBe(0);
    expect((r.json as PaymentInfo).status).toBe('succeeded');
    await waitFor(async () => ((await rig.ours(c.channelId))?.numHtlcs === 0 ? true : undefined), 'the HTLC gone from our commitments');
    await payLnd(1_000_000n);
  }, 120_000);

  it('update_fee interleaved with payments both ways in flight (the desynchronized dance): all settle, both commitments end at the last feerate', async () => {
    const before = BigInt((await rig.ours(c.channelId))!.localBalanceMsat);
    const ours = await Promise.all([1, 2, 3].map(() => lnd.addInvoice(2_000_000n, 'dance')));
    const theirs = await Promise.all([1, 2, 3].map((i) => rig.api.createInvoice({ amountMsat: '1500000', description: `dance ${i}` }) as Promise<Bolt11InvoiceInfo>));
    const payments = [
      ...ours.map((inv) => rig.g.cli('pay', inv.paymentRequest).then((r) => (r.json as PaymentInfo | undefined)?.status)),
      ...theirs.map((inv) => payWhenRoutable(lnd, inv.bolt11).then((p) => (p.status === 'SUCCEEDED' ? 'succeeded' : p.failure_reason))),
    ];
    // The estimate moves while they run: 1,500 → 2,250 → 1,000 sat/kw (each past the 25% threshold).
    fees.set(9_000);
    await atFeerate(2_250);
    fees.set(4_000);
    expect(await Promise.all(payments)).toEqual(Array(6).fill('succeeded'));
    await atFeerate(1_000);
    await waitFor(async () => ((await rig.ours(c.channelId))?.numHtlcs === 0 ? true : undefined), 'no HTLC left');
    expect(BigInt((await rig.ours(c.channelId))!.localBalanceMsat)).toBe(before - 3n * 2_000_000n + 3n * 1_500_000n);
  }, 180_000);

  it('the estimate moves while LND is away: our commitment cannot change offline; update_fee follows channel_reestablish', async () => {
    const before = (await rig.ours(c.channelId))!;
    expect(before.feeratePerKw).toBe(1_000);
    await rig.api.disconnect({ nodeId: lnd.nodeId });
    await waitFor(async () => ((await rig.ours(c.channelId))?.state !== 'active' && !(await lnd.listPeers()).includes(rig.g.daemon.nodeId) ? true : undefined), 'the connection gone on both sides');
    fees.set(6_000);
    await waitFor(async () => ((await rig.api.chainInfo({})).fees?.normal.satPerVb === 6 ? true : undefined), 'our estimate at 6 sat/vB (1,500 sat/kw)');
    expect((await rig.ours(c.channelId))!.feeratePerKw).toBe(1_000);
    await rig.api.connect({ address: lnd.address });
    await atFeerate(1_500);
    await payLnd(1_000_000n);
  }, 120_000);

  it('our force close confirms a commitment that pays the updated feerate', async () => {
    fees.set(10_000);
    await atFeerate(2_500);
    await rig.api.disconnect({ nodeId: lnd.nodeId });
    const forced = await rig.g.cli('closechannel', c.channelId, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    const closed = await rig.mineUntil(async () => {
      const v = await rig.closedView(c.channelId);
      return v?.onChain.closing?.kind === 'local' ? v : undefined;
    }, 'our commitment confirmed');
    expect(await rig.feeOf(closed.onChain.closing!.txid)).toBe(BigInt(Math.floor((2_500 * ANCHORS_COMMITMENT_WEIGHT) / 1000)));
  }, 200_000);
});
