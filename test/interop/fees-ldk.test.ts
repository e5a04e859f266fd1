/**
 * update_fee with our LDK 0.2 test peer (test/interop/ldk-peer) on btcd (issue 14, remaining item 1).
 * The LDK peer offers static_remotekey channels (no anchors). Our estimate comes from a fee service
 * on 127.0.0.1 (`--fee-url`, test/support/fee-service.ts); LDK's from its `set_channel_feerate`
 * command (it then sends update_fee as funder at its next timer tick).
 * - We are funder: the service moves, we send update_fee up and down (BOLT 2: the funder "SHOULD
 *   send update_fee to ensure the current fee rate is sufficient"), LDK takes each, a payment after
 *   succeeds, and our force close confirms a commitment paying exactly the last feerate (BOLT 3:
 *   weight 724 without anchors).
 * - LDK is funder: its update_fee within our bounds is taken (both commitments at its rate, a
 *   payment after succeeds), also with our HTLC in flight (LDK holds the claim: `hold_claims`,
 *   `release_claims`); an absurd one (150,000 sat/kw, above our 100,000) is refused — BOLT 2
 *   update_fee receiver: "if the update_fee is too low for timely processing, OR is unreasonably
 *   large: MUST send a warning and close the connection, or send an error and fail the channel" —
 *   with our typed `feerate_too_high`; LDK closes, and the commitment that confirms pays the last
 *   feerate we accepted, never the absurd one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bolt11InvoiceInfo, ChannelSummary, FundChannelResult, PaymentInfo } from '../../core/api';
import { waitFor } from '../support/btcd';
import { startFeeService, type FeeService } from '../support/fee-service';
import type { LdkChannel, LdkPeer } from '../support/ldk-peer';
import { minedUsableWithLdk, peerConnected, startConnectedLdk, startInteropRig, type InteropRig } from '../support/interop-rig';

/** BOLT 3 "Fee Calculation": the base weight of a commitment without anchors. */
const COMMITMENT_WEIGHT = 724;
const fee = (perKw: number) => BigInt(Math.floor((perKw * COMMITMENT_WEIGHT) / 1000));

