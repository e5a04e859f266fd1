/**
 * Properties (fast-check):
 * - the closing_signed fee negotiation: any two honest parties whose fee ranges overlap agree within three
 *   messages on a fee inside both ranges; non-overlapping ones stop with the typed `closing.fee_range_no_overlap`;
 *   against an old-style peer (no fee_range) it ends, in a bounded number of rounds, in an agreement inside both
 *   ranges or a typed failure;
 * - the open_channel / accept_channel validators: random fields give our terms or an OpenError with a refusal
 *   reason, never anything else, and accepted terms follow every BOLT 2 sender rule for accept_channel;
 * - the opening record codec: round trip, and random damage gives a record or `channel_open.bad_record`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { publicKeyFromPrivate } from '../../../core/crypto';
import { NEW_NEGOTIATION, firstProposal, respond } from '../../../core/channel/close';
import type { FeeProposal, NegotiationConfig, NegotiationState, NegotiationStep } from '../../../core/channel/close';
import { ChannelLink } from '../../../core/channel/link';
import { ChannelCloser } from '../../../core/channel/close';
import {
  ChannelOpening, DEFAULT_ACCEPTANCE_POLICY, DEFAULT_LOCAL_CHANNEL_DEFAULTS, MIN_DUST_LIMIT_SAT, OpenError, REFUSAL_REASONS, channelTypeFeatures, checkAcceptChannel,
  checkOpenChannel, decodeOpeningRecord, encodeOpeningRecord,
} from '../../../core/channel/establish';
import type { ChannelTypeSpec, OpenCheckContext } from '../../../core/channel/establish';
import { FeatureVector, chainHash } from '../../../core/wire';
import type { AcceptChannel, OpenChannel } from '../../../core/wire';
import { nodeFeatures, openedNet } from '../../support/establish-net';

// ----- negotiation ---------------------------------------------------------------------------------

const fee = fc.bigInt({ min: 0n, max: 200_000n });
const range = fc.tuple(fee, fee).map(([x, y]) => (x <= y ? { minFeeSat: x, maxFeeSat: y } : { minFeeSat: y, maxFeeSat: x }));
const party = (funder: boolean) =>
  fc.tuple(range, fc.double({ min: 0, max: 1, noNaN: true })).map(([r, t]): NegotiationConfig => ({
    funder,
    range: r,
    preferredFeeSat: r.minFeeSat + BigInt(Math.floor(Number(r.maxFeeSat - r.minFeeSat) * t)),
  }));

type Outcome = { kind: 'agreed'; fee: bigint; messages: number } | { kind: 'stopped'; step: NegotiationStep; messages: number };

/** Runs a negotiation between two of our negotiators (the funder first), as closing_signed messages would carry it. */
function negotiate(funder: NegotiationConfig, fundee: NegotiationConfig, opts: { stripRanges?: 'funder' | 'fundee' } = {}): Outcome {
  const states: [NegotiationState, NegotiationState] = [NEW_NEGOTIATION, NEW_NEGOTIATION];
  const cfgs = [funder, fundee];
  const first = firstProposal(funder);
  states[0] = { lastSent: first, lastReceived: null };
  let inFlight: FeeProposal = opts.stripRanges === 'funder' ? { ...first, range: null } : first;
  let to = 1;
  let messages = 1;
  const agreed: (bigint | null)[] = [null, null];
  for (let round = 0; round < 100; round++) {
    const { state, step } = respond(states[to]!, cfgs[to]!, inFlight);
    states[to] = state;
    if (step.kind === 'agreed') {
      agreed[to] = step.feeSat;
      return { kind: 'agreed', fee: step.feeSat, messages };
    }
    if (step.kind !== 'send') return { kind: 'stopped', step, messages };
    messages++;
    const strip = (opts.stripRanges === 'funder' && to === 0) || (opts.stripRanges === 'fundee' && to === 1);
    inFlight = strip ? { ...step.proposal, range: null } : step.proposal;
    if (step.agreed) {
      // The sender agreed to the fee it received: its reply carries the same fee, which the other side takes as agreement.
      const back = respond(states[1 - to]!, cfgs[1 - to]!, inFlight);
      if (back.step.kind !== 'agreed') return { kind: 'stopped', step: back.step, messages };
      return { kind: 'agreed', fee: back.step.feeSat, messages };
    }
    to = 1 - to;
  }
  throw new Error('the negotiation did not end in 100 rounds');
}

