/**
 * The sandbox's chain (scripts/regtest/sandbox-chain.ts) and the sandbox network on it: every node
 * follows the sandbox btcd and every wallet is funded within a minute of the first start, the
 * channels you → lsp → shop are opened and active and the shop is paid once over them (a second
 * start opens and pays nothing again); blocks
 * are saved as they are mined and submitted again after btcd (which wipes regtest at start) comes
 * back, so a second start finds the same chain — the same tip, the wallets' coins — and a saved
 * file cut short by a crash loses only its last record.
 */
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SANDBOX_CHANNEL_SAT, SANDBOX_INVOICE_DESCRIPTION, SANDBOX_OFFER, SANDBOX_OFFER_PAYMENT_ID, SANDBOX_PAYMENT_ID, startSandbox } from '../../scripts/sandbox';
import { SANDBOX_BLOCKS_FILE, readSavedBlocks, startSandboxChain, type SandboxChain } from '../../scripts/regtest/sandbox-chain';
import { toHex } from '../../core/crypto';
import { decodeBolt12String, parseInvoiceBytes } from '../../core/offers';
import { DEFAULT_OFFERS_POLICY } from '../../core/offers/manager';
import { DEFAULT_FORWARDING_POLICY } from '../../core/runtime/payments/service';
import { waitFor } from '../support/btcd';
import { DaemonProcess } from '../support/daemon';
import { tempDir } from '../support/tmp';
import { REPO_ROOT } from '../support/vectors';
import { synced } from '../support/wallet-node';

const children: ChildProcess[] = [];
const chains: SandboxChain[] = [];
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const c of chains) await c.btcd.stop();
});

async function stopChildren(): Promise<void> {
  await Promise.all(children.splice(0).map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  })));
}

const lines: string[] = [];
const say = (text: string): void => void lines.push(text);

