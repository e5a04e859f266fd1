/**
 * kill -9 of either side at a random point during a channel's payments (issue 14 item 6), two
 * daemons on btcd: A pays B's invoices one after the other while, after a seeded random delay, A or
 * B (seeded) is killed with SIGKILL and restarted on its port. After channel_reestablish and every
 * payment's end, both sides agree on both commitments and balances, no payment is left pending, the
 * payments A counts succeeded are exactly those B received, and B's balance grew by exactly their sum.
 * The seeds are fixed: a failure names its seed and replays the same victim and delay.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChannelSummary, FundChannelResult, PaymentInfo } from '../../core/api';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { deposit, synced, type WalletNode, startWalletNode } from '../support/wallet-node';
import { cliOk, openActive } from '../support/chain-daemons';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
});

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function prng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [11, 23, 37, 41];

async function listed(n: WalletNode, channelId: string): Promise<ChannelSummary | undefined> {
  return (await n.api.listChannels({})).channels.find((c) => c.channelId === channelId);
}

describe('kill -9 of either side at random points during payments', () => {
  const nodes: { a?: WalletNode; b?: WalletNode } = {};
  let opened: FundChannelResult;

  beforeAll(async () => {
    const a = await startWalletNode(btcd);
    const b = await startWalletNode(btcd);
    for (const n of [a, b]) await synced(n.api, btcd);
    await deposit(a, btcd, 1_000_000n);
    await cliOk(a, 'connect', b.daemon.address);
    opened = await openActive(btcd, a, b, 600_000n, 0n, ['--feerate', '2'], [a, b]);
    Object.assign(nodes, { a, b });
  }, 240_000);

  for (const seed of SEEDS) {
    it(`seed ${seed}: both sides agree afterwards and every payment is counted once`, async () => {
      const rnd = prng(seed);
      const victimName = rnd() < 0.5 ? 'a' : 'b';
      const delayMs = Math.floor(rnd() * 600);
      const a0 = nodes.a!;
      const b0 = nodes.b!;
      const start = (await listed(b0, opened.channelId))!;
      const invoices = await Promise.all([1, 2, 3, 4, 5, 6].map((k) => b0.api.createInvoice({ amountMsat: String(k * 1_000_000), description: `seed ${seed} #${k}` })));
      const hashes = new Set(invoices.map((i) => i.paymentHash));
      const paying = (async () => {
        for (const inv of invoices) await a0.api.pay({ invoice: inv.bolt11 }).catch(() => undefined);
      })();
      const victim = nodes[victimName]!;
      const port = victim.daemon.listenPort;
      // A random point of the payments: the kill is the load generator's, not an assertion's, wait.
      await new Promise((r) => setTimeout(r, delayMs));
      victim.daemon.child!.kill('SIGKILL');
      const child = victim.daemon.child!;
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
      await victim.daemon.start(`127.0.0.1:${port}`);
      nodes[victimName] = { daemon: victim.daemon, api: await victim.daemon.api(), cli: victim.cli };
      // (A killed: its calls fail at once; B killed: A's payments wait for B to come back, or fail.)
      await paying;
      const a = nodes.a!;
      const b = nodes.b!;
      for (const n of [a, b]) await synced(n.api, btcd);

      // Every payment of this round ends; then the channel is quiet and both sides agree.
      const ours = async (): Promise<PaymentInfo[]> => (await a.api.listPayments({})).payments.filter((p) => hashes.has(p.paymentHash));
      await waitFor(async () => ((await ours()).every((p) => p.status !== 'pending') ? true : undefined), `seed ${seed}: no payment pending`, 90_000);
      const [ca, cb] = await waitFor(async () => {
        const [x, y] = await Promise.all([listed(a, opened.channelId), listed(b, opened.channelId)]);
        return x && y && x.state === 'active' && y.state === 'active' && x.numHtlcs === 0 && y.numHtlcs === 0 && x.localCtn === y.remoteCtn && y.localCtn === x.remoteCtn
          ? ([x, y] as const) : undefined;
      }, `seed ${seed} (${victimName} killed after ${delayMs} ms): the channel settled`, 90_000);
      expect(ca.localBalanceMsat).toBe(cb.remoteBalanceMsat);
      expect(ca.remoteBalanceMsat).toBe(cb.localBalanceMsat);
      const succeeded = (await ours()).filter((p) => p.status === 'succeeded');
      // One success per hash at most, and B received exactly those.
      expect(new Set(succeeded.map((p) => p.paymentHash)).size).toBe(succeeded.length);
      const received = (await b.api.listReceived({})).received.filter((r) => hashes.has(r.paymentHash));
      expect(received.map((r) => r.paymentHash).sort()).toEqual(succeeded.map((p) => p.paymentHash).sort());
      const sum = succeeded.reduce((x, p) => x + BigInt(p.amountMsat), 0n);
      expect(BigInt(cb.localBalanceMsat) - BigInt(start.localBalanceMsat)).toBe(sum);
    }, 300_000);
  }
});