describe('closing_signed fee negotiation', () => {
  it('two honest parties with overlapping ranges agree within three messages on a fee inside both ranges; others stop, typed', () => {
    fc.assert(
      fc.property(party(true), party(false), (f, n) => {
        const out = negotiate(f, n);
        // The non-funder widens its maximum to the funder's: its effective range is [min, max(own max, funder's max)].
        const nMax = n.range.maxFeeSat > f.range.maxFeeSat ? n.range.maxFeeSat : f.range.maxFeeSat;
        const overlap = f.range.maxFeeSat >= n.range.minFeeSat && f.range.minFeeSat <= nMax;
        if (overlap) {
          expect(out.kind).toBe('agreed');
          if (out.kind !== 'agreed') return;
          expect(out.messages).toBeLessThanOrEqual(3);
          expect(out.fee >= f.range.minFeeSat && out.fee <= f.range.maxFeeSat).toBe(true);
          expect(out.fee >= n.range.minFeeSat && out.fee <= nMax).toBe(true);
        } else {
          expect(out.kind).toBe('stopped');
          if (out.kind === 'stopped') expect(out.step).toMatchObject({ kind: 'wait', code: 'closing.fee_range_no_overlap' });
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('with an old-style peer (no fee_range either way or one way) it ends, bounded, in an agreement inside both ranges or a typed failure', () => {
    fc.assert(
      fc.property(party(true), party(false), fc.constantFrom<'funder' | 'fundee'>('funder', 'fundee'), (f, n, strip) => {
        const out = negotiate(f, n, { stripRanges: strip });
        expect(out.messages).toBeLessThanOrEqual(100);
        if (out.kind === 'agreed') {
          expect(out.fee >= f.range.minFeeSat && out.fee <= f.range.maxFeeSat).toBe(true);
          expect(out.fee >= n.range.minFeeSat).toBe(true);
        } else {
          expect(['wait', 'fail']).toContain(out.step.kind);
          if (out.step.kind === 'fail') expect(out.step.code).toMatch(/^closing\./);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never answers with anything but a typed step, whatever the peer sends', () => {
    const proposal = fc.record({ feeSat: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), range: fc.option(fc.record({ minFeeSat: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), maxFeeSat: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }), { nil: null }) });
    fc.assert(
      fc.property(party(true), party(false), fc.boolean(), fc.array(proposal, { maxLength: 6 }), (f, n, asFunder, msgs) => {
        let state: NegotiationState = asFunder ? { lastSent: firstProposal(f), lastReceived: null } : NEW_NEGOTIATION;
        for (const m of msgs) {
          const r = respond(state, asFunder ? f : n, m);
          expect(['send', 'agreed', 'wait', 'fail']).toContain(r.step.kind);
          if (r.step.kind === 'send') {
            const cfg = asFunder ? f : n;
            // What we send is inside our own (possibly widened) range.
            expect(r.step.proposal.feeSat >= cfg.range.minFeeSat).toBe(true);
          }
          state = r.state;
        }
      }),
    );
  });
});

// ----- open_channel / accept_channel validators ------------------------------------------------------

const POINTS = [1, 2, 3, 4, 5, 6].map((k) => {
  const sk = new Uint8Array(32);
  sk[31] = k;
  return publicKeyFromPrivate(sk);
});
const BAD = Uint8Array.of(2, ...new Uint8Array(32));
const point = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...POINTS) }, { weight: 1, arbitrary: fc.constant(BAD) });
const edgeBig = (max: bigint) => fc.oneof(fc.bigInt({ min: 0n, max }), fc.constantFrom(0n, 1n, 353n, 354n, 546n, 547n, 10_000n, 10_001n, (1n << 24n) - 1n, 1n << 24n, (1n << 64n) - 1n));
const types: ChannelTypeSpec[] = [];
for (const base of ['anchors', 'static_remotekey'] as const) for (const scidAlias of [false, true]) for (const zeroconf of [false, true]) types.push({ base, scidAlias, zeroconf });
const channelTypeBits = fc.oneof(
  fc.constantFrom(...types).map(channelTypeFeatures),
  fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 5 }).map((b) => FeatureVector.fromBits(b)),
);
const script = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.uint8Array({ minLength: 20, maxLength: 20 }).map((h) => Uint8Array.of(0, 20, ...h)),
  fc.uint8Array({ maxLength: 45 }),
);
const tlvs = fc.record({ channelType: fc.option(channelTypeBits, { nil: undefined }), upfrontShutdownScript: fc.option(script, { nil: undefined }) }, { requiredKeys: [] });

const openFields = {
  chainHash: fc.constantFrom(chainHash('regtest'), chainHash('mainnet')),
  temporaryChannelId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  fundingSatoshis: edgeBig(1n << 26n),
  pushMsat: edgeBig(1n << 36n),
  dustLimitSatoshis: edgeBig(20_000n),
  maxHtlcValueInFlightMsat: edgeBig(1n << 40n),
  channelReserveSatoshis: edgeBig(1n << 22n),
  htlcMinimumMsat: edgeBig(1n << 30n),
  feeratePerKw: fc.oneof(fc.integer({ min: 0, max: 200_000 }), fc.constant(0xffffffff)),
  toSelfDelay: fc.integer({ min: 0, max: 0xffff }),
  maxAcceptedHtlcs: fc.integer({ min: 0, max: 0xffff }),
  fundingPubkey: point,
  revocationBasepoint: point,
  paymentBasepoint: point,
  delayedPaymentBasepoint: point,
  htlcBasepoint: point,
  firstPerCommitmentPoint: point,
  channelFlags: fc.integer({ min: 0, max: 255 }),
  tlvs,
};

/** A valid open_channel (as our funder sends it), with some fields replaced, or an entirely random one. */
function openChannelArb(base: OpenChannel): fc.Arbitrary<OpenChannel> {
  return fc.oneof(
    fc.record({ ...openFields, type: fc.constant('open_channel' as const) }),
    fc
      .subarray(Object.keys(openFields) as (keyof typeof openFields)[], { maxLength: 2 })
      .chain((keys) => fc.record(Object.fromEntries(keys.map((k) => [k, openFields[k]])) as Partial<typeof openFields>))
      .map((over) => ({ ...base, ...(over as Partial<OpenChannel>) })),
  );
}

const ctxArb: fc.Arbitrary<OpenCheckContext> = fc.record({
  remoteZeroconf: fc.boolean(),
  trusted: fc.boolean(),
  upfront: fc.boolean(),
  dual: fc.boolean(),
  large: fc.boolean(),
}).map((o) => {
  let local = nodeFeatures({ zeroconf: true, upfront: o.upfront });
  if (o.large) local = local.withFeature('option_support_large_channel', 'optional');
  if (o.dual) local = local.withFeature('option_dual_fund', 'optional');
  let remote = nodeFeatures({ zeroconf: o.remoteZeroconf, upfront: o.upfront });
  if (o.dual) remote = remote.withFeature('option_dual_fund', 'optional');
  return {
    chainHash: chainHash('regtest'),
    localFeatures: local,
    remoteFeatures: remote,
    peerId: 'peer',
    policy: { ...DEFAULT_ACCEPTANCE_POLICY, trustedZeroconfPeers: o.trusted ? ['peer'] : [] },
    defaults: DEFAULT_LOCAL_CHANNEL_DEFAULTS,
  };
});

function refusalOrValue<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OpenError);
    expect(REFUSAL_REASONS as readonly string[]).toContain((e as OpenError).reason);
    return null;
  }
}