describe('update_fee with the LDK 0.2 peer on btcd', () => {
  let rig: InteropRig;
  let ldk: LdkPeer;
  let fees: FeeService;

  /** Both sides' commitments at `perKw`. */
  async function atFeerate(channelId: string, perKw: number): Promise<{ ours: ChannelSummary; theirs: LdkChannel }> {
    return await waitFor(async () => {
      const ours = await rig.ours(channelId);
      const theirs = (await ldk.listChannels()).find((x) => x.channel_id === channelId);
      return ours?.feeratePerKw === perKw && ours.state === 'active' && theirs?.feerate_per_kw === perKw ? { ours, theirs } : undefined;
    }, `both commitments at ${perKw} sat/kw`, 60_000);
  }
  const activeBoth = (channelId: () => Promise<string | undefined>) => minedUsableWithLdk(rig, ldk, channelId);

  beforeAll(async () => {
    // 10,000 sat/kvB is 2,500 sat/kw: LDK's own default commitment feerate, so both start agreeing.
    fees = await startFeeService(10_000);
    rig = await startInteropRig({ name: 'ldk-fees', depositSat: 3_000_000n, daemonArgs: ['--fee-url', fees.url, '--fee-poll-ms', '1000'] });
    ldk = await startConnectedLdk(rig, 2_000_000n);
  }, 300_000);

  afterAll(async () => {
    await fees?.close();
  });

  it('we are funder: update_fee up and down, LDK takes each, a payment after; our force close pays the last feerate', async () => {
    const r = await rig.g.cli('openchannel', ldk.nodeId, '600000', '--push-msat', '50000000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    const c = await activeBoth(async () => opened.channelId);
    expect(c.feeratePerKw).toBe(2_500);
    fees.set(20_000);
    await atFeerate(c.channelId, 5_000);
    const inv = await ldk.call<{ invoice: string; payment_hash: string }>('create_invoice', { amount_msat: 9_000_000, description: 'after update_fee' });
    const paid = await rig.g.cli('pay', inv.invoice);
    expect(paid.code, paid.stderr).toBe(0);
    expect((paid.json as PaymentInfo).status).toBe('succeeded');
    fees.set(6_000);
    await atFeerate(c.channelId, 1_500);
    await waitFor(async () => ((await rig.ours(c.channelId))?.numHtlcs === 0 ? true : undefined), 'no HTLC left');
    await rig.api.disconnect({ nodeId: ldk.nodeId });
    const forced = await rig.g.cli('closechannel', c.channelId, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    const closed = await rig.mineUntil(async () => {
      const v = await rig.closedView(c.channelId);
      return v?.onChain.closing?.kind === 'local' ? v : undefined;
    }, 'our commitment confirmed');
    expect(await rig.feeOf(closed.onChain.closing!.txid)).toBe(fee(1_500));
    await rig.api.connect({ address: ldk.address });
    await peerConnected(rig.api, ldk.nodeId);
  }, 300_000);

  it('LDK is funder: its update_fee within our bounds is taken, with an HTLC in flight too; an absurd one is refused with feerate_too_high and the last accepted commitment confirms', async () => {
    const known = new Set((await ldk.listChannels()).map((x) => x.channel_id));
    await ldk.call('open_channel', { node_id: rig.g.daemon.nodeId, amount_sat: 1_000_000, push_msat: 100_000_000 });
    const c = await activeBoth(async () => (await ldk.listChannels()).find((x) => x.is_outbound && x.funding_txid !== null && !known.has(x.channel_id))?.channel_id);
    expect(c.funder).toBe('remote');
    await ldk.call('set_channel_feerate', { per_kw: 4_000 });
    await atFeerate(c.channelId, 4_000);
    const inv = (await rig.api.createInvoice({ amountMsat: '12000000', description: 'paid by ldk after its update_fee' })) as Bolt11InvoiceInfo;
    await ldk.call('pay_invoice', { invoice: inv.bolt11 });
    const sent = await ldk.waitForEvent((e) => (e.event === 'PaymentSent' || e.event === 'PaymentFailed') && e.payment_hash === inv.paymentHash, 60_000, 'LDK\'s payment outcome');
    expect(sent.event, JSON.stringify(sent)).toBe('PaymentSent');
    await waitFor(async () => ((await rig.ours(c.channelId))?.numHtlcs === 0 ? true : undefined), 'no HTLC left');

    // LDK's update_fee with our HTLC in flight: LDK holds our payment's HTLC (claimable, not claimed).
    await ldk.call('hold_claims');
    const held = await ldk.call<{ invoice: string; payment_hash: string }>('create_invoice', { amount_msat: 8_000_000, description: 'held by ldk' });
    const paying = rig.g.cli('pay', held.invoice);
    await ldk.waitForEvent((e) => e.event === 'PaymentClaimable' && e.payment_hash === held.payment_hash, 30_000, 'our HTLC claimable at LDK');
    await waitFor(async () => {
      const theirs = (await ldk.listChannels()).find((x) => x.channel_id === c.channelId);
      return (await rig.ours(c.channelId))?.numHtlcs === 1 && theirs?.pending_inbound_htlcs === 1 ? true : undefined;
    }, 'our HTLC held by LDK');
    await ldk.call('set_channel_feerate', { per_kw: 6_000 });
    const moved = await atFeerate(c.channelId, 6_000);
    expect(moved.ours.numHtlcs).toBe(1);
    expect(await ldk.call<{ released: number }>('release_claims')).toEqual({ released: 1 });
    const paid = await paying;
    expect(paid.code, paid.stderr).toBe(0);
    expect((paid.json as PaymentInfo).status).toBe('succeeded');
    await waitFor(async () => ((await rig.ours(c.channelId))?.numHtlcs === 0 ? true : undefined), 'no HTLC left');

    await ldk.call('set_channel_feerate', { per_kw: 150_000 });
    const failed = await waitFor(async () => {
      const ours = await rig.ours(c.channelId);
      return ours?.failure ? ours : undefined;
    }, 'our channel failed', 60_000);
    expect(failed.failure!.code).toContain('feerate_too_high');
    expect(failed.feeratePerKw).toBe(6_000);
    const closed = await rig.mineUntil(async () => {
      const v = await rig.closedView(c.channelId);
      return v?.onChain.closing ? v : undefined;
    }, 'a commitment confirmed');
    expect(await rig.feeOf(closed.onChain.closing!.txid)).toBe(fee(6_000));
  }, 300_000);
});
