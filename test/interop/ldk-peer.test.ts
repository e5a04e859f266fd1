/**
 * The LDK 0.2 test peer (test/interop/ldk-peer) against LND on one btcd: LND opens a channel to LDK,
 * each pays the other's BOLT 11 invoice, and LDK closes cooperatively; then two LDK peers pay a
 * BOLT 12 offer over a channel between them. LDK reads the chain through btcd's plain RPC (a proxy
 * in front of the TLS RPC that LND needs).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { startBtcd, waitFor, type Btcd } from '../support/btcd';
import { fundLnd, payWhenRoutable, startLnd, type Lnd } from '../support/lnd';
import { fundLdkPeer, startLdkPeer, type LdkPeer } from '../support/ldk-peer';

/**
 * Waits until every LDK peer has connected btcd's tip: a payer a block behind its payee computes
 * CLTV expiries the payee rejects as too soon.
 */
async function atTip(btcd: Btcd, ...peers: LdkPeer[]): Promise<void> {
  const height = await btcd.height();
  for (const peer of peers) {
    await waitFor(async () => ((await peer.call<{ height: number }>('info')).height === height ? true : undefined), 'the LDK peer to reach the tip');
  }
}

/** Mines a block at a time until `ready` holds (channels need confirmations on both sides). */
async function mineUntil(btcd: Btcd, ready: () => Promise<boolean>, what: string): Promise<void> {
  await waitFor(async () => {
    if (await ready()) return true;
    await btcd.mine(1);
    return undefined;
  }, what, 60_000);
}

