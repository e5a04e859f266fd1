/**
 * L2 passes a payer's invoice_request on to its recipient even when R is offline (issue 16: "forwards the request to R
 * (through the mailbox if R is offline)"): it answers with the static invoice at once, keeps the request for R at most
 * 60 s, and hands it over once R is back with its channel to L2 reestablished — then R has a usable channel and answers
 * with an ordinary invoice (an LDK 0.2 R answering before that sends invoice_error, MissingPaths, on which an LDK payer
 * abandons the payment: why the messenger's mailbox, which writes on connection, is not used for it). The payer, already
 * paying the static invoice, ignores R's invoice: the payment is made once, released by R.
 *
 * Real nodes in one process: real TCP on 127.0.0.1, real SQLite files, test channels between their ChannelServices.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../core/crypto';
import { createNodeApi } from '../../../core/api/node-api';
import { Node } from '../../../core/node';
import { openTestChannel } from '../../support/channel-open';
import { waitFor } from '../../support/btcd';
import { tempDir } from '../../support/tmp';

describe('an invoice_request for an offline recipient', () => {
  const nodes: Node[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
  });

  async function open(alias: string, async: Record<string, unknown>, datadir = tempDir(`glasswing-async-held-${alias}-`)) {
    const node = await Node.open({ datadir, alias, network: 'regtest', listen: { host: '127.0.0.1', port: 0 }, version: 'test', heightWithoutChain: 800_000, async });
    nodes.push(node);
    const { listen } = await node.start();
    return { node, api: createNodeApi(node), datadir, address: `${toHex(node.nodeId)}@${listen[0]}`, id: toHex(node.nodeId) };
  }

  it('is answered with the static invoice at once and reaches R when it is back with its channel; R\'s invoice is ignored, the payment made once', async () => {
    const lsp = await open('lsp', { role: 'lsp' });
    const rAsync = { role: 'recipient', lsp: lsp.address };
    let r = await open('r', rAsync);
    const p = await open('p', { role: 'payer', lsp: lsp.address });
    await waitFor(() => (lsp.node.peers.isConnected(r.id) && lsp.node.peers.isConnected(p.id) && p.node.peers.isConnected(lsp.id) ? true : undefined), 'R and P connected to the LSP');
    openTestChannel({ service: p.node.channels, nodeId: p.id }, { service: lsp.node.channels, nodeId: lsp.id });
    openTestChannel({ service: lsp.node.channels, nodeId: lsp.id }, { service: r.node.channels, nodeId: r.id });
    const info = await waitFor(() => (r.node.async.asyncOffer().offer ? r.node.async.asyncOffer() : undefined), 'R\'s offer ready at the LSP', 30_000);
    const offerId = info.slots.find((s) => s.status === 'ready')!.offerId!;
    await waitFor(() => (p.node.async.holdingPeer() === lsp.id ? true : undefined), 'P sees its LSP hold HTLCs');
    await r.node.stop();
    nodes.splice(nodes.indexOf(r.node), 1);
    await waitFor(() => (lsp.node.peers.isConnected(r.id) ? undefined : true), 'R gone at the LSP');

    const served: { forwarded: boolean }[] = [];
    const off = lsp.node.events.subscribe((e) => {
      if (e.type === 'async.static_invoice_served') served.push(e);
    });
    const pending = await p.api.pay({ invoice: info.offer!, amountMsat: '42000', wait: false });
    expect(pending).toMatchObject({ kind: 'async', status: 'pending' });
    // The static invoice answered at once: the LSP holds P's HTLC while R is away; the request waits for R.
    await waitFor(async () => ((await lsp.api.listHeldHtlcs({})).held.length === 1 ? true : undefined), 'the HTLC held at the LSP', 30_000);
    expect(served).toEqual([expect.objectContaining({ forwarded: false })]);
    off();

    // R returns within the minute: the request reaches it after its channel is reestablished, and R answers it.
    r = await open('r', rAsync, r.datadir);
    const issued = await waitFor(async () => (await r.api.listInvoices({ role: 'issued', offerId })).invoices[0], 'R answered the request that waited for it', 30_000);
    expect(issued).toMatchObject({ offerId, amountMsat: '42000', nodeId: r.id });
    const paid = await waitFor(async () => {
      const x = await p.api.getPayment({ paymentId: pending.paymentId });
      return x.status !== 'pending' ? x : undefined;
    }, 'the payment settled', 60_000);
    // Paid once, with the static invoice's preimage (P's), not over R's later invoice.
    expect(paid).toMatchObject({ status: 'succeeded', kind: 'async', paymentHash: pending.paymentHash });
    expect(issued.paymentHash).not.toBe(paid.paymentHash);
    expect((await r.api.listReceived({})).received.map((x) => x.paymentHash)).toEqual([paid.paymentHash]);
    expect((await p.api.listPayments({})).payments.map((x) => x.paymentId)).toEqual([pending.paymentId]);
  }, 120_000);
});