describe('the open_channel and accept_channel validators', () => {
  it('random open_channel fields: our accept_channel terms or a typed refusal, never an exception; accepted terms follow BOLT 2', () => {
    const { net } = openedNet();
    const base = net.a.log.sent.find((m) => m.type === 'open_channel') as OpenChannel;
    net.close();
    let accepted = 0;
    fc.assert(
      fc.property(openChannelArb(base), ctxArb, (m, ctx) => {
        const r = refusalOrValue(() => checkOpenChannel(m, ctx));
        if (!r) return;
        accepted++;
        // accept_channel sender rules and the receiver rules this node applied.
        expect(r.localConfig.channelReserveSat).toBeGreaterThanOrEqual(m.dustLimitSatoshis);
        expect(r.localConfig.dustLimitSat).toBeLessThanOrEqual(m.channelReserveSatoshis);
        expect(r.localConfig.dustLimitSat).toBeGreaterThanOrEqual(MIN_DUST_LIMIT_SAT);
        expect(m.pushMsat).toBeLessThanOrEqual(m.fundingSatoshis * 1000n);
        expect(m.maxAcceptedHtlcs).toBeLessThanOrEqual(483);
        expect(m.dustLimitSatoshis).toBeLessThanOrEqual(m.channelReserveSatoshis);
        expect(r.minimumDepth === 0).toBe(r.channelType.zeroconf);
        if (r.channelType.zeroconf) expect(ctx.policy.trustedZeroconfPeers).toContain('peer');
        if (m.fundingSatoshis >= 1n << 24n) expect(ctx.localFeatures.has('option_support_large_channel')).toBe(true);
      }),
      { numRuns: 3000 },
    );
    // The generator reaches the accepting side too (not only refusals).
    expect(accepted).toBeGreaterThan(0);
  });

  it('random accept_channel fields against a valid open_channel: our terms or a typed refusal', () => {
    const { net } = openedNet();
    const open = net.a.log.sent.find((m) => m.type === 'open_channel') as OpenChannel;
    const accept0 = net.b.log.sent.find((m) => m.type === 'accept_channel') as AcceptChannel;
    net.close();
    const ctx: OpenCheckContext = { chainHash: chainHash('regtest'), localFeatures: nodeFeatures(), remoteFeatures: nodeFeatures(), peerId: 'peer', policy: DEFAULT_ACCEPTANCE_POLICY, defaults: DEFAULT_LOCAL_CHANNEL_DEFAULTS };
    const type: ChannelTypeSpec = { base: 'anchors', scidAlias: true, zeroconf: false };
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.subarray(Object.keys(acceptFields) as (keyof typeof acceptFields)[], { maxLength: 3 }).chain((keys) =>
          fc.record(Object.fromEntries(keys.map((k) => [k, acceptFields[k]])) as Partial<typeof acceptFields>),
        ),
        (over) => {
          const m = { ...accept0, ...(over as Partial<AcceptChannel>) };
          const r = refusalOrValue(() => checkAcceptChannel(m, open, type, ctx));
          if (!r) return;
          accepted++;
          expect(m.channelReserveSatoshis).toBeGreaterThanOrEqual(open.dustLimitSatoshis);
          expect(m.dustLimitSatoshis).toBeLessThanOrEqual(open.channelReserveSatoshis);
          expect(m.minimumDepth).toBeLessThanOrEqual(DEFAULT_ACCEPTANCE_POLICY.maxMinimumDepth);
        },
      ),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(0);
  });
});

