/**
 * A force close while the peer is connected and paying, between real `glasswing daemon` processes on
 * a real btcd (issue 14 item 3): B sends A payments, some still in flight, when A runs `closechannel
 * --force`. A's `error` makes B fail the channel too, so both commitments race for the mempool; the
 * test takes whichever won and checks what each side sees (the same closing transaction, `local` on
 * one side and `remote` on the other), the winner's CPFP child through its anchor paid from its
 * wallet (the commitments were signed at 253 sat/kw, and an update_fee stops at 2,500: below the
 * fee service's 3,000), every payment
 * ending succeeded or failed, and no satoshi lost: each wallet gains exactly what its side claimed
 * less the fees of its own transactions, and both sides' claims, the commitment's fee and the anchors
 * nobody swept add up to the channel.
 */
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Bolt11InvoiceInfo, ClosedChannelInfo, PaymentInfo } from '../../core/api';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { deposit, rpcFlags, synced, type WalletNode, startWalletNode, expectCoinsOnChain } from '../support/wallet-node';
import { startFeeService } from '../support/fee-service';
import { runCli } from '../support/daemon';
import { tempDir } from '../support/tmp';
import { cliOk, feeOf, inMempool, mine, mineUntil, openActive, rawTx, totalSat } from '../support/chain-daemons';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
});

const CAPACITY = 600_000n;

async function view(n: WalletNode, channelId: string): Promise<ClosedChannelInfo | undefined> {
  return (await n.api.listClosedChannels({})).channels.find((x) => x.channel.channelId === channelId);
}

