/**
 * Persist before you promise, for payments: the payee is killed (SIGKILL) at the moment its claim
 * is durable and its update_fulfill_htlc not yet handed to the channel; after a restart and
 * channel_reestablish it fulfills the HTLC from what it stored — the payer's payment succeeds,
 * the invoice is paid once, one payment is received, and the balances moved exactly once.
 * A second kill, between the HTLC's lock-in and the claim, loses nothing either (the channel's
 * state brings the HTLC back to the cores at reconcile). And the payer killed with its part stored
 * and its update_add_htlc not yet sent: after the restart the part is known not sent (reconcile),
 * the payment tries again and succeeds — paid once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bolt11InvoiceInfo, PaymentInfo, ReceivedInfo } from '../../core/api';
import type { ChannelSummary } from '../../core/channel/events';
import { HarnessNode, openHarnessChannel, waitFor } from '../support/channel-harness';
import { runCli } from '../support/daemon';
import { connectToDaemon } from '../../main/cli/daemon-client';

async function cli<T>(node: HarnessNode, ...args: string[]): Promise<T> {
  const r = await runCli(['--datadir', node.datadir, ...args], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`glasswing ${args.join(' ')} on ${node.name} exited ${r.code}: ${r.stderr}`);
  return r.json as T;
}

async function channel(node: HarnessNode, channelId: string): Promise<ChannelSummary> {
  const { channels } = await cli<{ channels: ChannelSummary[] }>(node, 'listchannels');
  return channels.find((c) => c.channelId === channelId)!;
}

async function settled(x: HarnessNode, y: HarnessNode, channelId: string): Promise<[ChannelSummary, ChannelSummary]> {
  return waitFor(async () => {
    const [cx, cy] = await Promise.all([channel(x, channelId), channel(y, channelId)]);
    return cx.numHtlcs === 0 && cy.numHtlcs === 0 && cx.state === 'active' && cy.state === 'active' && cx.localCtn === cy.remoteCtn && cy.localCtn === cx.remoteCtn
      ? ([cx, cy] as [ChannelSummary, ChannelSummary])
      : null;
  }, `channel ${channelId} settled between ${x.name} and ${y.name}`, 60_000);
}

async function received(node: HarnessNode): Promise<ReceivedInfo[]> {
  const client = await connectToDaemon(node.datadir);
  try {
    return (await client.api.listReceived({})).received;
  } finally {
    client.close();
  }
}

describe('a payee killed mid-payment', { timeout: 120_000 }, () => {
  const a = new HarnessNode('A', undefined, { payments: true });
  const b = new HarnessNode('B', undefined, { payments: true });
  let ab: string;

  beforeAll(async () => {
    await Promise.all([a.start(), b.start()]);
    await a.control('connect', { address: b.address });
    ab = await openHarnessChannel(a, b);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  it('killed after its claim is stored and before its fulfill leaves: claimed exactly once after the restart', async () => {
    const [before] = await settled(a, b, ab);
    const inv = await cli<Bolt11InvoiceInfo>(b, 'invoice', '70000', 'crash');
    await b.control('arm_kill_on_claim');
    const paying = cli<PaymentInfo>(a, 'pay', inv.bolt11, '--no-wait');
    const exit = await b.exited;
    expect(exit.signal).toBe('SIGKILL');
    const started = await paying;
    expect(started.status).toBe('pending');
    // The fulfill never left: A's payment is still in flight.
    const { payments } = await cli<{ payments: PaymentInfo[] }>(a, 'listpayments');
    expect(payments.find((p) => p.paymentId === started.paymentId)?.status).toBe('pending');

    await b.start();
    // A reconnects by itself (it dialled B with reconnect); channel_reestablish; B fulfills from its store.
    const done = await waitFor(async () => {
      const { payments } = await cli<{ payments: PaymentInfo[] }>(a, 'listpayments');
      const p = payments.find((x) => x.paymentId === started.paymentId);
      return p && p.status !== 'pending' ? p : null;
    }, 'the payment to complete after the restart', 90_000);
    expect(done.status).toBe('succeeded');

    const [ca, cb] = await settled(a, b, ab);
    expect(BigInt(ca.localBalanceMsat)).toBe(BigInt(before.localBalanceMsat) - 70_000n);
    expect(BigInt(cb.remoteBalanceMsat)).toBe(BigInt(before.localBalanceMsat) - 70_000n);
    const { bolt11 } = await cli<{ bolt11: Bolt11InvoiceInfo[] }>(b, 'listinvoices', '--kind', 'bolt11');
    expect(bolt11.find((i) => i.paymentHash === inv.paymentHash)).toMatchObject({ status: 'paid', paidMsat: '70000' });
    const got = (await received(b)).filter((r) => r.paymentHash === inv.paymentHash);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ amountMsat: '70000', parts: 1 });
  });

  it('killed after the HTLC is locked in and before any claim: the restart claims it from the channel state', async () => {
    const [before] = await settled(a, b, ab);
    const inv = await cli<Bolt11InvoiceInfo>(b, 'invoice', '40000', 'crash before claim');
    // A's revoke_and_ack arrives at B: the step that locks the incoming HTLC in is persisted, and B dies before the payment cores see it.
    await b.control('arm_kill_on_update', { cause: 'revoke_and_ack' });
    const paying = cli<PaymentInfo>(a, 'pay', inv.bolt11, '--no-wait');
    await b.exited;
    const started = await paying;
    await b.start();
    const done = await waitFor(async () => {
      const { payments } = await cli<{ payments: PaymentInfo[] }>(a, 'listpayments');
      const p = payments.find((x) => x.paymentId === started.paymentId);
      return p && p.status !== 'pending' ? p : null;
    }, 'the payment to complete after the restart', 90_000);
    expect(done.status).toBe('succeeded');
    const [ca] = await settled(a, b, ab);
    expect(BigInt(ca.localBalanceMsat)).toBe(BigInt(before.localBalanceMsat) - 40_000n);
    expect((await received(b)).filter((r) => r.paymentHash === inv.paymentHash)).toHaveLength(1);
  });

  it('the payer killed after its part is stored and before its add leaves: the payment goes on after the restart and pays once', async () => {
    const [before] = await settled(a, b, ab);
    const inv = await cli<Bolt11InvoiceInfo>(b, 'invoice', '30000', 'payer crash');
    // The add is not written by itself (only with the commitment that covers it): A dies with its part
    // stored as being added and the update_add_htlc nowhere but in memory.
    await a.control('arm_kill_on_update', { cause: 'add_htlc', unpersisted: true });
    // The CLI's connection dies with A: its answer is an error, the payment is in A's store.
    const paying = runCli(['--datadir', a.datadir, 'pay', inv.bolt11, '--timeout', '120']);
    await a.exited;
    await paying;
    await a.start();
    const done = await waitFor(async () => {
      const { payments } = await cli<{ payments: PaymentInfo[] }>(a, 'listpayments');
      const p = payments.find((x) => x.paymentHash === inv.paymentHash);
      return p && p.status !== 'pending' ? p : null;
    }, 'the payment to complete after the payer\'s restart', 90_000);
    expect(done.status).toBe('succeeded');
    // Part 0 was never sent (reconcile: not in the channel); what followed delivered the amount once —
    // as one part or, the failed amount now bounded on that channel by the failure memory, in halves.
    expect(done.parts[0]).toMatchObject({ status: 'failed', failure: { code: 'not_sent' } });
    const sent = done.parts.filter((p) => p.status === 'succeeded');
    expect(sent.reduce((sum, p) => sum + BigInt(p.amountMsat), 0n)).toBe(30_000n);
    const [ca] = await settled(a, b, ab);
    expect(BigInt(ca.localBalanceMsat)).toBe(BigInt(before.localBalanceMsat) - 30_000n);
    expect((await received(b)).filter((r) => r.paymentHash === inv.paymentHash)).toHaveLength(1);
  });
});