const acceptFields = {
  dustLimitSatoshis: edgeBig(20_000n), channelReserveSatoshis: edgeBig(1n << 20n), htlcMinimumMsat: edgeBig(1n << 30n), minimumDepth: fc.integer({ min: 0, max: 1000 }),
  toSelfDelay: fc.integer({ min: 0, max: 0xffff }), maxAcceptedHtlcs: fc.integer({ min: 0, max: 0xffff }), maxHtlcValueInFlightMsat: edgeBig(1n << 40n), htlcBasepoint: point, tlvs,
};

// ----- the opening record ---------------------------------------------------------------------------

describe('the opening record codec', () => {
  const { net } = openedNet();
  const record = net.b.opening!.snapshot();
  const json = JSON.parse(JSON.stringify(encodeOpeningRecord(record))) as Record<string, unknown>;
  net.close();

  const typed = (fn: () => unknown): void => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(OpenError);
      expect((e as OpenError).code).toBe('channel_open.bad_record');
    }
  };

  it('round-trips a record', () => {
    expect(decodeOpeningRecord(json)).toEqual(record);
  });

  it('gives a record or channel_open.bad_record for any field replaced by a random JSON value', () => {
    const keys = Object.keys(json);
    fc.assert(fc.property(fc.constantFrom(...keys), fc.jsonValue(), (k, v) => typed(() => decodeOpeningRecord({ ...json, [k]: v }))), { numRuns: 500 });
  });

  it('gives a record or channel_open.bad_record when the JSON text is cut or a byte changes', () => {
    const text = JSON.stringify(json);
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.integer({ min: 32, max: 126 }), (at, ch) => {
        let value: unknown;
        try {
          value = JSON.parse(text.slice(0, at) + String.fromCharCode(ch) + text.slice(at + 1));
        } catch {
          return;
        }
        typed(() => decodeOpeningRecord(value));
      }),
      { numRuns: 500 },
    );
  });
});