describe('the LDK 0.2 test peer and LND on our btcd', () => {
  let btcd: Btcd;
  let lnd: Lnd;
  let ldk: LdkPeer;

  beforeAll(async () => {
    btcd = await startBtcd({ tls: true });
    await btcd.mine(1);
    [lnd, ldk] = await Promise.all([startLnd(btcd, { alias: 'lnd' }), startLdkPeer(btcd)]);
  }, 180_000);

  it('the LDK peer follows btcd through lightning-block-sync', async () => {
    await btcd.mine(3);
    await atTip(btcd, ldk);
    expect((await ldk.call<{ height: number }>('info')).height).toBe(await btcd.height());
    expect(ldk.nodeId).toMatch(/^0[23][0-9a-f]{64}$/);
  });

  it('LND opens a channel to LDK; LND pays LDK\'s invoice, LDK pays LND\'s; LDK closes cooperatively', async () => {
    await fundLnd(btcd, lnd, 2_000_000n);
    await lnd.connect(ldk.address);
    await waitFor(async () => ((await ldk.call<{ node_id: string }[]>('peers')).some((p) => p.node_id === lnd.nodeId) ? true : undefined), 'LDK to see LND');

    const point = await lnd.openChannel(ldk.nodeId, 500_000n, { private: true });
    const [fundingTxid] = point.split(':');
    await mineUntil(btcd, async () => (await lnd.listChannels()).some((c) => c.channel_point === point && c.active)
      && (await ldk.listChannels()).some((c) => c.funding_txid === fundingTxid && c.is_usable), 'the channel to be usable on both sides');
    const ready = await ldk.waitForEvent((e) => e.event === 'ChannelReady' && e.counterparty_node_id === lnd.nodeId);
    expect(ready.channel_type).toBe('static_remotekey');
    await atTip(btcd, ldk);

    // LND → LDK
    const ldkInvoice = await ldk.call<{ invoice: string; payment_hash: string }>('create_invoice', { amount_msat: 30_000_000, description: 'lnd pays ldk' });
    const paid = await payWhenRoutable(lnd, ldkInvoice.invoice);
    expect(paid.status).toBe('SUCCEEDED');
    const claimed = await ldk.waitForEvent((e) => e.event === 'PaymentClaimed' && e.payment_hash === ldkInvoice.payment_hash);
    expect(claimed.amount_msat).toBe(30_000_000);
    expect(claimed.purpose).toBe('bolt11');

    // LDK → LND, once the 30 000 sat are settled on LDK's side (the fulfill's commitment dance done;
    // LND keeps a 1% reserve of 5 000 sat that LDK cannot spend).
    await waitFor(async () => ((await ldk.listChannels())[0]?.outbound_msat === 25_000_000 ? true : undefined), 'LDK\'s 30 000 sat to be settled');
    const lndInvoice = await lnd.addInvoice(10_000_000n, 'ldk pays lnd');
    const sent = await ldk.call<{ payment_id: string }>('pay_invoice', { invoice: lndInvoice.paymentRequest });
    const outcome = await ldk.waitForEvent((e) => (e.event === 'PaymentSent' || e.event === 'PaymentFailed') && e.payment_id === sent.payment_id);
    expect(outcome).toMatchObject({ event: 'PaymentSent', payment_hash: lndInvoice.paymentHash, fee_paid_msat: 0 });
    expect((await lnd.lookupInvoice(lndInvoice.paymentHash)).state).toBe('SETTLED');
    const [channel] = await ldk.listChannels();
    expect(channel!.outbound_msat).toBeLessThanOrEqual(20_000_000);

    // LDK closes; its 20 000 sat come back to its wallet (its shutdown script is the wallet's).
    await ldk.call('close_channel', { channel_id: channel!.channel_id });
    const closed = await ldk.waitForEvent((e) => e.event === 'ChannelClosed' && e.channel_id === channel!.channel_id, 60_000);
    expect(String(closed.reason)).toMatch(/cooperative|locally initiated/i);
    await mineUntil(btcd, async () => (await lnd.closedChannels()).some((c) => c.channel_point === point && c.close_type === 'COOPERATIVE_CLOSE'), 'LND to see the cooperative close');
    await waitFor(async () => ((await ldk.balance()).onchain_sat === 20_000 ? true : undefined), 'LDK\'s wallet to hold its 20 000 sat', 30_000);
  }, 300_000);

  it('LDK opens to LND from its wallet, pays, and force-closes; after the delay its output is swept back to its wallet', async () => {
    await fundLdkPeer(btcd, ldk, 1_000_000n);
    await ldk.connect(lnd.address);
    const walletBefore = (await ldk.balance()).onchain_sat;
    const seen = ldk.events.length;
    const { temporary_channel_id } = await ldk.call<{ temporary_channel_id: string }>('open_channel', { node_id: lnd.nodeId, amount_sat: 300_000 });
    const pending = await ldk.waitForEvent((e) => e.event === 'ChannelPending' && ldk.events.indexOf(e) >= seen);
    expect(temporary_channel_id).toMatch(/^[0-9a-f]{64}$/);
    const point = `${String(pending.funding_txid)}:${String(pending.funding_vout)}`;
    await mineUntil(btcd, async () => (await lnd.listChannels()).some((c) => c.channel_point === point && c.active)
      && (await ldk.listChannels()).some((c) => c.channel_id === pending.channel_id && c.is_usable), 'LDK→LND to be usable on both sides');
    await atTip(btcd, ldk);

    const invoice = await lnd.addInvoice(20_000_000n, 'before the force close');
    const { payment_id } = await ldk.call<{ payment_id: string }>('pay_invoice', { invoice: invoice.paymentRequest });
    expect(await ldk.waitForEvent((e) => (e.event === 'PaymentSent' || e.event === 'PaymentFailed') && e.payment_id === payment_id))
      .toMatchObject({ event: 'PaymentSent' });
    await waitFor(async () => ((await lnd.lookupInvoice(invoice.paymentHash)).state === 'SETTLED' ? true : undefined), 'LND to settle');
    // Let the HTLC's commitment dance finish before closing, so that neither commitment carries it.
    await waitFor(async () => ((await ldk.listChannels()).find((c) => c.channel_id === pending.channel_id)!.inbound_msat > 0 ? true : undefined), 'the HTLC to settle');

    await ldk.call('close_channel', { channel_id: pending.channel_id, force: true });
    const closed = await ldk.waitForEvent((e) => e.event === 'ChannelClosed' && e.channel_id === pending.channel_id);
    expect(String(closed.reason)).toMatch(/force/i);
    // LND sees its peer's commitment on chain; LDK's own output waits for LND's to_self_delay, then
    // LDK sweeps it to its wallet.
    const sweep = await waitFor(async () => {
      const found = ldk.events.find((e) => e.event === 'SweepBroadcast' && ldk.events.indexOf(e) >= seen);
      if (!found) await btcd.mine(5);
      return found;
    }, 'LDK to sweep its delayed output', 120_000);
    expect(sweep.txid).toMatch(/^[0-9a-f]{64}$/);
    // The broadcast is asynchronous: mine until the sweep is in a block the wallet has seen.
    await mineUntil(btcd, async () => (await ldk.balance()).onchain_sat > walletBefore - 300_000, 'the sweep to reach LDK\'s wallet');
    const walletAfter = (await ldk.balance()).onchain_sat;
    // Lost: the 20 000 sat paid, and the funding, commitment and sweep fees (a few thousand sat at most).
    expect(walletBefore - walletAfter).toBeGreaterThan(20_000);
    expect(walletBefore - walletAfter).toBeLessThan(20_000 + 10_000);
    // LND saw LDK's commitment confirm: the channel is force-closing (or closed) on its side.
    await waitFor(async () => {
      const pendingClose = (await lnd.pendingChannels()).pending_force_closing_channels as { channel: { channel_point: string }; closing_txid: string }[] | undefined;
      const closedByPeer = (await lnd.closedChannels()).some((c) => c.channel_point === point && c.close_type === 'REMOTE_FORCE_CLOSE');
      return closedByPeer || pendingClose?.some((c) => c.channel.channel_point === point && /^[0-9a-f]{64}$/.test(c.closing_txid)) ? true : undefined;
    }, 'LND to see the force close', 30_000);
  }, 300_000);
});

