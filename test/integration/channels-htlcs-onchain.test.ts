/**
 * HTLCs resolved on chain between real `glasswing daemon` processes on a real btcd (issue 14 item 3),
 * A — B — C, A paying C's invoice through B. A node is frozen (SIGSTOP: its connections stay open,
 * nothing it is sent is read) to hold a payment at a chosen step:
 * - an incoming HTLC claimed on chain with its preimage: B learned the preimage from C while A is
 *   frozen, and force-closes A–B with A connected; B's HTLC-success (anchors: fee from B's wallet)
 *   confirms before the HTLC's expiry and its output comes to B's wallet after to_self_delay;
 * - an outgoing HTLC timed out on chain: B holds A's HTLC (C frozen) and A force-closes; after the
 *   HTLC's expiry A takes it back on chain, its payment fails (PaymentsService.onChainResolution);
 * - a preimage learned on chain downstream settles upstream: the B–C HTLC is committed but C's
 *   update_fulfill_htlc never reaches B; C's commitment and HTLC-success go on chain (TEST-ONLY: built
 *   from C's stored channel and signed with C's keys, C frozen, as C's own claim would be); B reads the
 *   preimage from the witness and fulfills A's HTLC off-chain: A's payment succeeds.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bolt11InvoiceInfo, ChannelSummary, FundChannelResult, PaymentInfo } from '../../core/api';
import { fromHex } from '../../core/crypto';
import { DATABASE_FILE } from '../../core/store';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { deposit, synced, type WalletNode, startWalletNode, expectCoinsOnChain } from '../support/wallet-node';
import { cliOk, closedOf, feeOf, inMempool, mine, mineUntil, openActive, signSnapshotCommitment, storedChannel, totalSat } from '../support/chain-daemons';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
});

/** What each of A's and B's outputs waits for on the other's commitment (set through `settings --to-self-delay`). */
const DELAY = 20;
const AMOUNT_MSAT = 50_000_000n;

interface Rig {
  readonly a: WalletNode;
  readonly b: WalletNode;
  readonly c: WalletNode;
  readonly all: WalletNode[];
  readonly ab: FundChannelResult;
  readonly bc: FundChannelResult;
}

/** A, B, C on btcd; channels A–B (A funds) and B–C (B funds), both active. */
async function rig(bcType: 'anchors' | 'static_remotekey'): Promise<Rig> {
  const [a, b, c] = await Promise.all([startWalletNode(btcd), startWalletNode(btcd), startWalletNode(btcd)]);
  const all = [a, b, c];
  for (const n of all) await synced(n.api, btcd);
  await deposit(a, btcd, 1_500_000n);
  await deposit(b, btcd, 1_000_000n);
  for (const n of all) await cliOk(n, 'settings', '--to-self-delay', String(DELAY));
  await cliOk(a, 'connect', b.daemon.address);
  await cliOk(b, 'connect', c.daemon.address);
  const ab = await openActive(btcd, a, b, 600_000n, 0n, ['--feerate', '2'], all);
  const bc = await openActive(btcd, b, c, 300_000n, 0n, ['--feerate', '2', '--channel-type', bcType], all);
  return { a, b, c, all, ab, bc };
}

function listed(n: WalletNode, channelId: string): Promise<ChannelSummary | undefined> {
  return n.api.listChannels({}).then((r) => r.channels.find((c) => c.channelId === channelId));
}

/** Both ends list the channel with `htlcs` HTLCs and each side's newest commitments agreed. */
async function agreed(x: WalletNode, y: WalletNode, channelId: string, htlcs: number, what: string): Promise<void> {
  await waitFor(async () => {
    const [cx, cy] = await Promise.all([listed(x, channelId), listed(y, channelId)]);
    return cx && cy && cx.numHtlcs === htlcs && cy.numHtlcs === htlcs && cx.localCtn === cy.remoteCtn && cy.localCtn === cx.remoteCtn ? true : undefined;
  }, what, 30_000);
}

