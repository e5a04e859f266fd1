/**
 * kill -9 of a daemon around the channel's on-chain steps (issue 14 item 6), on btcd: right after
 * the funding is broadcast (before lock-in), right after a cooperative close was started, and while
 * our force close waits for its to_local to mature. Each time the node comes back from its SQLite
 * file, finishes what it had started, and the wallet ends with exactly what it should, less the
 * fees btcd shows; no commitment but our latest is ever seen on chain.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChannelSummary, ClosedChannelInfo, FundChannelResult, NodeApi } from '../../core/api';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { deposit, expectCoinsOnChain, restart, startWalletNode, synced, type WalletNode } from '../support/wallet-node';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
});

const sat = (btc: number) => BigInt(Math.round(btc * 1e8));
const raw = (txid: string) => btcd.rpc<{ txid: string; vin: { txid: string; vout: number }[]; vout: { value: number }[] }>('getrawtransaction', [txid, 1]);
async function feeOf(txid: string): Promise<bigint> {
  const tx = await raw(txid);
  let inSat = 0n;
  for (const i of tx.vin) inSat += sat((await raw(i.txid)).vout[i.vout]!.value);
  return inSat - tx.vout.reduce((a, o) => a + sat(o.value), 0n);
}
const total = async (api: NodeApi) => BigInt((await api.getBalance({})).totalSat);
async function mine(n: number, ...nodes: WalletNode[]): Promise<void> {
  await btcd.mine(n);
  for (const x of nodes) await synced(x.api, btcd, 30_000 + n * 500);
}
const channelOf = async (api: NodeApi, id: string): Promise<ChannelSummary | undefined> => (await api.listChannels({})).channels.find((c) => c.channelId === id);
const closedOf = async (api: NodeApi, id: string): Promise<ClosedChannelInfo | undefined> => (await api.listClosedChannels({})).channels.find((c) => c.channel.channelId === id);
/** Transactions in blocks or the mempool spending `outpoint`. */
async function spendersOf(outpoint: string, fromHeight: number): Promise<string[]> {
  const out: string[] = [];
  const tip = await btcd.height();
  const txids = [...(await btcd.rpc<string[]>('getrawmempool'))];
  for (let h = fromHeight; h <= tip; h++) txids.push(...(await btcd.rpc<{ tx: string[] }>('getblock', [await btcd.rpc<string>('getblockhash', [h]), 1])).tx);
  for (const txid of txids) if ((await raw(txid)).vin.some((i) => `${i.txid}:${i.vout}` === outpoint)) out.push(txid);
  return out;
}