describe('force close while the peer is connected and sending', () => {
  it('A force-closes with B paying: both see the one commitment that won, the winner CPFPs it from its wallet, and no race loses funds', async () => {
    // The fee market both nodes read: 3,000 sat/kw. A funder's update_fee follows the estimate but
    // stops at 2,500 sat/kw on an anchors channel, so whichever commitment wins pays less than the
    // estimate and needs its CPFP child — whether or not an update_fee landed before the close
    // (with btcd's fallback estimate, 2,500, one that landed made the commitment pay enough alone).
    const feeMarket = await startFeeService(12_000);
    onTestFinished(() => feeMarket.close());
    const args = [...rpcFlags(btcd), '--fee-url', feeMarket.url, '--fee-poll-ms', '1000'];
    const a = await startWalletNode(btcd, { args });
    const b = await startWalletNode(btcd, { args });
    const nodes = [a, b];
    for (const n of nodes) await synced(n.api, btcd);
    await deposit(a, btcd, 1_500_000n);
    // B's wallet pays for its CPFP child if its commitment is the one that wins.
    await deposit(b, btcd, 300_000n);
    for (const n of nodes) await cliOk(n, 'settings', '--to-self-delay', '20');
    await cliOk(a, 'connect', b.daemon.address);
    const ab = await openActive(btcd, a, b, CAPACITY, 200_000_000n, ['--feerate', '2', '--commitment-feerate', '253'], nodes);
    const [fundingTxid, fundingVout] = [ab.fundingTxid, ab.fundingOutputIndex];
    const before = { a: await totalSat(a.api), b: await totalSat(b.api) };

    // B pays A: three settle, then eight leave at once and A force-closes among them.
    const invoice = (i: number) => cliOk<Bolt11InvoiceInfo>(a, 'invoice', '2000000', `payment ${i}`);
    for (let i = 0; i < 3; i++) expect((await b.api.pay({ invoice: (await invoice(i)).bolt11 })).status).toBe('succeeded');
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => invoice(3 + i)));
    const inFlight = burst.map((inv) => b.api.pay({ invoice: inv.bolt11, wait: false }));
    const forced = await cliOk<{ kind: string; commitmentTxid: string }>(a, 'closechannel', ab.channelId, '--force');
    expect(forced.kind).toBe('force');
    const payments: PaymentInfo[] = await Promise.all(inFlight.map((p) => p.catch(() => null))).then((x) => x.filter((p): p is PaymentInfo => p !== null));

    // One commitment spends the funding in the mempool: A's, or B's (B failed the channel on A's error).
    const winner = await waitFor(async () => {
      for (const txid of await btcd.rpc<string[]>('getrawmempool')) {
        const tx = await rawTx(btcd, txid);
        if (tx.vin.some((i) => i.txid === fundingTxid && i.vout === fundingVout)) return txid;
      }
      return undefined;
    }, 'a commitment in the mempool', 30_000);
    const [w, l] = winner === forced.commitmentTxid ? [a, b] : [b, a];
    // B saw A's error: its channel failed, it no longer takes payments over it.
    await waitFor(async () => ((await b.api.listChannels({})).channels.find((x) => x.channelId === ab.channelId)?.failure ? true : undefined), 'B\'s channel failed');

    // The winner's commitment pays less than the estimate: its CPFP child through its anchor, the fee
    // from its wallet, waits in the mempool with it.
    const cpfp = await waitFor(async () => (await w.api.listTransactions({})).transactions.find((t) => t.label === 'cpfp' && (t.state === 'unconfirmed' || t.state === 'confirmed')), 'the winner\'s CPFP child', 60_000).catch(async (e: Error) => {
      // What the two monitors did, and the winner's fee estimates (a CPFP is asked only below them), for whoever reads a failure.
      const monitorLines = (n: WalletNode) => n.daemon.logs.filter((line) => /monitor|broadcast|cpfp|fee_update|update_fee/.test(line)).join('\n');
      const fees = JSON.stringify((await w.api.chainInfo({})).fees);
      throw new Error(`${e.message}\nwinner ${w === a ? 'A' : 'B'} (${winner}), its fee estimates ${fees}; A's monitor:\n${monitorLines(a)}\nB's monitor:\n${monitorLines(b)}`);
    });
    await waitFor(async () => ((await inMempool(btcd, cpfp.txid)) ? true : undefined), 'the CPFP child in the mempool', 30_000);
    const child = await rawTx(btcd, cpfp.txid);
    expect(child.vin.some((i) => i.txid === winner)).toBe(true);
    expect(child.vin.length).toBeGreaterThan(1);
    expect(BigInt(cpfp.feeSat!)).toBe(await feeOf(btcd, cpfp.txid));
    await mine(btcd, 1, nodes);

    // What each side sees: the same closing transaction, ours on one side and the peer's on the other.
    const [vw, vl] = await Promise.all([w, l].map((n) => waitFor(async () => {
      const v = await view(n, ab.channelId);
      return v?.onChain.closing?.txid === winner ? v : undefined;
    }, 'the close seen')));
    expect(vw!.onChain.closing!.kind).toBe('local');
    expect(vl!.onChain.closing!.kind).toBe('remote');
    // The child spends the winner's anchor and confirmed with its parent.
    const anchorOut = vw!.onChain.outputs.find((o) => o.role === 'our_anchor')!;
    expect(child.vin.map((i) => `${i.txid}:${i.vout}`)).toContain(anchorOut.outpoint);
    const blockOf = async (txid: string) => (await btcd.rpc<{ blockhash?: string }>('getrawtransaction', [txid, 1])).blockhash;
    expect(await blockOf(cpfp.txid)).toBe(await blockOf(winner));

    // Everything resolves: HTLCs in flight by preimage or timeout, to_local after the delay.
    await mineUntil(btcd, nodes, async () => {
      const states = await Promise.all(nodes.map(async (n) => (await n.api.listChannels({})).channels.find((x) => x.channelId === ab.channelId)?.lifecycle));
      return states.every((s) => s === 'closed') ? true : undefined;
    }, 'closed on both sides', 120);
    // Every payment ended; the ones that succeeded were received by A.
    const ended = await Promise.all(payments.map((p) => waitFor(async () => {
      const x = await b.api.getPayment({ paymentId: p.paymentId });
      return x.status === 'pending' ? undefined : x;
    }, 'the payment ended', 30_000)));
    const received = new Set((await a.api.listReceived({})).received.map((r) => r.paymentHash));
    for (const p of ended) expect(received.has(p.paymentHash)).toBe(p.status === 'succeeded');

    // No satoshi lost: each side's wallet gained what it claimed less its own transactions' fees...
    let claimedTotal = 0n;
    // (The winner's wallet also took its anchor back through the CPFP child, less that child's fee.)
    const cpfpFee = BigInt(cpfp.feeSat!);
    for (const [n, start] of [[a, before.a], [b, before.b]] as const) {
      const v = (await view(n, ab.channelId))!;
      const claimed = BigInt(v.onChain.totals.claimedSat);
      expect(v.onChain.totals.pendingSat).toBe('0');
      const ownTxids = new Set(v.onChain.outputs.filter((o) => o.spentBy?.by === 'us').map((o) => o.spentBy!.txid));
      let fees = 0n;
      for (const t of ownTxids) fees += await feeOf(btcd, t);
      const viaCpfp = n === w ? BigInt(anchorOut.valueSat) - cpfpFee : 0n;
      await waitFor(async () => ((await totalSat(n.api)) - start === claimed - fees + viaCpfp ? true : undefined), `${n === a ? 'A' : 'B'}'s wallet: claimed ${claimed} less fees ${fees}`, 30_000);
      await expectCoinsOnChain(n.api, btcd);
      claimedTotal += claimed;
    }
    // ...and both sides' claims, the winner's anchor, the commitment's fee and the anchor nobody swept are the channel.
    const theirAnchor = vw!.onChain.outputs.find((o) => o.role === 'their_anchor');
    const unswept = theirAnchor ? BigInt(theirAnchor.valueSat) : 0n;
    expect(claimedTotal + BigInt(anchorOut.valueSat) + (await feeOf(btcd, winner)) + unswept).toBe(CAPACITY);
  }, 900_000);

  it('openchannel --commitment-feerate takes 253 to 100000 sat/kw, and the API refuses less', async () => {
    const peer = '02' + '11'.repeat(32);
    for (const bad of ['252', '100001', '2.5', 'fast']) {
      const r = await runCli(['--datadir', tempDir('glasswing-cli-'), 'openchannel', peer, '100000', '--commitment-feerate', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--commitment-feerate must be a whole number of sat/kw from 253 to 100000');
    }
    const a = await startWalletNode(btcd);
    await expect(a.api.openChannel({ nodeId: peer, amountSat: '100000', commitmentFeeratePerKw: 252 })).rejects.toMatchObject({ code: 'api.invalid_params' });
  }, 60_000);
});
