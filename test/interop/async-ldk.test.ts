/**
 * Async payments across implementations (issue 16 item 8): Glasswing pays an often-offline LDK 0.2
 * recipient whose static invoice an LDK LSP serves — LDK's wire numbers on every message we send and
 * read (offer → invoice_request answered with R's static invoice by L; held_htlc_available into R's
 * mailbox at L; release_held_htlc back to us over the reply path we gave; the HTLC with the
 * invoice_request and our sender preimage in its final hop, claimed by R).
 *
 * Our node plays P without an LSP of its own, so it holds its payment itself (async mode `self`):
 * the HTLC leaves only when R's release arrives. R is offline when we pay and comes back later.
 *
 * Then the other way: an LDK payer pays our offline recipient, whose static invoice our LSP serves
 * (LDK reads our static invoice and its held_htlc_available paths, our mailbox keeps LDK's message,
 * our R releases LDK's HTLC, which carries the invoice_request and LDK's preimage to R).
 *
 * Last, our LSP between two LDK nodes: an LDK recipient takes our paths out of band (as LDK's own
 * server hands them), gets offer paths from us and has us keep its static invoice; an LDK payer
 * pays it while it is offline, and the payment completes through us once it returns.
 *
 * Then our recipient with an LDK LSP (given LDK's server paths out of band), and our LSP holding the
 * HTLC of an often-offline LDK payer (`hold_htlc`, our release paths in our revoke_and_ack).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FundChannelResult, PaymentInfo } from '../../core/api';
import { fromHex, sha256, toHex } from '../../core/crypto';
import { waitFor } from '../support/btcd';
import { startLdkPeer, type LdkPeer } from '../support/ldk-peer';
import { peerConnected, startConnectedLdk, startInteropRig, usableWithLdk, type InteropRig } from '../support/interop-rig';
import { restart, type WalletNode } from '../support/wallet-node';

/** The LDK peers at btcd's tip (a payer a block behind its payee computes CLTV expiries the payee refuses). */
async function atTipOf(rig: InteropRig, ...peers: LdkPeer[]): Promise<void> {
  const height = await rig.btcd.height();
  for (const peer of peers) {
    await waitFor(async () => ((await peer.call<{ height: number }>('info')).height === height ? true : undefined), 'the LDK peer at the tip');
  }
}

