/**
 * Async payments (bolts#1149 as LDK 0.2 ships it) played by LDK 0.2 test peers on btcd, in the
 * roles of issue 16: R, an often-offline recipient (`--role client`); L2, R's always-online LSP
 * (`--role server`) that serves R's static invoice and keeps onion messages for R while R is away;
 * L1, the payer's LSP (`--role server`) that holds the payer's HTLC until R releases it; and P, the
 * payer — always online and holding its own HTLC (first suite, where one LSP is L2 only), or
 * often-offline (`--role client`) behind L1 (second suite, all four roles).
 *
 * One LSP cannot be L1 and L2 at once with LDK 0.2.7: it checks that the outgoing channel is live
 * before it holds an HTLC (`can_forward_htlc_to_outgoing_channel` answers ChannelNotReady for an
 * offline R), so the four-role suite announces the L1–L2 channel and P learns it by gossip.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { startBtcd, waitFor, type Btcd } from '../support/btcd';
import { fundLdkPeer, startLdkPeer, type LdkPeer } from '../support/ldk-peer';

async function atTip(btcd: Btcd, ...peers: LdkPeer[]): Promise<void> {
  const height = await btcd.height();
  for (const peer of peers) {
    await waitFor(async () => ((await peer.call<{ height: number }>('info')).height === height ? true : undefined), 'the LDK peer to reach the tip');
  }
}

describe('async payment to an offline LDK recipient through an LDK LSP', () => {
  let btcd: Btcd;
  let payer: LdkPeer;
  let lsp: LdkPeer;
  let recipient: LdkPeer;

  beforeAll(async () => {
    btcd = await startBtcd();
    [payer, lsp, recipient] = await Promise.all([
      startLdkPeer(btcd, { role: 'plain' }),
      startLdkPeer(btcd, { role: 'server' }),
      startLdkPeer(btcd, { role: 'client' }),
    ]);
    await fundLdkPeer(btcd, payer, 1_000_000n);
    await fundLdkPeer(btcd, lsp, 1_000_000n);
    await payer.connect(lsp.address);
    await recipient.connect(lsp.address);
    await payer.call('open_channel', { node_id: lsp.nodeId, amount_sat: 400_000 });
    await lsp.call('open_channel', { node_id: recipient.nodeId, amount_sat: 400_000 });
    await waitFor(async () => {
      const [p, l, r] = await Promise.all([payer.listChannels(), lsp.listChannels(), recipient.listChannels()]);
      if (p.some((c) => c.is_usable) && l.filter((c) => c.is_usable).length === 2 && r.some((c) => c.is_usable)) return true;
      await btcd.mine(1);
      return undefined;
    }, 'P–L and L–R to be usable', 90_000);
    await atTip(btcd, payer, lsp, recipient);
  }, 240_000);

  it('R gets offer paths from L, L persists R\'s static invoice, and only then R has an offer', async () => {
    const { paths } = await lsp.call<{ paths: string[] }>('async_recipient_paths', { recipient_id: 'a1' });
    expect(paths.length).toBeGreaterThan(0);
    await recipient.call('async_set_server_paths', { paths });
    // offer_paths_request → offer_paths → serve_static_invoice → static_invoice_persisted
    await lsp.waitForEvent((e) => e.event === 'PersistStaticInvoice' && e.recipient_id === 'a1', 60_000);
    const { offer } = await waitFor(async () => recipient.call<{ offer: string }>('async_offer').catch(() => undefined), 'R\'s async offer', 60_000);
    expect(offer).toMatch(/^lno1/);
    expect(await lsp.call('static_invoices')).toEqual(expect.arrayContaining([expect.objectContaining({ recipient_id: 'a1' })]));
  }, 120_000);

  it('P pays R\'s offer while R is offline: L serves the static invoice and keeps R\'s messages; R comes back, releases P\'s HTLC, and is paid', async () => {
    const { offer } = await recipient.call<{ offer: string }>('async_offer');
    await recipient.call('offline');
    await waitFor(async () => ((await lsp.call<{ node_id: string }[]>('peers')).some((p) => p.node_id === recipient.nodeId) ? undefined : true), 'L to see R gone');

    const { payment_id } = await payer.call<{ payment_id: string }>('pay_offer', { offer, amount_msat: 20_000_000 });
    // 20 000 sat: LDK lets at most 10% of a channel be in flight (40 000 sat here).
    // L answers the invoice_request with R's static invoice, and keeps what is meant for R.
    await lsp.waitForEvent((e) => e.event === 'StaticInvoiceRequested' && e.recipient_id === 'a1', 60_000);
    await waitFor(async () => {
      const mailbox = await lsp.call<{ peer_node_id: string; messages: number }[]>('mailbox');
      return mailbox.some((m) => m.peer_node_id === recipient.nodeId && m.messages > 0) ? true : undefined;
    }, 'L\'s mailbox to hold messages for R', 60_000);
    expect(payer.events.some((e) => e.payment_id === payment_id && (e.event === 'PaymentSent' || e.event === 'PaymentFailed'))).toBe(false);

    await recipient.call('online');
    await lsp.waitForEvent((e) => e.event === 'MailboxForwarded' && e.peer_node_id === recipient.nodeId, 60_000);
    const claimed = await recipient.waitForEvent((e) => e.event === 'PaymentClaimed', 90_000);
    expect(claimed.amount_msat).toBe(20_000_000);
    const sent = await payer.waitForEvent((e) => (e.event === 'PaymentSent' || e.event === 'PaymentFailed') && e.payment_id === payment_id, 60_000);
    expect(sent).toMatchObject({ event: 'PaymentSent', payment_hash: claimed.payment_hash });
  }, 240_000);
});

describe('async payment with all four roles played by LDK peers: P – L1 – L2 – R', () => {
  let btcd: Btcd;
  let payer: LdkPeer;
  let l1: LdkPeer;
  let l2: LdkPeer;
  let recipient: LdkPeer;

  beforeAll(async () => {
    btcd = await startBtcd();
    [payer, l1, l2, recipient] = await Promise.all([
      startLdkPeer(btcd, { role: 'client' }),
      startLdkPeer(btcd, { role: 'server' }),
      startLdkPeer(btcd, { role: 'server' }),
      startLdkPeer(btcd, { role: 'client' }),
    ]);
    await fundLdkPeer(btcd, payer, 1_000_000n);
    await fundLdkPeer(btcd, l1, 1_000_000n);
    await fundLdkPeer(btcd, l2, 1_000_000n);
    await payer.connect(l1.address);
    await l1.connect(l2.address);
    await recipient.connect(l2.address);
    await payer.call('open_channel', { node_id: l1.nodeId, amount_sat: 400_000 });
    // The LSPs' channel is announced, so that P can route to R's blinded path through L1 and L2.
    await l1.call('open_channel', { node_id: l2.nodeId, amount_sat: 400_000, announce: true });
    await l2.call('open_channel', { node_id: recipient.nodeId, amount_sat: 400_000 });
    await waitFor(async () => {
      const [p, a, b, r] = await Promise.all([payer.listChannels(), l1.listChannels(), l2.listChannels(), recipient.listChannels()]);
      const graph = await payer.call<{ channels: number; announced_nodes: number }>('graph');
      const usable = p.some((c) => c.is_usable) && a.filter((c) => c.is_usable).length === 2 && b.filter((c) => c.is_usable).length === 2 && r.some((c) => c.is_usable);
      if (usable && graph.channels === 1 && graph.announced_nodes === 2) return true;
      await btcd.mine(1);
      return undefined;
    }, 'the three channels to be usable and P to know the L1–L2 channel from gossip', 120_000);
    await atTip(btcd, payer, l1, l2, recipient);
  }, 300_000);

  it('R publishes an offer served by L2; P pays it while R is offline; L1 holds the HTLC while P goes offline too; R returns and is paid; P returns and settles', async () => {
    const { paths } = await l2.call<{ paths: string[] }>('async_recipient_paths', { recipient_id: 'b2' });
    await recipient.call('async_set_server_paths', { paths });
    const { offer } = await waitFor(async () => recipient.call<{ offer: string }>('async_offer').catch(() => undefined), 'R\'s async offer', 60_000);
    await recipient.call('offline');

    const { payment_id } = await payer.call<{ payment_id: string }>('pay_offer', { offer, amount_msat: 20_000_000 });
    await l2.waitForEvent((e) => e.event === 'StaticInvoiceRequested' && e.recipient_id === 'b2', 60_000);
    // L1 holds P's HTLC (hold_htlc); nothing goes on towards L2 yet.
    await waitFor(async () => {
      const channels = await l1.listChannels();
      const fromPayer = channels.find((c) => c.counterparty_node_id === payer.nodeId);
      const toL2 = channels.find((c) => c.counterparty_node_id === l2.nodeId);
      return fromPayer?.pending_inbound_htlcs === 1 && toL2?.pending_outbound_htlcs === 0 ? true : undefined;
    }, 'L1 to hold P\'s HTLC', 60_000);
    // L2 keeps the invoice_request and held_htlc_available for R.
    await waitFor(async () => {
      const mailbox = await l2.call<{ peer_node_id: string; messages: number }[]>('mailbox');
      return mailbox.some((m) => m.peer_node_id === recipient.nodeId && m.messages >= 2) ? true : undefined;
    }, 'L2\'s mailbox to hold R\'s messages', 60_000);

    await payer.call('offline');
    await recipient.call('online');
    const claimed = await recipient.waitForEvent((e) => e.event === 'PaymentClaimed', 90_000);
    expect(claimed.amount_msat).toBe(20_000_000);
    expect(claimed.purpose).toBe('bolt12_offer');
    expect(payer.events.some((e) => e.payment_id === payment_id && e.event === 'PaymentSent')).toBe(false);

    await payer.call('online');
    const sent = await payer.waitForEvent((e) => (e.event === 'PaymentSent' || e.event === 'PaymentFailed') && e.payment_id === payment_id, 90_000);
    expect(sent).toMatchObject({ event: 'PaymentSent', payment_hash: claimed.payment_hash });
  }, 300_000);
});
