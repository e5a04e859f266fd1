/**
 * The anchor CPFP retried when the chain source did not answer (issue 14, remaining item 5), between
 * real `glasswing daemon` processes on a real btcd: A reaches btcd through a TCP proxy the test
 * takes away. A force closes an anchors channel whose commitment pays less than the fee estimate
 * (signed at 253 sat/kw, the fee service at 3,000), so its monitor broadcasts the commitment and a
 * CPFP child through our anchor paid from the wallet — while the source is down. Each broadcast is
 * `source_down`: the CPFP is kept (not abandoned: its wallet coins stay spent by it) and the same
 * bytes go out again after 2 s, 4 s, … (`monitor_claim_retry`, cause `source_down`). The source comes
 * back before any block is mined: the commitment and its child reach btcd's mempool, confirm in one
 * block, and A's wallet is exact: the anchor came back through the child, less the child's fee.
 */
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { startTcpProxy } from '../support/esplora';
import { startFeeService } from '../support/fee-service';
import { deposit, expectCoinsOnChain, rpcFlags, startWalletNode, synced, type WalletNode } from '../support/wallet-node';
import { cliOk, feeOf, inMempool, mine, openActive, rawTx, totalSat } from '../support/chain-daemons';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
});

/** Broadcast outcomes that mean btcd has the transaction. */
const TAKEN = ['accepted', 'already_known', 'already_confirmed'];
const parsed = (n: WalletNode) => n.daemon.logs.flatMap((l) => {
  try {
    return [JSON.parse(l) as Record<string, unknown>];
  } catch {
    return [];
  }
});

describe('the anchor CPFP when the chain source is down', () => {
  it('kept and sent again while the source is away; when it is back, the commitment and its child confirm together and the wallet is exact', async () => {
    const feeMarket = await startFeeService(12_000);
    onTestFinished(() => feeMarket.close());
    const proxy = await startTcpProxy(btcd.rpcPort);
    onTestFinished(() => proxy.close());
    const fees = ['--fee-url', feeMarket.url, '--fee-poll-ms', '1000'];
    const a = await startWalletNode(btcd, { args: ['--chain', 'bitcoind-rpc', '--rpc-url', btcd.rpcUrl.replace(`:${btcd.rpcPort}`, `:${proxy.port}`), ...fees] });
    const b = await startWalletNode(btcd, { args: [...rpcFlags(btcd), ...fees] });
    for (const n of [a, b]) await synced(n.api, btcd);
    await deposit(a, btcd, 1_000_000n);
    await cliOk(a, 'connect', b.daemon.address);
    const ab = await openActive(btcd, a, b, 500_000n, 100_000_000n, ['--feerate', '2', '--commitment-feerate', '253'], [a, b]);
    // B away: the close is A's alone (connected, B would answer A's error with its own commitment).
    await b.daemon.stop();
    const before = await totalSat(a.api);

    // The source goes away; A sees it.
    await proxy.pause();
    await waitFor(async () => ((await a.api.chainInfo({})).sync.state === 'out_of_sync' ? true : undefined), 'A out of sync', 30_000);
    const forced = await cliOk<{ kind: string; commitmentTxid: string }>(a, 'closechannel', ab.channelId, '--force');
    expect(forced.kind).toBe('force');

    // The CPFP child is built from the wallet and kept; its broadcast, and the retries, find the source down.
    const cpfp = await waitFor(async () => (await a.api.listTransactions({})).transactions.find((t) => t.label === 'cpfp'), 'the CPFP child built', 60_000);
    const retries = () => parsed(a).filter((l) => l.event === 'monitor_claim_retry' && l.cause === 'source_down' && l.key === `broadcast:${cpfp.txid}`);
    await waitFor(() => (retries().some((l) => l.attempt === 2) ? true : undefined), 'the CPFP sent again after source_down, twice', 60_000);
    expect(retries().map((l) => l.delayMs)).toEqual(expect.arrayContaining([2_000, 4_000]));
    expect(parsed(a).filter((l) => l.event === 'monitor_broadcast' && l.txid === cpfp.txid).map((l) => l.outcome)).toEqual(expect.arrayContaining(['source_down']));
    // Not abandoned: the wallet still lists it as its own, unconfirmed.
    expect((await a.api.listTransactions({})).transactions.find((t) => t.txid === cpfp.txid)).toMatchObject({ label: 'cpfp' });
    expect(await inMempool(btcd, forced.commitmentTxid)).toBe(false);

    // The source is back, no block mined: the commitment and its child reach the mempool.
    const height = await btcd.height();
    await proxy.resume();
    await waitFor(async () => ((await inMempool(btcd, forced.commitmentTxid)) && (await inMempool(btcd, cpfp.txid)) ? true : undefined), 'the commitment and its CPFP child in btcd\'s mempool', 60_000);
    expect(await btcd.height()).toBe(height);
    await waitFor(() => (parsed(a).some((l) => l.event === 'monitor_broadcast' && l.txid === cpfp.txid && TAKEN.includes(String(l.outcome))) ? true : undefined), 'A\'s monitor sees the child taken');
    const child = await rawTx(btcd, cpfp.txid);
    expect(child.vin.some((i) => i.txid === forced.commitmentTxid)).toBe(true);

    await mine(btcd, 1, [a]);
    const blockOf = async (txid: string) => (await btcd.rpc<{ blockhash?: string }>('getrawtransaction', [txid, 1])).blockhash;
    expect(await blockOf(cpfp.txid)).toBe(await blockOf(forced.commitmentTxid));
    const view = await waitFor(async () => {
      const v = (await a.api.listClosedChannels({})).channels.find((x) => x.channel.channelId === ab.channelId);
      return v?.onChain.closing?.kind === 'local' ? v : undefined;
    }, 'our commitment confirmed');
    // The wallet: the anchor came back through the child, less the child's fee (as btcd computes it).
    const anchor = view.onChain.outputs.find((o) => o.role === 'our_anchor')!;
    const childFee = await feeOf(btcd, cpfp.txid);
    await waitFor(async () => ((await totalSat(a.api)) === before + BigInt(anchor.valueSat) - childFee ? true : undefined), 'A\'s wallet: the anchor less the child\'s fee', 30_000);
    await expectCoinsOnChain(a.api, btcd);
  }, 300_000);
});
