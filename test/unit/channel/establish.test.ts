/**
 * Channel establishment (core/channel/establish) between two in-memory nodes over BOLT 1 bytes, their
 * records and channels in real SQLite files, on a model chain: every combination of funder, channel type,
 * zero-conf, scid alias and upfront shutdown script opens, carries an HTLC and closes; every refusal reason;
 * timeouts, disconnections, restarts, reorgs before lock-in, the fundee's 2016-block limit, and persist
 * before send.
 */
import { describe, expect, it } from 'vitest';
import { compareBytes, ecdsaVerify, isValidPublicKey, toHex, utf8 } from '../../../core/crypto';
import { SIGHASH_ALL, decodeTx, decodeWitnessSignature, segwitV0Sighash, txid as computeTxid, txidToHex } from '../../../core/bitcoin';
import { fundingScript } from '../../../core/channel/scripts';
import type { ChannelState } from '../../../core/channel/state';
import {
  ChannelOpening, FUNDEE_FUNDING_TIMEOUT_BLOCKS, OpenError, REFUSAL_REASONS, channelTypeFeatures, parseChannelType, shortChannelIdOf,
} from '../../../core/channel/establish';
import type { AcceptancePolicy, OpeningContext } from '../../../core/channel/establish';
import { FeatureVector, chainHash, encodeMessage } from '../../../core/wire';
import type { AcceptChannel, Message, OpenChannel } from '../../../core/wire';
import type {
  EstablishNet} from '../../support/establish-net';
import { ModelChain, type Party, establishNet, nodeFeatures, preimageOf, randomP2wpkh, settle,
} from '../../support/establish-net';

/** Both funding signatures of a broadcastable closing transaction verify. */
function expectValidClosing(raw: Uint8Array, state: ChannelState): void {
  const tx = decodeTx(raw);
  const w = tx.inputs[0]!.witness;
  const { local, remote } = state.params;
  const script = fundingScript(local.basepoints.fundingPubkey, remote.basepoints.fundingPubkey);
  expect(toHex(w[3]!)).toBe(toHex(script));
  expect(w[0]!.length).toBe(0);
  const unsigned = { ...tx, inputs: [{ ...tx.inputs[0]!, witness: [] }] };
  const digest = segwitV0Sighash(unsigned, 0, script, state.params.fundingSatoshis, SIGHASH_ALL);
  const keys = [local.basepoints.fundingPubkey, remote.basepoints.fundingPubkey].sort(compareBytes);
  expect(ecdsaVerify(decodeWitnessSignature(w[1]!).signature, digest, keys[0]!)).toBe(true);
  expect(ecdsaVerify(decodeWitnessSignature(w[2]!).signature, digest, keys[1]!)).toBe(true);
  expect(toHex(tx.inputs[0]!.prevout.txid)).toBe(toHex(state.params.fundingOutpoint.txid));
}

function readyEvent(p: Party) {
  const e = p.log.openingEvents.find((x) => x.type === 'channel_ready');
  if (!e || e.type !== 'channel_ready') throw new Error(`${p.name} has no channel_ready`);
  return e.channel;
}

function sentOf<T extends Message['type']>(p: Party, type: T): Extract<Message, { type: T }>[] {
  return p.log.sent.filter((m): m is Extract<Message, { type: T }> => m.type === type);
}

function errorText(p: Party): string[] {
  return sentOf(p, 'error').map((e) => new TextDecoder().decode(e.data));
}

const COMBOS = (() => {
  const out: { funder: 'A' | 'B'; anchors: boolean; zeroconf: boolean; scidAlias: boolean; upfront: boolean; simpleClose: boolean }[] = [];
  let i = 0;
  for (const funder of ['A', 'B'] as const)
    for (const anchors of [true, false])
      for (const zeroconf of [false, true])
        for (const scidAlias of [true, false])
          for (const upfront of [true, false]) out.push({ funder, anchors, zeroconf, scidAlias, upfront, simpleClose: i++ % 2 === 1 });
  return out;
})();

