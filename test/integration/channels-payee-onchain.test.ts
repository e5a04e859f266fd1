/**
 * The payee's own incoming HTLC on chain (issue 14, remaining item 3), between real `glasswing
 * daemon` processes on a real btcd. A pays B's invoice; the HTLC reaches B's commitment but is not
 * irrevocably committed (A is frozen before it reads B's revoke_and_ack), so B's payments never saw
 * it locked in and never fulfilled it. BOLT 5 "HTLC Output Handling": a node that possesses the
 * preimage of an HTLC output offered to it MUST resolve the output by spending it — B's monitor asks
 * for the preimage (`preimage_wanted`), B's payments judge the HTLC as its final node and hand the
 * preimage to the monitor, which claims the output:
 * - on B's own commitment (B force-closes), with its HTLC-success; A learns the preimage on chain and
 *   its payment succeeds;
 * - on A's commitment, A force-closing while B is down (kill -9): B restarts, its channel never
 *   becomes active again, and B claims the output directly with the preimage.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bolt11InvoiceInfo, FundChannelResult, PaymentInfo } from '../../core/api';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { deposit, restart, synced, type WalletNode, startWalletNode, expectCoinsOnChain } from '../support/wallet-node';
import { cliOk, closedOf, inMempool, mine, mineUntil, openActive, storedChannel } from '../support/chain-daemons';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
});

const AMOUNT_MSAT = 50_000_000n;

const freeze = (n: WalletNode) => n.daemon.child!.kill('SIGSTOP');
const thaw = (n: WalletNode) => n.daemon.child!.kill('SIGCONT');

interface Held {
  readonly a: WalletNode;
  readonly b: WalletNode;
  readonly ab: FundChannelResult;
  readonly invoice: Bolt11InvoiceInfo;
  readonly payment: PaymentInfo;
}

/**
 * A–B (A funds, static_remotekey), A pays B's invoice and is frozen once B's commitment holds the
 * HTLC: B has sent its revoke_and_ack and commitment_signed into A's unread socket, so the HTLC is on
 * B's commitment but not irrevocably committed (B's payments have not seen it).
 */
async function heldOnPayeeCommitment(): Promise<Held> {
  const a = await startWalletNode(btcd);
  const b = await startWalletNode(btcd);
  for (const n of [a, b]) await synced(n.api, btcd);
  await deposit(a, btcd, 1_500_000n);
  for (const n of [a, b]) await cliOk(n, 'settings', '--to-self-delay', '20');
  await cliOk(a, 'connect', b.daemon.address);
  const ab = await openActive(btcd, a, b, 600_000n, 0n, ['--feerate', '2', '--channel-type', 'static_remotekey'], [a, b]);
  const invoice = await cliOk<Bolt11InvoiceInfo>(b, 'invoice', String(AMOUNT_MSAT), 'on chain');
  // B frozen: A's update_add_htlc and commitment_signed wait in B's socket.
  freeze(b);
  const payment = await a.api.pay({ invoice: invoice.bolt11, wait: false });
  await waitFor(() => (storedChannel(a.daemon.datadir, ab.channelId)?.state.remoteNextCommit?.spec.htlcs.length === 1 ? true : undefined), 'A signed B\'s commitment with the HTLC');
  // A frozen, B reads them: its commitment holds the HTLC; its answers wait in A's socket.
  freeze(a);
  thaw(b);
  await waitFor(() => {
    const s = storedChannel(b.daemon.datadir, ab.channelId)?.state;
    return s && s.localCommit.spec.htlcs.length === 1 && s.remoteNextCommit !== null ? true : undefined;
  }, 'the HTLC on B\'s commitment, B\'s own commitment_signed sent');
  // Not irrevocably committed: B has not been told that A's commitment without it is revoked, and it has received nothing.
  expect((await b.api.listReceived({})).received).toEqual([]);
  return { a, b, ab, invoice, payment };
}

