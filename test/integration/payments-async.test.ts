/**
 * Async payments (issue 16; lightning/bolts#1149, LDK 0.2 numbers) between real node processes on
 * channels P–LSP–R, the LSP playing L1 (it holds the HTLC) and L2 (it serves R's static invoice and
 * keeps R's mailbox) at once: R gets its offer served by the LSP and goes offline (process stopped);
 * P pays the offer — the LSP answers with R's static invoice, P sends its HTLC with hold_htlc and,
 * with the release path from the LSP's revoke_and_ack, held_htlc_available to R's mailbox; the LSP
 * holds the HTLC, and keeps it through its own restart; R comes back, finds held_htlc_available,
 * sends release_held_htlc, and is paid (the onion's invoice_request verified, the preimage P picked).
 * A payer without an async role (Q) holds the payment itself: it is listed, survives kill -9 of Q
 * (migration 17) and is paid when R releases it after Q's restart. Run with each wire profile.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, sha256, toHex } from '../../core/crypto';
import type { NodeApi } from '../../core/api';
import { HarnessNode, openHarnessChannel, waitFor } from '../support/channel-harness';
import { connectToDaemon } from '../../main/cli/daemon-client';

async function api<T>(node: HarnessNode, fn: (api: NodeApi) => Promise<T>): Promise<T> {
  const client = await connectToDaemon(node.datadir);
  try {
    return await fn(client.api);
  } finally {
    client.close();
  }
}

function configure(node: HarnessNode, async: Record<string, unknown>): void {
  writeFileSync(join(node.datadir, 'config.json'), JSON.stringify({ async }) + '\n', { mode: 0o600 });
}

// Both wire profiles: LDK 0.2's numbers (default) and lightning/bolts#1149's (hold_htlc 2, release paths 0 without an htlc id, invoice_request 1).
describe.each(['ldk', 'bolts1149'] as const)('async payments (%s numbers): P pays an offline R through its LSP', { timeout: 240_000 }, (profile) => {
  const p = new HarnessNode('P', undefined, { payments: true });
  const lsp = new HarnessNode('LSP', undefined, { payments: true });
  const r = new HarnessNode('R', undefined, { payments: true });
  // A payer with no async role: it holds the payment itself until R releases it.
  const q = new HarnessNode('Q', undefined, { payments: true });

  beforeAll(async () => {
    configure(lsp, { role: 'lsp', profile });
    configure(p, { role: 'payer', profile });
    configure(q, { profile });
    await Promise.all([lsp.start(), p.start(), q.start()]);
    configure(r, { role: 'recipient', lsp: lsp.address, description: 'coffee while I sleep', profile });
    await r.start();
    await p.control('connect', { address: lsp.address });
    await q.control('connect', { address: lsp.address });
    await waitFor(() => api(lsp, async (a) => (await a.listPeers({})).peers.some((x) => x.nodeId === r.nodeId)), 'R connected to its LSP');
    await openHarnessChannel(p, lsp);
    await openHarnessChannel(q, lsp);
    await openHarnessChannel(lsp, r);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([p.stop(), lsp.stop(), r.stop(), q.stop()]);
  });

  it('R\'s offer is published only once the LSP keeps its static invoice; R offline is paid when it returns', async () => {
    // The LSP advertises htlc_hold (optional bit: LDK's 153, the draft's 53); R and P do not.
    const holdBit = profile === 'ldk' ? 153 : 53;
    const lspAtP = (await api(p, (a) => a.listPeers({}))).peers.find((x) => x.nodeId === lsp.nodeId)!;
    expect(lspAtP.features.map((f) => f.bit)).toContain(holdBit);
    const pAtLsp = (await api(lsp, (a) => a.listPeers({}))).peers.find((x) => x.nodeId === p.nodeId)!;
    expect(pAtLsp.features.map((f) => f.bit)).not.toContain(holdBit);
    const served = await waitFor(() => api(r, async (a) => (await a.asyncOffer({})).offer), 'R\'s offer ready at the LSP', 60_000);
    expect(served).toMatch(/^lno1/);
    const stored = await api(lsp, (a) => a.listStaticInvoices({ recipient: r.nodeId }));
    expect(stored.staticInvoices).toHaveLength(1);

    await r.stop();
    const pending = await api(p, (a) => a.pay({ invoice: served, amountMsat: '42000', wait: false }));
    expect(pending).toMatchObject({ kind: 'async', status: 'pending', amountMsat: '42000', preimage: null });

    // The LSP holds P's HTLC (hold_htlc) instead of forwarding it to the offline R.
    const held = await waitFor(async () => {
      const h = await api(lsp, (a) => a.listHeldHtlcs({}));
      return h.held.length === 1 ? h.held[0] : undefined;
    }, 'the HTLC held at the LSP', 30_000);
    expect(held.paymentHash).toBe(pending.paymentHash);
    // R's mailbox at the LSP keeps P's two held_htlc_available (and no invoice_request: the LSP keeps one for an offline R itself, for R's return with its channel).
    await waitFor(async () => (await api(lsp, (a) => a.mailboxList({}))).messages.filter((m) => m.nodeId === r.nodeId).length >= 2, 'R\'s mailbox at the LSP', 30_000);

    // The LSP restarts: the held HTLC and the mailbox survive.
    await lsp.stop();
    await lsp.start();
    expect((await api(lsp, (a) => a.listHeldHtlcs({}))).held.map((h) => h.holdId)).toEqual([held.holdId]);

    // R comes back: it finds held_htlc_available, releases, and is paid.
    await r.start();
    const paid = await waitFor(async () => {
      const x = await api(p, (a) => a.getPayment({ paymentId: pending.paymentId }));
      return x.status !== 'pending' ? x : undefined;
    }, 'the payment settled', 90_000);
    expect(paid.status).toBe('succeeded');
    expect(toHex(sha256(fromHex(paid.preimage!)))).toBe(paid.paymentHash);
    const received = await api(r, (a) => a.listReceived({}));
    expect(received.received.filter((x) => x.paymentHash === paid.paymentHash)).toEqual([expect.objectContaining({ kind: 'bolt12', amountMsat: '42000' })]);
    expect((await api(lsp, (a) => a.listHeldHtlcs({}))).held).toEqual([]);
  });

  it('a payer without an async role holds the payment itself: held_htlc_available with a reply path to it, the HTLC sent on release', async () => {
    const offer = (await api(r, (a) => a.asyncOffer({}))).offer!;
    await r.stop();
    const waiting = await api(q, (a) => a.pay({ invoice: offer, amountMsat: '21000', wait: false }));
    expect(waiting).toMatchObject({ kind: 'async', status: 'pending', parts: [] });
    // Nothing is held at the LSP: Q keeps the HTLC until the release.
    await waitFor(async () => (await api(lsp, (a) => a.mailboxList({}))).messages.filter((m) => m.nodeId === r.nodeId).length >= 2, 'R\'s mailbox at the LSP', 30_000);
    expect((await api(lsp, (a) => a.listHeldHtlcs({}))).held).toEqual([]);
    // Q's payment has a record while Q holds it (before the release): getPayment shows it pending, nothing sent.
    expect(await api(q, (a) => a.getPayment({ paymentId: waiting.paymentId }))).toMatchObject({
      paymentId: waiting.paymentId, kind: 'async', status: 'pending', paymentHash: waiting.paymentHash, amountMsat: '21000', parts: [], createdAt: waiting.createdAt,
    });
    await r.start();
    const paid = await waitFor(async () => {
      const x = await api(q, (a) => a.getPayment({ paymentId: waiting.paymentId }));
      return x.status !== 'pending' ? x : undefined;
    }, 'Q\'s payment settled', 90_000);
    expect(paid).toMatchObject({ status: 'succeeded', paymentHash: waiting.paymentHash });
    // Q's invoice_request waited at the LSP for R (it came back within the minute): R answered it with an invoice once its
    // channel was reestablished; Q, holding the static invoice's payment, paid nothing more.
    const offerId = (await api(r, (a) => a.asyncOffer({}))).slots.find((x) => x.status === 'ready')!.offerId!;
    const answered = await waitFor(async () => (await api(r, (a) => a.listInvoices({ role: 'issued', offerId }))).invoices.find((i) => i.amountMsat === '21000'), 'R answered Q\'s request that waited for it', 30_000);
    expect(answered.paymentHash).not.toBe(paid.paymentHash);
    expect((await api(q, (a) => a.listPayments({}))).payments.filter((x) => x.amountMsat === '21000').map((x) => x.paymentId)).toEqual([waiting.paymentId]);
  });

  it('R online: the LSP forwards the invoice_request and R answers it with an ordinary invoice; P pays only the first answer (the static invoice), which R releases at once', async () => {
    const info = await waitFor(async () => {
      const x = await api(r, (a) => a.asyncOffer({}));
      return x.offer && (await api(lsp, (a) => a.listPeers({}))).peers.some((peer) => peer.nodeId === r.nodeId) ? x : undefined;
    }, 'R online with its offer', 60_000);
    const offerId = info.slots.find((x) => x.status === 'ready')!.offerId!;
    const issuedBefore = (await api(r, (a) => a.listInvoices({ role: 'issued', offerId }))).invoices.length;
    const pending = await api(p, (a) => a.pay({ invoice: info.offer!, amountMsat: '7000', wait: false }));
    expect(pending).toMatchObject({ kind: 'async', status: 'pending' });
    // R, online, got the payer's invoice_request from its LSP and answered it with an ordinary invoice, signed with its node key.
    const issued = await waitFor(async () => {
      // (An invoice for a request that waited while R was offline, the test before, may come first.)
      const x = (await api(r, (a) => a.listInvoices({ role: 'issued', offerId }))).invoices;
      return x.length > issuedBefore ? x.find((i) => i.amountMsat === '7000') : undefined;
    }, 'R issued an invoice for its async offer', 30_000);
    expect(issued).toMatchObject({ offerId, amountMsat: '7000', nodeId: r.nodeId });
    expect((await api(r, (a) => a.listOffers({}))).offers.map((o) => o.offerId)).toContain(offerId);
    // P pays once: the static invoice came first; R releases the held HTLC at once.
    const paid = await waitFor(async () => {
      const x = await api(p, (a) => a.getPayment({ paymentId: pending.paymentId }));
      return x.status !== 'pending' ? x : undefined;
    }, 'the payment settled', 60_000);
    expect(paid).toMatchObject({ status: 'succeeded', kind: 'async', paymentHash: pending.paymentHash });
    const received = (await api(r, (a) => a.listReceived({}))).received.filter((x) => x.amountMsat === '7000');
    expect(received.map((x) => x.paymentHash)).toEqual([paid.paymentHash]);
    expect(issued.paymentHash).not.toBe(paid.paymentHash);
  });

  it('a payment Q holds itself is listed, and survives kill -9 of Q: listed the same after the restart, sent when R releases it, paid with its preimage', async () => {
    const offer = (await api(r, (a) => a.asyncOffer({}))).offer!;
    await r.stop();
    const mailboxBefore = (await api(lsp, (a) => a.mailboxList({}))).messages.filter((m) => m.nodeId === r.nodeId).length;
    const waiting = await api(q, (a) => a.pay({ invoice: offer, amountMsat: '23000', wait: false }));
    expect(waiting).toMatchObject({ kind: 'async', status: 'pending', parts: [] });
    // listpayments shows it (the payments service has no record of it before the release).
    const listed = (await api(q, (a) => a.listPayments({}))).payments.find((x) => x.paymentId === waiting.paymentId);
    expect(listed).toEqual(waiting);
    expect((await api(q, (a) => a.listPayments({ status: 'pending' }))).payments.map((x) => x.paymentId)).toContain(waiting.paymentId);
    expect((await api(q, (a) => a.listPayments({ status: 'succeeded' }))).payments.map((x) => x.paymentId)).not.toContain(waiting.paymentId);
    // Its held_htlc_available left Q (it waits in R's mailbox): then Q dies.
    await waitFor(async () => (await api(lsp, (a) => a.mailboxList({}))).messages.filter((m) => m.nodeId === r.nodeId).length >= mailboxBefore + 2, 'R\'s mailbox at the LSP', 30_000);
    await q.kill();
    await q.start();
    // The same payment, in the same state; paying the same id again answers it (no second invoice_request, no second payment).
    expect((await api(q, (a) => a.listPayments({}))).payments.find((x) => x.paymentId === waiting.paymentId)).toEqual(waiting);
    expect(await api(q, (a) => a.getPayment({ paymentId: waiting.paymentId }))).toEqual(waiting);
    expect(await api(q, (a) => a.pay({ invoice: offer, amountMsat: '23000', paymentId: waiting.paymentId, wait: false }))).toEqual(waiting);
    // Q back with its channel to the LSP (the release comes over Q's reply path, introduced there); R returns and releases.
    if (!(await api(q, (a) => a.listPeers({}))).peers.some((x) => x.nodeId === lsp.nodeId)) await q.control('connect', { address: lsp.address });
    await waitFor(async () => (await api(q, (a) => a.listChannels({}))).channels.some((c) => c.state === 'active' && c.peer === lsp.nodeId) || undefined, 'Q\'s channel active again', 30_000);
    await r.start();
    const paid = await waitFor(async () => {
      const x = await api(q, (a) => a.getPayment({ paymentId: waiting.paymentId }));
      return x.status !== 'pending' ? x : undefined;
    }, 'Q\'s payment settled', 90_000);
    expect(paid).toMatchObject({ status: 'succeeded', kind: 'async', paymentHash: waiting.paymentHash, amountMsat: '23000' });
    expect(toHex(sha256(fromHex(paid.preimage!)))).toBe(waiting.paymentHash);
    // Listed once, as the payments service's record now.
    expect((await api(q, (a) => a.listPayments({}))).payments.filter((x) => x.paymentId === waiting.paymentId)).toEqual([paid]);
    const received = (await api(r, (a) => a.listReceived({}))).received.filter((x) => x.paymentHash === waiting.paymentHash);
    expect(received).toEqual([expect.objectContaining({ kind: 'bolt12', amountMsat: '23000' })]);
  });
  it('P killed (kill -9) at the step that saved L1\'s revoke_and_ack: the release paths were written with it, so P announces after its restart and R is paid', async () => {
    const offer = await waitFor(() => api(r, async (a) => (await a.asyncOffer({})).offer), 'R\'s offer ready at the LSP', 60_000);
    await r.stop();
    const mailboxBefore = (await api(lsp, (a) => a.mailboxList({}))).messages.filter((m) => m.nodeId === r.nodeId).length;
    // P dies in the channel step that processed the LSP's revoke_and_ack (the one with the release paths), right after
    // that step's transaction and before its held_htlc_available or anything else leaves. The LSP never sends that
    // revoke_and_ack again (P's channel state is past it): what P knows of the paths is what the transaction kept.
    await p.control('arm_kill_on_update', { cause: 'revoke_and_ack' });
    // The answer may not get out before P dies (the revoke_and_ack is one round trip behind it): the payment is found after the restart.
    const paying = api(p, (a) => a.pay({ invoice: offer, amountMsat: '31000', wait: false })).catch(() => undefined);
    await p.exited;
    await paying;
    expect((await api(lsp, (a) => a.mailboxList({}))).messages.filter((m) => m.nodeId === r.nodeId)).toHaveLength(mailboxBefore);
    expect((await p.exited).signal).toBe('SIGKILL');
    await p.start();
    const pending = (await api(p, (a) => a.listPayments({ status: 'pending' }))).payments.find((x) => x.kind === 'async' && x.amountMsat === '31000')!;
    if (!(await api(p, (a) => a.listPeers({}))).peers.some((x) => x.nodeId === lsp.nodeId)) await p.control('connect', { address: lsp.address });
    // The HTLC is locked in once P, reestablished, answers the LSP's commitment_signed: then the LSP holds it.
    const held = await waitFor(async () => (await api(lsp, (a) => a.listHeldHtlcs({}))).held[0], 'the HTLC held at the LSP', 30_000);
    expect(held.paymentHash).toBe(pending.paymentHash);
    // After the restart P announces from its record: two held_htlc_available wait in R's mailbox.
    await waitFor(async () => (await api(lsp, (a) => a.mailboxList({}))).messages.filter((m) => m.nodeId === r.nodeId).length >= mailboxBefore + 2, 'P\'s announcements in R\'s mailbox after its restart', 60_000);
    await r.start();
    const paid = await waitFor(async () => {
      const x = await api(p, (a) => a.getPayment({ paymentId: pending.paymentId }));
      return x.status !== 'pending' ? x : undefined;
    }, 'the payment settled', 90_000);
    expect(paid).toMatchObject({ status: 'succeeded', kind: 'async', paymentHash: pending.paymentHash, amountMsat: '31000' });
    expect(toHex(sha256(fromHex(paid.preimage!)))).toBe(pending.paymentHash);
    expect((await api(lsp, (a) => a.listHeldHtlcs({}))).held.map((h) => h.holdId)).not.toContain(held.holdId);
    expect((await api(r, (a) => a.listReceived({}))).received.filter((x) => x.paymentHash === pending.paymentHash)).toEqual([expect.objectContaining({ kind: 'bolt12', amountMsat: '31000' })]);
  });
});
