/**
 * Channels through the node (issue 14 items 1–4): two real `glasswing daemon` processes on a real
 * btcd (regtest), driven by the CLI and the API — openchannel (the funding transaction from the
 * wallet, broadcast after funding_signed), listchannels following the funding's confirmations to
 * active, a cooperative close (closing transaction watched to depth) and a force close (our
 * commitment, the to_local output swept to the wallet after its delay), each side's wallet ending
 * with what it should, exactly, less the fees the chain shows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChannelSummary, ClosedChannelInfo, FundChannelResult, NodeApi, OpeningInfo } from '../../core/api';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { deposit, expectCoinsOnChain, startWalletNode, synced, type WalletNode } from '../support/wallet-node';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
});

interface RawTx {
  readonly txid: string;
  readonly vin: readonly { readonly txid: string; readonly vout: number; readonly sequence: number }[];
  readonly vout: readonly { readonly value: number; readonly n: number }[];
}

async function rawTx(txid: string): Promise<RawTx> {
  return await btcd.rpc<RawTx>('getrawtransaction', [txid, 1]);
}

function sat(btc: number): bigint {
  return BigInt(Math.round(btc * 1e8));
}

/** The fee of a transaction whose inputs btcd can look up. */
async function feeOf(txid: string): Promise<bigint> {
  const tx = await rawTx(txid);
  let inSat = 0n;
  for (const i of tx.vin) inSat += sat((await rawTx(i.txid)).vout[i.vout]!.value);
  return inSat - tx.vout.reduce((a, o) => a + sat(o.value), 0n);
}

async function inMempool(txid: string): Promise<boolean> {
  return (await btcd.rpc<string[]>('getrawmempool')).includes(txid);
}

/** Mines `n` blocks and waits for both nodes to be in sync at the new tip. */
async function mine(n: number, ...nodes: WalletNode[]): Promise<void> {
  await btcd.mine(n);
  for (const node of nodes) {
    await synced(node.api, btcd, 30_000 + n * 500).catch(async (e: unknown) => {
      console.log(JSON.stringify(await node.api.chainInfo({})), await btcd.height(), node.daemon.logs.slice(-30).join('\n'));
      throw e;
    });
  }
}

async function channel(api: NodeApi, channelId: string, check: (c: ChannelSummary) => boolean, what: string, timeoutMs = 30_000): Promise<ChannelSummary> {
  return await waitFor(async () => {
    const c = (await api.listChannels({})).channels.find((x) => x.channelId === channelId);
    return c && check(c) ? c : undefined;
  }, what, timeoutMs);
}

async function closed(api: NodeApi, channelId: string, check: (c: ClosedChannelInfo) => boolean, what: string, timeoutMs = 30_000): Promise<ClosedChannelInfo> {
  return await waitFor(async () => {
    const c = (await api.listClosedChannels({})).channels.find((x) => x.channel.channelId === channelId);
    return c && check(c) ? c : undefined;
  }, what, timeoutMs);
}

async function totalSat(api: NodeApi): Promise<bigint> {
  return BigInt((await api.getBalance({})).totalSat);
}

/** Opens a channel from `a` to `b` through the CLI and waits until both list it active. */
async function openActive(a: WalletNode, b: WalletNode, amountSat: bigint, pushMsat: bigint, extra: string[] = []): Promise<FundChannelResult> {
  const r = await a.cli('openchannel', b.daemon.nodeId, String(amountSat), '--push-msat', String(pushMsat), ...extra);
  expect(r.code, r.stderr).toBe(0);
  const opened = r.json as FundChannelResult;
  await waitFor(async () => ((await inMempool(opened.fundingTxid)) ? true : undefined), 'the funding transaction in the mempool');
  await mine(opened.minimumDepth, a, b);
  for (const n of [a, b]) await channel(n.api, opened.channelId, (c) => c.lifecycle === 'active' && c.state === 'active', 'the channel active');
  return opened;
}

