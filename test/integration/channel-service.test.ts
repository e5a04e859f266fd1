/**
 * The channel service wired to a real chain layer (btcd over JSON-RPC), real wallets and real
 * SQLite files, two nodes over loopback TCP in this process (test/support/channel-service-node.ts):
 * a channel funded from the wallet opens (the funding broadcast only once funding_signed is
 * persisted), confirms to its minimum depth and becomes active with the real short_channel_id; an
 * HTLC moves with automatic signing; a cooperative close pays both wallets; force closes go on chain
 * and every output of ours comes back to the wallet; a revoked commitment is punished.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTx } from '../../core/bitcoin';
import { sha256, toHex, utf8 } from '../../core/crypto';
import { formatShortChannelId } from '../../core/wire';
import { shortChannelIdOf } from '../../core/channel/establish';
import { buildCommitment } from '../../core/channel/transactions';
import { commitmentSighash, finalizeCommitmentTx } from '../../core/channel/commitment-tx';
import { channelSignerFromNodeKey } from '../../core/channel';
import type { ChannelState } from '../../core/channel/state';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { ServiceNode } from '../support/channel-service-node';

const ONION = new Uint8Array(1366);
const preimage = (n: string) => sha256(utf8.encode(`channel service test ${n}`));

let btcd: Btcd;
const nodes: ServiceNode[] = [];

beforeAll(async () => {
  btcd = await startBtcd();
});
afterAll(async () => {
  for (const n of nodes) await n.stop();
});

async function node(opts: Parameters<typeof ServiceNode.start>[1] = {}): Promise<ServiceNode> {
  const n = await ServiceNode.start(btcd, { defaults: { toSelfDelay: 12, minimumDepth: 3 }, ...opts });
  nodes.push(n);
  return n;
}

/** Mines `n` blocks and waits until every node's chain layer and wallet followed them. */
async function mine(n: number): Promise<void> {
  await btcd.mine(n);
  for (const x of nodes) if (!x.stopped) await x.caughtUp(btcd);
}

/**
 * Stops the nodes of earlier tests and mines until the mempool is empty, so a block this test
 * invalidates holds only its own transactions: btcd v0.26 keeps in its mempool the 1-CSV children
 * of transactions a reorg returns there, and its `generate` then fails ("sequence locks are not met").
 */
async function quiesce(): Promise<void> {
  for (const n of nodes) await n.stop();
  for (let i = 0; i < 20 && (await btcd.rpc<string[]>('getrawmempool', [])).length > 0; i++) await btcd.mine(1);
  expect(await btcd.rpc<string[]>('getrawmempool', [])).toEqual([]);
}

/**
 * Waits for `txid` in the mempool, mining nothing: a broadcast the source did not answer in time (btcd
 * slow on a loaded machine is `source_down`, after the RPC's 30 s) is made again by the node within
 * seconds (ChannelMonitors' retries), not at the next block.
 */
async function untilInMempool(txid: string, what: string): Promise<void> {
  await waitFor(async () => ((await inMempool(txid)) ? true : undefined), `${what} in the mempool`, 60_000);
}

async function blockOf(txid: string): Promise<{ height: number; txIndex: number }> {
  const info = await btcd.rpc<{ blockhash: string }>('getrawtransaction', [txid, 1]);
  const block = await btcd.rpc<{ height: number; tx: string[] }>('getblock', [info.blockhash, 1]);
  return { height: block.height, txIndex: block.tx.indexOf(txid) };
}

async function inMempool(txid: string): Promise<boolean> {
  const pool = await btcd.rpc<string[]>('getrawmempool', []);
  return pool.includes(txid);
}

/** Opens a channel from `a` to `b` and confirms it to the minimum depth (3): both links active. */
async function openActive(a: ServiceNode, b: ServiceNode, params: Omit<Parameters<ServiceNode['channels']['fundChannel']>[0], 'nodeId'>) {
  const opened = await a.channels.fundChannel({ nodeId: b.nodeId, ...params });
  await waitFor(async () => ((await inMempool(opened.fundingTxid)) ? true : undefined), 'the funding transaction in the mempool');
  await mine(3);
  const active = (n: ServiceNode) => n.channels.list().find((c) => c.channelId === opened.channelId)?.state === 'active';
  await waitFor(() => (active(a) && active(b) ? true : undefined), 'both links active');
  return opened;
}

