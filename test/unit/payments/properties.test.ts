/**
 * Properties of the payment cores (fast-check):
 * - the onions we build peel, at every hop, to exactly the amounts and expiries the route says
 *   (clear routes, and routes ending in a blinded path whose hops apply their payment_relay);
 * - the switch never forwards more than it received minus its fee, nor with less CLTV delta than
 *   its policy, whatever the onion asks;
 * - a claim never releases a preimage that is not in the same step's writes (persisted first), and
 *   never before the whole amount arrived;
 * - any bytes as a returned failure give a lesson, never an exception;
 * - a payment context path_id opens only as it was sealed: any change to it is refused.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, publicKeyFromPrivate, scalarFromHash, sha256, toHex, utf8 } from '../../../core/crypto';
import { OffersKeys, createPaymentPath } from '../../../core/offers/manager';
import type { PaymentRelay } from '../../../core/onion';
import { blindedAmountToForward, blindedOutgoingCltv, createOnionPacket, encodeOnionPacket, encodePaymentHopPayload, forwardingFee } from '../../../core/onion';
import type { Route } from '../../../core/routing';
import {
  HtlcSwitch, InboundPayments, NodeOnionKeys, buildPaymentOnion, learnFromFailure,
} from '../../../core/payments';
import type { ChannelDirectory, ForwardingChannel, PartRecord, PaymentsStep } from '../../../core/payments';
import { DATABASE_FILE, PaymentsRepository, openDatabase } from '../../../core/store';
import { tempDir } from '../../support/tmp';
import { seededBytes } from './net';

const HEIGHT = 800_000;
const RUNS = Number(process.env.GLASSWING_PAYMENTS_RUNS ?? 60);
const key = (label: string): Uint8Array => scalarFromHash(sha256(utf8.encode(`payments-properties/${label}`)));
const NODES = Array.from({ length: 8 }, (_, i) => {
  const secret = key(`node/${i}`);
  return { secret, id: publicKeyFromPrivate(secret), onion: new NodeOnionKeys(secret) };
});

/** A clear route through distinct nodes: hop i gets the HTLC for hops[i+1] plus its fee and delta. */
const routeArb = fc
  .record({
    path: fc.shuffledSubarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1, maxLength: 6 }),
    amount: fc.bigInt({ min: 1n, max: 10n ** 12n }),
    finalDelta: fc.integer({ min: 9, max: 200 }),
    fees: fc.array(fc.record({ base: fc.bigInt({ min: 0n, max: 10_000n }), prop: fc.bigInt({ min: 0n, max: 5_000n }), delta: fc.integer({ min: 1, max: 300 }) }), { minLength: 6, maxLength: 6 }),
    scids: fc.array(fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }), { minLength: 6, maxLength: 6 }),
  })
  .map(({ path, amount, finalDelta, fees, scids }): Route => {
    const n = path.length;
    const hops: { nodeId: Uint8Array; shortChannelId: bigint; amountMsat: bigint; cltvExpiryDelta: number; feeMsat: bigint; source: 'graph' }[] = [];
    let amt = amount;
    let delta = finalDelta;
    for (let i = n - 1; i >= 0; i--) {
      const fee = i === n - 1 ? 0n : forwardingFee(hops[0]!.amountMsat, fees[i]!.base, fees[i]!.prop);
      if (i < n - 1) {
        amt += fee;
        delta += fees[i]!.delta;
      }
      hops.unshift({ nodeId: NODES[path[i]!]!.id, shortChannelId: scids[i]!, amountMsat: amt, cltvExpiryDelta: delta, feeMsat: fee, source: 'graph' });
    }
    return { hops, amountMsat: amount, totalAmountMsat: hops[0]!.amountMsat, totalFeeMsat: hops[0]!.amountMsat - amount, totalCltvExpiryDelta: hops[0]!.cltvExpiryDelta, cost: 0n };
  });