describe('Glasswing pays an offline LDK recipient through an LDK LSP (LDK 0.2 numbers)', () => {
  let rig: InteropRig;
  let lsp: LdkPeer;
  let recipient: LdkPeer;
  let channelId: string;

  beforeAll(async () => {
    rig = await startInteropRig({ name: 'async-ldk' });
    [lsp, recipient] = await Promise.all([startConnectedLdk(rig, 1_000_000n, { role: 'server' }), startLdkPeer(rig.btcd, { role: 'client' })]);
    await recipient.connect(lsp.address);
    const r = await rig.g.cli('openchannel', lsp.nodeId, '400000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    channelId = (r.json as FundChannelResult).channelId;
    await lsp.call('open_channel', { node_id: recipient.nodeId, amount_sat: 400_000 });
    await rig.mineUntil(async () => {
      const [ours, l, rr] = await Promise.all([usableWithLdk(rig.api, lsp, channelId), lsp.listChannels(), recipient.listChannels()]);
      return ours && l.filter((c) => c.is_usable).length === 2 && rr.some((c) => c.is_usable) ? true : undefined;
    }, 'us–L and L–R usable');
    await atTipOf(rig, lsp, recipient);
  }, 300_000);

  it('R (LDK, offline) is paid: L (LDK) serves the static invoice and keeps our held_htlc_available; R returns, releases, and claims our HTLC', async () => {
    // R's offer, its static invoice persisted at L (offer_paths_request → offer_paths → serve_static_invoice → static_invoice_persisted).
    const { paths } = await lsp.call<{ paths: string[] }>('async_recipient_paths', { recipient_id: 'c1' });
    await recipient.call('async_set_server_paths', { paths });
    await lsp.waitForEvent((e) => e.event === 'PersistStaticInvoice' && e.recipient_id === 'c1', 60_000);
    const { offer } = await waitFor(async () => recipient.call<{ offer: string }>('async_offer').catch(() => undefined), 'R\'s async offer', 60_000);

    await recipient.call('offline');
    await waitFor(async () => ((await lsp.call<{ node_id: string }[]>('peers')).some((p) => p.node_id === recipient.nodeId) ? undefined : true), 'L to see R gone');
    const before = BigInt((await rig.ours(channelId))!.localBalanceMsat);

    const pending = await rig.api.pay({ invoice: offer, amountMsat: '20000000', wait: false });
    expect(pending).toMatchObject({ kind: 'async', status: 'pending', amountMsat: '20000000', preimage: null });
    // L answered our invoice_request with R's static invoice, and holds our held_htlc_available for R.
    await lsp.waitForEvent((e) => e.event === 'StaticInvoiceRequested' && e.recipient_id === 'c1', 60_000);
    await waitFor(async () => {
      const mailbox = await lsp.call<{ peer_node_id: string; messages: number }[]>('mailbox');
      return mailbox.some((m) => m.peer_node_id === recipient.nodeId && m.messages > 0) ? true : undefined;
    }, 'L\'s mailbox to hold our message for R', 60_000);
    // We hold the payment ourselves: no HTLC on our channel until R releases it.
    expect((await rig.ours(channelId))!.numHtlcs).toBe(0);
    expect((await rig.api.getPayment({ paymentId: pending.paymentId })).status).toBe('pending');

    await recipient.call('online');
    const claimed = await recipient.waitForEvent((e) => e.event === 'PaymentClaimed', 90_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\nour payment: ${JSON.stringify(await rig.api.getPayment({ paymentId: pending.paymentId }))}\nR's events: ${JSON.stringify(recipient.events.slice(-15))}\nL's events: ${JSON.stringify(lsp.events.slice(-15))}\nour messages: ${JSON.stringify((await rig.api.listMessages({ limit: 30 })).messages)}\nR's log: ${readFileSync(join(recipient.dir, 'ldk.log'), 'utf8').split('\n').filter((l) => /held|release|async|onion|Onion|HTLC|htlc/i.test(l)).slice(-40).join('\n')}`);
    });
    expect(claimed.amount_msat).toBe(20_000_000);
    const paid = await waitFor(async () => {
      const p: PaymentInfo = await rig.api.getPayment({ paymentId: pending.paymentId });
      return p.status === 'pending' ? undefined : p;
    }, 'our payment settled', 60_000);
    expect(paid.status, JSON.stringify(paid.failure)).toBe('succeeded');
    expect(paid.paymentHash).toBe(claimed.payment_hash);
    expect(toHex(sha256(fromHex(paid.preimage!)))).toBe(paid.paymentHash);
    // We paid the amount and L's forwarding fee, nothing else.
    await waitFor(async () => ((await rig.ours(channelId))?.numHtlcs === 0 ? true : undefined), 'our channel settled');
    const spent = before - BigInt((await rig.ours(channelId))!.localBalanceMsat);
    expect(spent).toBe(20_000_000n + BigInt(paid.feeMsat ?? '0'));
    expect(spent).toBeGreaterThanOrEqual(20_000_000n);
  }, 300_000);
});