describe('channels between two daemons on btcd, through the CLI', () => {
  let a: WalletNode;
  let b: WalletNode;
  let walletA0: bigint;

  it('openchannel funds a channel from the wallet; listchannels shows it awaiting N of M confirmations, then active on both sides', async () => {
    a = await startWalletNode(btcd);
    b = await startWalletNode(btcd);
    await synced(a.api, btcd);
    await synced(b.api, btcd);
    await deposit(a, btcd, 3_000_000n);
    walletA0 = await totalSat(a.api);
    expect((await a.cli('connect', b.daemon.address)).code).toBe(0);
    await waitFor(async () => ((await b.api.listPeers({})).peers.some((p) => p.nodeId === a.daemon.nodeId) ? true : undefined), 'b sees a');

    const r = await a.cli('openchannel', b.daemon.nodeId, '500000', '--push-msat', '100000000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    expect(opened.channelId).toMatch(/^[0-9a-f]{64}$/);
    expect(opened.channelType).toContain('anchors');
    // The funding transaction is broadcast only after funding_signed was persisted (the call resolves then).
    await waitFor(async () => ((await inMempool(opened.fundingTxid)) ? true : undefined), 'the funding transaction in the mempool');
    const funding = await rawTx(opened.fundingTxid);
    expect(sat(funding.vout[opened.fundingOutputIndex]!.value)).toBe(500_000n);

    const listed = (await a.cli('listchannels')).json as { channels: ChannelSummary[]; openings: OpeningInfo[] };
    expect(listed.openings).toMatchObject([{ channelId: opened.channelId, role: 'funder', lifecycle: 'awaiting_confirmations', confirmations: 0, minimumDepth: opened.minimumDepth, fundingSat: '500000', pushMsat: '100000000' }]);
    await waitFor(async () => ((await b.api.listOpenings({})).openings.find((o) => o.channelId === opened.channelId && o.role === 'fundee') ? true : undefined), 'b lists the opening');

    await mine(1, a, b);
    if (opened.minimumDepth > 1) {
      await waitFor(async () => ((await a.api.listOpenings({})).openings.find((o) => o.channelId === opened.channelId)?.confirmations === 1 ? true : undefined), 'one confirmation counted');
      await mine(opened.minimumDepth - 1, a, b);
    }
    const ca = await channel(a.api, opened.channelId, (c) => c.lifecycle === 'active', 'active on a');
    const cb = await channel(b.api, opened.channelId, (c) => c.lifecycle === 'active', 'active on b');
    expect(ca.shortChannelId).toMatch(/^\d+x\d+x\d+$/);
    expect(cb.shortChannelId).toBe(ca.shortChannelId);
    expect(ca).toMatchObject({ capacitySat: '500000', remoteBalanceMsat: '100000000' });
    expect(((await a.cli('listchannels')).json as { openings: OpeningInfo[] }).openings).toEqual([]);
    // The wallet spent the deposit into the funding: what is left is the change.
    expect(await totalSat(a.api)).toBe(walletA0 - 500_000n - (await feeOf(opened.fundingTxid)));
    await expectCoinsOnChain(a.api, btcd);
  }, 120_000);

  it('closechannel (cooperative): the closing transaction is broadcast and watched to depth; each side\'s funds are back in its wallet', async () => {
    const [c] = (await a.api.listChannels({})).channels;
    const channelId = c!.channelId;
    const before = await totalSat(a.api);
    const r = await a.cli('closechannel', channelId);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ channelId, kind: 'cooperative' });
    const closing = await waitFor(async () => {
      const mempool = await btcd.rpc<string[]>('getrawmempool');
      for (const txid of mempool) {
        const tx = await rawTx(txid);
        if (tx.vin.some((i) => i.txid === c!.fundingOutpoint.split(':')[0])) return tx;
      }
      return undefined;
    }, 'the closing transaction in the mempool');
    await mine(1, a, b);
    const view = await closed(a.api, channelId, (x) => x.onChain.closing?.kind === 'mutual', 'a sees the mutual close');
    expect(view.onChain.closing!.txid).toBe(closing.txid);
    await channel(a.api, channelId, (x) => x.lifecycle === 'closing', 'closing until deep enough');
    await mine(6, a, b);
    await channel(a.api, channelId, (x) => x.lifecycle === 'closed', 'closed on a', 30_000);
    await channel(b.api, channelId, (x) => x.lifecycle === 'closed', 'closed on b', 30_000);
    // The funder pays the closing fee (BOLT 2); the fundee gets exactly its balance.
    const closingFee = await feeOf(closing.txid);
    await waitFor(async () => ((await totalSat(b.api)) === 100_000n ? true : undefined), 'b\'s 100,000 sat in its wallet');
    await waitFor(async () => ((await totalSat(a.api)) === before + 400_000n - closingFee ? true : undefined), 'a\'s 400,000 sat less the closing fee in its wallet');
    await expectCoinsOnChain(a.api, btcd);
    await expectCoinsOnChain(b.api, btcd);
    expect((await a.cli('listclosedchannels')).json).toMatchObject({ channels: [{ channel: { channelId }, onChain: { closing: { kind: 'mutual', txid: closing.txid } } }] });
  }, 120_000);

  it('closechannel --force: our commitment on chain, force_closing with pending outputs, to_local swept to the wallet after to_self_delay; the peer sweeps its to_remote', async () => {
    const opened = await openActive(a, b, 400_000n, 150_000_000n, ['--feerate', '2']);
    const channelId = opened.channelId;
    const beforeA = await totalSat(a.api);
    const beforeB = await totalSat(b.api);
    // The usual reason to force close: the peer is away. (Connected, our `error` makes the peer fail the
    // channel too, and its commitment may reach the mempool first: then that one is the close.)
    expect((await a.cli('disconnect', b.daemon.nodeId)).code).toBe(0);
    await waitFor(async () => ((await b.api.listPeers({})).peers.length === 0 && (await a.api.listPeers({})).peers.length === 0 ? true : undefined), 'disconnected');
    const r = await a.cli('closechannel', channelId, '--force');
    expect(r.code, r.stderr).toBe(0);
    const forced = r.json as { kind: string; commitmentTxid: string };
    expect(forced.kind).toBe('force');
    await waitFor(async () => ((await inMempool(forced.commitmentTxid)) ? true : undefined), 'our commitment in the mempool').catch(async (e: unknown) => {
      console.log(a.daemon.logs.filter((l) => /broadcast|monitor|force|cpfp|anchor/i.test(l)).slice(-40).join('\n'));
      console.log(JSON.stringify((await a.api.recentEvents({ types: ['chain.broadcast', 'monitor.claim'] })).events));
      console.log(JSON.stringify((await a.api.listChannels({})).channels.map((x) => [x.channelType, x.feeratePerKw])));
      throw e;
    });
    await mine(1, a, b);
    const c = await channel(a.api, channelId, (x) => x.lifecycle === 'force_closing' && x.onChain?.kind === 'local', 'force closing on a');
    expect(c.onChain!.pendingOutputs).toBeGreaterThan(0);
    const view = await closed(a.api, channelId, (x) => x.onChain.outputs.some((o) => o.role === 'local_to_local' && o.status === 'maturing'), 'to_local maturing');
    const toLocal = view.onChain.outputs.find((o) => o.role === 'local_to_local')!;
    // BIP 68: spendable 144 blocks after the commitment's block (B's to_self_delay for us).
    expect(toLocal.maturesAt).toBeGreaterThanOrEqual(view.onChain.closing!.height + 143);
    expect(toLocal.maturesAt).toBeLessThanOrEqual(view.onChain.closing!.height + 144);
    // The peer sees our commitment and sweeps its to_remote (anchors: after one block) to its wallet.
    await closed(b.api, channelId, (x) => x.onChain.closing?.kind === 'remote', 'b sees the remote commitment');
    // to_local matures after the to_self_delay B asked for (144 blocks).
    await mine(144, a, b);
    const claiming = await closed(a.api, channelId, (x) => x.onChain.outputs.some((o) => o.role === 'local_to_local' && o.claim?.txid != null), 'to_local claimed', 60_000);
    const sweepTxid = claiming.onChain.outputs.find((o) => o.role === 'local_to_local')!.claim!.txid!;
    await waitFor(async () => ((await inMempool(sweepTxid)) ? true : undefined), 'the sweep in the mempool');
    await mine(7, a, b);
    await channel(a.api, channelId, (x) => x.lifecycle === 'closed', 'closed on a', 60_000);
    await channel(b.api, channelId, (x) => x.lifecycle === 'closed', 'closed on b', 60_000);
    const sweepFee = await feeOf(sweepTxid);
    // The anchors' CPFP child (if the commitment needed one) is paid from the wallet too.
    const cpfpFees = await Promise.all((await a.api.listTransactions({})).transactions.filter((t) => t.label === 'cpfp').map((t) => feeOf(t.txid)));
    const cpfpSpent = (await a.api.listTransactions({})).transactions.filter((t) => t.label === 'cpfp').reduce((x, t) => x + BigInt(t.feeSat ?? '0'), 0n);
    expect(cpfpSpent).toBe(cpfpFees.reduce((x, y) => x + y, 0n));
    await waitFor(async () => ((await totalSat(a.api)) === beforeA + BigInt(toLocal.valueSat) - sweepFee - cpfpSpent ? true : undefined), 'to_local in a\'s wallet less the sweep fee');
    const bView = (await b.api.listClosedChannels({})).channels.find((x) => x.channel.channelId === channelId)!;
    const toRemote = bView.onChain.outputs.find((o) => o.role === 'to_remote')!;
    expect(toRemote.valueSat).toBe('150000');
    const bSweep = toRemote.spentBy!.txid;
    await waitFor(async () => ((await totalSat(b.api)) === beforeB + 150_000n - (await feeOf(bSweep)) ? true : undefined), 'to_remote in b\'s wallet less its sweep fee');
    await expectCoinsOnChain(a.api, btcd);
    await expectCoinsOnChain(b.api, btcd);
  }, 900_000);
});