// ----- whole cores fed garbage ------------------------------------------------------------------------

describe('the cores fed random messages', () => {
  it('ChannelOpening.fundee: any open_channel gives an accepting opening or a forgotten one with its typed refusal queued', () => {
    const { net } = openedNet();
    const base = net.a.log.sent.find((m) => m.type === 'open_channel') as OpenChannel;
    const ctx = net.b.context();
    net.close();
    fc.assert(
      fc.property(openChannelArb(base), (m) => {
        const o = ChannelOpening.fundee('peer', m, ctx);
        expect(['awaiting_funding_created', 'forgotten']).toContain(o.phase);
        const actions = o.takeActions();
        expect(actions).toHaveLength(1);
        if (o.phase === 'forgotten') {
          expect(REFUSAL_REASONS as readonly string[]).toContain((o.failure!.code).slice('channel_open.'.length));
          expect(actions[0]!.kind === 'send' && actions[0]!.message.type).toBe('error');
        } else {
          expect(actions[0]!.kind === 'send' && actions[0]!.message.type).toBe('accept_channel');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('ChannelCloser: any closing message from the peer gives a typed result (a warning, a failure, an answer), never an exception', () => {
    const { net } = openedNet();
    net.a.close(Uint8Array.of(0, 20, ...new Uint8Array(20).fill(1)));
    net.deliverAll();
    // B holds both shutdowns now; A's closing_signed is what B would get next — replace it with anything.
    const stored = net.b.link!.snapshot();
    const signer = net.b.signer(stored.keyIndex);
    const channelId = net.b.link!.channelId;
    net.close();
    const sig = fc.uint8Array({ minLength: 64, maxLength: 64 });
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    const scriptArb = fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constant(stored.state.closing!.shutdownLocal!), fc.constant(stored.state.closing!.shutdownRemote!));
    const closingFields = { channelId: fc.constant(channelId), closerScriptpubkey: scriptArb, closeeScriptpubkey: scriptArb, feeSatoshis: u64, locktime: fc.integer({ min: 0, max: 0xffffffff }) };
    const closingTlvs = fc.record({ closerOutputOnly: sig, closeeOutputOnly: sig, closerAndCloseeOutputs: sig }, { requiredKeys: [] });
    const message = fc.oneof(
      fc.record({ type: fc.constant('closing_signed' as const), channelId: fc.constant(channelId), feeSatoshis: u64, signature: sig, tlvs: fc.record({ feeRange: fc.record({ minFeeSatoshis: u64, maxFeeSatoshis: u64 }) }, { requiredKeys: [] }) }),
      fc.record({ type: fc.constant('closing_complete' as const), ...closingFields, tlvs: closingTlvs }),
      fc.record({ type: fc.constant('closing_sig' as const), ...closingFields, tlvs: closingTlvs }),
      fc.record({ type: fc.constant('shutdown' as const), channelId: fc.constant(channelId), scriptpubkey: scriptArb }),
    );
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 4 }), fc.boolean(), (msgs, simpleClose) => {
        const link = new ChannelLink(stored, signer);
        link.openedOnConnection();
        const closer = new ChannelCloser(link, { features: { anySegwit: true, simpleClose }, feerates: { targetPerKw: 1_000, minPerKw: 253, maxPerKw: 5_000 } });
        for (const m of msgs) {
          const r = closer.receive(m, 0);
          expect(Array.isArray(r.events)).toBe(true);
          closer.takeSignedClosings();
          const out = closer.takeOutbound();
          if (r.disconnect) expect(out.some((x) => x.type === 'warning')).toBe(true);
          if (r.failure) expect(link.state.status.kind).toBe('failed');
          link.takeOutbound();
        }
      }),
      { numRuns: 500 },
    );
  });
});