function settled(a: ServiceNode, b: ServiceNode, channelId: string): boolean {
  const sa = a.channels.inspect(channelId)!.stored.state;
  const sb = b.channels.inspect(channelId)!.stored.state;
  return sa.changes.length === 0 && sb.changes.length === 0 && !sa.remoteNextCommit && !sb.remoteNextCommit;
}

describe('channels through the channel service on a real chain', () => {
  let a: ServiceNode;
  let b: ServiceNode;
  let channelId: string;

  beforeAll(async () => {
    a = await node();
    b = await node();
    await a.fund(btcd, 5_000_000n);
    await a.connect(b);
  });

  it('opens from the wallet: funding broadcast after funding_signed is stored, channel_ready at minimum depth with the real short_channel_id', async () => {
    const opened = await a.channels.fundChannel({ nodeId: b.nodeId, amountSat: 1_000_000n, pushMsat: 100_000_000n, feeRateSatVb: 2 });
    channelId = opened.channelId;
    expect(opened.channelType).toBe('anchors+scid_alias');
    // The record was in SQLite before the funding transaction reached btcd.
    const row = a.db.prepare('SELECT channel_id FROM channel_openings').get() as { channel_id: string };
    expect(row.channel_id).toBe(channelId);
    await waitFor(async () => ((await inMempool(opened.fundingTxid)) ? true : undefined), 'the funding transaction in the mempool');
    expect(b.channels.listOpenings()).toMatchObject([{ channelId, role: 'fundee', phase: 'awaiting_lock_in' }]);
    await mine(1);
    await waitFor(() => (a.channels.listOpenings()[0]?.confirmations === 1 ? true : undefined), 'one confirmation');
    expect(a.channels.list()).toHaveLength(0);
    await mine(2);
    await waitFor(() => (a.channels.list()[0]?.state === 'active' && b.channels.list()[0]?.state === 'active' ? true : undefined), 'both links active');
    const where = await blockOf(opened.fundingTxid);
    const scid = formatShortChannelId(shortChannelIdOf(where.height, where.txIndex, opened.fundingOutputIndex));
    await waitFor(() => (a.channels.list()[0]?.shortChannelId === scid && b.channels.list()[0]?.shortChannelId === scid ? true : undefined), 'the real scid');
    expect(a.channels.list()[0]).toMatchObject({ lifecycle: 'active', capacitySat: '1000000', remoteBalanceMsat: '100000000', onChain: { state: 'open' } });
    // The wallet knows its funding transaction, confirmed.
    expect(a.wallet.transaction(opened.fundingTxid)).toMatchObject({ label: 'funding', state: 'confirmed' });
  });

  it('moves an HTLC both ways with automatic signing', async () => {
    const { id } = a.channels.addHtlc(channelId, { amountMsat: 50_000_000n, paymentHash: sha256(preimage('one')), cltvExpiry: (await btcd.height()) + 100, onionRoutingPacket: ONION });
    await waitFor(() => (b.channels.inspect(channelId)!.stored.state.localCommit.spec.htlcs.length === 1 && settled(a, b, channelId) ? true : undefined), 'the HTLC committed');
    b.channels.fulfillHtlc(channelId, id, preimage('one'));
    await waitFor(() => (settled(a, b, channelId) && a.channels.inspect(channelId)!.stored.state.localCommit.spec.htlcs.length === 0 ? true : undefined), 'the fulfill committed');
    expect(a.channels.list()[0]!.remoteBalanceMsat).toBe('150000000');
    expect(a.channels.checkLocalSignatures(channelId)).toEqual({ ok: true });
  });

  it('closes cooperatively: the closing transaction is broadcast, confirms, and pays both wallets', async () => {
    const balanceB = b.wallet.balance().totalSat;
    const r = a.channels.closeChannel({ channelId });
    expect(r.kind).toBe('cooperative');
    const closing = await waitFor(() => a.eventsOf('channel.closing').find((e) => e.stage === 'closing_tx') as { txid: string } | undefined, 'the closing transaction');
    await waitFor(async () => ((await inMempool(closing.txid)) ? true : undefined), 'the closing transaction in the mempool');
    await mine(1);
    await waitFor(() => (a.channels.list()[0]?.onChain?.kind === 'mutual' ? true : undefined), 'the mutual close seen');
    expect(a.channels.list()[0]!.lifecycle).toBe('closing');
    await mine(6);
    await waitFor(() => (a.channels.list()[0]?.lifecycle === 'closed' && b.channels.list()[0]?.lifecycle === 'closed' ? true : undefined), 'closed on both sides');
    // B's 150,000 sat came to its wallet (no fee: the funder pays it).
    expect(b.wallet.balance().totalSat - balanceB).toBe(150_000n);
    expect(a.channels.listClosed().map((c) => c.onChain.closing?.kind)).toEqual(['mutual']);
  });
});