describe('LDK pays an offline Glasswing recipient through a Glasswing LSP (LDK 0.2 numbers)', () => {
  let rig: InteropRig;
  let payer: LdkPeer;
  let r: WalletNode;
  let l2r: string;

  beforeAll(async () => {
    // Our daemon is L2 (static invoice server, mailbox, forwarder); R is a second daemon, its recipient.
    rig = await startInteropRig({ name: 'async-ldk-l2', daemonArgs: ['--async-role', 'lsp'] });
    r = await rig.addDaemon('async-ldk-r', 0n, ['--async-role', 'recipient', '--async-lsp', rig.g.daemon.address]);
    payer = await startConnectedLdk(rig, 1_000_000n);
    await peerConnected(rig.api, r.daemon.nodeId, 'R connected to L2');
    await payer.call('open_channel', { node_id: rig.g.daemon.nodeId, amount_sat: 400_000 });
    const opened = await rig.g.cli('openchannel', r.daemon.nodeId, '400000', '--feerate', '2', '--private');
    expect(opened.code, opened.stderr).toBe(0);
    l2r = (opened.json as FundChannelResult).channelId;
    await rig.mineUntil(async () => {
      const [p, ours, theirs] = await Promise.all([payer.listChannels(), rig.ours(l2r), r.api.listChannels({})]);
      const rSide = theirs.channels.find((c) => c.channelId === l2r);
      return p.some((c) => c.is_usable) && ours?.state === 'active' && rSide?.state === 'active' ? true : undefined;
    }, 'P–L2 and L2–R usable');
    await atTipOf(rig, payer);
  }, 300_000);

  it('P (LDK) gets R\'s static invoice from L2 (us) while R is offline, its held_htlc_available waits in L2\'s mailbox; R returns, releases, and is paid', async () => {
    const offer = await waitFor(async () => (await r.api.asyncOffer({})).offer ?? undefined, 'R\'s offer ready at L2', 60_000);
    expect((await rig.api.listStaticInvoices({})).staticInvoices).toHaveLength(1);
    await r.daemon.stop();
    await waitFor(async () => ((await rig.api.listPeers({})).peers.some((x) => x.nodeId === r.daemon.nodeId) ? undefined : true), 'L2 to see R gone');
    const mailboxBefore = (await rig.api.mailboxList({})).messages.filter((m) => m.nodeId === r.daemon.nodeId).length;

    const { payment_id } = await payer.call<{ payment_id: string }>('pay_offer', { offer, amount_msat: 20_000_000 });
    // LDK holds the payment itself and tells R through R's paths at L2: the message waits in L2's mailbox.
    await waitFor(async () => ((await rig.api.mailboxList({})).messages.filter((m) => m.nodeId === r.daemon.nodeId).length > mailboxBefore ? true : undefined), 'P\'s message for R in L2\'s mailbox', 60_000);
    expect(payer.events.some((e) => e.payment_id === payment_id && (e.event === 'PaymentSent' || e.event === 'PaymentFailed'))).toBe(false);

    r = await restart(r);
    const sent = await payer.waitForEvent((e) => (e.event === 'PaymentSent' || e.event === 'PaymentFailed') && e.payment_id === payment_id, 120_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\nR's messages: ${JSON.stringify((await r.api.listMessages({ limit: 30 })).messages.map((m) => [m.outcome, m.tlvTypes, m.event]))}\nP's log: ${readFileSync(join(payer.dir, 'ldk.log'), 'utf8').split('\n').filter((l) => /held|release|async|Failed|HTLC/i.test(l)).slice(-30).join('\n')}`);
    });
    expect(sent.event).toBe('PaymentSent');
    const received = await waitFor(async () => (await r.api.listReceived({})).received.find((x) => x.paymentHash === sent.payment_hash), 'R lists the payment', 30_000);
    expect(received).toMatchObject({ kind: 'bolt12', amountMsat: '20000000' });
  }, 300_000);
});

describe('An LDK recipient served by our LSP, paid by an LDK payer while it is offline (LDK 0.2 numbers)', () => {
  let rig: InteropRig;
  let payer: LdkPeer;
  let recipient: LdkPeer;

  beforeAll(async () => {
    // Our daemon is L2 only: the static invoice server, the mailbox and the forwarder between two LDK nodes.
    rig = await startInteropRig({ name: 'async-ldk-server', daemonArgs: ['--async-role', 'lsp'] });
    [payer, recipient] = await Promise.all([startConnectedLdk(rig, 1_000_000n), startConnectedLdk(rig, 0n, { role: 'client' })]);
    await payer.call('open_channel', { node_id: rig.g.daemon.nodeId, amount_sat: 400_000 });
    const opened = await rig.g.cli('openchannel', recipient.nodeId, '400000', '--feerate', '2', '--private');
    expect(opened.code, opened.stderr).toBe(0);
    const l2r = (opened.json as FundChannelResult).channelId;
    await rig.mineUntil(async () => {
      const [p, r] = await Promise.all([payer.listChannels(), usableWithLdk(rig.api, recipient, l2r)]);
      return p.some((c) => c.is_usable) && r ? true : undefined;
    }, 'P–L2 and L2–R usable');
    await atTipOf(rig, payer, recipient);
  }, 300_000);

  it('R takes our paths out of band, asks us for offer paths, we keep its static invoice; while R is offline we answer P with it and keep P\'s held_htlc_available for R; R returns, releases, and is paid through us', async () => {
    const refusals: unknown[] = [];
    rig.api.subscribe((e) => {
      if (e.type === 'async.refused') refusals.push(e);
    });
    // LDK's `blinded_paths_for_async_recipient`, ours: paths R asks for offer paths over.
    const cli = await rig.g.cli('asyncrecipientpaths', recipient.nodeId);
    expect(cli.code, cli.stderr).toBe(0);
    const { paths } = cli.json as { paths: string[] };
    expect(paths).toHaveLength(1);
    await recipient.call('async_set_server_paths', { paths });
    // offer_paths_request → offer_paths → serve_static_invoice → static_invoice_persisted, in LDK's form. LDK signs its
    // static invoice with a key derived per offer, not its node key: over paths we handed out, that is R's to choose.
    await waitFor(async () => ((await rig.api.listStaticInvoices({ recipient: recipient.nodeId })).staticInvoices.length > 0 ? true : undefined), 'R\'s static invoice kept by us', 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\nour refusals: ${JSON.stringify(refusals.slice(-5))}`);
    });
    const { offer } = await waitFor(async () => recipient.call<{ offer: string }>('async_offer').catch(() => undefined), 'R\'s async offer', 60_000);

    await recipient.call('offline');
    await waitFor(async () => ((await rig.api.listPeers({})).peers.some((x) => x.nodeId === recipient.nodeId) ? undefined : true), 'us to see R gone');
    const answered = async () => (await rig.api.listMessages({ limit: 500 })).messages.filter((m) => m.outcome === 'replied' && m.tlvTypes.includes('70') && m.peer === payer.nodeId).length;
    const before = await answered();
    const { payment_id } = await payer.call<{ payment_id: string }>('pay_offer', { offer, amount_msat: 20_000_000 });
    // We answer P's invoice_request with R's static invoice (70), and keep what is meant for R in its mailbox: P's
    // held_htlc_available, not the invoice_request. An LDK R reads its mailbox before its channel is usable again, and
    // answers a request it cannot invoice with invoice_error, on which LDK's P abandons the payment (server.ts, step 4).
    await waitFor(async () => ((await answered()) > before ? true : undefined), 'R\'s static invoice sent to P', 60_000);
    await waitFor(async () => ((await rig.api.mailboxList({})).messages.some((m) => m.nodeId === recipient.nodeId) ? true : undefined), 'P\'s message for R in our mailbox', 60_000);
    expect(refusals).toEqual([]);
    expect(payer.events.some((e) => e.payment_id === payment_id && (e.event === 'PaymentSent' || e.event === 'PaymentFailed'))).toBe(false);

    await recipient.call('online');
    const sent = await payer.waitForEvent((e) => (e.event === 'PaymentSent' || e.event === 'PaymentFailed') && e.payment_id === payment_id, 120_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\nour messages: ${JSON.stringify((await rig.api.listMessages({ limit: 40 })).messages.map((m) => [m.peer?.slice(0, 8), m.outcome, m.tlvTypes]))}\nP's log: ${readFileSync(join(payer.dir, 'ldk.log'), 'utf8').split('\n').filter((l) => /held|release|async|Failed|HTLC/i.test(l)).slice(-30).join('\n')}`);
    });
    expect(sent.event, JSON.stringify(sent)).toBe('PaymentSent');
    const claimed = await recipient.waitForEvent((e) => e.event === 'PaymentClaimed' && e.payment_hash === sent.payment_hash, 60_000);
    expect(claimed.amount_msat).toBe(20_000_000);
    expect(toHex(sha256(fromHex(sent.payment_preimage as string)))).toBe(sent.payment_hash);
    // Through us: one forward in, out to R, and the fee P paid is what our policy earned.
    const forwards = await waitFor(async () => {
      const list = (await rig.api.listForwards({})).forwards.filter((f) => f.paymentHash === sent.payment_hash && f.status === 'fulfilled');
      return list.reduce((a, f) => a + BigInt(f.outAmountMsat), 0n) === 20_000_000n ? list : undefined;
    }, 'our fulfilled forward');
    expect(forwards.reduce((a, f) => a + BigInt(f.feeMsat), 0n)).toBe(BigInt(sent.fee_paid_msat as number));
    expect(refusals).toEqual([]);
  }, 300_000);

  it('refuses paths for a node that is not our channel peer, and bad arguments, with a clear error', async () => {
    await expect(rig.api.asyncRecipientPaths({ recipient: `02${'11'.repeat(32)}` })).rejects.toMatchObject({ code: 'payments.bad_request' });
    await expect(rig.api.asyncRecipientPaths({ recipient: recipient.nodeId, count: 9 })).rejects.toMatchObject({ code: 'api.invalid_params' });
    const bad = await rig.g.cli('asyncrecipientpaths', 'not-a-node-id');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/node id/);
    const two = await rig.g.cli('asyncrecipientpaths', recipient.nodeId, '--count', '2');
    expect(two.code, two.stderr).toBe(0);
    expect((two.json as { paths: string[] }).paths).toHaveLength(2);
  });
});