describe('onions we build', () => {
  it('peel at every hop to the amounts and expiries of the route; the recipient gets payment_data and metadata', () => {
    fc.assert(
      fc.property(routeArb, fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: undefined }), (route, secret, metadata) => {
        const paymentHash = sha256(secret);
        const built = buildPaymentOnion({
          route, height: HEIGHT, paymentHash, sessionKey: key(`session/${toHex(secret)}`),
          final: { kind: 'clear', paymentSecret: secret, totalMsat: route.amountMsat * 2n, paymentMetadata: metadata ?? null },
        });
        expect(built.amountMsat).toBe(route.hops[0]!.amountMsat);
        expect(built.cltvExpiry).toBe(HEIGHT + route.hops[0]!.cltvExpiryDelta);
        let packet = built.packet;
        route.hops.forEach((hop, i) => {
          const node = NODES.find((x) => toHex(x.id) === toHex(hop.nodeId))!;
          const peeled = node.onion.peel({ packet, paymentHash, pathKey: null });
          if (i < route.hops.length - 1) {
            const next = route.hops[i + 1]!;
            expect(peeled).toMatchObject({ kind: 'forward', shortChannelId: next.shortChannelId, amtToForward: next.amountMsat, outgoingCltvValue: HEIGHT + next.cltvExpiryDelta });
            if (peeled.kind !== 'forward') throw new Error('not a forward');
            // The forwarding node keeps exactly the fee the route gave it.
            expect(hop.amountMsat - peeled.amtToForward).toBe(hop.feeMsat);
            packet = encodeOnionPacket(peeled.packet);
          } else {
            expect(peeled).toMatchObject({ kind: 'receive', amtToForward: route.amountMsat, outgoingCltvValue: HEIGHT + hop.cltvExpiryDelta, totalMsat: route.amountMsat * 2n });
            if (peeled.kind !== 'receive') throw new Error('not a receive');
            expect(toHex(peeled.paymentData!.paymentSecret)).toBe(toHex(secret));
            expect(peeled.paymentMetadata ? toHex(peeled.paymentMetadata) : undefined).toBe(metadata ? toHex(metadata) : undefined);
          }
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('end in a blinded path: each blinded hop derives, from its payment_relay, what the route paid it to forward', () => {
    const relayArb = fc.record({ cltvExpiryDelta: fc.integer({ min: 1, max: 200 }), feeProportionalMillionths: fc.integer({ min: 0, max: 5_000 }), feeBaseMsat: fc.integer({ min: 0, max: 10_000 }) });
    fc.assert(
      fc.property(fc.array(relayArb, { minLength: 0, maxLength: 3 }), fc.bigInt({ min: 1_000n, max: 10n ** 11n }), fc.integer({ min: 0, max: 2 }), (relays, amount, clearHops) => {
        const recipient = NODES[7]!;
        const forwarders = relays.map((relay, i) => ({ nodeId: NODES[4 + i]!.id, shortChannelId: BigInt(1000 + i), relay, htlcMinimumMsat: 1n, htlcMaximumMsat: 10n ** 15n }));
        const pathId = new Uint8Array(16).fill(9);
        const { path, payInfo } = createPaymentPath({ sessionKey: key(`blind/${relays.length}/${amount}`), recipient: recipient.id, pathId, forwarders, minFinalCltvExpiryDelta: 18, maxCltvExpiry: HEIGHT + 5000, htlcMinimumMsat: 1n });
        const intro = forwarders[0]?.nodeId ?? recipient.id;
        const blindedFee = forwardingFee(amount, BigInt(payInfo.feeBaseMsat), BigInt(payInfo.feeProportionalMillionths));
        // Clear hops 1..clearHops before the introduction node, each charging 1,000 msat and 40 blocks.
        const hops: Route['hops'][number][] = [];
        let amt = amount + blindedFee;
        let delta = payInfo.cltvExpiryDelta + 3;
        hops.unshift({ nodeId: intro, shortChannelId: 77n, amountMsat: amt, cltvExpiryDelta: delta, feeMsat: 0n, source: 'graph' });
        for (let i = 0; i < clearHops; i++) {
          amt += 1_000n;
          delta += 40;
          hops.unshift({ nodeId: NODES[1 + i]!.id, shortChannelId: BigInt(50 + i), amountMsat: amt, cltvExpiryDelta: delta, feeMsat: 1_000n, source: 'graph' });
        }
        const route: Route = { hops, amountMsat: amount, totalAmountMsat: amt, totalFeeMsat: amt - amount, totalCltvExpiryDelta: delta, cost: 0n };
        const paymentHash = sha256(pathId);
        const built = buildPaymentOnion({ route, height: HEIGHT, paymentHash, sessionKey: key('blind-session'), final: { kind: 'blinded', path, totalMsat: amount, finalCltvValue: HEIGHT + 3 } });
        let packet = built.packet;
        let htlcAmount = built.amountMsat;
        let htlcCltv = built.cltvExpiry;
        let pathKey: Uint8Array | null = null;
        for (let i = 0; i < clearHops; i++) {
          const node = NODES.find((x) => toHex(x.id) === toHex(hops[i]!.nodeId))!;
          const p = node.onion.peel({ packet, paymentHash, pathKey: null });
          if (p.kind !== 'forward') throw new Error('not a forward');
          expect(htlcAmount - p.amtToForward).toBe(1_000n);
          htlcAmount = p.amtToForward;
          htlcCltv = p.outgoingCltvValue;
          packet = encodeOnionPacket(p.packet);
        }
        for (let i = 0; i < relays.length; i++) {
          const p = NODES[4 + i]!.onion.peel({ packet, paymentHash, pathKey });
          if (p.kind !== 'blinded_forward') throw new Error(`not a blinded forward: ${p.kind}`);
          expect(p.introduction).toBe(i === 0);
          const relay: PaymentRelay = relays[i]!;
          const next = blindedAmountToForward(htlcAmount, relay);
          // The hop keeps its own fee for what it forwards, within 1 msat: BOLT 4 has it round
          // amt_to_forward up (ceil((incoming - fee_base) * 1e6 / (1e6 + fee_prop))), so what it keeps
          // can fall short of fee_base + floor(forwarded * fee_prop / 1e6) by one millisatoshi.
          expect(htlcAmount - next + 1n).toBeGreaterThanOrEqual(forwardingFee(next, BigInt(relay.feeBaseMsat), BigInt(relay.feeProportionalMillionths)));
          htlcAmount = next;
          htlcCltv = blindedOutgoingCltv(htlcCltv, relay);
          pathKey = p.nextPathKey;
          packet = encodeOnionPacket(p.packet);
        }
        const last = recipient.onion.peel({ packet, paymentHash, pathKey });
        if (last.kind !== 'blinded_receive') throw new Error(`not a blinded receive: ${last.kind}`);
        expect(last).toMatchObject({ amtToForward: amount, totalAmountMsat: amount, outgoingCltvValue: HEIGHT + 3, introduction: relays.length === 0 });
        expect(htlcAmount).toBeGreaterThanOrEqual(amount);
        expect(htlcCltv).toBe(HEIGHT + 3 + 18);
        expect(toHex(last.pathId!)).toBe(toHex(pathId));
      }),
      { numRuns: Math.max(10, RUNS / 3) },
    );
  });
});

function store(): PaymentsRepository {
  return new PaymentsRepository(openDatabase(join(tempDir('glasswing-payprop-'), DATABASE_FILE)));
}

describe('the switch', () => {
  it('never forwards more than it receives minus its fee, nor with less than its CLTV delta', () => {
    const s = store();
    const me = NODES[1]!;
    const next = NODES[2]!;
    let counter = 0n;
    fc.assert(
      fc.property(
        fc.record({
          inAmount: fc.bigInt({ min: 1n, max: 10n ** 10n }),
          amt: fc.bigInt({ min: 1n, max: 10n ** 10n }),
          inCltv: fc.integer({ min: HEIGHT - 10, max: HEIGHT + 3000 }),
          outCltv: fc.integer({ min: HEIGHT - 10, max: HEIGHT + 3000 }),
          base: fc.bigInt({ min: 0n, max: 100_000n }),
          prop: fc.bigInt({ min: 0n, max: 100_000n }),
          delta: fc.integer({ min: 0, max: 500 }),
          min: fc.bigInt({ min: 0n, max: 10_000n }),
          outbound: fc.bigInt({ min: 0n, max: 10n ** 10n }),
        }),
        (r) => {
          const channel: ForwardingChannel = {
            channelId: 'cc'.repeat(32), peerNodeId: next.id, active: true, outboundMsat: r.outbound,
            policy: { feeBaseMsat: r.base, feeProportionalMillionths: r.prop, cltvExpiryDelta: r.delta, htlcMinimumMsat: r.min, htlcMaximumMsat: 10n ** 12n, disabled: false },
            channelUpdate: null,
          };
          const directory: ChannelDirectory = { byShortChannelId: () => channel, toPeer: () => channel, byChannelId: () => channel };
          const inbound = new InboundPayments({ store: s, network: 'regtest', sign: () => { throw new Error('no invoices here'); }, randomBytes: seededBytes(1), height: HEIGHT });
          const sw = new HtlcSwitch({ store: s, onion: me.onion, channels: directory, inbound, height: HEIGHT });
          const paymentHash = sha256(utf8.encode(`h${counter}`));
          const onion = createOnionPacket({
            sessionKey: key(`sw/${counter}`), associatedData: paymentHash,
            hops: [
              { nodeId: me.id, payload: encodePaymentHopPayload({ amtToForward: r.amt, outgoingCltvValue: r.outCltv, shortChannelId: 5n }) },
              { nodeId: next.id, payload: encodePaymentHopPayload({ amtToForward: r.amt, outgoingCltvValue: r.outCltv }) },
            ],
          });
          const step = sw.htlcLockedIn({
            channelId: 'aa'.repeat(32), htlcId: counter++, amountMsat: r.inAmount, cltvExpiry: r.inCltv, paymentHash, onion: encodeOnionPacket(onion.packet), pathKey: null, failBack: null,
          }, 0);
          s.applyPaymentsWrites(step.writes);
          expect(step.actions).toHaveLength(1);
          const a = step.actions[0]!;
          if (a.kind === 'add_htlc') {
            const fee = forwardingFee(a.amountMsat, r.base, r.prop);
            expect(a.amountMsat + fee).toBeLessThanOrEqual(r.inAmount);
            expect(r.inCltv - a.cltvExpiry).toBeGreaterThanOrEqual(r.delta);
            expect(a.amountMsat).toBeLessThanOrEqual(r.outbound);
            expect(a.cltvExpiry).toBeGreaterThan(HEIGHT);
          } else {
            expect(a.kind).toBe('fail_htlc');
          }
        },
      ),
      { numRuns: RUNS * 3 },
    );
  }, 30_000 + RUNS * 200);
});

describe('claims', () => {
  it('never release a preimage without writing the claim in the same step, nor before total_msat arrived', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1_000n, max: 10n ** 9n }),
        fc.array(fc.record({ share: fc.integer({ min: 1, max: 100 }), wrongSecret: fc.boolean(), extra: fc.bigInt({ min: 0n, max: 1_000n }), tick: fc.integer({ min: 0, max: 30_000 }) }), { minLength: 1, maxLength: 8 }),
        (amount, parts) => {
          const s = store();
          const inbound = new InboundPayments({ store: s, network: 'regtest', sign: (u) => u.sign(NODES[3]!.secret), randomBytes: seededBytes(Number(amount % 100000n) + 1), height: HEIGHT });
          const created = inbound.createInvoice({ amountMsat: amount, description: 'p' }, 1_000);
          s.applyPaymentsWrites(created.writes);
          const inv = created.value.invoice;
          const total = parts.reduce((x, p) => x + p.share, 0);
          let now = 1_000;
          let arrived = 0n;
          let claimed = false;
          parts.forEach((p, i) => {
            const amt = (amount * BigInt(p.share)) / BigInt(total) + 1n;
            now += p.tick;
            const steps: PaymentsStep<unknown>[] = [inbound.tick(now)];
            steps.push(inbound.receive(
              { channelId: 'ab'.repeat(32), htlcId: BigInt(i), onionHash: new Uint8Array(32), amountMsat: amt + p.extra, cltvExpiry: HEIGHT + 40, paymentHash: inv.paymentHash },
              {
                kind: 'receive', amtToForward: amt, outgoingCltvValue: HEIGHT + 40, totalMsat: amount, sharedSecret: new Uint8Array(32).fill(1),
                paymentData: { paymentSecret: p.wrongSecret ? new Uint8Array(32) : inv.paymentSecret, totalMsat: amount }, payload: {},
              },
              now,
            ));
            for (const step of steps) {
              const fulfills = step.actions.filter((a) => a.kind === 'fulfill_htlc');
              for (const f of fulfills) {
                if (f.kind !== 'fulfill_htlc') continue;
                const claim = step.writes.find((w) => w.kind === 'put_received');
                expect(claim).toBeDefined();
                if (claim?.kind !== 'put_received') continue;
                expect(claim.received.preimage).toBe(toHex(f.preimage));
                expect(claim.received.htlcs.some((h) => h.htlcId === f.htlcId)).toBe(true);
                expect(claim.received.amountMsat).toBeGreaterThanOrEqual(amount);
                expect(toHex(sha256(f.preimage))).toBe(toHex(inv.paymentHash));
              }
              if (fulfills.length > 0) claimed = true;
              s.applyPaymentsWrites(step.writes);
            }
            if (!p.wrongSecret && !claimed) arrived += amt;
          });
          // Claimed exactly when enough correct parts arrived in time (the timeout may have dropped some).
          if (claimed) expect(s.getReceived(toHex(inv.paymentHash))).toBeDefined();
          else expect(s.getInvoice(toHex(inv.paymentHash))!.status).toBe('unpaid');
          void arrived;
        },
      ),
      { numRuns: RUNS },
    );
  }, 30_000 + RUNS * 400);
});

