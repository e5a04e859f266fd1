/**
 * R whose LSP does not send its channel_update for their private channel (issue 16): R waits
 * LSP_POLICY_WAIT_MS for it (`waitingFor: lsp_channel`, `lspPolicy: waiting`), then builds its static
 * invoice's payment path with CONSERVATIVE_LSP_RELAY (`lspPolicy: conservative`) and gets its offer
 * served; when the update comes, R serves the invoice again with the LSP's real policy.
 *
 * Real nodes (real TCP on 127.0.0.1, real SQLite files), a test channel between their ChannelServices.
 * The LSP withholds its update because its time stands still: it is a Glasswing node on a ManualClock
 * that the test does not move, and ours sends a private channel's update from its 2 s gossip timer.
 * Moving its clock lets the update go. R's time is moved by hand too.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../core/crypto';
import { Node } from '../../../core/node';
import { CONSERVATIVE_LSP_RELAY, LSP_POLICY_WAIT_MS, conservativeForwarder } from '../../../core/node/async';
import { parseStaticInvoiceBytes } from '../../../core/offers';
import { ManualClock } from '../../../core/runtime/clock';
import { DEFAULT_FORWARDING_POLICY } from '../../../core/runtime/payments/service';
import { DATABASE_FILE, StaticInvoicesRepository, openDatabase } from '../../../core/store';
import { openTestChannel } from '../../support/channel-open';
import { waitFor } from '../../support/btcd';
import { tempDir } from '../../support/tmp';

const T0 = 1_760_000_000_000;

/** Moves R's clock by `ms` a second at a time, letting the sockets work between seconds. */
async function pass(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1_000) {
    clock.advance(Math.min(1_000, ms - t));
    await new Promise((r) => setTimeout(r, 2));
  }
}
const MIN_FINAL_CLTV_EXPIRY_DELTA = 18;

describe('conservativeForwarder', () => {
  it('raises each relay value to at least the conservative one and keeps higher ones', () => {
    const f = { nodeId: new Uint8Array(33), shortChannelId: 1n, htlcMinimumMsat: 1n, htlcMaximumMsat: 10n, policyKnown: false, relay: { cltvExpiryDelta: 200, feeBaseMsat: 0, feeProportionalMillionths: 5_000 } };
    expect(conservativeForwarder(f).relay).toEqual({ cltvExpiryDelta: 200, feeBaseMsat: CONSERVATIVE_LSP_RELAY.feeBaseMsat, feeProportionalMillionths: 5_000 });
    expect(conservativeForwarder({ ...f, relay: { cltvExpiryDelta: 40, feeBaseMsat: 1, feeProportionalMillionths: 1 } }).relay).toEqual(CONSERVATIVE_LSP_RELAY);
    // At least every common implementation's default (LDK 72, LND 80, CLN 34, Eclair 144) and ours.
    expect(CONSERVATIVE_LSP_RELAY.cltvExpiryDelta).toBeGreaterThanOrEqual(Math.max(72, 80, 34, 144, DEFAULT_FORWARDING_POLICY.cltvExpiryDelta));
    expect(BigInt(CONSERVATIVE_LSP_RELAY.feeBaseMsat)).toBeGreaterThanOrEqual(DEFAULT_FORWARDING_POLICY.feeBaseMsat);
    expect(BigInt(CONSERVATIVE_LSP_RELAY.feeProportionalMillionths)).toBeGreaterThanOrEqual(DEFAULT_FORWARDING_POLICY.feeProportionalMillionths);
  });
});