describe('Our offline recipient served by an LDK LSP, paid by us (LDK 0.2 numbers)', () => {
  let rig: InteropRig;
  let lsp: LdkPeer;
  let r: WalletNode;
  let channelId: string;

  beforeAll(async () => {
    // Our daemon is P (holding its payment itself); L2 is LDK's static invoice server; R is a second daemon of ours,
    // given L2's paths out of band as LDK's own clients get them (`blinded_paths_for_async_recipient`).
    rig = await startInteropRig({ name: 'async-ldk-our-r' });
    lsp = await startConnectedLdk(rig, 1_000_000n, { role: 'server' });
    const { paths } = await lsp.call<{ paths: string[] }>('async_recipient_paths', { recipient_id: 'c2' });
    r = await rig.addDaemon('async-ldk-our-r-r', 0n, ['--async-role', 'recipient', '--async-lsp', lsp.address, '--async-server-paths', paths.join(',')]);
    await peerConnected(r.api, lsp.nodeId, 'R connected to L2');
    const opened = await rig.g.cli('openchannel', lsp.nodeId, '400000', '--feerate', '2');
    expect(opened.code, opened.stderr).toBe(0);
    channelId = (opened.json as FundChannelResult).channelId;
    await lsp.call('open_channel', { node_id: r.daemon.nodeId, amount_sat: 400_000 });
    await rig.mineUntil(async () => {
      const [ours, l, theirs] = await Promise.all([usableWithLdk(rig.api, lsp, channelId), lsp.listChannels(), r.api.listChannels({})]);
      return ours && l.filter((c) => c.is_usable).length === 2 && theirs.channels.some((c) => c.state === 'active') ? true : undefined;
    }, 'P–L2 and L2–R usable');
    await atTipOf(rig, lsp);
  }, 300_000);

  it('R asks L2 for offer paths over L2\'s own paths, L2 keeps its static invoice; R offline, we pay; R returns, releases, and is paid', async () => {
    // offer_paths_request over L2's path → offer_paths → serve_static_invoice → L2 persists it (LDK's event) → static_invoice_persisted.
    await lsp.waitForEvent((e) => e.event === 'PersistStaticInvoice' && e.recipient_id === 'c2', 60_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\nR's log: ${r.daemon.logs.filter((l) => /async/.test(l)).slice(-10).join('\n')}\nR: ${JSON.stringify(await r.api.asyncOffer({}))}\nR's messages: ${JSON.stringify((await r.api.listMessages({ limit: 30 })).messages.map((m) => [m.outcome, m.tlvTypes, m.peer?.slice(0, 8), m.event]))}\nL2's log: ${readFileSync(join(lsp.dir, 'ldk.log'), 'utf8').split('\n').filter((l) => /async|onion|Onion|offer|static/i.test(l)).slice(-30).join('\n')}`);
    });
    const offer = await waitFor(async () => (await r.api.asyncOffer({})).offer ?? undefined, 'R\'s offer ready', 60_000);
    await r.daemon.stop();
    await waitFor(async () => ((await lsp.call<{ node_id: string }[]>('peers')).some((p) => p.node_id === r.daemon.nodeId) ? undefined : true), 'L2 to see R gone');
    const before = BigInt((await rig.ours(channelId))!.localBalanceMsat);

    const pending = await rig.api.pay({ invoice: offer, amountMsat: '20000000', wait: false });
    expect(pending).toMatchObject({ kind: 'async', status: 'pending', amountMsat: '20000000', preimage: null });
    // L2 answers our invoice_request with R's static invoice, and its mailbox keeps our held_htlc_available for R.
    await lsp.waitForEvent((e) => e.event === 'StaticInvoiceRequested' && e.recipient_id === 'c2', 60_000);
    await waitFor(async () => ((await lsp.call<{ peer_node_id: string; messages: number }[]>('mailbox')).some((m) => m.peer_node_id === r.daemon.nodeId && m.messages > 0) ? true : undefined), 'L2\'s mailbox to hold our message for R', 60_000);
    expect((await rig.ours(channelId))!.numHtlcs).toBe(0);

    r = await restart(r);
    const paid = await waitFor(async () => {
      const p: PaymentInfo = await rig.api.getPayment({ paymentId: pending.paymentId });
      return p.status === 'pending' ? undefined : p;
    }, 'our payment settled', 120_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\nR's messages: ${JSON.stringify((await r.api.listMessages({ limit: 30 })).messages.map((m) => [m.outcome, m.tlvTypes]))}\nL2's log: ${readFileSync(join(lsp.dir, 'ldk.log'), 'utf8').split('\n').filter((l) => /held|release|async|onion|Onion|HTLC/i.test(l)).slice(-30).join('\n')}`);
    });
    expect(paid.status, `${JSON.stringify(paid.failure)}\n${JSON.stringify(paid.parts)}\nL2's log: ${readFileSync(join(lsp.dir, 'ldk.log'), 'utf8').split('\n').filter((l) => /HTLC|htlc|fail|Fail|blinded/.test(l)).slice(-20).join('\n')}`).toBe('succeeded');
    expect(toHex(sha256(fromHex(paid.preimage!)))).toBe(paid.paymentHash);
    const received = await waitFor(async () => (await r.api.listReceived({})).received.find((x) => x.paymentHash === paid.paymentHash), 'R lists the payment', 30_000);
    expect(received).toMatchObject({ kind: 'bolt12', amountMsat: '20000000' });
    await waitFor(async () => ((await rig.ours(channelId))?.numHtlcs === 0 ? true : undefined), 'our channel settled');
    expect(before - BigInt((await rig.ours(channelId))!.localBalanceMsat)).toBe(20_000_000n + BigInt(paid.feeMsat ?? '0'));
  }, 300_000);
});