describe('two LDK 0.2 peers: a BOLT 12 offer paid over their channel', () => {
  let btcd: Btcd;
  let payer: LdkPeer;
  let payee: LdkPeer;

  beforeAll(async () => {
    btcd = await startBtcd();
    [payer, payee] = await Promise.all([startLdkPeer(btcd), startLdkPeer(btcd)]);
  }, 60_000);

  it('the payer funds a channel from its wallet, fetches the invoice for the offer over onion messages, and pays it', async () => {
    await fundLdkPeer(btcd, payer, 1_000_000n);
    await payer.connect(payee.address);
    await payer.call('open_channel', { node_id: payee.nodeId, amount_sat: 400_000 });
    await payer.waitForEvent((e) => e.event === 'ChannelPending' && e.counterparty_node_id === payee.nodeId);
    await mineUntil(btcd, async () => (await payer.listChannels()).some((c) => c.is_usable) && (await payee.listChannels()).some((c) => c.is_usable), 'the channel to be usable');
    await atTip(btcd, payer, payee);

    const { offer } = await payee.call<{ offer: string }>('create_offer', { amount_msat: 12_345_000, description: 'a coffee' });
    expect(offer).toMatch(/^lno1/);
    const { payment_id } = await payer.call<{ payment_id: string }>('pay_offer', { offer, payer_note: 'thanks' });
    const outcome = await payer.waitForEvent((e) => (e.event === 'PaymentSent' || e.event === 'PaymentFailed') && e.payment_id === payment_id, 60_000);
    expect(outcome).toMatchObject({ event: 'PaymentSent', amount_msat: 12_345_000 });
    const claimed = await payee.waitForEvent((e) => e.event === 'PaymentClaimed' && e.payment_hash === outcome.payment_hash);
    expect(claimed.purpose).toBe('bolt12_offer');
    expect(claimed.amount_msat).toBe(12_345_000);
  }, 180_000);
});