describe('unilateral closes and enforcement on a real chain', () => {
  it('force closes an anchors channel: our commitment with CPFP from the wallet, to_local after to_self_delay, to_remote to the peer', async () => {
    // No automatic update_fee here: the chain's fallback estimate (2,500 sat/kw) is also where an anchors update_fee
    // stops, so one landing before the close would leave the commitment paying enough alone (update_fee is tested with
    // real peers in test/interop/fees-*.test.ts).
    const a = await node({ autoFee: false });
    let b = await node({ autoFee: false });
    await a.fund(btcd, 3_000_000n);
    await a.connect(b);
    // A commitment feerate below the chain's estimate: the monitor brings it up with a CPFP child through our anchor.
    const opened = await openActive(a, b, { amountSat: 800_000n, pushMsat: 200_000_000n, feeRateSatVb: 2, commitmentFeeratePerKw: 253 });
    const before = a.wallet.balance().totalSat;
    const beforeB = b.wallet.balance().totalSat;
    // The peer is gone when we close: a connected peer answers our `error` with its own commitment (BOLT 1: it fails
    // the channel too), and whichever reaches the mempool first wins — this test is about ours.
    await b.stop();
    await waitFor(() => (a.channels.list()[0]?.state === 'offline' ? true : undefined), 'the link offline');
    const closed = a.channels.closeChannel({ channelId: opened.channelId, force: true });
    expect(closed.kind).toBe('force');
    expect(closed.commitmentTxid).toMatch(/^[0-9a-f]{64}$/);
    await untilInMempool(closed.commitmentTxid!, 'our commitment');
    // B comes back and finds our commitment on chain.
    b = await b.restart(btcd);
    nodes.push(b);
    const cpfp = await waitFor(() => a.wallet.listTransactions().find((t) => t.label === 'cpfp'), 'the CPFP child').catch((e: Error) => {
      throw new Error(`${e.message}\n${a.logs.filter((l) => /monitor/.test(String(l.event))).map((l) => JSON.stringify(l)).join('\n')}`);
    });
    await waitFor(async () => ((await inMempool(cpfp.txid)) ? true : undefined), 'the CPFP child in the mempool');
    await mine(1);
    await waitFor(() => (a.wallet.transaction(cpfp.txid)?.state === 'confirmed' ? true : undefined), 'the CPFP child confirmed');
    await waitFor(() => (a.channels.list()[0]?.onChain?.kind === 'local' ? true : undefined), 'our commitment confirmed');
    expect(a.channels.list()[0]!.lifecycle).toBe('force_closing');
    // B: the peer's commitment; its to_remote (anchors: one block of CSV) swept to its wallet.
    await waitFor(() => (b.channels.list()[0]?.onChain?.kind === 'remote' ? true : undefined), 'B sees our commitment');
    const toLocal = () => a.channels.onChainView(opened.channelId)?.outputs.find((o) => o.role === 'local_to_local');
    expect(toLocal()).toMatchObject({ status: 'maturing' });
    await mine(12);
    // Matured after to_self_delay (12): the sweep goes out, then confirms.
    await waitFor(() => (toLocal()?.status === 'claiming' ? true : undefined), 'to_local claimed', 30_000);
    await mine(1);
    await waitFor(() => (toLocal()?.status === 'spent' ? true : undefined), 'to_local swept', 30_000);
    await mine(6);
    await waitFor(() => (a.channels.list()[0]?.lifecycle === 'closed' && b.channels.list()[0]?.lifecycle === 'closed' ? true : undefined), 'closed', 60_000);
    const after = a.wallet.balance().totalSat;
    // 600,000 sat of ours came back, less the fees of the commitment, its CPFP child and the sweep.
    expect(after - before).toBeGreaterThan(590_000n);
    expect(after - before).toBeLessThan(600_000n);
    // B's 200,000 sat (its to_remote) are in its wallet, less its sweep's fee.
    await waitFor(() => (b.wallet.balance().totalSat - beforeB > 198_000n ? true : undefined), 'B\'s to_remote swept');
    expect(b.channels.onChainView(opened.channelId)).toMatchObject({ closing: { kind: 'remote' }, totals: { claimedSat: '200000', pendingSat: '0', lostSat: '0' } });
  }, 120_000);

  it('punishes a revoked commitment: the justice transaction takes the whole channel', async () => {
    const a = await node();
    const b = await node();
    await a.fund(btcd, 3_000_000n);
    await a.connect(b);
    const opened = await openActive(a, b, { amountSat: 600_000n, pushMsat: 300_000_000n, feeRateSatVb: 2, channelType: 'static_remotekey' });
    const id = opened.channelId;
    // B's commitment now (it holds 300,000 sat), kept to cheat with later.
    const old: ChannelState = b.channels.inspect(id)!.stored.state;
    // B pays A 100,000 sat: B's old commitment is revoked.
    const height = await btcd.height();
    const { id: h } = b.channels.addHtlc(id, { amountMsat: 100_000_000n, paymentHash: sha256(preimage('cheat')), cltvExpiry: height + 100, onionRoutingPacket: ONION });
    await waitFor(() => (settled(a, b, id) && a.channels.inspect(id)!.stored.state.localCommit.spec.htlcs.length === 1 ? true : undefined), 'committed');
    a.channels.fulfillHtlc(id, h, preimage('cheat'));
    await waitFor(() => (settled(a, b, id) && a.channels.inspect(id)!.stored.state.localCommit.spec.htlcs.length === 0 ? true : undefined), 'settled');
    const aBefore = a.wallet.balance().totalSat;
    // B broadcasts its revoked commitment.
    const signer = channelSignerFromNodeKey(b.nodeKey, b.channels.inspect(id)!.stored.keyIndex);
    const built = buildCommitment(old.params, 'local', old.localCommit.ctn, old.localCommit.spec, signer.perCommitmentPoint(old.localCommit.ctn));
    const ours = signer.signWithFundingKey(commitmentSighash(built.commitment, old.params.fundingSatoshis));
    const tx = finalizeCommitmentTx(built.commitment, old.params.local.basepoints.fundingPubkey, ours, old.params.remote.basepoints.fundingPubkey, old.localCommit.signature);
    await btcd.rpc<string>('sendrawtransaction', [toHex(encodeTx(tx))]);
    await mine(1);
    await waitFor(() => (a.channels.list()[0]?.onChain?.kind === 'revoked' ? true : undefined), 'A recognises the revoked commitment');
    await mine(1);
    const justice = await waitFor(
      () => a.channels.onChainView(id)?.outputs.find((o) => o.role === 'revoked_to_local' && o.status === 'spent'),
      'the justice transaction confirmed', 60_000,
    );
    expect(justice.spentBy?.by).toBe('us');
    await mine(6);
    await waitFor(() => (a.wallet.balance().totalSat - aBefore > 590_000n ? true : undefined), 'the whole channel in A\'s wallet', 30_000);
  }, 120_000);
});

