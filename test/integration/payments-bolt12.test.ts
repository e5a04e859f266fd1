/**
 * BOLT 12 paid between real node processes: A pays B's offer with `pay OFFER` — the invoice is
 * fetched over onion messages (invoice_request → invoice with one blinded payment path, B as
 * introduction node), then paid over the A–B channel; B claims it through the authenticated
 * payment context in the path's path_id (no unpaid invoice is needed to claim it). A second
 * payment of the same invoice is refused; a second `pay OFFER` fetches a new invoice and pays again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, sha256, toHex } from '../../core/crypto';
import type { OfferInfo, PaymentInfo, ReceivedInfo } from '../../core/api';
import { HarnessNode, openHarnessChannel } from '../support/channel-harness';
import { runCli } from '../support/daemon';
import { connectToDaemon } from '../../main/cli/daemon-client';

async function cli<T>(node: HarnessNode, ...args: string[]): Promise<T> {
  const r = await runCli(['--datadir', node.datadir, ...args], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`glasswing ${args.join(' ')} on ${node.name} exited ${r.code}: ${r.stderr}`);
  return r.json as T;
}

async function received(node: HarnessNode): Promise<ReceivedInfo[]> {
  const client = await connectToDaemon(node.datadir);
  try {
    return (await client.api.listReceived({})).received;
  } finally {
    client.close();
  }
}

describe('BOLT 12 offers paid between node processes', { timeout: 90_000 }, () => {
  const a = new HarnessNode('A', undefined, { payments: true });
  const b = new HarnessNode('B', undefined, { payments: true });

  beforeAll(async () => {
    await Promise.all([a.start(), b.start()]);
    await a.control('connect', { address: b.address });
    await openHarnessChannel(a, b);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  it('A pays B\'s offer: the invoice fetched, paid over its blinded path, claimed through path_id', async () => {
    const { offer } = await cli<{ offer: OfferInfo }>(b, 'offer', '--description', 'a sticker', '--amount-msat', '60000');
    const paid = await cli<PaymentInfo>(a, 'pay', offer.bolt12);
    expect(paid).toMatchObject({ kind: 'bolt12', status: 'succeeded', amountMsat: '60000', feeMsat: '0', destination: null });
    expect(toHex(sha256(fromHex(paid.preimage!)))).toBe(paid.paymentHash);
    const got = (await received(b)).filter((r) => r.paymentHash === paid.paymentHash);
    expect(got).toEqual([expect.objectContaining({ kind: 'bolt12', amountMsat: '60000', offerId: offer.offerId, parts: 1 })]);

    // The same invoice again: refused by the payer. The offer again: a new invoice, a new payment.
    const { invoices } = await cli<{ invoices: { bolt12: string; paymentHash: string }[] }>(a, 'listinvoices', '--kind', 'bolt12', '--role', 'received');
    const invoice = invoices.find((i) => i.paymentHash === paid.paymentHash)!;
    const again = await runCli(['--datadir', a.datadir, 'pay', invoice.bolt12]);
    expect(again.code).toBe(1);
    expect(again.json).toMatchObject({ error: { code: 'payments.already_paid' } });
    const second = await cli<PaymentInfo>(a, 'pay', offer.bolt12);
    expect(second.status).toBe('succeeded');
    expect(second.paymentHash).not.toBe(paid.paymentHash);
  });
});
