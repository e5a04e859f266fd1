/**
 * The PaymentsService inside real Nodes in this process (real PeerManagers over loopback TCP, real
 * SQLite files, a channel opened on an agreed outpoint): the claim is in the database before the
 * update_fulfill_htlc reaches the connection, the adapter signs by itself (no commit is called
 * here), its tick is a timer of the node's clock, a payment with no active first hop fails as
 * `payments.no_route`, the ids both ends derive for a channel agree, and a node that knows no block
 * height (no chain, no test height) refuses to pay with `payments.no_chain_tip`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { toHex } from '../../../core/crypto';
import type { NodeApi, NodeEvent } from '../../../core/api';
import { Node } from '../../../core/node';
import { createNodeApi } from '../../../core/api/node-api';
import { DATABASE_FILE } from '../../../core/store';
import { formatScid, outpointScid } from '../../../core/runtime/payments/service';
import { tempDir } from '../../support/tmp';
import { openTestChannel, testChannelSpec } from '../../support/channel-open';

interface TestNode {
  node: Node;
  api: NodeApi;
  id: string;
  datadir: string;
  address: string;
  events: NodeEvent[];
}

async function startNode(opts: { heightWithoutChain?: number } = { heightWithoutChain: 0 }): Promise<TestNode> {
  const datadir = tempDir('glasswing-payments-');
  const node = await Node.open({ datadir, alias: 'test', network: 'regtest', listen: { host: '127.0.0.1', port: 0 }, version: 'test', ...opts });
  const events: NodeEvent[] = [];
  node.events.subscribe((e) => events.push(e));
  const { listen } = await node.start();
  return { node, api: createNodeApi(node), id: toHex(node.nodeId), datadir, address: `${toHex(node.nodeId)}@${listen[0]}`, events };
}

async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('PaymentsService in two in-process nodes', () => {
  let a: TestNode;
  let b: TestNode;
  let channelId: string;

  const settled = () => {
    const sa = a.node.channels.inspect(channelId)!.stored.state;
    const sb = b.node.channels.inspect(channelId)!.stored.state;
    return sa.changes.length === 0 && sb.changes.length === 0 && !sa.remoteNextCommit && !sb.remoteNextCommit &&
      sa.localCommit.ctn === sb.remoteCommit.ctn && sb.localCommit.ctn === sa.remoteCommit.ctn && sa.localCommit.spec.htlcs.length === 0;
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([startNode(), startNode()]);
    await a.api.connect({ address: b.address, reconnect: true });
    await until(() => b.node.peers.isConnected(a.id), 'the inbound connection');
    channelId = openTestChannel({ service: a.node.channels, nodeId: a.id }, { service: b.node.channels, nodeId: b.id }, testChannelSpec());
  });

  afterAll(async () => {
    await Promise.all([a.node.stop(), b.node.stop()]);
  });

  it('stores the claim before its update_fulfill_htlc reaches the connection, and signs without being asked', async () => {
    const db = new BetterSqlite3(join(b.datadir, DATABASE_FILE), { readonly: true });
    const seen: boolean[] = [];
    const inv = await b.api.createInvoice({ amountMsat: '25000', description: 'tea' });
    const off = b.node.events.subscribe((e) => {
      if (e.type !== 'wire.message' || e.direction !== 'out' || e.messageType !== 'update_fulfill_htlc') return;
      const row = db.prepare('SELECT amount_msat FROM received_payments WHERE payment_hash = ?').get(inv.paymentHash) as { amount_msat: string } | undefined;
      const invoice = db.prepare('SELECT status FROM bolt11_invoices WHERE payment_hash = ?').get(inv.paymentHash) as { status: string };
      seen.push(row?.amount_msat === '25000' && invoice.status === 'paid');
    });
    try {
      const paid = await a.api.pay({ invoice: inv.bolt11 });
      expect(paid).toMatchObject({ status: 'succeeded', amountMsat: '25000', feeMsat: '0' });
      expect(seen).toEqual([true]);
      // Nobody here called commit: the adapters of both nodes signed until the HTLC was gone.
      await until(settled, 'the channel to settle');
      expect(a.node.channels.list()[0]!.localBalanceMsat).toBe((5_000_000_000n - 25_000n).toString());
    } finally {
      off();
      db.close();
    }
  });

  it('runs its tick on the node\'s clock, and lists what it did', async () => {
    expect(a.node.clock.timers().map((t) => t.name)).toContain('payments.tick');
    const { invoices } = await b.api.listBolt11Invoices({ status: 'paid' });
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ amountMsat: '25000', status: 'paid', paidMsat: '25000' });
    const { received } = await b.api.listReceived({});
    expect(received).toEqual([expect.objectContaining({ kind: 'bolt11', amountMsat: '25000', parts: 1 })]);
    const { payments } = await a.api.listPayments({});
    expect(payments.map((p) => p.status)).toEqual(['succeeded']);
    expect(payments[0]!.parts[0]!.route).toEqual([expect.objectContaining({ nodeId: b.id, amountMsat: '25000' })]);
    await expect(a.api.getPayment({ paymentId: 'nope' })).rejects.toMatchObject({ code: 'payments.not_found' });
  });

  it('fails a payment as payments.no_route when its only channel is offline', async () => {
    const inv = await b.api.createInvoice({ amountMsat: '1000', description: 'offline' });
    await a.api.disconnect({ nodeId: b.id, forget: true });
    await until(() => a.node.channels.list()[0]!.state === 'offline', 'the channel to go offline');
    const paid = await a.api.pay({ invoice: inv.bolt11 });
    expect(paid).toMatchObject({ status: 'failed', failure: { code: 'payments.no_route' } });
    expect(a.events.filter((e) => e.type === 'payment.failed').at(-1)).toMatchObject({ code: 'payments.no_route', paymentHash: inv.paymentHash });
  });

  it('names a channel by an id both ends derive from the funding outpoint, above any real block height', () => {
    const sa = a.node.channels.inspect(channelId)!.stored.state;
    const sb = b.node.channels.inspect(channelId)!.stored.state;
    expect(outpointScid(sa)).toBe(outpointScid(sb));
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 0xffff }), (txid, vout) => {
      const state = { ...sa, params: { ...sa.params, fundingOutpoint: { txid, vout } } };
      const scid = outpointScid(state);
      expect(scid >> 40n).toBeGreaterThanOrEqual(0x800000n);
      expect(scid < 1n << 64n).toBe(true);
      expect(formatScid(scid)).toMatch(/^\d+x\d+x\d+$/);
      const other = { ...sa, params: { ...sa.params, fundingOutpoint: { txid, vout: vout ^ 1 } } };
      expect(outpointScid(other)).not.toBe(scid);
    }));
  });
});

describe('PaymentsService without a block height', () => {
  it('refuses to pay with payments.no_chain_tip, before anything is stored; an invoice can still be made', async () => {
    const [payer, payee] = await Promise.all([startNode({}), startNode()]);
    try {
      const inv = await payee.api.createInvoice({ amountMsat: '1000', description: 'x' });
      await expect(payer.api.pay({ invoice: inv.bolt11, paymentId: 'no-height' })).rejects.toMatchObject({ code: 'payments.no_chain_tip' });
      await expect(payer.api.getPayment({ paymentId: 'no-height' })).rejects.toMatchObject({ code: 'payments.not_found' });
      expect((await payer.api.createInvoice({ amountMsat: '1000', description: 'y' })).status).toBe('unpaid');
    } finally {
      await Promise.all([payer.node.stop(), payee.node.stop()]);
    }
  });
});
