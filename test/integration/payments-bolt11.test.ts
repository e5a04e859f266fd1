/**
 * BOLT 11 payments between real node processes (test/support/channel-node.ts with `--payments`:
 * the daemon's Node, its payments adapter and API server), over channels opened on an agreed
 * outpoint, A — B — C, driven through the CLI: A pays B's invoice directly; A pays C's invoice
 * through B (B forwards and earns its fee; C's invoice carries the route hint for its private
 * channel); an invoice paid twice is refused (by the payer, and by the payee for another payer);
 * a payment to a hash the payee never issued fails with incorrect_or_unknown_payment_details and
 * the payer records it; bad CLI input is a usage error before anything reaches the node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256, fromHex, toHex } from '../../core/crypto';
import type { Bolt11InvoiceInfo, ForwardInfo, NodeEvent, PaymentInfo, RouteInfoResult } from '../../core/api';
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

/** Both ends show no HTLC left on the channel (everything settled and signed). */
async function settled(x: HarnessNode, y: HarnessNode, channelId: string): Promise<[ChannelSummary, ChannelSummary]> {
  return waitFor(async () => {
    const [cx, cy] = await Promise.all([channel(x, channelId), channel(y, channelId)]);
    return cx.numHtlcs === 0 && cy.numHtlcs === 0 && cx.localCtn === cy.remoteCtn && cy.localCtn === cx.remoteCtn ? ([cx, cy] as [ChannelSummary, ChannelSummary]) : null;
  }, `channel ${channelId} settled between ${x.name} and ${y.name}`);
}

async function events(node: HarnessNode, prefix: string): Promise<NodeEvent[]> {
  const client = await connectToDaemon(node.datadir);
  try {
    const { events: list } = await client.api.recentEvents({ limit: 5000 });
    return list.filter((e) => e.type.startsWith(prefix));
  } finally {
    client.close();
  }
}