describe('R and an LSP that does not send its channel_update', () => {
  const nodes: Node[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  async function open(alias: string, clock: ManualClock, async: Record<string, unknown>, datadir = tempDir(`glasswing-async-policy-${alias}-`)): Promise<{ node: Node; address: string; datadir: string }> {
    // No keepalive pings within the test's minutes of manual time (the LSP's clock stands still: it answers pings, never sends one).
    const node = await Node.open({
      datadir, alias, network: 'regtest', listen: { host: '127.0.0.1', port: 0 }, version: 'test', clock, heightWithoutChain: 800_000, async,
      peerTiming: { pingIntervalMs: 24 * 3_600_000 },
    });
    nodes.push(node);
    const { listen } = await node.start();
    return { node, address: `${toHex(node.nodeId)}@${listen[0]}`, datadir };
  }

  it('waits for it, then serves with conservative values; serves again with the LSP\'s policy once it comes, after a restart of R too (what was served is stored)', async () => {
    const lspClock = new ManualClock(T0);
    let rClock = new ManualClock(T0);
    const lsp = await open('lsp', lspClock, { role: 'lsp' });
    let r = await open('r', rClock, { role: 'recipient', lsp: lsp.address });
    const lspId = toHex(lsp.node.nodeId);
    const rId = toHex(r.node.nodeId);
    rClock.advance(0); // R dials its LSP
    await waitFor(() => (lsp.node.peers.isConnected(rId) && r.node.peers.isConnected(lspId) ? true : undefined), 'R connected to its LSP');
    openTestChannel({ service: lsp.node.channels, nodeId: lspId }, { service: r.node.channels, nodeId: rId });
    await waitFor(() => (r.node.channels.states().some((c) => c.phase === 'active') ? true : undefined), 'the channel active at R');

    // The channel is usable; the LSP's update does not come: R waits, and says until when.
    rClock.advance(1_000);
    const waiting = r.node.async.asyncOffer();
    expect(waiting).toMatchObject({ waitingFor: 'lsp_channel', lspPolicy: 'waiting', offer: null, slots: [] });
    expect(waiting.lspPolicyWaitEndsAt).toBe(rClock.now() + LSP_POLICY_WAIT_MS);
    await pass(rClock, waiting.lspPolicyWaitEndsAt! - rClock.now() - 1_000);
    expect(r.node.async.asyncOffer()).toMatchObject({ waitingFor: 'lsp_channel', lspPolicy: 'waiting', slots: [] });

    // The wait is over: conservative values stand in, and the offer is served.
    rClock.advance(1_000);
    expect(r.node.async.asyncOffer()).toMatchObject({ waitingFor: null, lspPolicy: 'conservative', lspPolicyWaitEndsAt: null, pathRelay: CONSERVATIVE_LSP_RELAY });
    const offer = await waitFor(() => r.node.async.asyncOffer().offer ?? undefined, 'R\'s offer ready with conservative paths');
    expect(offer).toMatch(/^lno1/);
    const db = openDatabase(join(lsp.datadir, DATABASE_FILE));
    try {
      const payInfo = () => {
        const [stored] = new StaticInvoicesRepository(db).listStaticInvoices(rId);
        return parseStaticInvoiceBytes(stored!.invoice, { messagePathsTlv: r.node.async.profile.staticInvoiceMessagePathsTlv }).value!.invoice.blindedPay![0]!;
      };
      // BOLT 4 route blinding aggregate for one forwarding hop: its fees, its CLTV delta plus our min_final_cltv_expiry_delta.
      expect(payInfo()).toMatchObject({
        feeBaseMsat: CONSERVATIVE_LSP_RELAY.feeBaseMsat, feeProportionalMillionths: CONSERVATIVE_LSP_RELAY.feeProportionalMillionths,
        cltvExpiryDelta: CONSERVATIVE_LSP_RELAY.cltvExpiryDelta + MIN_FINAL_CLTV_EXPIRY_DELTA,
      });
      expect(r.node.async.asyncOffer().servedPolicy).toBe('conservative');
      expect(r.node.info().async).toEqual({ role: 'recipient', lspPolicy: 'conservative', servedPolicy: 'conservative' });

      // R restarts before the LSP's update comes. What L2 keeps is stored at R (migration 22): after the restart R still
      // says it serves conservative values, and serves again as soon as the policy is known — not at the next refresh.
      await r.node.stop();
      nodes.splice(nodes.indexOf(r.node), 1);
      rClock = new ManualClock(rClock.now());
      r = await open('r', rClock, { role: 'recipient', lsp: lsp.address }, r.datadir);
      rClock.advance(0); // R dials its LSP
      await waitFor(() => (r.node.channels.states().some((c) => c.phase === 'active') && lsp.node.peers.isConnected(rId) ? true : undefined), 'the channel active again at R');
      rClock.advance(1_000);
      expect(r.node.async.asyncOffer()).toMatchObject({ offer, lspPolicy: 'waiting', servedPolicy: 'conservative' });
      expect(r.node.info().async).toEqual({ role: 'recipient', lspPolicy: 'waiting', servedPolicy: 'conservative' });

      // The LSP's time moves (past its one-serve-a-minute limit for R): its update goes, R learns its policy and serves again.
      lspClock.advance(61_000);
      await waitFor(() => {
        rClock.advance(1_000);
        return r.node.async.asyncOffer().lspPolicy === 'lsp' ? true : undefined;
      }, 'R knows its LSP\'s policy');
      const policy = DEFAULT_FORWARDING_POLICY;
      await waitFor(() => (payInfo().cltvExpiryDelta === policy.cltvExpiryDelta + MIN_FINAL_CLTV_EXPIRY_DELTA ? true : undefined), 'the invoice served again with the LSP\'s policy');
      expect(payInfo()).toMatchObject({ feeBaseMsat: Number(policy.feeBaseMsat), feeProportionalMillionths: Number(policy.feeProportionalMillionths) });
      // The same offer stays published.
      await waitFor(() => (r.node.async.asyncOffer().servedPolicy === 'lsp' ? true : undefined), 'R knows L2 keeps the invoice with the LSP\'s policy');
      expect(r.node.info().async).toEqual({ role: 'recipient', lspPolicy: 'lsp', servedPolicy: 'lsp' });
      expect(r.node.async.asyncOffer()).toMatchObject({
        offer, waitingFor: null, lspPolicy: 'lsp',
        pathRelay: { cltvExpiryDelta: policy.cltvExpiryDelta, feeBaseMsat: Number(policy.feeBaseMsat), feeProportionalMillionths: Number(policy.feeProportionalMillionths) },
      });
    } finally {
      db.close();
    }
  }, 60_000);
});
