/**
 * Async payments across four `glasswing daemon` processes on btcd (issue 16 item 7; lightning/bolts#1149,
 * LDK 0.2 numbers): P (`--async-role payer`, its LSP L1), L1 and L2 (`--async-role lsp`), R
 * (`--async-role recipient`, its LSP L2). Channels P–L1 (private), L1–L2 (public: P finds its route
 * to L2, the introduction node of R's blinded payment path, in the gossip graph alone) and L2–R
 * (private); once per wire profile. R gets its offer from L2 and goes offline (process stopped); P pays the offer: L2 serves
 * R's static invoice, P's HTLC is held at L1 (hold_htlc), P's held_htlc_available waits in R's
 * mailbox at L2; R comes back, releases, and is paid. Then P killed (kill -9) while L1 holds its HTLC:
 * listed before and after its restart, paid when R returns. Then the fail-back: an HTLC held at L1 that R
 * never releases is failed back before its CLTV runs out (blocks mined up to its deadline) and P's
 * payment fails with the reason; nothing stays pending in any channel.
 *
 * Last, L1 restarted with a 15 s release window (`--async-release-window-seconds`): an unreleased
 * held HTLC is failed back when the window ends, no block mined, and P's payment fails with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FundChannelResult } from '../../core/api';
import { fromHex, sha256, toHex } from '../../core/crypto';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { channelOf, cliOk, mine } from '../support/chain-daemons';
import { DaemonProcess } from '../support/daemon';
import { connected, mailboxAtLeast, openToMempool, settled, startAsyncFour } from '../support/async-four';
import { restart, synced, type WalletNode } from '../support/wallet-node';

let btcd: Btcd;
let p: WalletNode;
let l1: WalletNode;
let l2: WalletNode;
let r: WalletNode;
const all = (): WalletNode[] => [p, l1, l2, r];

const open = (x: WalletNode, y: WalletNode, ...flags: string[]): Promise<FundChannelResult> => openToMempool(btcd, x, y, ...flags);
const mailboxAtL2 = (n: number): Promise<void> => mailboxAtLeast(l2, r, n);

beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
}, 60_000);

/** Four fresh daemons on the shared btcd, with `profile`'s wire numbers; P, L1 and L2 funded. */
async function startFour(profile: 'ldk' | 'bolts1149'): Promise<void> {
  ({ p, l1, l2, r } = await startAsyncFour(btcd, profile));
}