describe('opening a channel between two nodes (every combination), then an HTLC and a cooperative close', () => {
  it.each(COMBOS)('funder $funder, anchors $anchors, zeroconf $zeroconf, scid_alias $scidAlias, upfront $upfront, simple_close $simpleClose', (c) => {
    const features = nodeFeatures({ zeroconf: c.zeroconf, simpleClose: c.simpleClose });
    const net = establishNet({ features }, { features });
    const chain = new ModelChain(net);
    const funder = c.funder === 'A' ? net.a : net.b;
    const fundee = funder.other;
    if (c.zeroconf) fundee.policy = { trustedZeroconfPeers: [funder.nodeId] };
    const upfront = c.upfront ? randomP2wpkh() : null;
    const fundeeScript = randomP2wpkh();
    Object.assign(fundee.opts, { accept: { upfrontShutdownScript: c.upfront ? fundeeScript : null }, closeScript: fundeeScript });
    const announce = !c.scidAlias && !c.zeroconf;

    funder.open({
      fundingSatoshis: 2_000_000n, pushMsat: 500_000_000n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2,
      channelType: c.anchors ? 'anchors' : 'static_remotekey', zeroconf: c.zeroconf, scidAlias: c.scidAlias, announce, upfrontShutdownScript: upfront,
    });
    net.deliverAll();
    expect(funder.opening!.phase).toBe(c.zeroconf ? 'ready' : 'awaiting_lock_in');
    expect(fundee.opening!.phase).toBe(c.zeroconf ? 'ready' : 'awaiting_lock_in');
    if (!c.zeroconf) {
      // BOLT 2 default minimum_depth here is 3: two blocks are not enough.
      chain.mine(2);
      net.deliverAll();
      expect(funder.link).toBeNull();
      chain.mine(1);
      net.deliverAll();
    }
    for (const p of [funder, fundee]) {
      expect(p.opening!.phase).toBe('ready');
      expect(p.link!.phase).toBe('active');
      const ready = readyEvent(p);
      expect(ready.channelType).toEqual({ base: c.anchors ? 'anchors' : 'static_remotekey', scidAlias: c.scidAlias, zeroconf: c.zeroconf });
      expect(ready.announce).toBe(announce);
      expect(p.link!.state.params.channelType).toBe(c.anchors ? 'anchors' : 'static_remotekey');
      // An alias when the type needs one or option_scid_alias is negotiated (it is, in nodeFeatures()).
      expect(ready.localAlias).not.toBeNull();
      expect(ready.remoteAlias).toBe(readyEvent(p.other).localAlias);
      expect(p.link!.state.aliases).toEqual({ local: ready.localAlias, remote: ready.remoteAlias });
      expect(p.link!.state.closing?.upfrontLocal ?? null).toEqual(p === funder ? upfront : c.upfront ? fundeeScript : null);
    }
    // The two channel states are one channel.
    const fs = funder.link!.state;
    const es = fundee.link!.state;
    expect(toHex(fs.params.channelId)).toBe(toHex(es.params.channelId));
    expect(fs.localCommit.spec).toEqual({ feeratePerKw: 1_000, localMsat: 1_500_000_000n, remoteMsat: 500_000_000n, htlcs: [] });
    expect(es.localCommit.spec).toEqual({ feeratePerKw: 1_000, localMsat: 500_000_000n, remoteMsat: 1_500_000_000n, htlcs: [] });
    if (c.zeroconf) {
      // Ready before any confirmation; the real short_channel_id comes with the block.
      expect(readyEvent(funder).shortChannelId).toBeNull();
      chain.mine(1);
      net.deliverAll();
    }
    const scid = fundee.opening!.shortChannelId;
    expect(scid).toBe(shortChannelIdOf(chain.base + 1, 1, fs.params.fundingOutpoint.vout));
    expect(funder.opening!.shortChannelId).toBe(scid);

    // An HTLC each way over the links.
    const x = funder.addHtlc(100_000_000n, `x${c.funder}`);
    const y = fundee.addHtlc(20_000_000n, `y${c.funder}`);
    settle(net);
    fundee.step(fundee.link!.fulfillHtlc(x, preimageOf(`x${c.funder}`)));
    funder.step(funder.link!.failHtlc(y, utf8.encode('no')));
    settle(net);
    expect(funder.link!.state.localCommit.spec).toMatchObject({ localMsat: 1_400_000_000n, remoteMsat: 600_000_000n, htlcs: [] });

    // Cooperative close, asked by the fundee.
    fundee.close(fundeeScript);
    settle(net);
    const theirs = funder.closingTxs.map((t) => t.txid).sort();
    expect(theirs.length).toBeGreaterThan(0);
    for (const p of [funder, fundee]) {
      expect(p.log.failures).toEqual([]);
      for (const t of p.closingTxs) expectValidClosing(t.tx, p.link!.state);
    }
    const funderScript = funder.link!.state.closing!.shutdownLocal!;
    if (upfront) expect(toHex(funderScript)).toBe(toHex(upfront));
    for (const t of fundee.closingTxs) {
      const tx = decodeTx(t.tx);
      const paid = (s: Uint8Array) => tx.outputs.filter((o) => toHex(o.scriptPubKey) === toHex(s)).reduce((n, o) => n + o.value, 0n);
      const total = paid(funderScript) + paid(fundeeScript) + t.feeSat;
      expect(total).toBe(2_000_000n);
      if (c.simpleClose) {
        // Each closer pays its own fee.
        expect(paid(t.closer === 'local' ? funderScript : fundeeScript)).toBe(t.closer === 'local' ? 1_400_000n : 600_000n);
      } else {
        expect(paid(fundeeScript)).toBe(600_000n);
      }
    }
    if (!c.simpleClose) expect(fundee.closingTxs.map((t) => t.txid)).toEqual(theirs);
    net.close();
  });
});

