/**
 * Async payments across kills, with four `glasswing daemon` processes on btcd (issue 16; lightning/bolts#1149,
 * both wire profiles): P (`--async-role payer`, its LSP L1), L1 and L2 (`--async-role lsp`), R (`--async-role
 * recipient`, its LSP L2); channels P–L1 (private), L1–L2 (public), L2–R (private), as in
 * payments-async-four.test.ts. Each payment starts with R offline and ends with R back, releasing, and paid:
 *
 * - P killed (kill -9) after its HTLC went out and before it read L1's revoke_and_ack (L1 stopped with SIGSTOP
 *   while P sends, so P's update_add_htlc and commitment_signed wait in L1's socket; P reached L2 directly for
 *   the static invoice). L1 then takes them and answers into a closed connection; on P's return L1 sends its
 *   revoke_and_ack again — with the release paths — and P announces the payment to R's mailbox at L2.
 * - L1 killed (kill -9) while it holds the HTLC, restarted on its port: the hold survives, R's release is forwarded.
 * - L2 killed (kill -9) while held_htlc_available waits in its mailbox for R, restarted on its port: the mailbox
 *   survives, R gets it when it returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FundChannelResult, PaymentInfo } from '../../core/api';
import { fromHex, sha256, toHex } from '../../core/crypto';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { channelOf, mine } from '../support/chain-daemons';
import { connected, mailboxAtLeast, mailboxFor, openToMempool, settled, startAsyncFour } from '../support/async-four';
import { restart, synced, type WalletNode } from '../support/wallet-node';

let btcd: Btcd;
let p: WalletNode;
let l1: WalletNode;
let l2: WalletNode;
let r: WalletNode;
const all = (): WalletNode[] => [p, l1, l2, r];

const open = (x: WalletNode, y: WalletNode, ...flags: string[]): Promise<FundChannelResult> => openToMempool(btcd, x, y, ...flags);
const mailboxForR = (): Promise<number> => mailboxFor(l2, r);
const mailboxAtL2 = (n: number): Promise<void> => mailboxAtLeast(l2, r, n);

/** Kills an LSP (kill -9) and starts it again on the same port (its clients dial it at --async-lsp, its peers at their saved address). */
async function killAndRestartOnItsPort(n: WalletNode): Promise<WalletNode> {
  const listen = n.daemon.ready!.listen!;
  await n.daemon.stop('SIGKILL');
  await n.daemon.start(listen);
  return { daemon: n.daemon, api: await n.daemon.api(), cli: n.cli };
}

async function channelActiveWith(n: WalletNode, peer: WalletNode): Promise<void> {
  await waitFor(async () => ((await n.api.listChannels({})).channels.some((c) => c.peer === peer.daemon.nodeId && c.state === 'active') ? true : undefined), 'the channel active again', 60_000);
}

/** R returns, releases, and is paid: P's payment succeeds with a preimage of its hash, once, and R lists it received. */
async function rReturnsAndIsPaid(pending: PaymentInfo, amountMsat: string): Promise<void> {
  r = await restart(r);
  const paid = await settled(p.api, pending.paymentId, 90_000);
  expect(paid, JSON.stringify(paid.failure)).toMatchObject({ status: 'succeeded', paymentHash: pending.paymentHash, attempts: 1 });
  expect(toHex(sha256(fromHex(paid.preimage!)))).toBe(pending.paymentHash);
  const received = (await r.api.listReceived({})).received.filter((x) => x.paymentHash === pending.paymentHash);
  expect(received).toEqual([expect.objectContaining({ kind: 'bolt12', amountMsat })]);
  await waitFor(async () => ((await l1.api.listHeldHtlcs({})).held.length === 0 ? true : undefined), 'nothing held at L1', 30_000);
}

beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
}, 60_000);

