/**
 * On-chain enforcement between real `glasswing daemon` processes on a real btcd (issue 14 item 3
 * and 6): payments move a channel A–B (static_remotekey, then anchors) through several states; A then broadcasts one of its revoked
 * commitments, one that carried an HTLC, and confirms that HTLC's second-level transaction while B
 * is away — B, back, takes every output with the revocation key, the second-level output included,
 * and ends with the whole channel in its wallet less the fees the chain shows. And a reorg of the
 * funding transaction before lock-in, followed by both daemons.
 *
 * The cheater is TEST-ONLY (test/support/chain-daemons.ts): the old commitment is built from a
 * snapshot of A's stored channel and signed with A's own keys, as a node restored from an old
 * backup would broadcast it; A's daemon itself is stopped first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bolt11InvoiceInfo, ChannelSummary, PaymentInfo } from '../../core/api';
import type { StoredChannel } from '../../core/channel';
import { formatShortChannelId } from '../../core/wire';
import { shortChannelIdOf } from '../../core/channel/establish';
import { type Btcd, faucetKey, startBtcd, waitFor } from '../support/btcd';
import { deposit, restart, synced, type WalletNode, startWalletNode, expectCoinsOnChain } from '../support/wallet-node';
import { channelOf, cliOk, closedOf, drainMempool, feeOf, inMempool, mine, mineUntil, openActive, rawTx, signSnapshotCommitment, storedChannel, totalSat } from '../support/chain-daemons';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
});

/** Both ends list the channel with no HTLC and each side's newest commitments agreed. */
async function settled(x: WalletNode, y: WalletNode, channelId: string): Promise<ChannelSummary> {
  return await waitFor(async () => {
    const [cx, cy] = await Promise.all([x, y].map(async (n) => (await n.api.listChannels({})).channels.find((c) => c.channelId === channelId)));
    return cx && cy && cx.numHtlcs === 0 && cy.numHtlcs === 0 && cx.localCtn === cy!.remoteCtn && cy.localCtn === cx.remoteCtn ? cx : undefined;
  }, `channel ${channelId.slice(0, 8)}… settled`, 60_000);
}

async function pay(payer: WalletNode, payee: WalletNode, msat: bigint, what: string): Promise<PaymentInfo> {
  const inv = await cliOk<Bolt11InvoiceInfo>(payee, 'invoice', String(msat), what);
  const paid = await cliOk<PaymentInfo>(payer, 'pay', inv.bolt11);
  expect(paid.status).toBe('succeeded');
  return paid;
}

const ANCHORS = new Set(['our_anchor', 'their_anchor']);