describe('the acceptance policy the user sets (CLI settings, config.json)', () => {
  it('a channel below the peer\'s minimum is refused with the peer\'s reason; zero-conf only from a peer on the trusted list, active before the funding confirms', async () => {
    const a = await startWalletNode(btcd);
    const b = await startWalletNode(btcd);
    await synced(a.api, btcd);
    await synced(b.api, btcd);
    await deposit(a, btcd, 3_000_000n);
    const set = await b.cli('settings', '--min-channel-sat', '300000', '--minimum-depth', '2');
    expect(set.code, set.stderr).toBe(0);
    expect(set.json).toMatchObject({ channels: { minFundingSat: '300000', minimumDepth: 2, trustedZeroconfPeers: [] } });
    expect((await a.cli('connect', b.daemon.address)).code).toBe(0);
    const small = await a.cli('openchannel', b.daemon.nodeId, '100000');
    expect(small.code).not.toBe(0);
    expect(small.stderr).toContain('channel_open.peer_error');
    const untrusted = await a.cli('openchannel', b.daemon.nodeId, '400000', '--zeroconf');
    expect(untrusted.code).not.toBe(0);
    // Nothing stayed locked in A's wallet.
    expect((await a.api.getBalance({})).lockedSat).toBe('0');

    expect((await b.cli('settings', '--trusted-zeroconf', a.daemon.nodeId)).code).toBe(0);
    const r = await a.cli('openchannel', b.daemon.nodeId, '400000', '--zeroconf', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    expect(opened.minimumDepth).toBe(0);
    for (const n of [a, b]) await channel(n.api, opened.channelId, (c) => c.lifecycle === 'active' && c.state === 'active', 'active before any confirmation');
    expect(await inMempool(opened.fundingTxid)).toBe(true);
    // Saved in B's config.json: a restart keeps the policy.
    const saved = JSON.parse(readFileSync(join(b.daemon.datadir, 'config.json'), 'utf8')) as { channels: unknown };
    expect(saved.channels).toEqual({ minFundingSat: '300000', minimumDepth: 2, trustedZeroconfPeers: [a.daemon.nodeId] });
    await b.daemon.stop();
    await b.daemon.start();
    const bApi = await b.daemon.api();
    expect((await bApi.getSettings({})).channels).toMatchObject({ minFundingSat: '300000', minimumDepth: 2, trustedZeroconfPeers: [a.daemon.nodeId] });
  }, 180_000);
});