describe('Our LSP holds an often-offline LDK payer\'s HTLC until our offline recipient releases it (LDK 0.2 numbers)', () => {
  let rig: InteropRig;
  let payer: LdkPeer;
  let r: WalletNode;

  beforeAll(async () => {
    // Our daemon is L1 and L2 at once (it holds HTLCs, serves static invoices, keeps mailboxes); R is ours; P is an LDK
    // node that asks its next hop to hold its HTLCs (`hold_outbound_htlcs_at_next_hop`).
    rig = await startInteropRig({ name: 'async-ldk-l1', daemonArgs: ['--async-role', 'lsp'] });
    r = await rig.addDaemon('async-ldk-l1-r', 0n, ['--async-role', 'recipient', '--async-lsp', rig.g.daemon.address]);
    payer = await startConnectedLdk(rig, 1_000_000n, { role: 'client' });
    await peerConnected(rig.api, r.daemon.nodeId, 'R connected to L');
    await payer.call('open_channel', { node_id: rig.g.daemon.nodeId, amount_sat: 400_000 });
    const opened = await rig.g.cli('openchannel', r.daemon.nodeId, '400000', '--feerate', '2', '--private');
    expect(opened.code, opened.stderr).toBe(0);
    const lr = (opened.json as FundChannelResult).channelId;
    await rig.mineUntil(async () => {
      const [p, ours, theirs] = await Promise.all([payer.listChannels(), rig.ours(lr), r.api.listChannels({})]);
      return p.some((c) => c.is_usable) && ours?.state === 'active' && theirs.channels.find((c) => c.channelId === lr)?.state === 'active' ? true : undefined;
    }, 'P–L and L–R usable');
    await atTipOf(rig, payer);
  }, 300_000);

  it('P (LDK) sends its HTLC with hold_htlc; we hold it and give release paths in our revoke_and_ack; R returns, releases at us, we forward, R is paid', async () => {
    const offer = await waitFor(async () => (await r.api.asyncOffer({})).offer ?? undefined, 'R\'s offer ready at L', 60_000);
    await r.daemon.stop();
    await waitFor(async () => ((await rig.api.listPeers({})).peers.some((x) => x.nodeId === r.daemon.nodeId) ? undefined : true), 'L to see R gone');

    const { payment_id } = await payer.call<{ payment_id: string }>('pay_offer', { offer, amount_msat: 20_000_000 });
    // The HTLC left P at once and waits at us, held (not failed back although R is offline).
    const held = await waitFor(async () => {
      const h = (await rig.api.listHeldHtlcs({})).held;
      return h.length === 1 ? h[0] : undefined;
    }, 'P\'s HTLC held at L', 60_000);
    expect(BigInt(held.outAmountMsat)).toBe(20_000_000n);
    // P's held_htlc_available (sent over R's paths, with our release path as its reply path) waits in R's mailbox here.
    await waitFor(async () => ((await rig.api.mailboxList({})).messages.some((m) => m.nodeId === r.daemon.nodeId) ? true : undefined), 'P\'s message for R in our mailbox', 60_000);
    expect(payer.events.some((e) => e.payment_id === payment_id && (e.event === 'PaymentSent' || e.event === 'PaymentFailed'))).toBe(false);

    r = await restart(r);
    const sent = await payer.waitForEvent((e) => (e.event === 'PaymentSent' || e.event === 'PaymentFailed') && e.payment_id === payment_id, 120_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\nheld: ${JSON.stringify((await rig.api.listHeldHtlcs({})).held)}\nR's messages: ${JSON.stringify((await r.api.listMessages({ limit: 30 })).messages.map((m) => [m.outcome, m.tlvTypes]))}`);
    });
    expect(sent.event, JSON.stringify(sent)).toBe('PaymentSent');
    expect(sent.payment_hash).toBe(held.paymentHash);
    const received = await waitFor(async () => (await r.api.listReceived({})).received.find((x) => x.paymentHash === sent.payment_hash), 'R lists the payment', 30_000);
    expect(received).toMatchObject({ kind: 'bolt12', amountMsat: '20000000' });
    expect((await rig.api.listHeldHtlcs({})).held).toEqual([]);
  }, 300_000);
});