const freeze = (n: WalletNode) => n.daemon.child!.kill('SIGSTOP');
const thaw = (n: WalletNode) => n.daemon.child!.kill('SIGCONT');

/** A pays C's invoice while C is frozen: returns once B holds A's HTLC (committed on both sides of A–B). */
async function heldAtB(r: Rig): Promise<{ invoice: Bolt11InvoiceInfo; payment: PaymentInfo }> {
  const invoice = await cliOk<Bolt11InvoiceInfo>(r.c, 'invoice', String(AMOUNT_MSAT), 'held');
  freeze(r.c);
  const payment = await r.a.api.pay({ invoice: invoice.bolt11, wait: false });
  await agreed(r.a, r.b, r.ab.channelId, 1, 'A\'s HTLC committed on both sides of A–B');
  return { invoice, payment };
}

async function paymentOf(a: WalletNode, paymentId: string, status: PaymentInfo['status'], timeoutMs = 30_000): Promise<PaymentInfo> {
  return await waitFor(async () => {
    const p = await a.api.getPayment({ paymentId });
    return p.status === status ? p : undefined;
  }, `payment ${status}`, timeoutMs);
}

describe('HTLCs on chain between daemons', () => {
  it('an incoming HTLC claimed on chain with its preimage: B force-closes A–B with A connected (frozen) and claims the HTLC before its expiry', async () => {
    const r = await rig('anchors');
    const { a, b, c } = r;
    const { invoice, payment } = await heldAtB(r);
    freeze(a);
    thaw(c);
    // C is paid; B learns the preimage from C's update_fulfill_htlc; its own to A waits in A's socket.
    await agreed(b, c, r.bc.channelId, 0, 'B–C settled');
    const forced = await cliOk<{ kind: string; commitmentTxid: string }>(b, 'closechannel', r.ab.channelId, '--force');
    expect(forced.kind).toBe('force');
    await waitFor(async () => ((await inMempool(btcd, forced.commitmentTxid)) ? true : undefined), 'B\'s commitment in the mempool', 30_000);
    const nodes = [b, c];
    await mine(btcd, 1, nodes);
    const bView = await closedOf(b.api, r.ab.channelId, (x) => x.onChain.closing?.kind === 'local', 'B\'s commitment confirmed');
    const htlcOut = bView.onChain.outputs.find((o) => o.role === 'local_htlc_received')!;
    expect(htlcOut.htlc).toMatchObject({ offerer: 'remote', paymentHash: invoice.paymentHash });
    const expiry = htlcOut.htlc!.cltvExpiry;
    // Anchors: the HTLC-success carries no fee of its own; B's wallet adds an input and takes change.
    const funded = await waitFor(async () => (await b.api.listTransactions({})).transactions.find((t) => t.label === 'htlc_fee'), 'the HTLC-success funded by B\'s wallet');
    await waitFor(async () => ((await inMempool(btcd, funded.txid)) ? true : undefined), 'the HTLC-success in the mempool');
    await mine(btcd, 1, nodes);
    const claimed = await closedOf(b.api, r.ab.channelId, (x) => x.onChain.outputs.some((o) => o.role === 'local_htlc_received' && o.spentBy?.path === 'htlc_success_tx'), 'the HTLC claimed with its preimage');
    expect(claimed.onChain.outputs.find((o) => o.role === 'local_htlc_received')!.spentBy!.height).toBeLessThan(expiry);
    // A wakes: the channel is closed on chain; its payment succeeded (the preimage reached it).
    thaw(a);
    nodes.push(a);
    expect((await paymentOf(a, payment.paymentId, 'succeeded')).preimage).toMatch(/^[0-9a-f]{64}$/);
    // The second-stage output (and to_local) come to B's wallet after to_self_delay.
    const before = await totalSat(b.api);
    await mine(btcd, DELAY - 1, nodes);
    const second = await mineUntil(btcd, nodes, async () => {
      const v = (await b.api.listClosedChannels({})).channels.find((x) => x.channel.channelId === r.ab.channelId)!;
      const o = v.onChain.outputs.find((x) => x.role === 'local_second_stage');
      return o?.spentBy?.by === 'us' ? o : undefined;
    }, 'the second stage swept');
    await mineUntil(btcd, nodes, async () => ((await listed(b, r.ab.channelId))?.lifecycle === 'closed' ? true : undefined), 'closed on B');
    const sweepFee = await feeOf(btcd, second.spentBy!.txid);
    // B had nothing else in A–B (no push): the HTLC's value less the sweep's fee, exactly.
    await waitFor(async () => ((await totalSat(b.api)) - before === BigInt(second.valueSat) - sweepFee ? true : undefined), 'the HTLC\'s value in B\'s wallet', 30_000);
    await expectCoinsOnChain(b.api, btcd);
  }, 600_000);

  it('an outgoing HTLC timed out on chain after its expiry: B holds A\'s HTLC, A force-closes, takes it back and its payment fails', async () => {
    const r = await rig('anchors');
    const { a, b } = r;
    const { payment } = await heldAtB(r);
    const nodes = [a, b];
    const aBefore = await totalSat(a.api);
    // A closes while B is connected: B may answer A's error with its own commitment; either is the close.
    const forced = await cliOk<{ kind: string; commitmentTxid: string }>(a, 'closechannel', r.ab.channelId, '--force');
    expect(forced.kind).toBe('force');
    const closing = await waitFor(async () => {
      const v = (await a.api.listClosedChannels({})).channels.find((x) => x.channel.channelId === r.ab.channelId);
      if (v?.onChain.closing) return v.onChain.closing;
      await btcd.mine(1);
      return undefined;
    }, 'a commitment confirmed', 60_000);
    for (const n of nodes) await synced(n.api, btcd);
    const view = await closedOf(a.api, r.ab.channelId, (x) => x.onChain.outputs.some((o) => o.htlc !== null), 'A sees the HTLC output');
    const out = view.onChain.outputs.find((o) => o.htlc !== null)!;
    expect(out.role).toBe(closing.kind === 'local' ? 'local_htlc_offered' : 'remote_htlc_received');
    const expiry = out.htlc!.cltvExpiry;
    expect(out.status).not.toBe('claiming');
    // Nothing before the expiry; after it, A's timeout path.
    await mine(btcd, Math.max(0, expiry - (await btcd.height())), nodes);
    const spent = await waitFor(async () => {
      const v = (await a.api.listClosedChannels({})).channels.find((x) => x.channel.channelId === r.ab.channelId)!;
      const o = v.onChain.outputs.find((x) => x.outpoint === out.outpoint)!;
      if (o.spentBy) return o.spentBy;
      await mine(btcd, 1, nodes);
      return undefined;
    }, 'the HTLC taken back', 120_000);
    expect(spent.by).toBe('us');
    expect(spent.path).toBe(closing.kind === 'local' ? 'htlc_timeout_tx' : 'timeout');
    expect(spent.height).toBeGreaterThanOrEqual(expiry);
    // The chain's answer reaches the payment: failed, nothing was paid.
    // BOLT 5: the outgoing HTLC's timeout is final (reported upstream) once the spend is irrevocable.
    const failed = await waitFor(async () => {
      const p = await a.api.getPayment({ paymentId: payment.paymentId });
      if (p.status === 'failed') return p;
      await mine(btcd, 1, nodes);
      return undefined;
    }, 'the payment failed', 60_000);
    expect(failed.preimage).toBeNull();
    expect((await a.api.recentEvents({ types: ['channel.onchain_htlc'] })).events).toMatchObject([{ outcome: 'timed_out' }]);
    // Everything of A's is back in its wallet once swept (to_local / the second stage after the delay).
    await mineUntil(btcd, nodes, async () => ((await listed(a, r.ab.channelId))?.lifecycle === 'closed' ? true : undefined), 'closed on A', DELAY + 10);
    expect(await totalSat(a.api)).toBeGreaterThan(aBefore + 590_000n - 20_000n);
    await expectCoinsOnChain(a.api, btcd);
    r.c.daemon.child!.kill('SIGKILL');
  }, 600_000);

  it('a preimage learned on chain from a downstream claim settles the upstream payment off-chain', async () => {
    const r = await rig('static_remotekey');
    const { a, b, c } = r;
    const { invoice, payment } = await heldAtB(r);
    await waitFor(() => (storedChannel(b.daemon.datadir, r.bc.channelId)?.state.remoteNextCommit?.spec.htlcs.length === 1 ? true : undefined), 'B signed C\'s commitment with the HTLC');
    // B's update_add_htlc and commitment_signed wait in frozen C's socket. B freezes; C reads them and
    // answers (revoke_and_ack, commitment_signed) into B's socket: C's commitment holds the HTLC.
    freeze(b);
    thaw(c);
    await waitFor(() => (storedChannel(c.daemon.datadir, r.bc.channelId)?.state.localCommit.spec.htlcs.length === 1 ? true : undefined), 'the HTLC in C\'s commitment');
    // C freezes before it can fulfill; B reads C's answers and revokes (its revoke_and_ack waits in C's socket).
    freeze(c);
    thaw(b);
    const snapshot = await waitFor(() => {
      const s = storedChannel(c.daemon.datadir, r.bc.channelId);
      const bs = storedChannel(b.daemon.datadir, r.bc.channelId);
      return s && bs && bs.state.localCommit.spec.htlcs.length === 1 && !bs.state.revocationOwed && bs.state.remoteNextCommit === null ? s : undefined;
    }, 'B\'s side of B–C committed');
    // C's claim, as C's monitor would make it: its commitment, then the HTLC-success with the preimage.
    const db = new BetterSqlite3(join(c.daemon.datadir, DATABASE_FILE), { readonly: true });
    const row = db.prepare('SELECT preimage FROM bolt11_invoices WHERE payment_hash = ?').get(invoice.paymentHash) as { preimage: string };
    db.close();
    const claim = await signSnapshotCommitment(c.daemon.datadir, snapshot, new Map([[invoice.paymentHash, fromHex(row.preimage)]]));
    expect(claim.htlcTxs.map((h) => h.kind)).toEqual(['htlc_success']);
    await btcd.rpc('sendrawtransaction', [claim.commitmentHex]);
    await btcd.rpc('sendrawtransaction', [claim.htlcTxs[0]!.hex]);
    const nodes = [a, b];
    await mine(btcd, 1, nodes);
    // B reads the preimage from the HTLC-success's witness and fulfills A's HTLC: A's payment succeeds.
    const paid = await paymentOf(a, payment.paymentId, 'succeeded', 60_000);
    expect(paid.preimage).toBe(row.preimage);
    const bView = await closedOf(b.api, r.bc.channelId, (x) => x.onChain.outputs.some((o) => o.htlc !== null && o.spentBy != null), 'B sees the HTLC claimed');
    expect(bView.onChain.closing!.kind).toBe('remote');
    expect(bView.onChain.outputs.find((o) => o.htlc !== null)!.spentBy).toMatchObject({ by: 'peer', txid: claim.htlcTxs[0]!.txid });
    await agreed(a, b, r.ab.channelId, 0, 'A–B settled off-chain');
    const forwards = (await b.api.listForwards({})).forwards;
    expect(forwards).toMatchObject([{ inChannelId: r.ab.channelId, outChannelId: r.bc.channelId, status: 'fulfilled' }]);
    // A–B stays open: the upstream settled without touching the chain.
    expect((await listed(a, r.ab.channelId))!.lifecycle).toBe('active');
    c.daemon.child!.kill('SIGKILL');
  }, 600_000);
});