describe('decoding what comes back', () => {
  const part = (failReason: Uint8Array | null, malformed: number | null): PartRecord => ({
    paymentId: 'x', partId: 0, status: 'failing', channelId: 'aa'.repeat(32), htlcId: 0n, amountMsat: 1000n, sentMsat: 2000n, feeMsat: 1000n, cltvExpiry: HEIGHT + 60,
    hops: [
      { nodeId: toHex(NODES[1]!.id), shortChannelId: 1n, amountMsat: 2000n, cltvExpiry: HEIGHT + 60, feeMsat: 1000n },
      { nodeId: toHex(NODES[2]!.id), shortChannelId: 2n, amountMsat: 1000n, cltvExpiry: HEIGHT + 20, feeMsat: 0n },
    ],
    blinded: null, onionNodeIds: [toHex(NODES[1]!.id), toHex(NODES[2]!.id)], sessionKey: toHex(key('s')),
    failReason: failReason ? toHex(failReason) : null, failMalformedCode: malformed, failure: null, createdAt: 0, resolvedAt: null,
  });

  it('any failure packet or malformed code gives a lesson, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: null }), (bytes, malformed) => {
        const lesson = learnFromFailure(part(bytes, malformed), undefined, NODES[0]!.id);
        expect(typeof lesson.failure.code).toBe('string');
        expect(lesson.terminal).toBe(false);
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('a payment context path_id opens only as sealed: any changed byte is refused', () => {
    const keys = new OffersKeys(key('offers-node'), key('offers-seed'));
    fc.assert(
      fc.property(
        fc.record({ nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }), amount: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), expires: fc.integer({ min: 0, max: 0xffffffff }), offer: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: null }) }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (c, at, flip) => {
          const offerId = c.offer && c.offer.some((b) => b !== 0) ? toHex(c.offer) : null;
          const { pathId, body } = keys.paymentPathId({ nonce: c.nonce, offerId, amountMsat: c.amount, expiresAt: c.expires });
          const opened = keys.openPaymentPathId(pathId)!;
          expect(opened.context).toMatchObject({ amountMsat: c.amount, expiresAt: c.expires, offerId });
          expect(toHex(opened.preimage)).toBe(toHex(keys.preimage(body)));
          const changed = pathId.slice();
          changed[at % changed.length]! ^= flip;
          expect(keys.openPaymentPathId(changed)).toBeUndefined();
          expect(keys.openPaymentPathId(concatBytes(pathId, new Uint8Array([0])))).toBeUndefined();
        },
      ),
      { numRuns: RUNS * 3 },
    );
  });
});