// Both wire profiles: LDK 0.2's numbers (default) and lightning/bolts#1149's.
describe.each(['ldk', 'bolts1149'] as const)('async payments across four daemons on btcd (%s numbers): P — L1 — L2 — R', (profile) => {
  let offer: string;

  beforeAll(async () => {
    await startFour(profile);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(all().map((n) => n.daemon.stop()));
  });

  it('opens P–L1 (private), L1–L2 (public) and L2–R (private) at once; P learns L1–L2 from gossip; R\'s offer is served by L2', async () => {
    // R dials its LSP by itself (--async-lsp); P dials its own too, but the test does not rely on it.
    await waitFor(async () => ((await l2.api.listPeers({})).peers.some((x) => x.nodeId === r.daemon.nodeId) ? true : undefined), 'R connected to L2');
    await connected(p, l1);
    await connected(l1, l2);
    const pl1 = await open(p, l1, '--private');
    const l1l2 = await open(l1, l2, '--public', '--push-msat', '100000000');
    const l2r = await open(l2, r, '--private');
    // Six confirmations: the public channel's announcement depth (BOLT 7), more than the others' minimum depth.
    await mine(btcd, 6, all());
    for (const [n, id] of [[p, pl1], [l1, pl1], [l1, l1l2], [l2, l1l2], [l2, l2r], [r, l2r]] as const) {
      await channelOf(n.api, id.channelId, (c) => c.lifecycle === 'active' && c.state === 'active', 'the channel active', 60_000);
    }
    const scid = (await l1.api.listChannels({})).channels.find((x) => x.channelId === l1l2.channelId)!.shortChannelId!;
    // P and R know L1–L2 from gossip: P reaches L2 (the offer's introduction node) and R reaches L1 (its release path's) through it.
    for (const [n, who] of [[p, 'P'], [r, 'R']] as const) {
      await waitFor(async () => ((await n.api.listGraphChannels({})).channels.find((x) => x.shortChannelId === scid && x.policies.every((y) => y !== null)) ? true : undefined), `L1–L2 with both updates in ${who}'s graph`, 60_000).catch(async (e: Error) => {
        throw new Error(`${e.message}\n${who} gossip: ${JSON.stringify(await n.api.gossipInfo({}))}\n${who} graph: ${JSON.stringify(await n.api.listGraphChannels({}))}\nL1 gossip: ${JSON.stringify(await l1.api.gossipInfo({}))}\nL1 graph: ${JSON.stringify(await l1.api.listGraphChannels({}))}\nP peers: ${JSON.stringify((await p.api.listPeers({})).peers.map((x) => x.nodeId))}`);
      });
    }
    // L1 advertises htlc_hold (optional bit: LDK's 153, the draft's 53); P holds with its LSP.
    const l1AtP = (await p.api.listPeers({})).peers.find((x) => x.nodeId === l1.daemon.nodeId)!;
    expect(l1AtP.features.map((f) => f.bit)).toContain(profile === 'ldk' ? 153 : 53);

    offer = await waitFor(async () => (await r.api.asyncOffer({})).offer ?? undefined, 'R\'s offer ready at L2', 60_000);
    expect(offer).toMatch(/^lno1/);
    expect((await cliOk<{ staticInvoices: unknown[] }>(l2, 'liststaticinvoices')).staticInvoices).toHaveLength(1);
    // L1 serves no one's static invoice.
    expect((await l1.api.listStaticInvoices({})).staticInvoices).toEqual([]);
  }, 240_000);

  it('R offline: L2 serves the static invoice, P\'s HTLC is held at L1, held_htlc_available waits at L2; R returns, releases and is paid', async () => {
    await r.daemon.stop();
    const mailboxBefore = (await l2.api.mailboxList({})).messages.filter((m) => m.nodeId === r.daemon.nodeId).length;
    const pending = await p.api.pay({ invoice: offer, amountMsat: '5000000', wait: false });
    expect(pending).toMatchObject({ kind: 'async', status: 'pending', amountMsat: '5000000', preimage: null });

    // L1 — not L2, not P — holds the HTLC.
    const held = await waitFor(async () => {
      const h = (await cliOk<{ held: { paymentHash: string; deadlineHeight: number; holdId: string }[] }>(l1, 'listheldhtlcs')).held;
      return h.length === 1 ? h[0] : undefined;
    }, 'the HTLC held at L1', 30_000);
    expect(held.paymentHash).toBe(pending.paymentHash);
    expect((await l2.api.listHeldHtlcs({})).held).toEqual([]);
    // P's held_htlc_available (over at least two paths) waits in R's mailbox at L2; no invoice_request (L2 keeps one for an offline R itself, until R is back with its channel).
    await mailboxAtL2(mailboxBefore + 2);
    expect((await p.api.getPayment({ paymentId: pending.paymentId })).status).toBe('pending');

    r = await restart(r);
    const paid = await settled(p.api, pending.paymentId, 90_000);
    expect(paid.status, JSON.stringify(paid.failure)).toBe('succeeded');
    expect(toHex(sha256(fromHex(paid.preimage!)))).toBe(paid.paymentHash);
    // The route went over the public L1–L2 channel: L1 then L2 (R's blinded path begins there).
    expect(paid.parts[0]!.route.slice(0, 2).map((h) => h.nodeId)).toEqual([l1.daemon.nodeId, l2.daemon.nodeId]);
    const received = (await r.api.listReceived({})).received.filter((x) => x.paymentHash === paid.paymentHash);
    expect(received).toEqual([expect.objectContaining({ kind: 'bolt12', amountMsat: '5000000' })]);
    expect((await l1.api.listHeldHtlcs({})).held).toEqual([]);
  }, 180_000);

  it('P killed (kill -9) while L1 holds its HTLC: listpayments shows it before and after the restart; R returns, L1 forwards, P records the preimage', async () => {
    await r.daemon.stop();
    const mailboxBefore = (await l2.api.mailboxList({})).messages.filter((m) => m.nodeId === r.daemon.nodeId).length;
    const pending = await p.api.pay({ invoice: offer, amountMsat: '4000000', wait: false });
    await waitFor(async () => ((await l1.api.listHeldHtlcs({})).held.some((h) => h.paymentHash === pending.paymentHash) ? true : undefined), 'the HTLC held at L1', 30_000);
    // P's held_htlc_available (sent with L1's release paths, over two paths) waits at L2: nothing of P's is left to send.
    await mailboxAtL2(mailboxBefore + 2);
    const listed = async () => (await p.api.listPayments({})).payments.filter((x) => x.paymentId === pending.paymentId);
    const before = await listed();
    expect(before).toMatchObject([{ paymentId: pending.paymentId, kind: 'async', status: 'pending', paymentHash: pending.paymentHash, amountMsat: '4000000' }]);

    await p.daemon.stop('SIGKILL');
    p = await restart(p);
    await synced(p.api, btcd);
    expect(await listed()).toEqual(before);
    // P dials its LSP by itself (--async-lsp); the channel comes back; the HTLC is still held at L1.
    await waitFor(async () => ((await p.api.listChannels({})).channels.some((c) => c.peer === l1.daemon.nodeId && c.state === 'active') ? true : undefined), 'P–L1 active again', 60_000);
    expect((await l1.api.listHeldHtlcs({})).held.map((h) => h.paymentHash)).toContain(pending.paymentHash);

    r = await restart(r);
    const paid = await settled(p.api, pending.paymentId, 90_000);
    expect(paid, JSON.stringify(paid.failure)).toMatchObject({ status: 'succeeded', paymentHash: pending.paymentHash, attempts: 1 });
    expect(toHex(sha256(fromHex(paid.preimage!)))).toBe(pending.paymentHash);
    expect(await listed()).toEqual([paid]);
    const received = (await r.api.listReceived({})).received.filter((x) => x.paymentHash === pending.paymentHash);
    expect(received).toEqual([expect.objectContaining({ kind: 'bolt12', amountMsat: '4000000' })]);
    await waitFor(async () => ((await l1.api.listHeldHtlcs({})).held.length === 0 ? true : undefined), 'nothing held at L1', 30_000);
  }, 240_000);

  it('an HTLC R never releases is failed back by L1 at its deadline, before its CLTV runs out; P\'s payment fails with the reason; nothing stays pending', async () => {
    await r.daemon.stop();
    const pending = await p.api.pay({ invoice: offer, amountMsat: '3000000', wait: false });
    const held = await waitFor(async () => {
      const h = (await l1.api.listHeldHtlcs({})).held;
      return h.length === 1 ? h[0] : undefined;
    }, 'the HTLC held at L1', 30_000);
    expect(held.paymentHash).toBe(pending.paymentHash);
    const height = await synced(l1.api, btcd);
    expect(held.deadlineHeight).toBeGreaterThan(height + 1);

    // One block short of the deadline: still held.
    await mine(btcd, held.deadlineHeight - height - 1, all());
    expect((await l1.api.listHeldHtlcs({})).held.map((h) => h.holdId)).toEqual([held.holdId]);
    expect((await p.api.getPayment({ paymentId: pending.paymentId })).status).toBe('pending');
    // The deadline block: L1 fails it back.
    await mine(btcd, 1, all());
    const failed = await settled(p.api, pending.paymentId, 60_000);
    // One attempt, and the reason says L1 failed it back unreleased (not a retry's "no route", not a second hold).
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, failure: { code: 'payments.async_hold_failed' } });
    expect(failed.failure!.message).toContain(`held at ${l1.daemon.nodeId} was failed back unreleased`);
    expect((await l1.api.listHeldHtlcs({})).held).toEqual([]);
    // Failed off-chain, long before the incoming HTLC's expiry: no channel closed, no HTLC left in P–L1 or L1–L2.
    for (const n of [p, l1, l2]) {
      await waitFor(async () => ((await n.api.listChannels({})).channels.every((c) => c.lifecycle === 'active' && c.numHtlcs === 0) ? true : undefined), 'no HTLC left, every channel active', 30_000);
    }
  }, 180_000);

  it('L1 with a short release window (--async-release-window-seconds 15) fails an unreleased held HTLC back when it ends, long before its CLTV deadline; P ends payments.async_hold_failed', async () => {
    // L1 restarts on the same port with the setting (P dials it at its --async-lsp address, L2 at its saved one).
    await l1.daemon.stop();
    const daemon = new DaemonProcess(l1.daemon.datadir, [...l1.daemon.extraArgs, '--async-release-window-seconds', '15']);
    await daemon.start(l1.daemon.ready!.listen!);
    l1 = { daemon, api: await daemon.api(), cli: (...args) => daemon.cli(...args) };
    await synced(l1.api, btcd);
    for (const n of [p, l2]) {
      await waitFor(async () => ((await n.api.listChannels({})).channels.some((c) => c.peer === l1.daemon.nodeId && c.state === 'active') ? true : undefined), 'the channel with L1 active again', 60_000);
    }
    const height = await synced(p.api, btcd);
    // R is still offline (the previous test stopped it).
    const pending = await p.api.pay({ invoice: offer, amountMsat: '2000000', wait: false });
    const held = await waitFor(async () => (await l1.api.listHeldHtlcs({})).held.find((h) => h.paymentHash === pending.paymentHash), 'the HTLC held at L1', 30_000);
    // The window is L1's setting: 15 s from when it gave the release path, not 24 h.
    expect(held.releaseExpiresAt - held.receivedAt).toBeLessThanOrEqual(16_000);
    expect(held.deadlineHeight).toBeGreaterThan(height + 1);
    const failed = await settled(p.api, pending.paymentId, 60_000);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, failure: { code: 'payments.async_hold_failed' } });
    expect(failed.failure!.message).toContain(`held at ${l1.daemon.nodeId} was failed back unreleased`);
    // No block was mined: the release window, not the CLTV deadline, ended it.
    expect(await synced(l1.api, btcd)).toBe(height);
    expect((await l1.api.listHeldHtlcs({})).held).toEqual([]);
    for (const n of [p, l1, l2]) {
      await waitFor(async () => ((await n.api.listChannels({})).channels.every((c) => c.lifecycle === 'active' && c.numHtlcs === 0) ? true : undefined), 'no HTLC left, every channel active', 30_000);
    }
  }, 180_000);
});