describe.each(['ldk', 'bolts1149'] as const)('async payments across kills, four daemons on btcd (%s numbers)', (profile) => {
  let offer: string;
  let pl1: FundChannelResult;

  beforeAll(async () => {
    ({ p, l1, l2, r } = await startAsyncFour(btcd, profile));

    await waitFor(async () => ((await l2.api.listPeers({})).peers.some((x) => x.nodeId === r.daemon.nodeId) ? true : undefined), 'R connected to L2');
    await connected(p, l1);
    await connected(l1, l2);
    pl1 = await open(p, l1, '--private');
    const l1l2 = await open(l1, l2, '--public', '--push-msat', '100000000');
    const l2r = await open(l2, r, '--private');
    await mine(btcd, 6, all());
    for (const [n, id] of [[p, pl1], [l1, pl1], [l1, l1l2], [l2, l1l2], [l2, l2r], [r, l2r]] as const) {
      await channelOf(n.api, id.channelId, (c) => c.lifecycle === 'active' && c.state === 'active', 'the channel active', 60_000);
    }
    const scid = (await l1.api.listChannels({})).channels.find((x) => x.channelId === l1l2.channelId)!.shortChannelId!;
    for (const n of [p, r]) {
      await waitFor(async () => ((await n.api.listGraphChannels({})).channels.find((x) => x.shortChannelId === scid && x.policies.every((y) => y !== null)) ? true : undefined), 'L1–L2 in the graph', 60_000);
    }
    offer = await waitFor(async () => (await r.api.asyncOffer({})).offer ?? undefined, 'R\'s offer ready at L2', 60_000);
  }, 300_000);

  afterAll(async () => {
    l1?.daemon.child?.kill('SIGCONT');
    await Promise.all(all().map((n) => n.daemon.stop()));
  });

  it('P killed after its HTLC went out and before it read L1\'s revoke_and_ack: back, it gets the release paths again and announces the payment; R returns and is paid', async () => {
    await r.daemon.stop();
    // P reaches L2 directly: its invoice_request and the static invoice do not need L1, which is about to stop.
    await connected(p, l2);
    const mailboxBefore = await mailboxForR();
    const channelLog = async (n: WalletNode) => (await n.api.getChannel({ channelId: pl1.channelId })).messages;
    const seen = (await channelLog(p)).reduce((m, x) => Math.max(m, x.n), 0);

    // L1 stopped (SIGSTOP): P's update_add_htlc and commitment_signed wait in its socket, unread, and no revoke_and_ack comes.
    l1.daemon.child!.kill('SIGSTOP');
    let pending: PaymentInfo;
    try {
      pending = await p.api.pay({ invoice: offer, amountMsat: '4500000', wait: false });
      expect(pending).toMatchObject({ kind: 'async', status: 'pending' });
      const sent = await waitFor(async () => {
        const log = (await channelLog(p)).filter((x) => x.n > seen);
        return log.some((x) => x.direction === 'out' && x.messageType === 'commitment_signed') ? log : undefined;
      }, 'P\'s commitment_signed with the HTLC sent to L1', 30_000);
      expect(sent.filter((x) => x.direction === 'out').map((x) => x.messageType)).toEqual(['update_add_htlc', 'commitment_signed']);
      expect(sent.some((x) => x.direction === 'in' && x.messageType === 'revoke_and_ack')).toBe(false);
      // Nothing waits for R in its mailbox yet: held_htlc_available waits for L1's release paths (and L2 keeps an
      // invoice_request for an offline R itself, not in the mailbox: core/payments/async/server.ts, step 4).
      expect(await mailboxForR()).toBe(mailboxBefore);
      await p.daemon.stop('SIGKILL');
    } finally {
      l1.daemon.child!.kill('SIGCONT');
    }

    p = await restart(p);
    await synced(p.api, btcd);
    // L1 sends its revoke_and_ack again (P had not read it), with the release paths; P announces over at least two paths.
    await mailboxAtL2(mailboxBefore + 2);
    const retransmitted = (await l1.api.getChannel({ channelId: pl1.channelId })).messages.filter((x) => x.direction === 'out' && x.messageType === 'revoke_and_ack' && x.retransmission);
    expect(retransmitted.length).toBeGreaterThanOrEqual(1);
    await waitFor(async () => ((await l1.api.listHeldHtlcs({})).held.some((h) => h.paymentHash === pending.paymentHash) ? true : undefined), 'the HTLC held at L1', 30_000);
    expect((await p.api.getPayment({ paymentId: pending.paymentId })).status).toBe('pending');

    await rReturnsAndIsPaid(pending, '4500000');
  }, 240_000);

  it('L1 killed (kill -9) while it holds the HTLC and restarted: still held; R returns, releases, L1 forwards, R is paid', async () => {
    await r.daemon.stop();
    const mailboxBefore = await mailboxForR();
    const pending = await p.api.pay({ invoice: offer, amountMsat: '3500000', wait: false });
    await waitFor(async () => ((await l1.api.listHeldHtlcs({})).held.some((h) => h.paymentHash === pending.paymentHash) ? true : undefined), 'the HTLC held at L1', 30_000);
    await mailboxAtL2(mailboxBefore + 2);
    const heldBefore = (await l1.api.listHeldHtlcs({})).held;

    l1 = await killAndRestartOnItsPort(l1);
    await synced(l1.api, btcd);
    expect((await l1.api.listHeldHtlcs({})).held).toEqual(heldBefore);
    await channelActiveWith(p, l1);
    await channelActiveWith(l2, l1);

    await rReturnsAndIsPaid(pending, '3500000');
  }, 240_000);

  it('L2 killed (kill -9) while held_htlc_available waits in its mailbox and restarted: the mailbox kept it; R returns, releases, is paid', async () => {
    await r.daemon.stop();
    const mailboxBefore = await mailboxForR();
    const pending = await p.api.pay({ invoice: offer, amountMsat: '2500000', wait: false });
    await waitFor(async () => ((await l1.api.listHeldHtlcs({})).held.some((h) => h.paymentHash === pending.paymentHash) ? true : undefined), 'the HTLC held at L1', 30_000);
    await mailboxAtL2(mailboxBefore + 2);
    const waiting = (await l2.api.mailboxList({})).messages.filter((m) => m.nodeId === r.daemon.nodeId);

    l2 = await killAndRestartOnItsPort(l2);
    await synced(l2.api, btcd);
    expect((await l2.api.mailboxList({})).messages.filter((m) => m.nodeId === r.daemon.nodeId)).toEqual(waiting);
    await channelActiveWith(l1, l2);

    await rReturnsAndIsPaid(pending, '2500000');
    // R took its mailbox.
    await waitFor(async () => ((await mailboxForR()) === 0 ? true : undefined), 'R\'s mailbox at L2 empty', 30_000);
  }, 240_000);
});