describe('HTLCs on chain when the peer goes away', () => {
  it('claims an incoming HTLC with its preimage before its expiry when the peer that offered it is gone (anchors: fees from the wallet)', async () => {
    const a = await node();
    const b = await node();
    await a.fund(btcd, 3_000_000n);
    await a.connect(b);
    const { channelId: id } = await openActive(a, b, { amountSat: 800_000n, pushMsat: 300_000_000n, feeRateSatVb: 2 });
    const expiry = (await btcd.height()) + 40;
    const { id: h } = b.channels.addHtlc(id, { amountMsat: 100_000_000n, paymentHash: sha256(preimage('claim')), cltvExpiry: expiry, onionRoutingPacket: ONION });
    await waitFor(() => (settled(a, b, id) && a.channels.inspect(id)!.stored.state.localCommit.spec.htlcs.length === 1 ? true : undefined), 'the HTLC committed');
    // The peer that offered it goes away; we learn the preimage (as from a downstream fulfill) and cannot send it.
    await b.stop();
    await waitFor(() => (a.channels.list()[0]?.state === 'offline' ? true : undefined), 'the link offline');
    a.channels.fulfillHtlc(id, h, preimage('claim'));
    const before = a.wallet.balance().totalSat;
    // BOLT 2: 18 blocks before the HTLC expires, a fulfilled HTLC still in a commitment fails the channel.
    await mine(expiry - 18 - (await btcd.height()) - 1);
    expect(a.channels.list()[0]!.lifecycle).toBe('active');
    await mine(1);
    await waitFor(() => (a.channels.list()[0]?.lifecycle === 'force_closing' ? true : undefined), 'the channel failed at the deadline');
    expect(a.channels.list()[0]!.failure?.code).toBe('channel.htlc_fulfill_deadline');
    await mine(1);
    await waitFor(() => (a.channels.list()[0]?.onChain?.kind === 'local' ? true : undefined), 'our commitment confirmed');
    const htlc = () => a.channels.onChainView(id)?.outputs.find((o) => o.role === 'local_htlc_received');
    // Anchors: the HTLC-success transaction carries no fee; the wallet adds an input and change.
    const funded = await waitFor(() => a.wallet.listTransactions().find((t) => t.label === 'htlc_fee'), 'the HTLC-success funded by the wallet');
    await waitFor(async () => ((await inMempool(funded.txid)) ? true : undefined), 'the HTLC-success in the mempool');
    await mine(1);
    await waitFor(() => (htlc()?.status === 'spent' && htlc()?.spentBy?.path === 'htlc_success_tx' ? true : undefined), 'the HTLC claimed with its preimage');
    expect((await btcd.height()) < expiry).toBe(true);
    // Its second-stage output is ours after to_self_delay, like to_local.
    await mine(13);
    await waitFor(() => (a.channels.onChainView(id)?.outputs.every((o) => o.status !== 'maturing' && o.status !== 'claimable') ? true : undefined), 'everything claimed');
    await mine(1);
    await waitFor(() => (a.wallet.balance().totalSat - before > 590_000n ? true : undefined), 'to_local and the HTLC in the wallet', 30_000);
  }, 120_000);

  it('times out an offered HTLC on chain when the peer does not settle it, and reports it upstream', async () => {
    const a = await node();
    const b = await node();
    await a.fund(btcd, 3_000_000n);
    await a.connect(b);
    const { channelId: id } = await openActive(a, b, { amountSat: 800_000n, feeRateSatVb: 2 });
    const expiry = (await btcd.height()) + 10;
    a.channels.addHtlc(id, { amountMsat: 70_000_000n, paymentHash: sha256(preimage('timeout')), cltvExpiry: expiry, onionRoutingPacket: ONION });
    await waitFor(() => (settled(a, b, id) && b.channels.inspect(id)!.stored.state.localCommit.spec.htlcs.length === 1 ? true : undefined), 'the HTLC committed');
    await b.stop();
    // BOLT 2: G (2) blocks after cltv_expiry the offerer fails the channel.
    await mine(expiry + 2 - (await btcd.height()));
    await waitFor(() => (a.channels.list()[0]?.failure?.code === 'channel.htlc_timed_out' ? true : undefined), 'the channel failed');
    await mine(1);
    await waitFor(() => (a.channels.list()[0]?.onChain?.kind === 'local' ? true : undefined), 'our commitment confirmed');
    const htlc = () => a.channels.onChainView(id)?.outputs.find((o) => o.role === 'local_htlc_offered');
    await waitFor(() => a.wallet.listTransactions().find((t) => t.label === 'htlc_fee'), 'the HTLC-timeout funded by the wallet');
    await mine(1);
    await waitFor(() => (htlc()?.status === 'spent' && htlc()?.spentBy?.path === 'htlc_timeout_tx' ? true : undefined), 'the HTLC timed out on chain');
    await mine(6);
    await waitFor(() => (a.upstream.some((u) => u.kind === 'htlc_failed') ? true : undefined), 'the failure reported upstream');
    expect(a.eventsOf('channel.onchain_htlc')).toMatchObject([{ outcome: 'timed_out', paymentHash: toHex(sha256(preimage('timeout'))) }]);
  }, 120_000);
});