describe('BOLT 11 payments between node processes', { timeout: 90_000 }, () => {
  const a = new HarnessNode('A', undefined, { payments: true });
  const b = new HarnessNode('B', undefined, { payments: true });
  const c = new HarnessNode('C', undefined, { payments: true });
  let ab: string;
  let bc: string;

  beforeAll(async () => {
    await Promise.all([a.start(), b.start(), c.start()]);
    await a.control('connect', { address: b.address });
    await b.control('connect', { address: c.address });
    ab = await openHarnessChannel(a, b);
    bc = await openHarnessChannel(b, c);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a.stop(), b.stop(), c.stop()]);
  });

  it('A pays B\'s invoice directly: preimage, no fee, the invoice paid, the balances moved', async () => {
    const before = await channel(a, ab);
    const inv = await cli<Bolt11InvoiceInfo>(b, 'invoice', '50000', 'a', 'coffee');
    expect(inv).toMatchObject({ amountMsat: '50000', description: 'a coffee', status: 'unpaid', preimage: null, minFinalCltvExpiryDelta: 18 });
    // Signed by B, with its payment_secret and a route hint for each of its (private) channels.
    const decoded = await cli<{ valid: boolean; fields: { payee_pubkey: string; payment_secret: string; route_hints: { pubkey: string }[][] } }>(
      b, 'decode', inv.bolt11, '--network', 'regtest');
    expect(decoded.valid).toBe(true);
    expect(decoded.fields.payee_pubkey).toBe(b.nodeId);
    expect(decoded.fields.payment_secret).toMatch(/^[0-9a-f]{64}$/);
    expect(decoded.fields.route_hints.map((r) => r[0]!.pubkey).sort()).toEqual([a.nodeId, c.nodeId].sort());

    const paid = await cli<PaymentInfo>(a, 'pay', inv.bolt11);
    expect(paid).toMatchObject({ status: 'succeeded', amountMsat: '50000', feeMsat: '0', destination: b.nodeId, paymentHash: inv.paymentHash });
    expect(toHex(sha256(fromHex(paid.preimage!)))).toBe(inv.paymentHash);
    expect(paid.parts).toHaveLength(1);
    expect(paid.parts[0]!.route.map((h) => h.nodeId)).toEqual([b.nodeId]);

    const [ca, cb] = await settled(a, b, ab);
    expect(BigInt(ca.localBalanceMsat)).toBe(BigInt(before.localBalanceMsat) - 50_000n);
    expect(BigInt(cb.localBalanceMsat)).toBe(BigInt(before.remoteBalanceMsat) + 50_000n);
    const listed = await cli<{ bolt11: Bolt11InvoiceInfo[] }>(b, 'listinvoices', '--kind', 'bolt11');
    expect(listed.bolt11.find((i) => i.paymentHash === inv.paymentHash)).toMatchObject({ status: 'paid', paidMsat: '50000', preimage: paid.preimage });

    // Every step is an event; none carries a secret.
    const sent = await events(a, 'payment.');
    expect(sent.filter((e) => 'paymentId' in e && e.paymentId === paid.paymentId).map((e) => e.type)).toEqual(['payment.started', 'payment.part_sent', 'payment.succeeded']);
    const received = await events(b, 'payment.');
    expect(received.map((e) => e.type)).toEqual(expect.arrayContaining(['payment.invoice_created', 'payment.htlc_accepted', 'payment.received']));
    expect(JSON.stringify([...sent, ...received])).not.toContain(paid.preimage!);
  });

  it('A pays C\'s invoice through B: B forwards, earns its fee, and lists the forward', async () => {
    const inv = await cli<Bolt11InvoiceInfo>(c, 'invoice', '100000', 'a book');
    const paid = await cli<PaymentInfo>(a, 'pay', inv.bolt11, '--max-fee-msat', '5000');
    // B's default policy: 1,000 msat + 100 ppm of the forwarded amount (BOLT 7 fee on the outgoing amount).
    const fee = 1_000n + (100_000n * 100n) / 1_000_000n;
    expect(paid).toMatchObject({ status: 'succeeded', amountMsat: '100000', feeMsat: fee.toString(), destination: c.nodeId });
    expect(paid.parts[0]!.route.map((h) => h.nodeId)).toEqual([b.nodeId, c.nodeId]);
    expect(paid.parts[0]!.route[0]!.amountMsat).toBe((100_000n + fee).toString());

    await Promise.all([settled(a, b, ab), settled(b, c, bc)]);
    const fwd = await cli<{ forwards: ForwardInfo[]; feesEarnedMsat: string }>(b, 'listforwards');
    expect(fwd.forwards).toHaveLength(1);
    expect(fwd.forwards[0]).toMatchObject({ inChannelId: ab, outChannelId: bc, status: 'fulfilled', feeMsat: fee.toString(), outAmountMsat: '100000' });
    expect(fwd.feesEarnedMsat).toBe(fee.toString());
    expect((await events(b, 'forward.')).map((e) => e.type)).toEqual(['forward.offered', 'forward.settled']);
    const payments = await cli<{ payments: PaymentInfo[] }>(a, 'listpayments', '--status', 'succeeded');
    expect(payments.payments.map((p) => p.paymentHash)).toContain(inv.paymentHash);
  });

  it('getroute finds our direct peer and reports no route where none is known', async () => {
    const route = await cli<RouteInfoResult>(a, 'getroute', b.nodeId, '20000');
    expect(route).toMatchObject({ amountMsat: '20000', feeMsat: '0', hops: [{ nodeId: b.nodeId, amountMsat: '20000', cltvExpiryDelta: 18 }] });
    const none = await runCli(['--datadir', a.datadir, 'getroute', c.nodeId, '20000']);
    // Without gossip A does not know the B–C channel (it is private): only an invoice's hints name it.
    expect(none.code).toBe(1);
    expect(none.json).toMatchObject({ error: { code: 'routing.no_route' } });
  });

  it('an invoice paid twice is refused: by the payer, and by the payee when another node pays it', async () => {
    const inv = await cli<Bolt11InvoiceInfo>(b, 'invoice', '30000', 'once only');
    expect((await cli<PaymentInfo>(a, 'pay', inv.bolt11)).status).toBe('succeeded');
    const again = await runCli(['--datadir', a.datadir, 'pay', inv.bolt11]);
    expect(again.code).toBe(1);
    expect(again.json).toMatchObject({ error: { code: 'payments.already_paid' } });
    // The same id again is the same payment (idempotent), not a second one.
    const first = await cli<{ payments: PaymentInfo[] }>(a, 'listpayments');
    const id = first.payments.find((p) => p.paymentHash === inv.paymentHash)!.paymentId;
    const same = await cli<PaymentInfo>(a, 'pay', inv.bolt11, '--payment-id', id);
    expect(same).toMatchObject({ paymentId: id, status: 'succeeded' });

    // C pays the same invoice: B refuses it (BOLT 4: paid already → incorrect_or_unknown_payment_details).
    await settled(b, c, bc);
    const refused = await cli<PaymentInfo>(c, 'pay', inv.bolt11);
    expect(refused.status).toBe('failed');
    expect(refused.failure?.code).toBe('payments.rejected');
    expect(refused.parts[0]!.failure).toMatchObject({ code: 'incorrect_or_unknown_payment_details', erringNode: b.nodeId });
    const paidOnce = await cli<{ bolt11: Bolt11InvoiceInfo[] }>(b, 'listinvoices', '--kind', 'bolt11');
    expect(paidOnce.bolt11.find((i) => i.paymentHash === inv.paymentHash)).toMatchObject({ status: 'paid', paidMsat: '30000' });
  });

  it('a payment to a hash the payee never issued fails with incorrect_or_unknown_payment_details, and A records it', async () => {
    await settled(a, b, ab);
    const before = await channel(a, ab);
    const bolt11 = await b.control<string>('foreign_invoice', { amountMsat: '20000' });
    const failed = await cli<PaymentInfo>(a, 'pay', bolt11);
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'payments.rejected' }, preimage: null });
    expect(failed.parts[0]!.failure).toMatchObject({ code: 'incorrect_or_unknown_payment_details', erringNode: b.nodeId });
    const list = await cli<{ payments: PaymentInfo[] }>(a, 'listpayments', '--status', 'failed');
    expect(list.payments.map((p) => p.paymentId)).toContain(failed.paymentId);
    const [after] = await settled(a, b, ab);
    expect(after.localBalanceMsat).toBe(before.localBalanceMsat);
    const refused = await events(b, 'payment.htlc_refused');
    expect(refused.at(-1)).toMatchObject({ code: 'incorrect_or_unknown_payment_details' });
  });

  it('bad CLI input is a usage error (exit 2) or the node\'s typed error, never a crash', async () => {
    const run = (node: HarnessNode, ...args: string[]) => runCli(['--datadir', node.datadir, ...args]);
    const cases = [
      ['invoice', 'abc', 'coffee'], ['invoice', '1000'], ['invoice', '1000', 'x', '--expiry', '0'],
      ['pay', 'hello'], ['pay', 'lnr1qgsqvgnwgcg35z6ee2h3yczraddm72xrfua9uve2rlrm9deu7xyfzrc'],
      ['pay', 'lnbcrt1x', '--amount-msat', 'ten'], ['pay', 'lnbcrt1x', '--payment-id', 'no spaces allowed'],
      ['getroute', 'zz', '1'], ['getroute', b.nodeId, '0'], ['listpayments', '--status', 'done'], ['listinvoices', '--kind', 'bolt13'],
    ];
    const results = await Promise.all(cases.map((args) => run(a, ...args)));
    results.forEach((r, i) => {
      expect(r.code, cases[i]!.join(' ')).toBe(2);
      expect(r.json, cases[i]!.join(' ')).toMatchObject({ error: { code: 'cli.usage' } });
    });
    // A well-formed string that is not a valid invoice reaches the node and comes back as its typed error.
    const bad = await run(a, 'pay', 'lnbcrt1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpuaztrnwngzn3kdzw5hydlzf03qdgm2hdq27cqv3agm2awhz5se903vruatfhq77w3ls4evs3ch9zw97j25emudupq63nyw24cg27h2rspfj9srp');
    expect(bad.code).toBe(1);
    expect((bad.json as { error: { code: string } }).error.code).toMatch(/^bolt11\.|^payments\./);
    // The node is still there.
    expect((await cli<{ nodeId: string }>(a, 'getinfo')).nodeId).toBe(a.nodeId);
  }, 120_000);
});
