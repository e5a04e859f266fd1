/**
 * Multi-part payments and retries between node processes. A's channels to B and D are small (400,000
 * sat, all A's): a payment of 600,000,000 msat to C fits through neither alone, so A splits it
 * (basic_mpp), one part through each, and C claims the set once both arrived.
 *
 * Retries that learn from decoded onion failures: A has two ways to C
 * (A — B — C and A — D — C, both named by C's invoice's route hints). With the B–C connection down,
 * then (with B–C back) the D–C one, A pays C twice: whichever way A tries first, one of the two
 * payments meets the forwarder whose next hop is offline, decodes its temporary_channel_failure
 * (the erring node named), learns from it, and succeeds over the other way — the failed part and
 * the successful one both in the payment's record, B or D listing the refused forward.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bolt11InvoiceInfo, ChannelSummary, ForwardInfo, PaymentInfo } from '../../core/api';
import { HarnessNode, openHarnessChannel, waitFor } from '../support/channel-harness';
import { runCli } from '../support/daemon';
import { testChannelSpec } from '../support/channel-open';
import { connectToDaemon } from '../../main/cli/daemon-client';

async function cli<T>(node: HarnessNode, ...args: string[]): Promise<T> {
  const r = await runCli(['--datadir', node.datadir, ...args], { timeoutMs: 90_000 });
  if (r.code !== 0) throw new Error(`glasswing ${args.join(' ')} on ${node.name} exited ${r.code}: ${r.stderr}`);
  return r.json as T;
}

async function channelState(node: HarnessNode, channelId: string): Promise<string> {
  const { channels } = await cli<{ channels: ChannelSummary[] }>(node, 'listchannels');
  return channels.find((c) => c.channelId === channelId)!.state;
}

describe('a payment retried over another route after a decoded failure', { timeout: 180_000 }, () => {
  const [a, b, c, d] = ['A', 'B', 'C', 'D'].map((n) => new HarnessNode(n, undefined, { payments: true })) as [HarnessNode, HarnessNode, HarnessNode, HarnessNode];
  let bc: string;
  let dc: string;

  beforeAll(async () => {
    await Promise.all([a, b, c, d].map((n) => n.start()));
    await a.control('connect', { address: b.address });
    await a.control('connect', { address: d.address });
    await b.control('connect', { address: c.address });
    await d.control('connect', { address: c.address });
    const small = testChannelSpec({ fundingSat: 400_000n, pushMsat: 0n });
    await openHarnessChannel(a, b, small);
    await openHarnessChannel(a, d, { ...small, fundingOutpoint: testChannelSpec().fundingOutpoint });
    bc = await openHarnessChannel(b, c);
    dc = await openHarnessChannel(d, c);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([a, b, c, d].map((n) => n.stop()));
  });

  /** The forwarder drops its connection to C (and stops reconnecting); the channel goes offline on both ends. */
  async function cut(forwarder: HarnessNode, channelId: string): Promise<void> {
    await cli(forwarder, 'disconnect', c.nodeId);
    await waitFor(async () => (await channelState(forwarder, channelId)) === 'offline' && (await channelState(c, channelId)) === 'offline', `${forwarder.name}–C offline`);
  }

  async function mend(forwarder: HarnessNode, channelId: string): Promise<void> {
    await forwarder.control('connect', { address: c.address });
    await waitFor(async () => (await channelState(forwarder, channelId)) === 'active' && (await channelState(c, channelId)) === 'active', `${forwarder.name}–C active`);
  }

  it('splits a payment no single channel can carry into parts over both ways; C claims them as one', async () => {
    const inv = await cli<Bolt11InvoiceInfo>(c, 'invoice', '600000000', 'too big for one channel');
    const paid = await cli<PaymentInfo>(a, 'pay', inv.bolt11, '--max-fee-msat', '200000');
    expect(paid.status).toBe('succeeded');
    // The payment succeeds at the first fulfill (the preimage is ours); the other part's fulfill follows.
    const final = await waitFor(async () => {
      const { payments } = await cli<{ payments: PaymentInfo[] }>(a, 'listpayments');
      const p = payments.find((x) => x.paymentId === paid.paymentId)!;
      return p.parts.every((part) => part.status === 'succeeded' || part.status === 'failed') ? p : null;
    }, 'every part final');
    const done = final.parts.filter((p) => p.status === 'succeeded');
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.reduce((sum, p) => sum + BigInt(p.amountMsat), 0n)).toBe(600_000_000n);
    expect(new Set(done.map((p) => p.route[0]!.nodeId))).toEqual(new Set([b.nodeId, d.nodeId]));
    const client = await connectToDaemon(c.datadir);
    try {
      const { received } = await client.api.listReceived({});
      expect(received.find((r) => r.paymentHash === inv.paymentHash)).toMatchObject({ amountMsat: '600000000', parts: done.length });
    } finally {
      client.close();
    }
  });

  it('meets the offline hop once, learns, and pays over the other way', async () => {
    await cut(b, bc);
    const first = await cli<Bolt11InvoiceInfo>(c, 'invoice', '200000', 'first');
    const p1 = await cli<PaymentInfo>(a, 'pay', first.bolt11);
    expect(p1.status).toBe('succeeded');
    expect(p1.parts.at(-1)!.route.map((h) => h.nodeId)).toEqual([d.nodeId, c.nodeId]);
    await mend(b, bc);

    await cut(d, dc);
    const second = await cli<Bolt11InvoiceInfo>(c, 'invoice', '100000', 'second');
    const p2 = await cli<PaymentInfo>(a, 'pay', second.bolt11);
    expect(p2.status).toBe('succeeded');
    expect(p2.parts.at(-1)!.route.map((h) => h.nodeId)).toEqual([b.nodeId, c.nodeId]);

    // Whichever way A prefers, one payment tried it while it was down first.
    const retried = [p1, p2].filter((p) => p.parts.length > 1);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    for (const p of retried) {
      const [failed, ...rest] = p.parts;
      const forwarder = p === p1 ? b : d;
      expect(failed).toMatchObject({ status: 'failed', failure: { code: 'temporary_channel_failure', erringNode: forwarder.nodeId } });
      expect(rest.at(-1)!.status).toBe('succeeded');
      expect(p.attempts).toBe(p.parts.length);
      const { forwards } = await cli<{ forwards: ForwardInfo[] }>(forwarder, 'listforwards', '--status', 'refused');
      expect(forwards.map((f) => f.paymentHash)).toContain(p.paymentHash);
    }
  });
});