describe('a revoked commitment broadcast between daemons', () => {
  // static_remotekey: the commitment and HTLC transactions carry their own fee. anchors: the
  // HTLC-timeout carries none (BOLT 3), so the cheater adds a coin of its own as input 1 (the peer's
  // signature is SIGHASH_SINGLE|ANYONECANPAY), as its wallet would; the anchors stay unswept.
  for (const channelType of ['static_remotekey', 'anchors'] as const) it(`B punishes A's revoked commitment (${channelType}) and the HTLC-timeout A confirms from it: every output ends in B's wallet`, async () => {
    const a = await startWalletNode(btcd);
    const b = await startWalletNode(btcd);
    const c = await startWalletNode(btcd);
    const all = [a, b, c];
    for (const n of all) await synced(n.api, btcd);
    await deposit(a, btcd, 2_000_000n);
    await deposit(b, btcd, 1_000_000n);
    await cliOk(a, 'connect', b.daemon.address);
    await cliOk(b, 'connect', c.daemon.address);
    const ab = await openActive(btcd, a, b, 600_000n, 0n, ['--feerate', '2', '--channel-type', channelType], all);
    await openActive(btcd, b, c, 300_000n, 0n, ['--feerate', '2'], all);

    // Payments move A–B through several states.
    for (const i of [1, 2]) await pay(a, b, 10_000_000n, `state ${i}`);
    await settled(a, b, ab.channelId);

    // A pays C through B while C is frozen (SIGSTOP): B holds A's HTLC, committed in both A–B
    // commitments, while its own HTLC to C waits for C. That commitment of A's is the one to cheat with.
    const inv = await cliOk<Bolt11InvoiceInfo>(c, 'invoice', '50000000', 'held');
    c.daemon.child!.kill('SIGSTOP');
    const paying = cliOk<PaymentInfo>(a, 'pay', inv.bolt11);
    const snapshot: StoredChannel = await waitFor(() => {
      const s = storedChannel(a.daemon.datadir, ab.channelId);
      return s && s.state.localCommit.spec.htlcs.length === 1 && s.state.remoteCommit.spec.htlcs.length === 1 && !s.state.revocationOwed ? s : undefined;
    }, 'A\'s commitment carrying the HTLC to C', 30_000);
    const held = snapshot.state.localCommit.spec.htlcs[0]!;
    expect(held).toMatchObject({ offerer: 'local', amountMsat: 50_000_000n + 1_000n + 5_000n });
    c.daemon.child!.kill('SIGCONT');
    expect((await paying).status).toBe('succeeded');
    // More states: the snapshot is now two revocations behind.
    await pay(a, b, 20_000_000n, 'state 4');
    const final = await settled(a, b, ab.channelId);
    expect(final.localCtn).toBeGreaterThan(snapshot.state.localCommit.ctn + 1);
    // The cheater's own coin for an anchors HTLC-timeout's fee (the faucet's key, as A's wallet key would be).
    const faucet = faucetKey();
    const coinTxid = await btcd.fund(faucet.address, 100_000n);
    await mine(btcd, 1, all);
    const feeCoin = { txid: coinTxid, vout: 0, valueSat: 100_000n, secret: faucet.secret, feeSat: 2_000n };
    const cheat = await signSnapshotCommitment(a.daemon.datadir, snapshot, new Map(), channelType === 'anchors' ? feeCoin : undefined);
    expect(cheat.htlcTxs.map((h) => h.kind)).toEqual(['htlc_timeout']);
    // B's balance in its newest commitment: what B is owed whatever A broadcasts.
    const bChannel = (await b.api.listChannels({})).channels.find((x) => x.channelId === ab.channelId)!;
    expect(BigInt(bChannel.localBalanceMsat)).toBe(10_000_000n * 2n + 50_006_000n + 20_000_000n);

    // The cheater's node is gone (its old state is what a stale backup holds); B is away too.
    await a.daemon.stop('SIGKILL');
    // B's wallet as B leaves: nothing pays it while B is away, and once back B may broadcast its
    // justice transactions before the test could read the wallet again.
    const walletBefore = await totalSat(b.api);
    await b.daemon.stop();
    await btcd.rpc('sendrawtransaction', [cheat.commitmentHex]);
    await btcd.mine(1);
    // The HTLC-timeout is valid once the chain reaches the HTLC's cltv_expiry (its nLockTime).
    const timeout = cheat.htlcTxs[0]!;
    const tip = await btcd.height();
    if (timeout.locktime > tip) await btcd.mine(timeout.locktime - tip);
    await btcd.rpc('sendrawtransaction', [timeout.hex]);
    await btcd.mine(1);
    const secondLevelHeight = await btcd.height();

    // B comes back: it finds A's revoked commitment and the HTLC-timeout spending its HTLC output.
    const b2 = await restart(b);
    const nodes = [b2, c];
    await synced(b2.api, btcd, 60_000);
    await closedOf(b2.api, ab.channelId, (x) => x.onChain.closing?.kind === 'revoked', 'B recognises the revoked commitment', 60_000);
    // BOLT 5: MUST *resolve* the _remote node's main output_ by spending it using the revocation private
    // key; MUST *resolve* the _remote node's HTLC-timeout transaction_ by spending it using the revocation private key.
    // Blocks until every output is B's or the cheater's (the anchors are nobody's here): a claim
    // handed out at the last block mined waits in the mempool for the next one.
    const view = await mineUntil(btcd, nodes, async () => {
      const v = (await b2.api.listClosedChannels({})).channels.find((x) => x.channel.channelId === ab.channelId)!;
      return v.onChain.outputs.some((o) => o.role === 'revoked_second_stage') && v.onChain.outputs.every((o) => o.spentBy != null || ANCHORS.has(o.role)) ? v : undefined;
    }, 'every output spent', 20).catch((e: Error) => {
      throw new Error(`${e.message}\nB's monitor:\n${b2.daemon.logs.filter((l) => /monitor/.test(l)).join('\n')}`);
    });
    const roles = view.onChain.outputs.map((o) => `${o.role}:${o.spentBy?.by ?? 'unspent'}`).sort();
    const anchorRoles = channelType === 'anchors' ? ['our_anchor:unspent', 'their_anchor:unspent'] : [];
    expect(roles).toEqual([...anchorRoles, 'revoked_htlc:peer', 'revoked_second_stage:us', 'revoked_to_local:us', 'to_remote:us'].sort());
    if (channelType === 'anchors') {
      // The HTLC-timeout as the cheater's wallet completed it: the HTLC plus the coin, the second-level output plus change.
      const t = await rawTx(btcd, timeout.txid);
      expect(t.vin.map((i) => `${i.txid}:${i.vout}`)).toEqual([expect.stringMatching(new RegExp(`^${cheat.commitmentTxid}:`)), `${coinTxid}:0`]);
      expect(t.vout).toHaveLength(2);
    }
    expect(view.onChain.outputs.find((o) => o.role === 'revoked_htlc')!.spentBy).toMatchObject({ txid: timeout.txid, path: 'htlc_timeout_tx' });
    const second = view.onChain.outputs.find((o) => o.role === 'revoked_second_stage')!;
    expect(second.spentBy!.txid).not.toBe(timeout.txid);
    // Within A's to_self_delay of the second-level output: A could never have swept it.
    expect(second.spentBy!.height - secondLevelHeight).toBeLessThan(144);
    expect(view.onChain.totals.lostSat).toBe('0');
    // Everything B took: the whole channel less the commitment's and the HTLC-timeout's fees (paid by the cheater).
    const took = view.onChain.outputs.filter((o) => o.spentBy?.by === 'us').reduce((x, o) => x + BigInt(o.valueSat), 0n);
    // anchors: the HTLC-timeout's fee came from the cheater's coin (its HTLC output passes whole to
    // the second level); the two 330-sat anchors are nobody's to take here.
    const channelCosts = channelType === 'anchors'
      ? (await feeOf(btcd, cheat.commitmentTxid)) + view.onChain.outputs.filter((o) => ANCHORS.has(o.role)).reduce((x, o) => x + BigInt(o.valueSat), 0n)
      : (await feeOf(btcd, cheat.commitmentTxid)) + (await feeOf(btcd, timeout.txid));
    expect(took).toBe(600_000n - channelCosts);
    expect(view.onChain.totals.claimedSat).toBe(took.toString());
    await mine(btcd, 6, nodes);
    await channelOf(b2.api, ab.channelId, (x) => x.lifecycle === 'closed', 'closed on B', 60_000);
    const sweeps = [...new Set(view.onChain.outputs.filter((o) => o.spentBy?.by === 'us').map((o) => o.spentBy!.txid))];
    let sweepFees = 0n;
    for (const t of sweeps) sweepFees += await feeOf(btcd, t);
    await waitFor(async () => ((await totalSat(b2.api)) === walletBefore + took - sweepFees ? true : undefined), 'the whole channel in B\'s wallet less its sweeps\' fees', 30_000);
    await expectCoinsOnChain(b2.api, btcd);
  }, 600_000);
});