/** A's open_channel and B's accept_channel as the two nodes would send them (nothing delivered). */
function capture(opts: { policyB?: Partial<AcceptancePolicy>; zeroconf?: boolean } = {}) {
  const features = nodeFeatures({ zeroconf: opts.zeroconf ?? false });
  const net = establishNet({ features }, { features, policy: opts.policyB });
  new ModelChain(net);
  net.a.open({ fundingSatoshis: 1_000_000n, pushMsat: 0n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2, zeroconf: opts.zeroconf });
  const open = net.inFlight(net.a)[0] as OpenChannel;
  return { net, open };
}

function fundeeCtx(net: EstablishNet, over: Partial<OpeningContext> = {}): OpeningContext {
  return { ...net.b.context(), ...over };
}

const BAD_POINT = (() => {
  const p = new Uint8Array(33);
  p[0] = 2;
  return p;
})();

type OpenCase = { reason: (typeof REFUSAL_REASONS)[number]; open?: (m: OpenChannel) => OpenChannel; ctx?: (net: EstablishNet) => Partial<OpeningContext> };
type AcceptCase = { reason: (typeof REFUSAL_REASONS)[number]; accept: (m: AcceptChannel) => AcceptChannel; policyA?: Partial<AcceptancePolicy> };

const OPEN_CASES: OpenCase[] = [
  { reason: 'unknown_chain', open: (m) => ({ ...m, chainHash: chainHash('mainnet') }) },
  { reason: 'channel_type_missing', open: (m) => ({ ...m, tlvs: { upfrontShutdownScript: new Uint8Array(0) } }) },
  { reason: 'channel_type_unsupported', open: (m) => ({ ...m, tlvs: { ...m.tlvs, channelType: FeatureVector.fromBits([12, 20]) } }) },
  { reason: 'zeroconf_untrusted', open: (m) => ({ ...m, tlvs: { ...m.tlvs, channelType: channelTypeFeatures({ base: 'anchors', scidAlias: true, zeroconf: true }) } }), ctx: () => ({ localFeatures: nodeFeatures({ zeroconf: true }), remoteFeatures: nodeFeatures({ zeroconf: true }) }) },
  { reason: 'scid_alias_announced', open: (m) => ({ ...m, channelFlags: 1, tlvs: { ...m.tlvs, channelType: channelTypeFeatures({ base: 'anchors', scidAlias: true, zeroconf: false }) } }) },
  { reason: 'push_exceeds_funding', open: (m) => ({ ...m, pushMsat: m.fundingSatoshis * 1000n + 1n }) },
  { reason: 'to_self_delay_too_large', open: (m) => ({ ...m, toSelfDelay: 2017 }) },
  { reason: 'max_accepted_htlcs_too_large', open: (m) => ({ ...m, maxAcceptedHtlcs: 484 }) },
  { reason: 'feerate_too_low', open: (m) => ({ ...m, feeratePerKw: 252 }) },
  { reason: 'feerate_too_high', open: (m) => ({ ...m, feeratePerKw: 100_001 }) },
  { reason: 'bad_pubkey', open: (m) => ({ ...m, htlcBasepoint: BAD_POINT }) },
  { reason: 'dust_limit_above_reserve', open: (m) => ({ ...m, dustLimitSatoshis: 500n, channelReserveSatoshis: 400n }) },
  { reason: 'dust_limit_too_small', open: (m) => ({ ...m, dustLimitSatoshis: 353n }) },
  { reason: 'funder_cannot_pay_fee', open: (m) => ({ ...m, pushMsat: m.fundingSatoshis * 1000n }) },
  {
    // 6,000 sat, 5,000 pushed: the funder keeps 817 sat after the fee (our reserve for it is 1,000) and the fundee's 5,000 is its reserve.
    reason: 'balances_below_reserve',
    open: (m) => ({ ...m, fundingSatoshis: 6_000n, pushMsat: 5_000_000n, channelReserveSatoshis: 5_000n, feeratePerKw: 253, maxHtlcValueInFlightMsat: 6_000_000n, tlvs: { ...m.tlvs, channelType: channelTypeFeatures({ base: 'static_remotekey', scidAlias: true, zeroconf: false }) } }),
    ctx: () => ({ policy: { minFundingSat: 1_000n, maxChannelReservePercent: 100 } }),
  },
  { reason: 'large_channel_unsupported', open: (m) => ({ ...m, fundingSatoshis: 1n << 24n }) },
  { reason: 'dual_fund_negotiated', ctx: () => ({ localFeatures: nodeFeatures().withFeature('option_dual_fund', 'optional'), remoteFeatures: nodeFeatures().withFeature('option_dual_fund', 'optional') }) },
  { reason: 'bad_upfront_shutdown_script', open: (m) => ({ ...m, tlvs: { ...m.tlvs, upfrontShutdownScript: Uint8Array.of(0x6a, 0x01, 0x02) } }) },
  { reason: 'upfront_shutdown_script_missing', open: (m) => ({ ...m, tlvs: { channelType: m.tlvs!.channelType! } }) },
  { reason: 'funding_too_small', open: (m) => ({ ...m, fundingSatoshis: 19_999n, channelReserveSatoshis: 1_000n, maxHtlcValueInFlightMsat: 19_999_000n }) },
  { reason: 'funding_too_large', ctx: () => ({ policy: { maxFundingSat: 999_999n } }) },
  { reason: 'push_too_large', open: (m) => ({ ...m, pushMsat: 1_000_001n }), ctx: () => ({ policy: { maxPushMsat: 1_000_000n } }) },
  { reason: 'htlc_minimum_too_large', open: (m) => ({ ...m, htlcMinimumMsat: m.fundingSatoshis * 1000n }) },
  { reason: 'max_htlc_value_in_flight_too_small', open: (m) => ({ ...m, maxHtlcValueInFlightMsat: 0n }) },
  { reason: 'channel_reserve_too_large', open: (m) => ({ ...m, channelReserveSatoshis: 200_001n }) },
  { reason: 'max_accepted_htlcs_too_small', open: (m) => ({ ...m, maxAcceptedHtlcs: 4 }) },
  { reason: 'dust_limit_too_large', open: (m) => ({ ...m, dustLimitSatoshis: 10_001n, channelReserveSatoshis: 20_000n }) },
];