describe('the payee claims its own incoming HTLC on chain', () => {
  it('on its own commitment: B force-closes before the HTLC is irrevocably committed and claims it with its HTLC-success; A\'s payment succeeds', async () => {
    const { a, b, ab, invoice, payment } = await heldOnPayeeCommitment();
    const forced = await cliOk<{ kind: string; commitmentTxid: string }>(b, 'closechannel', ab.channelId, '--force');
    await waitFor(async () => ((await inMempool(btcd, forced.commitmentTxid)) ? true : undefined), 'B\'s commitment in the mempool', 30_000);
    await mine(btcd, 1, [b]);
    const claimed = await mineUntil(btcd, [b], async () => {
      const v = await closedOf(b.api, ab.channelId, (x) => x.onChain.closing?.kind === 'local', 'B\'s commitment confirmed');
      const o = v.onChain.outputs.find((x) => x.role === 'local_htlc_received');
      return o?.spentBy?.path === 'htlc_success_tx' ? o : undefined;
    }, 'the HTLC claimed by B with its preimage', 10);
    expect(claimed.htlc).toMatchObject({ offerer: 'remote', paymentHash: invoice.paymentHash });
    expect(claimed.spentBy!.by).toBe('us');
    expect(claimed.spentBy!.height).toBeLessThan(claimed.htlc!.cltvExpiry);
    // B's payments recorded what it received.
    await waitFor(async () => ((await b.api.listReceived({})).received.some((r) => r.paymentHash === invoice.paymentHash) ? true : undefined), 'B received the payment');
    // A wakes and reads the preimage from B's HTLC-success: its payment succeeded.
    thaw(a);
    await synced(a.api, btcd);
    const paid = await waitFor(async () => {
      const p = await a.api.getPayment({ paymentId: payment.paymentId });
      return p.status === 'succeeded' ? p : undefined;
    }, 'A\'s payment succeeded', 60_000);
    expect(paid.paymentHash).toBe(invoice.paymentHash);
    await expectCoinsOnChain(b.api, btcd);
  }, 600_000);

  it('on the payer\'s commitment: B is killed, A force-closes while B is down, B restarts (its channel never active again) and claims the HTLC', async () => {
    const held = await heldOnPayeeCommitment();
    const { a, ab, invoice } = held;
    await held.b.daemon.stop('SIGKILL');
    thaw(a);
    const forced = await cliOk<{ kind: string; commitmentTxid: string }>(a, 'closechannel', ab.channelId, '--force');
    await waitFor(async () => ((await inMempool(btcd, forced.commitmentTxid)) ? true : undefined), 'A\'s commitment in the mempool', 30_000);
    await mine(btcd, 1, [a]);
    const b = await restart(held.b);
    await synced(b.api, btcd, 120_000);
    const claimed = await mineUntil(btcd, [a, b], async () => {
      const v = await closedOf(b.api, ab.channelId, (x) => x.onChain.closing?.kind === 'remote', 'A\'s commitment confirmed, seen by B');
      const o = v.onChain.outputs.find((x) => x.role === 'remote_htlc_offered');
      return o?.spentBy ? o : undefined;
    }, 'the HTLC claimed by B on A\'s commitment', 10);
    expect(claimed.htlc).toMatchObject({ paymentHash: invoice.paymentHash });
    expect(claimed.spentBy).toMatchObject({ by: 'us', path: 'preimage' });
    expect(claimed.spentBy!.height).toBeLessThan(claimed.htlc!.cltvExpiry);
    await waitFor(async () => ((await b.api.listReceived({})).received.some((r) => r.paymentHash === invoice.paymentHash) ? true : undefined), 'B received the payment');
    const paid = await waitFor(async () => {
      const p = await a.api.getPayment({ paymentId: held.payment.paymentId });
      return p.status === 'succeeded' ? p : undefined;
    }, 'A\'s payment succeeded', 60_000);
    expect(paid.paymentHash).toBe(invoice.paymentHash);
    // The claim swept to B's wallet (static_remotekey: to_remote and the HTLC, no delay on A's commitment).
    await mineUntil(btcd, [a, b], async () => ((await b.api.listChannels({})).channels.find((x) => x.channelId === ab.channelId)?.lifecycle === 'closed' ? true : undefined), 'closed on B', 10);
    await expectCoinsOnChain(b.api, btcd);
  }, 600_000);
});
