/**
 * Real `glasswing daemon` processes on a real btcd (regtest), driven through the CLI and the API:
 * started with `--chain bitcoind-rpc --rpc-url` (or any chain flags), waited on until the node is
 * in sync at btcd's tip (a condition, never a sleep), and checked against btcd's own view of the
 * coins the wallet claims.
 */
import { expect } from 'vitest';
import type { NodeApi } from '../../core/api';
import type { WalletTxInfo } from '../../core/api';
import { type Btcd, waitFor } from './btcd';
import { DaemonProcess, type CliResult } from './daemon';
import { tempDir } from './tmp';

export interface WalletNode {
  readonly daemon: DaemonProcess;
  readonly api: NodeApi;
  /** `glasswing --datadir D ARGS…`, its JSON output (stdout, or the error on stderr). */
  cli(...args: string[]): Promise<CliResult>;
}

/** The chain flags for btcd's RPC (credentials in the URL). */
export function rpcFlags(btcd: Btcd): string[] {
  return ['--chain', 'bitcoind-rpc', '--rpc-url', btcd.rpcUrl];
}

/** Starts a daemon (in `datadir`, else a new one) with `args` (default: btcd's RPC) and connects an API client. */
export async function startWalletNode(btcd: Btcd, opts: { args?: string[]; datadir?: string } = {}): Promise<WalletNode> {
  const daemon = new DaemonProcess(opts.datadir ?? tempDir('glasswing-wallet-node-'), opts.args ?? rpcFlags(btcd));
  await daemon.start();
  const api = await daemon.api();
  return { daemon, api, cli: (...args) => daemon.cli(...args) };
}

/** Restarts the same data directory (after stop or kill -9) with the same flags. */
export async function restart(node: WalletNode): Promise<WalletNode> {
  await node.daemon.start();
  const api = await node.daemon.api();
  return { daemon: node.daemon, api, cli: node.cli };
}

/** Waits until the node follows btcd's best block and is in sync there. */
export async function synced(api: NodeApi, btcd: Btcd, timeoutMs = 30_000): Promise<number> {
  return await waitFor(async () => {
    const [info, best] = await Promise.all([api.chainInfo({}), btcd.rpc<string>('getbestblockhash')]);
    return info.tip?.hash === best && info.sync.state === 'in_sync' ? info.tip.height : undefined;
  }, 'the node in sync at btcd\'s tip', timeoutMs);
}

/** Waits until the wallet lists `txid` and `check` holds for it. */
export async function walletTx(api: NodeApi, txid: string, check: (t: WalletTxInfo) => boolean, what: string, timeoutMs = 30_000): Promise<WalletTxInfo> {
  return await waitFor(async () => {
    const t = (await api.listTransactions({})).transactions.find((x) => x.txid === txid);
    return t && check(t) ? t : undefined;
  }, `${txid.slice(0, 12)}… ${what}`, timeoutMs);
}

/** A fresh address of the node, paid `sat` from btcd's faucet and mined `confirmations` deep; returns the txid. */
export async function deposit(node: WalletNode, btcd: Btcd, sat: bigint, confirmations = 1): Promise<string> {
  const { address } = await node.api.newAddress({});
  const txid = await btcd.fund(address, sat);
  if (confirmations > 0) await btcd.mine(confirmations);
  await walletTx(node.api, txid, (t) => t.confirmations >= confirmations, `has ${confirmations} confirmation(s)`);
  return txid;
}

/** Every coin the wallet lists exists in btcd's UTXO set (mempool included) with that value. */
export async function expectCoinsOnChain(api: NodeApi, btcd: Btcd): Promise<void> {
  for (const u of (await api.listFunds({})).utxos) {
    const out = await btcd.rpc<{ value: number } | null>('gettxout', [u.txid, u.vout, true]);
    expect(out, `${u.txid}:${u.vout} in btcd's UTXO set`).not.toBeNull();
    expect(BigInt(Math.round(out!.value * 1e8))).toBe(BigInt(u.amountSat));
  }
}

/** Transactions in btcd's mempool spending `outpoint` ("txid:vout"). */
export async function mempoolSpenders(btcd: Btcd, outpoint: string): Promise<string[]> {
  const out: string[] = [];
  for (const txid of await btcd.rpc<string[]>('getrawmempool')) {
    const tx = await btcd.rpc<{ vin: { txid: string; vout: number }[] }>('getrawtransaction', [txid, 1]);
    if (tx.vin.some((i) => `${i.txid}:${i.vout}` === outpoint)) out.push(txid);
  }
  return out;
}