describe('kill -9 around funding, closing and sweeping', () => {
  let a: WalletNode;
  let b: WalletNode;

  it('killed right after the funding is broadcast: restarted, the channel locks in and becomes active on both sides', async () => {
    a = await startWalletNode(btcd);
    b = await startWalletNode(btcd);
    await synced(a.api, btcd);
    await synced(b.api, btcd);
    await deposit(a, btcd, 3_000_000n);
    expect((await a.cli('connect', b.daemon.address)).code).toBe(0);
    const r = await a.cli('openchannel', b.daemon.nodeId, '500000', '--push-msat', '100000000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    await a.daemon.stop('SIGKILL');
    // openchannel answers once funding_signed is stored; the broadcast that follows may not have reached
    // btcd before the kill (under load it did not): the restarted node broadcasts its funding again.
    a = await restart(a);
    await waitFor(async () => ((await btcd.rpc<string[]>('getrawmempool')).includes(opened.fundingTxid) ? true : undefined), 'the funding in the mempool', 60_000);
    await btcd.mine(opened.minimumDepth);
    await synced(a.api, btcd);
    for (const n of [a, b]) {
      await waitFor(async () => ((await channelOf(n.api, opened.channelId))?.state === 'active' ? true : undefined), 'active after the restart', 60_000);
    }
  }, 180_000);

  it('killed right after a cooperative close was started: restarted, the close completes and both wallets hold their balances', async () => {
    const c = (await a.api.listChannels({})).channels[0]!;
    const beforeA = await total(a.api);
    const beforeB = await total(b.api);
    expect((await a.cli('closechannel', c.channelId)).code).toBe(0);
    await a.daemon.stop('SIGKILL');
    a = await restart(a);
    await synced(a.api, btcd);
    // The closing transaction reaches the mempool (negotiated before the kill, or again after the reconnection).
    const funding = c.fundingOutpoint;
    const closing = await waitFor(async () => (await spendersOf(funding, await btcd.height()))[0], 'a closing transaction', 60_000);
    await mine(1, a, b);
    const view = await waitFor(async () => {
      const v = await closedOf(a.api, c.channelId);
      return v?.onChain.closing?.kind === 'mutual' ? v : undefined;
    }, 'the mutual close confirmed on a');
    expect(view.onChain.closing!.txid).toBe(closing);
    const fee = await feeOf(closing);
    await waitFor(async () => ((await total(a.api)) === beforeA + 400_000n - fee ? true : undefined), 'a\'s 400,000 sat less the fee');
    await waitFor(async () => ((await total(b.api)) === beforeB + 100_000n ? true : undefined), 'b\'s 100,000 sat');
    await expectCoinsOnChain(a.api, btcd);
  }, 180_000);

  it('killed while its force close waits for to_local: restarted, the sweep goes out at maturity; only our latest commitment was ever on chain', async () => {
    const r = await a.cli('openchannel', b.daemon.nodeId, '400000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    await waitFor(async () => ((await btcd.rpc<string[]>('getrawmempool')).includes(opened.fundingTxid) ? true : undefined), 'funding in the mempool');
    const fundingHeight = (await btcd.height()) + 1;
    await mine(opened.minimumDepth, a, b);
    for (const n of [a, b]) await waitFor(async () => ((await channelOf(n.api, opened.channelId))?.state === 'active' ? true : undefined), 'active');
    const before = await total(a.api);
    await a.api.disconnect({ nodeId: b.daemon.nodeId });
    const forced = await a.cli('closechannel', opened.channelId, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    const { commitmentTxid } = forced.json as { commitmentTxid: string };
    await waitFor(async () => ((await btcd.rpc<string[]>('getrawmempool')).includes(commitmentTxid) ? true : undefined), 'our commitment in the mempool');
    await mine(1, a, b);
    const view = await waitFor(async () => {
      const v = await closedOf(a.api, opened.channelId);
      return v?.onChain.outputs.some((o) => o.role === 'local_to_local' && o.status === 'maturing') ? v : undefined;
    }, 'to_local maturing');
    const toLocal = view.onChain.outputs.find((o) => o.role === 'local_to_local')!;
    await a.daemon.stop('SIGKILL');
    await btcd.mine(Math.max(0, toLocal.maturesAt! - (await btcd.height())));
    a = await restart(a);
    await synced(a.api, btcd, 120_000);
    const swept = await waitFor(async () => {
      const o = (await closedOf(a.api, opened.channelId))?.onChain.outputs.find((x) => x.role === 'local_to_local');
      return o?.claim?.txid ?? undefined;
    }, 'the sweep after the restart', 60_000);
    await waitFor(async () => ((await btcd.rpc<string[]>('getrawmempool')).includes(swept) ? true : undefined), 'the sweep in the mempool');
    await mine(1, a, b);
    const cpfp = (await a.api.listTransactions({})).transactions.filter((t) => t.label === 'cpfp').reduce((x, t) => x + BigInt(t.feeSat ?? '0'), 0n);
    await waitFor(async () => ((await total(a.api)) === before + BigInt(toLocal.valueSat) - (await feeOf(swept)) - cpfp ? true : undefined), 'to_local less the fees in the wallet');
    // The funding output was spent once, by our latest commitment.
    expect(await spendersOf(`${opened.fundingTxid}:${opened.fundingOutputIndex}`, fundingHeight)).toEqual([commitmentTxid]);
    await expectCoinsOnChain(a.api, btcd);
  }, 300_000);
});
