/**
 * LND as funder sending update_fee (issue 14, remaining item 1) — a LONG test, run only with
 * GLASSWING_LND_FEE_TIMER=1: LND v0.21 sends update_fee only from its link's fee timer, armed at each
 * link start for a random 10 to 60 minutes (htlcswitch/link.go DefaultMin/MaxLinkFeeUpdateTimeout,
 * set unconditionally by peer/brontide.go; no option or build tag shortens it). To wait less, LND
 * opens six channels to us: each link has its own timer, and the first tick comes after about 17
 * minutes on average (at most 60). LND reads the fee service the test moves (`--fee.url`, refreshed
 * every 1–2 s); its anchors commitments may go up to 150,000 sat/kw (`--max-commit-fee-rate-anchors`).
 * - In bounds: the service at 2,000 sat/kw (channels opened at 1,000); the first update_fee LND
 *   sends is taken — our commitment at LND's feerate, LND's at the same — and payments both ways after.
 * - Too high: the service then at 120,000 sat/kw, above our maximum (100,000, BOLT 2: the receiver
 *   "MUST fail the channel" on an unreasonably large feerate); the next link's update_fee is refused
 *   as our core does: the channel fails with `channel.feerate_too_high`.
 * (Too low cannot come from LND: it never goes below the relay fee, 253 sat/kw, our minimum.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bolt11InvoiceInfo, ChannelSummary, PaymentInfo } from '../../core/api';
import { waitFor } from '../support/btcd';
import { startFeeService, type FeeService } from '../support/fee-service';
import { fundLnd, lndBinary, payWhenRoutable, startLnd, type Lnd } from '../support/lnd';
import { startInteropRig, type InteropRig } from '../support/interop-rig';

// Left out of `npm test` unless GLASSWING_LND_FEE_TIMER=1 (vitest.config.ts LONG); without LND it fails as the other LND tests do.
const run = lndBinary() !== null;
const CHANNELS = 6;
const MINUTE = 60_000;

describe.skipIf(!run)('LND as funder sends update_fee on its own timer (long: GLASSWING_LND_FEE_TIMER=1)', () => {
  let rig: InteropRig;
  let lnd: Lnd;
  let fees: FeeService;
  const points: string[] = [];
  const started = Date.now();
  const mins = () => ((Date.now() - started) / MINUTE).toFixed(1);

  const ours = async (): Promise<ChannelSummary[]> => (await rig.api.listChannels({})).channels.filter((c) => points.includes(c.fundingOutpoint));

  beforeAll(async () => {
    // 4,000 sat/kvB: 1,000 sat/kw.
    fees = await startFeeService(4_000);
    rig = await startInteropRig({ tls: true, name: 'lnd-funder-fees' });
    lnd = await startLnd(rig.btcd, {
      alias: 'lnd',
      args: [`--fee.url=${fees.url}`, '--fee.min-update-timeout=1s', '--fee.max-update-timeout=2s', '--max-commit-fee-rate-anchors=600'],
    });
    // One coin per channel: LND funds from confirmed coins only.
    for (let i = 0; i < CHANNELS; i++) await fundLnd(rig.btcd, lnd, 600_000n);
    await rig.api.connect({ address: lnd.address });
    await waitFor(async () => ((await lnd.listPeers()).includes(rig.g.daemon.nodeId) ? true : undefined), 'LND sees us');
    for (let i = 0; i < CHANNELS; i++) points.push(await lnd.openChannel(rig.g.daemon.nodeId, 500_000n, { pushSat: 100_000n, private: true }));
    await rig.mineUntil(async () => {
      const list = await ours();
      const theirs = await lnd.listChannels();
      return list.length === CHANNELS && list.every((c) => c.state === 'active' && c.lifecycle === 'active' && theirs.find((x) => x.channel_point === c.fundingOutpoint)?.active) ? true : undefined;
    }, 'LND\'s channels active on both sides');
    for (const c of await ours()) expect(c).toMatchObject({ funder: 'remote', feeratePerKw: 1_000 });
    expect((await ours())[0]!.channelType).toContain('anchors');
    // Every link started now: its fee timer ticks within the hour.
    fees.set(8_000);
  }, 300_000);

  afterAll(async () => {
    await fees?.close();
  });

  it('the first update_fee LND sends is taken: both commitments at LND\'s feerate, payments both ways after', async () => {
    const updated = await waitFor(async () => (await ours()).find((c) => c.feeratePerKw === 2_000), 'an update_fee from LND (its timer: 10 to 60 minutes)', 62 * MINUTE);
    console.log(`fees-lnd-funder: the first update_fee after ${mins()} min`);
    await waitFor(async () => ((await lnd.listChannels()).find((x) => x.channel_point === updated.fundingOutpoint)?.fee_per_kw === '2000' ? true : undefined), 'LND\'s commitment at 2,000 sat/kw');
    await waitFor(async () => ((await ours()).find((c) => c.channelId === updated.channelId)?.state === 'active' ? true : undefined), 'still active');
    // Before the next link's timer ticks at the too-high rate: a payment each way.
    const inv = await lnd.addInvoice(5_000_000n, 'after LND\'s update_fee');
    const r = await rig.g.cli('pay', inv.paymentRequest);
    expect(r.code, r.stderr).toBe(0);
    expect((r.json as PaymentInfo).status).toBe('succeeded');
    const ourInv = (await rig.api.createInvoice({ amountMsat: '6000000', description: 'paid by LND after its update_fee' })) as Bolt11InvoiceInfo;
    const paid = await payWhenRoutable(lnd, ourInv.bolt11);
    expect(paid.status, paid.failure_reason).toBe('SUCCEEDED');
    for (const c of await ours()) expect(c.failure).toBeNull();
  }, 65 * MINUTE);

  it('an update_fee above our maximum (120,000 sat/kw > 100,000) fails the channel with channel.feerate_too_high', async () => {
    fees.set(480_000);
    const failed = await waitFor(async () => (await ours()).find((c) => c.failure !== null), 'a too-high update_fee from LND (the next link\'s timer)', 62 * MINUTE);
    console.log(`fees-lnd-funder: the too-high update_fee after ${mins()} min`);
    expect(failed.failure!.code).toBe('channel.feerate_too_high');
    // Our commitment stayed at the last feerate we accepted.
    expect([1_000, 2_000]).toContain(failed.feeratePerKw);
  }, 65 * MINUTE);
});
