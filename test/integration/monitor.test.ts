/**
 * On-chain enforcement against a real btcd (regtest): channels funded on chain, commitments from the
 * channel state machines, a ChannelMonitor on each side fed every block. Every transaction a monitor
 * hands out — commitments, CPFP children, HTLC transactions, sweeps, claims — must pass
 * testmempoolaccept and confirm, and pay the monitor's wallet script what its view says.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../core/crypto';
import type { OutputView } from '../../core/monitor';
import type { Btcd } from '../support/btcd';
import { startBtcd } from '../support/btcd';
import { confirmations, paidTo } from '../support/monitor-chain';
import { preimageOf } from '../support/monitor-channel';
import { ChainDriver, TestWallet, givePreimage, openOnChain } from './monitor-support';

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
    for (const b of A.broadcasts.filter((x) => x.label === 'to_local' || x.label === 'second_stage')) {
      if ((await confirmations(btcd, b.txid)) > 0) sweptA += await paidTo(btcd, b.txid, pair.a.sweepScript);
    }
    expect(sweptA).toBeGreaterThan(0n);
    const claimedA = BigInt(va.totals.claimedSat);
    expect(sweptA).toBeLessThanOrEqual(claimedA);
    expect(claimedA - sweptA).toBeLessThan(10_000n); // fees only
    expect(va.totals.pendingSat).toBe('0');
    expect(BigInt(vb.totals.claimedSat)).toBeGreaterThan(0n);
  }, 240_000);
});