describe('openings: policy, zero-conf, reorgs and restarts', () => {
  it('refuses with the typed reason of the peer\'s acceptance policy, and the funder\'s coins are unlocked', async () => {
    const a = await node();
    const b = await node({ acceptance: { minFundingSat: 500_000n } });
    await a.fund(btcd, 1_000_000n);
    await a.connect(b);
    const available = a.wallet.balance().availableSat;
    await expect(a.channels.fundChannel({ nodeId: b.nodeId, amountSat: 100_000n, feeRateSatVb: 2 })).rejects.toMatchObject({ code: 'channel_open.peer_error' });
    expect(b.eventsOf('peer.protocol_message').some((e) => String(e.text).startsWith('channel_open.funding_too_small'))).toBe(true);
    // Nothing was built (the refusal came before build_funding), nothing is locked.
    expect(a.wallet.balance().availableSat).toBe(available);
    // Zero-conf from a peer B does not trust: refused by B.
    await expect(a.channels.fundChannel({ nodeId: b.nodeId, amountSat: 600_000n, feeRateSatVb: 2, zeroconf: true })).rejects.toMatchObject({ code: 'channel_open.peer_error' });
    expect(b.eventsOf('peer.protocol_message').some((e) => String(e.text).startsWith('channel_open.zeroconf_untrusted'))).toBe(true);
    expect(a.channels.listOpenings()).toEqual([]);
  }, 120_000);

  it('opens a zero-conf channel with a peer that trusts us: active before the funding confirms', async () => {
    const a = await node();
    const b = await node();
    b.acceptance = { trustedZeroconfPeers: [a.nodeId] };
    await a.fund(btcd, 2_000_000n);
    await a.connect(b);
    const opened = await a.channels.fundChannel({ nodeId: b.nodeId, amountSat: 500_000n, feeRateSatVb: 2, zeroconf: true });
    expect(opened.channelType).toContain('zeroconf');
    await waitFor(() => (a.channels.list()[0]?.state === 'active' && b.channels.list()[0]?.state === 'active' ? true : undefined), 'active unconfirmed');
    expect(await inMempool(opened.fundingTxid)).toBe(true);
    expect(a.channels.list()[0]!.shortChannelId).toBeNull();
    expect(a.channels.list()[0]!.aliases.remote).not.toBeNull();
    await mine(1);
    await waitFor(() => (a.channels.list()[0]?.shortChannelId ? true : undefined), 'the real scid once confirmed');
  }, 120_000);

  it('follows a reorg of the funding before lock-in: back to waiting, then channel_ready once it confirms again', async () => {
    await quiesce();
    const a = await node();
    const b = await node();
    await a.fund(btcd, 2_000_000n);
    await a.connect(b);
    const opened = await a.channels.fundChannel({ nodeId: b.nodeId, amountSat: 500_000n, feeRateSatVb: 2 });
    await waitFor(async () => ((await inMempool(opened.fundingTxid)) ? true : undefined), 'in the mempool');
    const [hash] = await btcd.mine(1);
    for (const n of [a, b]) await n.caughtUp(btcd);
    await waitFor(() => (a.channels.listOpenings()[0]?.confirmations === 1 && b.channels.listOpenings()[0]?.confirmations === 1 ? true : undefined), 'one confirmation');
    await btcd.rpc('invalidateblock', [hash]);
    await waitFor(() => (a.channels.listOpenings()[0]?.confirmations === 0 && b.channels.listOpenings()[0]?.confirmations === 0 ? true : undefined), 'unconfirmed again');
    expect(a.channels.listOpenings()[0]!.shortChannelId).toBeNull();
    // The transaction is back in the mempool (or rebroadcast): three new blocks lock the channel in.
    await waitFor(async () => ((await inMempool(opened.fundingTxid)) ? true : undefined), 'back in the mempool');
    await mine(3);
    await waitFor(() => (a.channels.list()[0]?.state === 'active' && b.channels.list()[0]?.state === 'active' ? true : undefined), 'active');
    const where = await blockOf(opened.fundingTxid);
    expect(a.channels.list()[0]!.shortChannelId).toBe(formatShortChannelId(shortChannelIdOf(where.height, where.txIndex, opened.fundingOutputIndex)));
  }, 120_000);

  it('restarts both sides after funding_signed and before lock-in: the openings come back from their records and complete', async () => {
    let a = await node();
    let b = await node();
    await a.fund(btcd, 2_000_000n);
    await a.connect(b);
    const opened = await a.channels.fundChannel({ nodeId: b.nodeId, amountSat: 500_000n, feeRateSatVb: 2 });
    await waitFor(async () => ((await inMempool(opened.fundingTxid)) ? true : undefined), 'in the mempool');
    a = await a.restart(btcd);
    b = await b.restart(btcd);
    nodes.push(a, b);
    expect(a.channels.listOpenings()).toMatchObject([{ channelId: opened.channelId, phase: 'awaiting_lock_in' }]);
    expect(b.channels.listOpenings()).toMatchObject([{ channelId: opened.channelId, phase: 'awaiting_lock_in' }]);
    await a.connect(b);
    await mine(3);
    await waitFor(() => (a.channels.list()[0]?.state === 'active' && b.channels.list()[0]?.state === 'active' ? true : undefined), 'active after the restart');
    expect(a.channels.checkLocalSignatures(opened.channelId)).toEqual({ ok: true });
  }, 120_000);
});
