/**
 * core/node/async.ts without a chain tip: an async recipient (R) neither asks its LSP for offer
 * paths nor builds a static invoice (its payment paths' max_cltv_expiry would count from a made-up
 * height 0): `asyncOffer` says it waits for the tip; a payer refuses to pay a static invoice with a
 * typed `payments.no_chain_tip` before anything is kept or sent. Real nodes (real TCP on 127.0.0.1,
 * real SQLite files); R's time moved by hand (ManualClock) so that its ticks run when the test says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../core/crypto';
import { isGlasswingError } from '../../../core/errors';
import type { NodeEvent } from '../../../core/api';
import { buildInvoiceRequest } from '../../../core/offers';
import { Node } from '../../../core/node';
import { ManualClock } from '../../../core/runtime/clock';
import { waitFor } from '../../support/btcd';
import { tempDir } from '../../support/tmp';
import { node as testNode, staticInvoiceFor } from '../payments/async/support';

const T0 = 1_760_000_000_000;

async function open(alias: string, opts: Partial<Parameters<typeof Node.open>[0]> = {}): Promise<{ node: Node; address: string; events: NodeEvent[] }> {
  const node = await Node.open({ datadir: tempDir('glasswing-async-notip-'), alias, network: 'regtest', listen: { host: '127.0.0.1', port: 0 }, version: 'test', ...opts });
  const events: NodeEvent[] = [];
  node.events.subscribe((e) => events.push(e));
  const { listen } = await node.start();
  return { node, address: `${toHex(node.nodeId)}@${listen[0]}`, events };
}

describe('async payments before the chain tip is known', () => {
  let lsp: Awaited<ReturnType<typeof open>>;
  const nodes: Node[] = [];

  beforeAll(async () => {
    lsp = await open('lsp', { async: { role: 'lsp' }, heightWithoutChain: 800_000 });
    nodes.push(lsp.node);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('R without a tip waits for it: connected to its LSP, it asks for no offer paths and builds nothing; asyncOffer says why', async () => {
    const clock = new ManualClock(T0);
    const r = await open('r', { async: { role: 'recipient', lsp: lsp.address }, clock });
    nodes.push(r.node);
    clock.advance(0); // R dials its LSP
    await waitFor(() => (lsp.node.peers.isConnected(toHex(r.node.nodeId)) ? true : undefined), 'R connected to its LSP');
    for (let i = 0; i < 30; i++) clock.advance(1_000);
    expect(r.node.async.asyncOffer()).toMatchObject({ role: 'recipient', offer: null, slots: [], waitingFor: 'chain_tip' });
    expect(r.events.filter((e) => e.type.startsWith('async.'))).toEqual([]);
  });

  it('with a tip the same R waits for the next thing (a channel to its LSP), not for the tip', async () => {
    const clock = new ManualClock(T0);
    const r = await open('r2', { async: { role: 'recipient', lsp: lsp.address }, clock, heightWithoutChain: 800_000 });
    nodes.push(r.node);
    clock.advance(0);
    // Both ends: the LSP may list the connection a moment before R does (R would still say `lsp`).
    await waitFor(() => (lsp.node.peers.isConnected(toHex(r.node.nodeId)) && r.node.peers.isConnected(toHex(lsp.node.nodeId)) ? true : undefined), 'R connected to its LSP');
    expect(r.node.async.asyncOffer().waitingFor).toBe('lsp_channel');
  });

  it('a payer without a tip refuses a static invoice with payments.no_chain_tip, keeping and sending nothing', async () => {
    const p = await open('p', {});
    nodes.push(p.node);
    const recipient = testNode('R', 0x33);
    const { offer, invoice } = staticInvoiceFor(recipient, [recipient.pathTo(new Uint8Array([2]))], BigInt(Math.floor(Date.now() / 1000)));
    const payer = testNode('P', 0x55);
    const invoiceRequest = buildInvoiceRequest(offer, { payerId: payer.id, metadata: new Uint8Array(16).fill(1), amount: 1_000n }).sign(payer.secret, new Uint8Array(32)).bytes;
    let thrown: unknown;
    try {
      p.node.async.payStatic({ paymentId: 'no-tip', offer, invoiceRequest, amountMsat: 1_000n, staticInvoice: invoice.bytes });
    } catch (e) {
      thrown = e;
    }
    expect(isGlasswingError(thrown) && thrown.code).toBe('payments.no_chain_tip');
    expect(p.node.async.waitingPayment('no-tip')).toBeUndefined();
    expect(p.node.async.waitingPayments()).toEqual([]);
    expect(p.events.filter((e) => e.type.startsWith('async.'))).toEqual([]);
  });
});
