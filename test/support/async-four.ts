/**
 * The four roles of async payments as four `glasswing daemon`s on one btcd (issue 16): P the payer
 * (`--async-role payer`, its LSP L1), L1 and L2 (`--async-role lsp`), R the recipient (its LSP L2),
 * with one wire profile; and the helpers their tests share (connecting, opening a channel into the
 * mempool, waiting for a payment to settle, R's mailbox at L2).
 */
import type { NodeApi, PaymentInfo } from '../../core/api';
import { type Btcd, waitFor } from './btcd';
export { connected, openToMempool } from './chain-daemons';
import { rpcFlags, startWalletNode, synced, walletTx, type WalletNode } from './wallet-node';

export interface AsyncFour {
  readonly p: WalletNode;
  readonly l1: WalletNode;
  readonly l2: WalletNode;
  readonly r: WalletNode;
}

/** Four fresh daemons on `btcd` with `profile`'s wire numbers; P, L1 and L2 funded with 2,000,000 sat each (one block). */
export async function startAsyncFour(btcd: Btcd, profile: 'ldk' | 'bolts1149'): Promise<AsyncFour> {
  const base = [...rpcFlags(btcd), '--gossip-flush-ms', '300', '--async-profile', profile];
  const [l1, l2] = await Promise.all([
    startWalletNode(btcd, { args: [...base, '--async-role', 'lsp'] }),
    startWalletNode(btcd, { args: [...base, '--async-role', 'lsp'] }),
  ]);
  const [p, r] = await Promise.all([
    startWalletNode(btcd, { args: [...base, '--async-role', 'payer', '--async-lsp', l1.daemon.address] }),
    startWalletNode(btcd, { args: [...base, '--async-role', 'recipient', '--async-lsp', l2.daemon.address] }),
  ]);
  for (const n of [l1, l2, p, r]) await synced(n.api, btcd);
  const funded = await Promise.all([p, l1, l2].map(async (n) => {
    const { address } = await n.api.newAddress({});
    return [n, await btcd.fund(address, 2_000_000n)] as const;
  }));
  await btcd.mine(1);
  for (const [n, txid] of funded) await walletTx(n.api, txid, (t) => t.confirmations >= 1, 'confirmed');
  for (const n of [p, l1, l2, r]) await synced(n.api, btcd);
  return { p, l1, l2, r };
}

/** The payment once it is no longer pending. */
export async function settled(api: NodeApi, paymentId: string, timeoutMs: number): Promise<PaymentInfo> {
  return await waitFor(async () => {
    const x = await api.getPayment({ paymentId });
    return x.status !== 'pending' ? x : undefined;
  }, 'the payment settled', timeoutMs);
}

/** How many messages for `r` wait in `l2`'s mailbox. */
export async function mailboxFor(l2: WalletNode, r: WalletNode): Promise<number> {
  return (await l2.api.mailboxList({})).messages.filter((m) => m.nodeId === r.daemon.nodeId).length;
}

/** Waits until `l2`'s mailbox holds at least `n` messages for `r`. */
export async function mailboxAtLeast(l2: WalletNode, r: WalletNode, n: number): Promise<void> {
  await waitFor(async () => ((await mailboxFor(l2, r)) >= n ? true : undefined), `${n} message(s) for R in L2's mailbox`, 30_000);
}