const ACCEPT_CASES: AcceptCase[] = [
  { reason: 'channel_type_missing', accept: (m) => ({ ...m, tlvs: { upfrontShutdownScript: new Uint8Array(0) } }) },
  { reason: 'channel_type_mismatch', accept: (m) => ({ ...m, tlvs: { ...m.tlvs, channelType: channelTypeFeatures({ base: 'static_remotekey', scidAlias: true, zeroconf: false }) } }) },
  { reason: 'channel_reserve_below_dust_limit', accept: (m) => ({ ...m, channelReserveSatoshis: 545n, dustLimitSatoshis: 400n }) },
  { reason: 'dust_limit_above_reserve', accept: (m) => ({ ...m, dustLimitSatoshis: 10_001n }), policyA: { maxDustLimitAnchorsSat: 20_000n } },
  { reason: 'minimum_depth_too_large', accept: (m) => ({ ...m, minimumDepth: 145 }) },
];

describe('refusals: a typed reason, carried in the error we send', () => {
  it('covers every refusal reason', () => {
    const covered = new Set([...OPEN_CASES, ...ACCEPT_CASES].map((c) => c.reason));
    expect(REFUSAL_REASONS.filter((r) => !covered.has(r))).toEqual([]);
  });

  it.each(OPEN_CASES)('open_channel refused: $reason', (c) => {
    const { net, open } = capture();
    const m = c.open ? c.open(open) : open;
    if (c.reason === 'bad_pubkey') expect(isValidPublicKey(BAD_POINT)).toBe(false);
    const ctx = fundeeCtx(net, c.ctx?.(net) ?? {});
    const o = ChannelOpening.fundee(net.a.nodeId, m, ctx);
    expect(o.phase).toBe('forgotten');
    expect(o.failure?.code).toBe(`channel_open.${c.reason}`);
    const actions = o.takeActions();
    expect(actions).toHaveLength(1);
    const err = actions[0]!;
    expect(err.kind === 'send' && err.message.type).toBe('error');
    if (err.kind === 'send' && err.message.type === 'error') {
      expect(toHex(err.message.channelId)).toBe(toHex(open.temporaryChannelId));
      expect(new TextDecoder().decode(err.message.data)).toMatch(new RegExp(`^channel_open\\.${c.reason}: `));
    }
    net.close();
  });

  it('the same open_channel with nothing changed is accepted (the cases above fail for their one reason)', () => {
    const { net, open } = capture();
    const o = ChannelOpening.fundee(net.a.nodeId, open, fundeeCtx(net));
    expect(o.phase).toBe('awaiting_funding_created');
    expect(o.takeActions().map((a) => a.kind === 'send' && a.message.type)).toEqual(['accept_channel']);
    net.close();
  });

  it.each(ACCEPT_CASES)('accept_channel refused by the funder: $reason; the funder sends error and forgets', (c) => {
    const { net } = capture();
    const { a, b } = net;
    if (c.policyA) a.policy = c.policyA;
    // Re-open with A's policy set (the context is taken at open).
    const net2 = c.policyA ? (() => {
      net.close();
      const n = establishNet({ policy: c.policyA }, {});
      new ModelChain(n);
      n.a.open({ fundingSatoshis: 1_000_000n, pushMsat: 0n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2 });
      return n;
    })() : net;
    net2.deliverOne(net2.a);
    const accept = net2.inFlight(net2.b)[0] as AcceptChannel;
    net2.a.receive(encode({ ...c.accept(accept) }));
    expect(net2.a.opening!.phase).toBe('forgotten');
    expect(net2.a.opening!.failure?.code).toBe(`channel_open.${c.reason}`);
    expect(errorText(net2.a)[0]).toMatch(new RegExp(`^channel_open\\.${c.reason}: `));
    // Nothing was built yet: nothing to release.
    expect(net2.a.log.actions.some((x) => x.kind === 'build_funding')).toBe(false);
    // The fundee learns why from the error and forgets too.
    net2.deliverAll();
    expect(net2.b.opening!.phase).toBe('forgotten');
    expect(net2.b.opening!.failure?.message).toContain(`channel_open.${c.reason}`);
    void b;
    net2.close();
  });

  it('the funder chooses static_remotekey when the peer lacks option_anchors, and always sends an explicit channel_type', () => {
    const net = establishNet({}, { features: nodeFeatures({ anchors: false }) });
    new ModelChain(net);
    net.a.open({ fundingSatoshis: 500_000n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2 });
    const open = net.inFlight(net.a)[0] as OpenChannel;
    expect(parseChannelType(open.tlvs!.channelType!)).toEqual({ base: 'static_remotekey', scidAlias: true, zeroconf: false });
    net.deliverAll();
    expect(net.b.opening!.channelType.base).toBe('static_remotekey');
    net.close();
    const net2 = establishNet();
    new ModelChain(net2);
    net2.a.open({ fundingSatoshis: 500_000n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2 });
    expect(parseChannelType((net2.inFlight(net2.a)[0] as OpenChannel).tlvs!.channelType!)!.base).toBe('anchors');
    net2.close();
  });

  it('the funder refuses requests the peer would have to refuse (typed bad_request)', () => {
    const net = establishNet({}, { features: nodeFeatures({ anchors: false }) });
    const base = { fundingSatoshis: 500_000n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2 };
    const bad = (req: Partial<Parameters<Party['open']>[0]>) => {
      let thrown: unknown;
      try {
        net.a.open({ ...base, ...req });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(OpenError);
      expect((thrown as OpenError).code).toBe('channel_open.bad_request');
    };
    bad({ fundingSatoshis: 1n << 24n });
    bad({ pushMsat: 500_000_001n });
    bad({ channelType: 'anchors' });
    bad({ zeroconf: true });
    bad({ scidAlias: true, announce: true });
    bad({ feeratePerKw: 100 });
    bad({ pushMsat: 500_000_000n });
    // OP_RETURN is a shutdown form only with option_simple_close, not negotiated here.
    bad({ upfrontShutdownScript: Uint8Array.of(0x6a, 0x06, 1, 2, 3, 4, 5, 6) });
    net.close();
  });
});

function encode(m: Message): Uint8Array {
  return encodeMessage(m);
}

describe('timeouts, disconnections and restarts', () => {
  const open = (net: EstablishNet) => net.a.open({ fundingSatoshis: 1_000_000n, pushMsat: 0n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2 });

  it('a peer that stops answering: accept_channel never comes — the funder errors and forgets', () => {
    const net = establishNet();
    new ModelChain(net);
    open(net);
    net.a.runOpening(net.a.opening!.tick(1_000 + 120_000));
    expect(net.a.opening!.phase).toBe('awaiting_accept');
    net.a.runOpening(net.a.opening!.tick(1_000 + 120_001));
    expect(net.a.opening!.phase).toBe('forgotten');
    expect(net.a.opening!.failure?.code).toBe('channel_open.timeout');
    expect(errorText(net.a)[0]).toMatch(/^channel_open\.timeout/);
    net.close();
  });

  it('funding_created never comes — the fundee forgets', () => {
    const net = establishNet();
    new ModelChain(net);
    open(net);
    net.deliverOne(net.a);
    expect(net.b.opening!.phase).toBe('awaiting_funding_created');
    net.b.runOpening(net.b.opening!.tick(1_000 + 120_001));
    expect(net.b.opening!.phase).toBe('forgotten');
    expect(net.b.opening!.failure?.code).toBe('channel_open.timeout');
    net.close();
  });

  it('funding_signed never comes — the funder forgets and unlocks the funding coins', () => {
    const net = establishNet();
    new ModelChain(net);
    let builtTx: Uint8Array | null = null;
    const build = net.a.buildFunding;
    net.a.buildFunding = (x) => {
      const r = build(x);
      builtTx = r.tx;
      return r;
    };
    open(net);
    net.deliverOne(net.a); // open_channel
    net.deliverOne(net.b); // accept_channel → funding_created queued
    expect(net.a.opening!.phase).toBe('awaiting_funding_signed');
    const txid = txidToHex(computeTxid(decodeTx(builtTx!)));
    net.a.runOpening(net.a.opening!.tick(1_000 + 120_001));
    expect(net.a.opening!.phase).toBe('forgotten');
    expect(net.a.released).toEqual([txid]);
    net.close();
  });

  it('a disconnection before funding_signed forgets the opening on both sides (the funder unlocks its coins)', () => {
    const net = establishNet();
    new ModelChain(net);
    open(net);
    net.deliverOne(net.a);
    net.deliverOne(net.b);
    // funding_created is on its way when the connection drops.
    net.disconnect();
    expect(net.a.opening!.phase).toBe('forgotten');
    expect(net.a.opening!.failure?.code).toBe('channel_open.disconnected');
    expect(net.a.released).toHaveLength(1);
    expect(net.b.opening!.phase).toBe('forgotten');
    expect(net.a.openings.load()).toEqual([]);
    expect(net.b.openings.load()).toEqual([]);
    net.close();
  });

  it('a disconnection after funding_signed keeps the channel: channel_reestablish, then lock-in goes on (channel_ready retransmitted)', () => {
    const net = establishNet();
    const chain = new ModelChain(net);
    open(net);
    net.deliverAll();
    expect(net.a.opening!.phase).toBe('awaiting_lock_in');
    chain.mine(3);
    // A sent channel_ready; it is lost with the connection.
    expect(net.inFlight(net.a).map((m) => m.type)).toContain('channel_ready');
    net.disconnect();
    expect(net.a.opening!.phase).toBe('awaiting_lock_in');
    expect(net.b.opening!.phase).toBe('awaiting_lock_in');
    net.reconnect();
    const first = net.inFlight(net.a);
    expect(first[0]!.type).toBe('channel_reestablish');
    net.deliverAll();
    expect(net.a.link?.phase).toBe('active');
    expect(net.b.link?.phase).toBe('active');
    // A's channel_ready went again after the reestablish (next_commitment_number is 1 on both sides), with the same alias.
    const readies = sentOf(net.a, 'channel_ready');
    expect(readies.length).toBeGreaterThanOrEqual(2);
    expect(new Set(readies.map((r) => String(r.tlvs?.shortChannelId))).size).toBe(1);
    net.close();
  });

  it('a restart after funding_signed: the fundee comes back from its record, the funder broadcasts again, lock-in completes', () => {
    const net = establishNet();
    const chain = new ModelChain(net);
    open(net);
    net.deliverAll();
    const fundingTxid = txidToHex(net.b.opening!.snapshot().terms.fundingOutpoint.txid);
    net.b.crash();
    net.a.crash();
    expect(net.b.opening!.phase).toBe('awaiting_lock_in');
    expect(net.a.opening!.phase).toBe('awaiting_lock_in');
    // The funder's restored opening broadcasts again (nothing confirmed yet).
    expect(net.a.log.actions.filter((x) => x.kind === 'broadcast_funding').map((x) => x.kind === 'broadcast_funding' && x.txid)).toEqual([fundingTxid, fundingTxid]);
    net.reconnect();
    net.deliverAll();
    chain.mine(3);
    net.deliverAll();
    expect(net.a.link?.phase).toBe('active');
    expect(net.b.link?.phase).toBe('active');
    net.close();
  });

  it('after lock-in the channel is the link\'s: a restart restores the link, which reestablishes and retransmits channel_ready with the alias', () => {
    const net = establishNet();
    const chain = new ModelChain(net);
    open(net);
    net.deliverAll();
    chain.mine(3);
    net.deliverAll();
    net.a.crash();
    net.b.crash();
    const before = net.a.log.sent.length;
    net.reconnect();
    net.deliverAll();
    const after = net.a.log.sent.slice(before);
    expect(after[0]!.type).toBe('channel_reestablish');
    const ready = after.find((m) => m.type === 'channel_ready');
    expect(ready?.type === 'channel_ready' && ready.tlvs?.shortChannelId).toBe(readyEvent(net.a).localAlias);
    expect(net.a.link!.phase).toBe('active');
    net.close();
  });
});

describe('the chain: reorgs, the fundee\'s 2016 blocks, zero-conf', () => {
  it('a reorg of the funding before lock-in goes back to waiting; it confirms again and locks in', () => {
    const net = establishNet();
    const chain = new ModelChain(net);
    net.a.open({ fundingSatoshis: 1_000_000n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2 });
    net.deliverAll();
    chain.mine(2);
    expect(net.b.opening!.depth).toBe(2);
    chain.reorgTo(chain.base);
    expect(net.b.opening!.depth).toBe(0);
    expect(net.b.opening!.shortChannelId).toBeNull();
    expect(net.b.log.openingEvents.filter((e) => e.type === 'funding_reorged')).toEqual([{ type: 'funding_reorged', lockedIn: false }]);
    chain.mine(2);
    net.deliverAll();
    expect(net.b.link).toBeNull();
    chain.mine(1);
    net.deliverAll();
    expect(net.b.link?.phase).toBe('active');
    expect(readyEvent(net.b).shortChannelId).toBe(shortChannelIdOf(chain.base + 1, 1, net.b.link!.state.params.fundingOutpoint.vout));
    net.close();
  });

  it('the fundee forgets a channel whose funding does not confirm within 2016 blocks (and tells the peer)', () => {
    const net = establishNet();
    new ModelChain(net);
    net.a.broadcast = () => undefined; // the funder never broadcasts
    net.a.open({ fundingSatoshis: 1_000_000n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2 });
    net.deliverAll();
    const signedAt = net.b.opening!.snapshot().signedAtHeight;
    expect(net.b.openings.load()).toHaveLength(1);
    net.b.tip(signedAt + FUNDEE_FUNDING_TIMEOUT_BLOCKS - 1);
    expect(net.b.opening!.phase).toBe('awaiting_lock_in');
    net.b.tip(signedAt + FUNDEE_FUNDING_TIMEOUT_BLOCKS);
    expect(net.b.opening!.phase).toBe('forgotten');
    expect(net.b.opening!.failure?.code).toBe('channel_open.funding_timeout');
    expect(net.b.openings.load()).toEqual([]);
    expect(net.b.watching.size).toBe(0);
    expect(errorText(net.b)[0]).toMatch(/^channel_open\.funding_timeout/);
    // The funder's channel fails: it has to get its funds back on chain.
    net.deliverAll();
    expect(net.a.opening!.phase).toBe('failed');
    expect(net.a.log.openingEvents.find((e) => e.type === 'opening_failed')).toMatchObject({ onChain: true });
    // The failure is durable: after a restart the channel is still one to close on chain, and nothing is re-sent.
    net.a.crash();
    expect(net.a.opening!.phase).toBe('failed');
    expect(net.a.opening!.failure?.code).toBe('channel_open.peer_error');
    expect(net.a.opening!.channelState()!.params.funder).toBe('local');
    net.close();
  });

  it('zero-conf: the fundee sends channel_ready once it has seen the funding transaction, before any block', () => {
    const features = nodeFeatures({ zeroconf: true });
    const net = establishNet({ features }, { features });
    const chain = new ModelChain(net);
    net.b.policy = { trustedZeroconfPeers: [net.a.nodeId] };
    const seen: Uint8Array[] = [];
    net.a.broadcast = (tx) => seen.push(tx);
    net.a.open({ fundingSatoshis: 1_000_000n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2, zeroconf: true });
    net.deliverAll();
    const accept = net.b.log.sent.find((m) => m.type === 'accept_channel') as AcceptChannel;
    expect(accept.minimumDepth).toBe(0);
    // The funder is ready at once; the fundee waits for the transaction it must check.
    expect(sentOf(net.a, 'channel_ready')).toHaveLength(1);
    expect(sentOf(net.b, 'channel_ready')).toHaveLength(0);
    chain.broadcast(seen[0]!);
    net.deliverAll();
    expect(sentOf(net.b, 'channel_ready')).toHaveLength(1);
    expect(net.a.link?.phase).toBe('active');
    expect(chain.height).toBe(chain.base);
    net.close();
  });
});

describe('persist before you promise', () => {
  it('funding_signed does not leave the fundee before its record is written', () => {
    const net = establishNet();
    new ModelChain(net);
    net.a.open({ fundingSatoshis: 1_000_000n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2 });
    net.deliverOne(net.a);
    net.deliverOne(net.b);
    const created = net.inFlight(net.a)[0]!;
    expect(created.type).toBe('funding_created');
    const o = net.b.opening!;
    o.receive(created, 2_000);
    expect(o.needsPersist).toBe(true);
    expect(() => o.takeActions()).toThrowError(expect.objectContaining({ code: 'channel_open.not_persisted' }));
    o.markPersisted(o.snapshot().revision);
    expect(o.takeActions().map((a) => (a.kind === 'send' ? a.message.type : a.kind))).toEqual(['funding_signed', 'watch_funding']);
    net.close();
  });

  it('the funding transaction is not handed out for broadcast before the funder\'s record is written', () => {
    const net = establishNet();
    new ModelChain(net);
    net.a.open({ fundingSatoshis: 1_000_000n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2 });
    net.deliverOne(net.a);
    net.deliverOne(net.b);
    net.deliverOne(net.a);
    const signed = net.inFlight(net.b)[0]!;
    expect(signed.type).toBe('funding_signed');
    const o = net.a.opening!;
    o.receive(signed, 2_000);
    expect(() => o.takeActions()).toThrowError(expect.objectContaining({ code: 'channel_open.not_persisted' }));
    o.markPersisted(o.snapshot().revision);
    expect(o.takeActions().map((a) => a.kind)).toEqual(['broadcast_funding', 'watch_funding']);
    net.close();
  });

  it('a bad signature in funding_signed: the funder errors, forgets and unlocks its coins — nothing is broadcast', () => {
    const net = establishNet();
    new ModelChain(net);
    net.a.open({ fundingSatoshis: 1_000_000n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2 });
    net.deliverOne(net.a);
    net.deliverOne(net.b);
    net.deliverOne(net.a);
    const signed = net.inFlight(net.b)[0]! as Extract<Message, { type: 'funding_signed' }>;
    const sig = signed.signature.slice();
    sig[10]! ^= 1;
    net.a.receive(encode({ ...signed, signature: sig }));
    expect(net.a.opening!.phase).toBe('forgotten');
    expect(net.a.opening!.failure?.code).toBe('channel_open.bad_funding_signature');
    expect(net.a.released).toHaveLength(1);
    expect(net.a.log.actions.some((x) => x.kind === 'broadcast_funding')).toBe(false);
    net.close();
  });

  it('a bad signature in funding_created: the fundee errors and forgets; it never sends funding_signed', () => {
    const net = establishNet();
    new ModelChain(net);
    net.a.open({ fundingSatoshis: 1_000_000n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2 });
    net.deliverOne(net.a);
    net.deliverOne(net.b);
    const created = net.inFlight(net.a)[0]! as Extract<Message, { type: 'funding_created' }>;
    const sig = created.signature.slice();
    sig[5]! ^= 1;
    net.b.receive(encode({ ...created, signature: sig }));
    expect(net.b.opening!.phase).toBe('forgotten');
    expect(net.b.opening!.failure?.code).toBe('channel_open.bad_funding_signature');
    expect(sentOf(net.b, 'funding_signed')).toEqual([]);
    net.close();
  });
});