describe('the sandbox chain', () => {
  it('keeps its blocks across a btcd restart (which wipes regtest): the same tip, transactions and all', async () => {
    const datadir = tempDir('glasswing-sandbox-chain-');
    const first = (await startSandboxChain({ datadir, say, root: REPO_ROOT }))!;
    chains.push(first);
    expect(first.replayed).toBe(0);
    expect(await first.btcd.height()).toBe(101);
    const txid = await first.fund('bcrt1qtr3ekemaglxdfy7292rxlnqd2zmf3txu4xamqy', 1_000_000n);
    await first.mine(2);
    // Left in the mempool at stop: mined then, so it is kept too.
    const pending = await first.fund('bcrt1qtr3ekemaglxdfy7292rxlnqd2zmf3txu4xamqy', 2_000_000n);
    await first.stop();
    const tip = readSavedBlocks(join(datadir, 'sandbox', 'chain')).length;
    expect(tip).toBe(104);

    const second = (await startSandboxChain({ datadir, say, root: REPO_ROOT }))!;
    chains.push(second);
    expect(second.replayed).toBe(104);
    expect(await second.btcd.height()).toBe(104);
    for (const id of [txid, pending]) expect((await second.btcd.rpc<{ confirmations: number }>('getrawtransaction', [id, 1])).confirmations).toBeGreaterThan(0);
    // A record cut short (a crash while appending) is dropped, the rest kept.
    await second.stop();
    const file = join(datadir, 'sandbox', 'chain', SANDBOX_BLOCKS_FILE);
    const size = statSync(file).size;
    appendFileSync(file, Buffer.from([0, 0, 1, 0, 1, 2, 3]));
    expect(readSavedBlocks(join(datadir, 'sandbox', 'chain'))).toHaveLength(104);
    expect(statSync(file).size).toBe(size);
  }, 120_000);

  it('the sandbox network on it: every wallet funded, channels you → lsp → shop active and the shop paid once (its invoice, then its offer), within a minute of the first start; a second start opens and pays nothing again', async () => {
    const datadir = tempDir('glasswing-sandbox-net-');
    const start = Date.now();
    let chain = (await startSandboxChain({ datadir, say, root: REPO_ROOT }))!;
    chains.push(chain);
    const you = new DaemonProcess(join(datadir, 'you'), ['--alias', 'you', '--chain', 'bitcoind-rpc', '--rpc-url', chain.rpcUrl]);
    await you.start();
    const yourApi = await you.api();
    const opts = { root: REPO_ROOT, datadir, you: { nodeId: you.nodeId, listen: you.ready!.listen!, api: yourApi }, children, say };
    const sandbox = await startSandbox({ ...opts, chain });
    chain.startMining(1);
    const [lsp, shop] = sandbox.nodes;
    const apis = [yourApi, lsp!.api, shop!.api];
    for (const api of apis) {
      await waitFor(async () => (BigInt((await api.getBalance({})).confirmedSat) > 0n ? true : undefined), 'a funded wallet', 60_000);
    }
    expect(lines.some((l) => l.includes('funded 3 wallet(s)'))).toBe(true);
    // The shop funds nothing: its wallet has exactly what the faucet gave it.
    expect((await shop!.api.getBalance({})).confirmedSat).toBe('50000000');

    // Channels you → lsp and lsp → shop, active on both ends, each funded by its left end.
    const ours = (await yourApi.listChannels({})).channels.filter((c) => c.lifecycle === 'active');
    expect(ours).toMatchObject([{ peer: lsp!.nodeId, funder: 'local', capacitySat: String(SANDBOX_CHANNEL_SAT), state: 'active' }]);
    const lspToShop = (await lsp!.api.listChannels({})).channels.filter((c) => c.peer === shop!.nodeId);
    expect(lspToShop).toMatchObject([{ funder: 'local', capacitySat: String(SANDBOX_CHANNEL_SAT), lifecycle: 'active' }]);
    // The first payment: succeeded, over you → lsp → shop, the lsp's fee paid, the shop's invoice paid.
    const payments = (await yourApi.listPayments({})).payments;
    expect(payments.map((p) => p.paymentId).sort()).toEqual([SANDBOX_PAYMENT_ID, SANDBOX_OFFER_PAYMENT_ID].sort());
    const paid = payments.find((p) => p.paymentId === SANDBOX_PAYMENT_ID)!;
    expect(paid).toMatchObject({ paymentId: SANDBOX_PAYMENT_ID, status: 'succeeded', kind: 'bolt11', destination: shop!.nodeId, amountMsat: SANDBOX_OFFER.amountMsat, description: SANDBOX_INVOICE_DESCRIPTION });
    expect(BigInt(paid.feeMsat!)).toBeGreaterThan(0n);
    const part = paid.parts.find((p) => p.status === 'succeeded')!;
    expect(part.route.map((h) => h.nodeId)).toEqual([lsp!.nodeId, shop!.nodeId]);
    expect(part.channelId).toBe(ours[0]!.channelId);
    expect((await shop!.api.listBolt11Invoices({ status: 'paid' })).invoices).toMatchObject([{ description: SANDBOX_INVOICE_DESCRIPTION, amountMsat: SANDBOX_OFFER.amountMsat }]);
    // The offer: its invoice fetched through the lsp, paid over a blinded payment path whose
    // introduction node is the lsp (the shop's channel peer), the lsp's fee in the payinfo.
    const offerPaid = payments.find((p) => p.paymentId === SANDBOX_OFFER_PAYMENT_ID)!;
    expect(offerPaid).toMatchObject({ kind: 'bolt12', status: 'succeeded', amountMsat: SANDBOX_OFFER.amountMsat });
    expect(BigInt(offerPaid.feeMsat!)).toBeGreaterThan(0n);
    const offerPart = offerPaid.parts.find((p) => p.status === 'succeeded')!;
    expect(offerPart.channelId).toBe(ours[0]!.channelId);
    // Our route reaches the introduction node; the blinded hops after it are the path's.
    expect(offerPart.route.map((h) => h.nodeId)).toEqual([lsp!.nodeId]);
    const [fetched] = (await yourApi.listInvoices({ role: 'received' })).invoices;
    const inv = parseInvoiceBytes(decodeBolt12String(fetched!.bolt12).bytes).value!.invoice;
    // invoice_paths: through the lsp first (its payinfo: the default forwarding policy plus the shop's
    // final CLTV delta), then the one-hop path with the shop itself as introduction node.
    expect(inv.paths!.map((p) => (p.firstNodeId.kind === 'node_id' ? toHex(p.firstNodeId.nodeId) : null))).toEqual([lsp!.nodeId, shop!.nodeId]);
    expect(inv.paths![0]!.hops).toHaveLength(2);
    expect(inv.blindedPay![0]).toMatchObject({
      feeBaseMsat: Number(DEFAULT_FORWARDING_POLICY.feeBaseMsat),
      feeProportionalMillionths: Number(DEFAULT_FORWARDING_POLICY.feeProportionalMillionths),
      cltvExpiryDelta: DEFAULT_FORWARDING_POLICY.cltvExpiryDelta + DEFAULT_OFFERS_POLICY.minFinalCltvExpiryDelta,
    });
    expect(inv.blindedPay![1]).toMatchObject({ feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: DEFAULT_OFFERS_POLICY.minFinalCltvExpiryDelta });
    const received = (await shop!.api.listReceived({})).received;
    expect(received).toHaveLength(2);
    // The commitments moved: what you paid (amounts + fees) left your side; the shop holds the amounts.
    const yourChannel = (await yourApi.listChannels({})).channels[0]!;
    expect(BigInt(yourChannel.localBalanceMsat)).toBeLessThan(SANDBOX_CHANNEL_SAT * 1000n - 2n * BigInt(SANDBOX_OFFER.amountMsat));
    const shopChannel = (await shop!.api.listChannels({})).channels[0]!;
    expect(shopChannel.localBalanceMsat).toBe(String(2n * BigInt(SANDBOX_OFFER.amountMsat)));
    expect(sandbox.activity).toBe('channels you → lsp → shop active (3 opened now); the shop\'s invoice succeeded, its offer succeeded');
    expect(sandbox.summary).toContain(sandbox.activity!);
    expect(Date.now() - start).toBeLessThan(60_000);

    // The friend (issue 16): its offer served by the lsp; paid while it is offline (you hold the
    // payment, as a node with no async role does), it completes when the friend comes back.
    const friendOffer = await waitFor(async () => (await sandbox.friend.status()).offer ?? undefined, 'the friend\'s offer ready at the lsp', 60_000);
    await sandbox.friend.offline();
    expect((await sandbox.friend.status()).state).toBe('offline');
    const pending = await yourApi.pay({ invoice: friendOffer, amountMsat: '21000', wait: false });
    expect(pending).toMatchObject({ kind: 'async', status: 'pending' });
    await sandbox.friend.online();
    await waitFor(async () => ((await yourApi.getPayment({ paymentId: pending.paymentId }).catch(() => null))?.status === 'succeeded' ? true : undefined), 'the friend paid once it is back', 60_000);
    expect((await sandbox.friend.status()).receivedMsat).toBe('21000');

    // Everything stopped (the chain saved), then started again: the same chain, the same coins and
    // channels, nothing opened or paid twice.
    const totals = await Promise.all(apis.map(async (api) => (await api.getBalance({})).totalSat));
    await stopChildren();
    expect(await you.stop()).toBe(0);
    await chain.stop();
    chain = (await startSandboxChain({ datadir, say, root: REPO_ROOT }))!;
    chains.push(chain);
    expect(chain.replayed).toBeGreaterThan(101);
    const youAgain = new DaemonProcess(you.datadir, ['--alias', 'you', '--chain', 'bitcoind-rpc', '--rpc-url', chain.rpcUrl]);
    await youAgain.start();
    const againApi = await youAgain.api();
    lines.length = 0;
    const again = await startSandbox({ ...opts, you: { nodeId: youAgain.nodeId, listen: youAgain.ready!.listen!, api: againApi }, chain });
    const againApis = [againApi, ...again.nodes.slice(0, 2).map((n) => n.api)]; // you, lsp, shop (the friend holds nothing)
    for (const [i, api] of againApis.entries()) {
      await synced(api, chain.btcd);
      expect((await api.getBalance({})).totalSat).toBe(totals[i]);
    }
    expect(lines.some((l) => l.startsWith('funded'))).toBe(false);
    expect(lines.some((l) => l.startsWith('opening'))).toBe(false);
    expect(again.activity).toBe('channels you → lsp → shop active; the shop\'s invoice paid earlier, its offer paid earlier');
    expect((await againApi.listPayments({})).payments.map((p) => p.paymentId).sort()).toEqual([SANDBOX_PAYMENT_ID, SANDBOX_OFFER_PAYMENT_ID, pending.paymentId].sort()); // and the friend's, made once above
    for (const api of againApis) expect((await api.listOpenings({})).openings.filter((o) => o.lifecycle === 'opening' || o.lifecycle === 'awaiting_confirmations')).toEqual([]);
    expect((await againApi.listChannels({})).channels.map((c) => c.channelId)).toEqual([yourChannel.channelId]);
    expect((await again.nodes[1]!.api.listChannels({})).channels.map((c) => c.channelId)).toEqual([shopChannel.channelId]);
    await stopChildren();
    expect(await youAgain.stop()).toBe(0);
    await chain.stop();
  }, 240_000);

  it('says in one line that it runs without a chain when there is no btcd to be had', async () => {
    const said: string[] = [];
    const path = process.env.PATH;
    const cache = process.env.GLASSWING_PEERS_CACHE;
    process.env.PATH = tempDir();
    process.env.GLASSWING_PEERS_CACHE = tempDir();
    try {
      expect(await startSandboxChain({ datadir: tempDir(), say: (t) => said.push(t), root: REPO_ROOT })).toBeNull();
    } finally {
      process.env.PATH = path;
      if (cache === undefined) delete process.env.GLASSWING_PEERS_CACHE;
      else process.env.GLASSWING_PEERS_CACHE = cache;
    }
    expect(said).toEqual([expect.stringMatching(/^the sandbox runs without a chain .*: no btcd on PATH and no Go/)]);
  });
});