describe('a reorg of the funding transaction before lock-in, between daemons', () => {
  it('both daemons go back to waiting, then lock the channel in with the short_channel_id of its new block', async () => {
    await drainMempool(btcd);
    const a = await startWalletNode(btcd);
    const b = await startWalletNode(btcd);
    const nodes = [a, b];
    for (const n of nodes) await synced(n.api, btcd);
    await deposit(a, btcd, 1_000_000n);
    await drainMempool(btcd);
    await cliOk(a, 'connect', b.daemon.address);
    const r = await a.cli('openchannel', b.daemon.nodeId, '400000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as { channelId: string; fundingTxid: string; fundingOutputIndex: number; minimumDepth: number };
    await waitFor(async () => ((await inMempool(btcd, opened.fundingTxid)) ? true : undefined), 'the funding transaction in the mempool');
    const [hash] = await btcd.mine(1);
    for (const n of nodes) await synced(n.api, btcd);
    const confirmations = async (n: WalletNode) => (await n.api.listOpenings({})).openings.find((o) => o.channelId === opened.channelId)?.confirmations;
    await waitFor(async () => ((await confirmations(a)) === 1 && (await confirmations(b)) === 1 ? true : undefined), 'one confirmation on both');
    await btcd.rpc('invalidateblock', [hash]);
    await waitFor(async () => ((await confirmations(a)) === 0 && (await confirmations(b)) === 0 ? true : undefined), 'unconfirmed again on both', 30_000);
    expect((await a.api.listOpenings({})).openings[0]!.shortChannelId).toBeNull();
    // Back in the mempool (btcd returns it, or the funder broadcasts it again); new blocks lock it in.
    await waitFor(async () => ((await inMempool(btcd, opened.fundingTxid)) ? true : undefined), 'back in the mempool', 30_000);
    await mine(btcd, opened.minimumDepth, nodes);
    const ca = await channelOf(a.api, opened.channelId, (x) => x.lifecycle === 'active', 'active on A');
    const cb = await channelOf(b.api, opened.channelId, (x) => x.lifecycle === 'active', 'active on B');
    const info = await btcd.rpc<{ blockhash: string }>('getrawtransaction', [opened.fundingTxid, 1]);
    expect(info.blockhash).not.toBe(hash);
    const block = await btcd.rpc<{ height: number; tx: string[] }>('getblock', [info.blockhash, 1]);
    const scid = formatShortChannelId(shortChannelIdOf(block.height, block.tx.indexOf(opened.fundingTxid), opened.fundingOutputIndex));
    expect(ca.shortChannelId).toBe(scid);
    expect(cb.shortChannelId).toBe(scid);
  }, 300_000);
});
