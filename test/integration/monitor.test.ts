/**
 * On-chain enforcement against a real btcd (regtest): channels funded on chain, commitments from the
 * channel state machines, a ChannelMonitor on each side fed every block. Every transaction a monitor
 * hands out — commitments, CPFP children, HTLC transactions, sweeps, claims — must pass
 * testmempoolaccept and confirm, and pay the monitor's wallet script what its view says.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../../core/crypto';
import { txid, txidToHex } from '../../core/bitcoin';
import { ChannelMonitor, completeHtlcFeeRequest, htlcTxInput, signedHtlcTx } from '../../core/monitor';
import type { OutputView } from '../../core/monitor';
import type { Btcd } from '../support/btcd';
import { startBtcd } from '../support/btcd';
import { DrivenMonitor, confirmations, paidTo } from '../support/monitor-chain';
import { preimageOf, signedLocalCommitment } from '../support/monitor-channel';
import { ChainDriver, POLICY, TestWallet, givePreimage, monitorDb, openOnChain } from './monitor-support';

let btcd: Btcd;
let driver: ChainDriver;

beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
  const wallet = new TestWallet('fees');
  await wallet.fund(btcd, 24, 200_000n);
  await btcd.mine(1);
  driver = new ChainDriver(btcd, wallet);
}, 120_000);

beforeEach(() => {
  driver?.rejections.splice(0);
});

function out(outputs: readonly OutputView[], role: string, amountMsat?: bigint): OutputView {
  const o = outputs.find((x) => x.role === role && (amountMsat === undefined || x.htlc?.amountMsat === amountMsat.toString()));
  if (!o) throw new Error(`no ${role} output${amountMsat ? ` of ${amountMsat} msat` : ''} in ${JSON.stringify(outputs.map((x) => x.role))}`);
  return o;
}

describe.each(['anchors', 'static_remotekey'] as const)('our commitment on chain (%s)', (channelType) => {
  it('force-closes, claims and times out HTLCs both ways, learns a preimage from the peer, sweeps every output after its delay', async () => {
    const c = await openOnChain(btcd, driver, `ours ${channelType}`, { channelType });
    const { pair, A, B } = c;
    const h = await btcd.height();
    // h1: A→B, B knows the preimage and takes it on chain; h4: A→B, times out back to A;
    // h2: B→A, A knows the preimage (HTLC-success); h3: B→A, A does not: B takes it back after its expiry.
    pair.add(pair.a, 50_000_000n, 'h1', h + 20);
    pair.add(pair.a, 40_000_000n, 'h4', h + 10);
    pair.add(pair.b, 60_000_000n, 'h2', h + 30);
    pair.add(pair.b, 30_000_000n, 'h3', h + 12);
    pair.commit(pair.a);
    givePreimage(c, 'B', preimageOf('h1'));
    givePreimage(c, 'A', preimageOf('h2'));
    await driver.flush(A);
    await driver.flush(B);

    // A force-closes: its commitment (and, with anchors, a CPFP child through its anchor).
    await driver.handle(A, A.monitor.forceClose());
    expect(A.monitor.view().state).toBe('force_closing');
    const commitment = A.broadcasts.find((b) => b.label === 'commitment')!;
    expect(commitment).toBeDefined();
    if (channelType === 'anchors') expect(A.requests.filter((r) => r.kind === 'cpfp')).toHaveLength(1);
    await driver.mine(1, A, B);
    expect(await confirmations(btcd, commitment.txid)).toBe(1);
    expect(A.monitor.view().closing).toMatchObject({ kind: 'local', txid: commitment.txid });
    expect(B.monitor.view().closing).toMatchObject({ kind: 'remote', txid: commitment.txid });

    // Mine until everything is resolved, feeding both monitors every block.
    for (let i = 0; i < 90 && (A.monitor.view().state !== 'closed' || B.monitor.view().state !== 'closed'); i++) await driver.mine(1, A, B);
    expect(driver.rejections).toEqual([]);
    const va = A.monitor.view();
    const vb = B.monitor.view();
    expect(va.state).toBe('closed');
    expect(vb.state).toBe('closed');

    // A: to_local swept after its delay; h2 through HTLC-success and h4 through HTLC-timeout, each second stage swept.
    expect(out(va.outputs, 'local_to_local').spentBy).toMatchObject({ by: 'us', path: 'delayed' });
    expect(out(va.outputs, 'local_htlc_received', 60_000_000n).spentBy).toMatchObject({ by: 'us', path: 'htlc_success_tx' });
    expect(out(va.outputs, 'local_htlc_offered', 40_000_000n).spentBy).toMatchObject({ by: 'us', path: 'htlc_timeout_tx' });
    expect(va.outputs.filter((o) => o.role === 'local_second_stage').map((o) => o.spentBy?.by)).toEqual(['us', 'us']);
    // h1 taken by B with its preimage (A learns it), h3 taken back by B after its expiry.
    expect(out(va.outputs, 'local_htlc_offered', 50_000_000n).spentBy).toMatchObject({ by: 'peer', path: 'preimage' });
    expect(out(va.outputs, 'local_htlc_received', 30_000_000n).spentBy).toMatchObject({ by: 'peer', path: 'timeout' });
    expect(A.preimages).toEqual([toHex(preimageOf('h1'))]);
    // h4 timed out on chain: failed upstream (once); h1 fulfilled, never failed.
    expect(A.failed).toEqual(['local:1']);
    expect(va.htlcs.map((x) => `${x.offerer}:${x.id}:${x.fate}`).sort()).toEqual(['local:0:fulfilled', 'local:1:failed', 'remote:0:claimed', 'remote:1:lost']);
    // B: to_remote swept, h1 claimed with the preimage, h3 claimed after its timeout.
    expect(out(vb.outputs, 'to_remote').spentBy).toMatchObject({ by: 'us' });
    expect(out(vb.outputs, 'remote_htlc_offered', 50_000_000n).spentBy).toMatchObject({ by: 'us', path: 'preimage' });
    expect(out(vb.outputs, 'remote_htlc_received', 30_000_000n).spentBy).toMatchObject({ by: 'us', path: 'timeout' });
    // Seen from B: A timed h4 out and took h2 with its preimage (B learns it); B's h3 timed out, so B fails it upstream.
    expect(out(vb.outputs, 'remote_htlc_offered', 40_000_000n).spentBy).toMatchObject({ by: 'peer', path: 'htlc_timeout_tx' });
    expect(out(vb.outputs, 'remote_htlc_received', 60_000_000n).spentBy).toMatchObject({ by: 'peer', path: 'htlc_success_tx' });
    expect(B.preimages).toEqual([toHex(preimageOf('h2'))]);
    expect(B.failed).toEqual(['local:1']);

    // Every sweep paid its monitor's wallet script, and the totals add up.
    let sweptA = 0n;
    for (const id of new Set(A.broadcasts.filter((x) => x.label === 'to_local' || x.label === 'second_stage').map((x) => x.txid))) {
      if ((await confirmations(btcd, id)) > 0) sweptA += await paidTo(btcd, id, pair.a.sweepScript);
    }
    expect(sweptA).toBeGreaterThan(0n);
    const claimedA = BigInt(va.totals.claimedSat);
    expect(sweptA).toBeLessThanOrEqual(claimedA);
    expect(claimedA - sweptA).toBeLessThan(10_000n); // fees only
    expect(va.totals.pendingSat).toBe('0');
    expect(BigInt(vb.totals.claimedSat)).toBeGreaterThan(0n);
  }, 240_000);
});

describe.each(['anchors', 'static_remotekey'] as const)("the peer's previous commitment, and a restart (%s)", (channelType) => {
  it("claims on the peer's previous unrevoked commitment, restarts from its SQLite file and carries on", async () => {
    const c = await openOnChain(btcd, driver, `previous ${channelType}`, { channelType, storeA: true });
    const { pair, B } = c;
    let A = c.A;
    const h = await btcd.height();
    // h1: A→B, B never reveals the preimage: A takes it back after its expiry, directly on B's commitment.
    // h2: B→A, A learns the preimage: A takes it directly on B's commitment.
    pair.add(pair.a, 50_000_000n, 'h1', h + 12);
    pair.add(pair.b, 60_000_000n, 'h2', h + 40);
    pair.commit(pair.a);
    const previous = signedLocalCommitment(pair.b);
    // A offers h3 and signs B's next commitment; B takes it but its revoke_and_ack never arrives.
    pair.add(pair.a, 20_000_000n, 'h3', h + 50);
    const signed = pair.a.channel.signCommitment();
    pair.sync();
    pair.b.channel.receive(signed.outbound[0]!);
    pair.sync();
    await driver.flush(A);
    expect(pair.a.channel.state.remoteNextCommit).not.toBeNull();
    givePreimage(c, 'A', preimageOf('h2'));
    await driver.flush(A);

    // B broadcasts the commitment it already revoked (A never got the secret): for A it is the peer's current one.
    expect(await driver.send(previous.tx, 'previous commitment')).toBe(true);
    await btcd.mine(1);
    // (What A hands out on this block is held back: see ChainDriver.hold.)
    driver.hold = true;
    await driver.feed(A);
    await driver.feed(B);
    driver.hold = false;
    const view = A.monitor.view();
    expect(view.closing).toMatchObject({ kind: 'remote', txid: txidToHex(previous.txid), commitmentNumber: pair.b.channel.state.localCommit.ctn - 1 });
    // A reorg takes the peer's commitment away: the monitor is back to an open channel; then it is mined again.
    const closedAt = await btcd.height();
    await driver.reorgTo(closedAt - 1, A);
    expect(A.monitor.view()).toMatchObject({ state: 'open', closing: null, outputs: [] });
    await driver.mine(1, A);
    expect(A.monitor.view().closing).toMatchObject({ kind: 'remote', txid: txidToHex(previous.txid) });
    await driver.mine(1, A);
    const pending = [...new Set(A.broadcasts.filter((b) => b.label === 'to_remote' || b.label === 'htlc_preimage').map((b) => b.txid))];
    expect(pending).toHaveLength(2);

    // Restart: a new monitor from the same SQLite file (its update log and last snapshot).
    const file = c.dbs.A!;
    file.db.close();
    const reopened = monitorDb(file.path);
    const stored = reopened.repo.loadMonitor(A.monitor.channelId)!;
    expect(stored.updates.length).toBe(pair.a.updates.length + 1); // and the preimage from the payment layer
    const restored = ChannelMonitor.restore(stored.updates, stored.snapshot, pair.a.monitorSigner, { policy: POLICY });
    A = new DrivenMonitor(restored, stored.snapshot!.bestHeight, reopened.repo);
    await driver.handle(A, A.monitor.start());
    // Its watches come back, and the claims not yet confirmed go out again, the same transactions.
    expect(A.actions.filter((a) => a.type === 'watch').length).toBeGreaterThan(3);
    const again = A.broadcasts.map((b) => b.txid);
    for (const id of pending) if ((await confirmations(btcd, id)) === 0) expect(again).toContain(id);

    for (let i = 0; i < 60 && A.monitor.view().state !== 'closed'; i++) await driver.mine(1, A);
    expect(driver.rejections).toEqual([]);
    const va = A.monitor.view();
    expect(va.state).toBe('closed');
    expect(out(va.outputs, 'to_remote').spentBy).toMatchObject({ by: 'us' });
    expect(out(va.outputs, 'remote_htlc_offered', 60_000_000n).spentBy).toMatchObject({ by: 'us', path: 'preimage' });
    expect(out(va.outputs, 'remote_htlc_received', 50_000_000n).spentBy).toMatchObject({ by: 'us', path: 'timeout' });
    // h1 timed out on chain; h3 is on no confirmed commitment: both failed upstream once the chain is deep enough.
    expect(A.failed.sort()).toEqual(['local:0', 'local:1']);
    for (const b of A.broadcasts) {
      if ((await confirmations(btcd, b.txid)) > 0) expect(await paidTo(btcd, b.txid, pair.a.sweepScript)).toBeGreaterThan(0n);
    }
    reopened.db.close();
  }, 240_000);
});

describe.each(['anchors', 'static_remotekey'] as const)('a revoked commitment on chain (%s)', (channelType) => {
  it("punishes the cheater: takes every output with the revocation key, and its confirmed HTLC-success output too", async () => {
    const c = await openOnChain(btcd, driver, `revoked ${channelType}`, { channelType });
    const { pair, A, B } = c;
    const h = await btcd.height();
    // h1: A→B, B knows the preimage (it will use it on chain); h2: B→A close to expiry (its own penalty
    // transaction); h3: B→A far from expiry (batched with to_local).
    pair.add(pair.a, 50_000_000n, 'h1', h + 60);
    pair.add(pair.b, 40_000_000n, 'h2', h + 16);
    pair.add(pair.b, 30_000_000n, 'h3', h + 80);
    pair.commit(pair.a);
    const old = signedLocalCommitment(pair.b);
    const oldLocal = pair.b.channel.state.localCommit;
    // The channel moves on: B settles h1 off chain, and A pays B more; the old commitment is revoked.
    pair.fulfill(pair.b, 0n, 'h1');
    pair.add(pair.a, 100_000_000n, 'h4', h + 90);
    pair.commit(pair.a);
    pair.fulfill(pair.b, 1n, 'h4');
    pair.commit(pair.b);
    await driver.flush(A);
    expect(A.monitor.data.revokedUpTo).toBeGreaterThanOrEqual(oldLocal.ctn);

    // B cheats: the old commitment and its HTLC-success transaction for h1, in the same block.
    const index = old.built.htlcTxs.findIndex((x) => x.kind === 'htlc_success');
    const hx = old.built.htlcTxs[index]!;
    const input = htlcTxInput(hx, channelType, oldLocal.htlcSignatures[index]!, pair.b.monitorSigner, pair.b.signer.perCommitmentPoint(oldLocal.ctn), preimageOf('h1'));
    const cheaterWallet = new TestWallet(`cheater ${channelType}`);
    await cheaterWallet.fund(btcd, 1, 100_000n);
    await btcd.mine(1);
    // A is not told of the commitment's block before the cheater's HTLC-success confirms (with anchors it needs
    // one confirmation of the commitment first: 1 OP_CSV).
    expect(await driver.send(old.tx, 'revoked commitment')).toBe(true);
    await btcd.mine(1);
    const success =
      channelType === 'anchors'
        ? completeHtlcFeeRequest({ key: 'cheat', kind: 'htlc_success', tx: hx.tx, htlcInput: input, targetFeeratePerKw: 1000, deadline: null }, cheaterWallet.funds('cheat'))
        : signedHtlcTx(input, hx).tx;
    expect(await driver.send(success, 'cheater HTLC-success')).toBe(true);
    await driver.mine(1, A, B);
    expect(await confirmations(btcd, txidToHex(txid(success)))).toBe(1);

    const v = A.monitor.view();
    expect(v.closing).toMatchObject({ kind: 'revoked', commitmentNumber: oldLocal.ctn });
    expect(B.monitor.view().closing?.kind).toBe('unknown'); // B's own revoked commitment: never one it would broadcast
    // B settled h1 off chain before cheating: A knew its preimage already, nothing new to report upstream.
    expect(A.preimages).toEqual([]);
    // One penalty transaction for to_local and h3, one of its own for h2 (within security_delay of expiry),
    // one for the cheater's HTLC-success output, and our to_remote.
    const last = new Map(A.broadcasts.map((b) => [b.key, b]));
    const keys = [...last.keys()].map((k) => k.replace(/[0-9a-f]{64}(:\d+)?/g, 'X')).sort();
    expect(keys).toEqual(['justice:X', 'justice:X', 'justice_second_stage:X', 'to_remote:X'].sort());
    const batch = last.get(`justice:${txidToHex(old.txid)}`)!;
    expect(batch.tx.inputs).toHaveLength(2);
    // The first batch (made on the commitment's block) also took h1's output; the cheater's HTLC-success spent it
    // first, so it was rebuilt without it.
    expect(A.broadcasts.find((b) => b.key === batch.key)!.tx.inputs).toHaveLength(3);

    // A reorg takes the penalty block away: the penalties go out again, and confirm again.
    await driver.mine(1, A);
    const penaltyHeight = await btcd.height();
    expect(await confirmations(btcd, batch.txid)).toBe(1);
    const sent = A.broadcasts.length;
    await driver.reorgTo(penaltyHeight - 1, A);
    expect(out(A.monitor.view().outputs, 'revoked_to_local').status).toBe('claiming');
    expect(A.broadcasts.slice(sent).map((b) => b.txid)).toContain(batch.txid);

    for (let i = 0; i < 40 && A.monitor.view().state !== 'closed'; i++) await driver.mine(1, A);
    expect(driver.rejections).toEqual([]);
    const va = A.monitor.view();
    expect(va.state).toBe('closed');
    for (const o of va.outputs) {
      if (o.role === 'their_anchor' || o.role === 'our_anchor') continue;
      if (o.role === 'revoked_htlc' && o.htlc?.amountMsat === '50000000') expect(o.spentBy).toMatchObject({ by: 'peer', path: 'htlc_success_tx' });
      else expect(o.spentBy, o.role).toMatchObject({ by: 'us' });
    }
    // The whole channel reaches A's wallet, less the commitment's fee, anchors and our claims' fees.
    let swept = 0n;
    for (const id of new Set(A.broadcasts.map((b) => b.txid))) if ((await confirmations(btcd, id)) > 0) swept += await paidTo(btcd, id, pair.a.sweepScript);
    const commitmentOutputs = old.tx.outputs.reduce((s, o) => s + o.value, 0n);
    const anchors = channelType === 'anchors' ? 660n : 0n;
    const successFee = hx.spentValueSat - hx.tx.outputs[0]!.value;
    expect(swept).toBeLessThan(commitmentOutputs - anchors - successFee);
    expect(swept).toBeGreaterThan(commitmentOutputs - anchors - successFee - 15_000n);
  }, 240_000);
});

describe('reorgs of our own close (anchors)', () => {
  it('puts the monitor back when the commitment is reorged out, and re-broadcasts a reorged sweep', async () => {
    const c = await openOnChain(btcd, driver, 'reorg', { channelType: 'anchors', toSelfDelay: 20 });
    const { A } = c;
    await driver.handle(A, A.monitor.forceClose());
    const commitment = A.broadcasts.find((b) => b.label === 'commitment')!;
    await driver.mine(1, A);
    const confirmedAt = await btcd.height();
    expect(A.monitor.view().state).toBe('closing');

    // The commitment's block is disconnected: back to force_closing, the commitment and its CPFP go out again.
    const sent = A.broadcasts.length;
    const requested = A.requests.length;
    await driver.reorgTo(confirmedAt - 1, A);
    expect(A.monitor.view().state).toBe('force_closing');
    expect(A.monitor.view().outputs).toEqual([]);
    expect(A.broadcasts.slice(sent).map((b) => b.txid)).toEqual([commitment.txid]);
    expect(A.requests.length).toBe(requested + 1);
    await driver.mine(1, A);
    expect(A.monitor.view().closing?.txid).toBe(commitment.txid);

    // to_local matures after 20 blocks and is swept; then the sweep's block is disconnected.
    for (let i = 0; i < 25 && !A.broadcasts.some((b) => b.label === 'to_local'); i++) await driver.mine(1, A);
    const sweep = A.broadcasts.find((b) => b.label === 'to_local')!;
    expect(sweep).toBeDefined();
    await driver.mine(1, A);
    expect(out(A.monitor.view().outputs, 'local_to_local').spentBy).toMatchObject({ txid: sweep.txid, depth: 1 });
    const before = A.broadcasts.length;
    await driver.reorgTo((await btcd.height()) - 1, A);
    const o = out(A.monitor.view().outputs, 'local_to_local');
    expect(o.status).toBe('claiming');
    expect(o.claim?.txid).toBe(sweep.txid);
    expect(A.broadcasts.slice(before).map((b) => b.txid)).toEqual([sweep.txid]);
    await driver.mine(2, A);
    expect(out(A.monitor.view().outputs, 'local_to_local').spentBy).toMatchObject({ txid: sweep.txid, depth: 2 });
    expect(await paidTo(btcd, sweep.txid, c.pair.a.sweepScript)).toBeGreaterThan(0n);
    expect(driver.rejections).toEqual([]);
  }, 240_000);
});
