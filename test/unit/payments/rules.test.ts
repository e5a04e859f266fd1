/**
 * The BOLT 4 rules of a final node and of a forwarding node, one by one: the test plays the
 * sender (it builds real onions with core/onion and decodes the failure that comes back with its
 * shared secrets), the node is a real HtlcSwitch + InboundPayments over a SQLite store.
 */
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { publicKeyFromPrivate, scalarFromHash, sha256, toHex, utf8 } from '../../../core/crypto';
import type { PaymentHopPayload } from '../../../core/onion';
import { FAILURE_CODES, createOnionPacket, decodeFailure, encodeOnionPacket, encodePaymentHopPayload, wrapFailure, createFailure, encodeFailureMessage } from '../../../core/onion';
import { HtlcSwitch, InboundPayments, NodeOnionKeys } from '../../../core/payments';
import type { ChannelDirectory, ForwardingChannel, PaymentAction, PaymentsStep } from '../../../core/payments';
import { DATABASE_FILE, PaymentsRepository, openDatabase } from '../../../core/store';
import { createPaymentPath, OffersKeys } from '../../../core/offers/manager';
import { blindedPaymentHops } from '../../../core/onion';
import { tempDir } from '../../support/tmp';
import { seededBytes } from './net';

const HEIGHT = 800_000;
const T = 1_700_000_000_000;
const key = (label: string): Uint8Array => scalarFromHash(sha256(utf8.encode(`payments-rules/${label}`)));
const node = (label: string) => {
  const secret = key(label);
  return { secret, id: publicKeyFromPrivate(secret), onion: new NodeOnionKeys(secret) };
};
const US = node('us');
const NEXT = node('next');
const CHANNEL_IN = 'aa'.repeat(32);
const UPDATE = new Uint8Array([1, 2, 7, 7, 7]);

let store: PaymentsRepository;
let channel: ForwardingChannel;
let inbound: InboundPayments;
let sw: HtlcSwitch;
let htlcId = 0n;
const offersKeys = new OffersKeys(US.secret, key('offers'));

beforeEach(() => {
  store = new PaymentsRepository(openDatabase(join(tempDir('glasswing-payrules-'), DATABASE_FILE)));
  channel = {
    channelId: 'bb'.repeat(32), peerNodeId: NEXT.id, active: true, outboundMsat: 10n ** 10n, channelUpdate: UPDATE,
    policy: { feeBaseMsat: 1_000n, feeProportionalMillionths: 100n, cltvExpiryDelta: 40, htlcMinimumMsat: 1_000n, htlcMaximumMsat: 10n ** 9n, disabled: false },
  };
  const directory: ChannelDirectory = { byShortChannelId: (scid) => (scid === 5n ? channel : undefined), toPeer: () => channel, byChannelId: () => channel };
  inbound = new InboundPayments({
    store, network: 'regtest', sign: (u) => u.sign(US.secret), randomBytes: seededBytes(42), height: HEIGHT,
    bolt12: {
      paymentForPath: (pathId, hash) => {
        const opened = offersKeys.openPaymentPathId(pathId);
        return opened && toHex(sha256(opened.preimage)) === toHex(hash)
          ? { preimage: opened.preimage, amountMsat: opened.context.amountMsat, expiresAt: opened.context.expiresAt, offerId: opened.context.offerId, minFinalCltvExpiryDelta: 18 }
          : undefined;
      },
    },
  });
  sw = new HtlcSwitch({ store, onion: US.onion, channels: directory, inbound, height: HEIGHT });
});

function run<T>(step: PaymentsStep<T>): PaymentsStep<T> {
  store.applyPaymentsWrites(step.writes);
  return step;
}

/** Sends an HTLC whose onion has `payloads` (us first); returns the node's answer and our shared secrets. */
function send(payloads: PaymentHopPayload[], htlc: { amountMsat: bigint; cltvExpiry: number; paymentHash: Uint8Array }, hops = [US, NEXT]) {
  const { packet, sharedSecrets } = createOnionPacket({
    sessionKey: key(`session/${htlcId}`), associatedData: htlc.paymentHash,
    hops: payloads.map((p, i) => ({ nodeId: hops[i]!.id, payload: encodePaymentHopPayload(p) })),
  });
  const onion = encodeOnionPacket(packet);
  const step = run(sw.htlcLockedIn({ channelId: CHANNEL_IN, htlcId: htlcId++, ...htlc, onion, pathKey: null, failBack: null }, T));
  return { step, sharedSecrets, onion };
}

/** The failure in a fail_htlc, as the sender reads it. */
function failureOf(action: PaymentAction | undefined, sharedSecrets: Uint8Array[]) {
  if (action?.kind !== 'fail_htlc') throw new Error(`expected fail_htlc, got ${action?.kind}`);
  const d = decodeFailure({ sharedSecrets, packet: action.reason });
  return { hopIndex: d.hopIndex, ...(d.failure as { name: string; data: Record<string, unknown> }) };
}

describe('final node (BOLT 4 "if it is the final node")', () => {
  function invoice(amountMsat: bigint | undefined, o: { minFinal?: number; expiry?: number } = {}) {
    const step = run(inbound.createInvoice({ ...(amountMsat !== undefined ? { amountMsat } : {}), description: 'x', minFinalCltvExpiryDelta: o.minFinal ?? 18, expirySeconds: o.expiry ?? 3600 }, T));
    return step.value.invoice;
  }
  const pay = (inv: ReturnType<typeof invoice>, p: { amt: bigint; total?: bigint; htlcAmount?: bigint; cltv?: number; onionCltv?: number; secret?: Uint8Array | null; now?: number }) => {
    const payload: PaymentHopPayload = {
      amtToForward: p.amt, outgoingCltvValue: p.onionCltv ?? p.cltv ?? HEIGHT + 30,
      ...(p.secret === null ? {} : { paymentData: { paymentSecret: p.secret ?? inv.paymentSecret, totalMsat: p.total ?? p.amt } }),
    };
    const { packet, sharedSecrets } = createOnionPacket({ sessionKey: key(`f/${htlcId}`), associatedData: inv.paymentHash, hops: [{ nodeId: US.id, payload: encodePaymentHopPayload(payload) }] });
    const step = run(sw.htlcLockedIn({
      channelId: CHANNEL_IN, htlcId: htlcId++, amountMsat: p.htlcAmount ?? p.amt, cltvExpiry: p.cltv ?? HEIGHT + 30, paymentHash: inv.paymentHash,
      onion: encodeOnionPacket(packet), pathKey: null, failBack: null,
    }, p.now ?? T));
    return { step, sharedSecrets };
  };

  it('claims an exact payment: the claim is written, then fulfilled with the preimage', () => {
    const inv = invoice(10_000n);
    const { step } = pay(inv, { amt: 10_000n });
    expect(step.actions).toMatchObject([{ kind: 'fulfill_htlc' }]);
    expect(step.writes.map((w) => w.kind)).toEqual(['put_invoice', 'put_received']);
    expect(store.getInvoice(toHex(inv.paymentHash))).toMatchObject({ status: 'paid', paidMsat: 10_000n });
  });

  it.each([
    ['an unknown payment hash', () => ({ inv: { ...invoice(10_000n), paymentHash: sha256(utf8.encode('nope')) }, p: { amt: 10_000n } })],
    ['a wrong payment_secret', () => ({ inv: invoice(10_000n), p: { amt: 10_000n, secret: new Uint8Array(32).fill(3) } })],
    ['no payment_data', () => ({ inv: invoice(10_000n), p: { amt: 10_000n, secret: null } })],
    ['a total below the invoice', () => ({ inv: invoice(10_000n), p: { amt: 9_999n } })],
    ['more than twice the invoice', () => ({ inv: invoice(10_000n), p: { amt: 20_001n } })],
    ['an expiry too close to the present', () => ({ inv: invoice(10_000n, { minFinal: 40 }), p: { amt: 10_000n, cltv: HEIGHT + 39 } })],
    ['an expired invoice', () => ({ inv: invoice(10_000n, { expiry: 10 }), p: { amt: 10_000n, now: T + 11_000 } })],
  ] as const)('refuses %s with incorrect_or_unknown_payment_details (the HTLC amount and our height)', (_, make) => {
    const { inv, p } = make();
    const { step, sharedSecrets } = pay(inv, p);
    const f = failureOf(step.actions[0], sharedSecrets);
    expect(f).toMatchObject({ hopIndex: 0, name: 'incorrect_or_unknown_payment_details', data: { htlcMsat: p.amt, height: HEIGHT } });
  });

  it('final_incorrect_cltv_expiry and final_incorrect_htlc_amount when the HTLC carries less than the onion says', () => {
    const inv = invoice(10_000n);
    const late = pay(inv, { amt: 10_000n, cltv: HEIGHT + 30, onionCltv: HEIGHT + 31 });
    expect(failureOf(late.step.actions[0], late.sharedSecrets)).toMatchObject({ name: 'final_incorrect_cltv_expiry', data: { cltvExpiry: HEIGHT + 30 } });
    const short = pay(inv, { amt: 10_000n, htlcAmount: 9_000n });
    expect(failureOf(short.step.actions[0], short.sharedSecrets)).toMatchObject({ name: 'final_incorrect_htlc_amount', data: { incomingHtlcAmt: 9_000n } });
  });

  it('collects parts until total_msat, refuses a part with another total_msat (and the whole set), refuses a paid invoice', () => {
    const inv = invoice(10_000n);
    expect(pay(inv, { amt: 4_000n, total: 10_000n }).step.actions).toEqual([]);
    const other = pay(inv, { amt: 4_000n, total: 11_000n });
    expect(other.step.actions.map((a) => a.kind)).toEqual(['fail_htlc', 'fail_htlc']);
    expect(inbound.pending()).toEqual([]);
    expect(pay(inv, { amt: 6_000n, total: 10_000n }).step.actions).toEqual([]);
    const done = pay(inv, { amt: 4_000n, total: 10_000n });
    expect(done.step.actions.map((a) => a.kind)).toEqual(['fulfill_htlc', 'fulfill_htlc']);
    const again = pay(inv, { amt: 10_000n });
    expect(failureOf(again.step.actions[0], again.sharedSecrets).name).toBe('incorrect_or_unknown_payment_details');
  });

  it('an incomplete set fails with mpp_timeout after 60 s, not before', () => {
    const inv = invoice(10_000n);
    const first = pay(inv, { amt: 4_000n, total: 10_000n });
    expect(inbound.tick(T + 59_999).actions).toEqual([]);
    const out = inbound.tick(T + 60_000);
    expect(failureOf(out.actions[0], first.sharedSecrets)).toMatchObject({ name: 'mpp_timeout' });
  });

  describe('over our BOLT 12 payment path', () => {
    function path(o: { amountMsat?: bigint; expiresAt?: number; maxCltvExpiry?: number } = {}) {
      const { pathId, body } = offersKeys.paymentPathId({ nonce: new Uint8Array(16).fill(Number(htlcId % 200n) + 1), offerId: null, amountMsat: o.amountMsat ?? 10_000n, expiresAt: o.expiresAt ?? T / 1000 + 100 });
      const p = createPaymentPath({ sessionKey: key(`p/${htlcId}`), recipient: US.id, pathId, minFinalCltvExpiryDelta: 18, htlcMinimumMsat: 1n, ...(o.maxCltvExpiry ? { maxCltvExpiry: o.maxCltvExpiry } : {}) });
      return { path: p.path, hash: offersKeys.paymentHash(body) };
    }
    const payPath = (pp: ReturnType<typeof path>, amt: bigint, cltv = HEIGHT + 30, paymentHash = pp.hash) => {
      const hops = blindedPaymentHops({ path: pp.path, amountMsat: amt, finalCltvValue: HEIGHT + 3 });
      const { packet, sharedSecrets } = createOnionPacket({ sessionKey: key(`b/${htlcId}`), associatedData: paymentHash, hops });
      const step = run(sw.htlcLockedIn({ channelId: CHANNEL_IN, htlcId: htlcId++, amountMsat: amt, cltvExpiry: cltv, paymentHash, onion: encodeOnionPacket(packet), pathKey: null, failBack: null }, T));
      return { step, sharedSecrets };
    };

    it('claims from the path alone: nothing was stored for the invoice', () => {
      const pp = path();
      expect(store.listReceived()).toEqual([]);
      const { step } = payPath(pp, 10_000n);
      expect(step.actions).toMatchObject([{ kind: 'fulfill_htlc' }]);
      expect(store.getReceived(toHex(pp.hash))).toMatchObject({ kind: 'bolt12', amountMsat: 10_000n, invoiceAmountMsat: 10_000n });
    });

    it('refuses (as the introduction and final node, with ordinary failures) an amount below the context, an expired context, a forged path_id, a later max_cltv_expiry', () => {
      const low = payPath(path(), 9_000n);
      expect(failureOf(low.step.actions[0], low.sharedSecrets).name).toBe('incorrect_or_unknown_payment_details');
      const old = payPath(path({ expiresAt: T / 1000 - 1 }), 10_000n);
      expect(failureOf(old.step.actions[0], old.sharedSecrets).name).toBe('incorrect_or_unknown_payment_details');
      const pp = path();
      const forged = payPath(pp, 10_000n, HEIGHT + 30, sha256(utf8.encode('another hash')));
      expect(failureOf(forged.step.actions[0], forged.sharedSecrets).name).toBe('incorrect_or_unknown_payment_details');
      const capped = payPath(path({ maxCltvExpiry: HEIGHT + 20 }), 10_000n, HEIGHT + 30);
      expect(failureOf(capped.step.actions[0], capped.sharedSecrets).name).toBe('incorrect_or_unknown_payment_details');
    });
  });
});

describe('forwarding node', () => {
  const hash = sha256(utf8.encode('forward'));
  const forward = (p: { amt: bigint; outCltv: number; scid?: bigint }, htlc: { amountMsat: bigint; cltvExpiry: number }) =>
    send([{ amtToForward: p.amt, outgoingCltvValue: p.outCltv, shortChannelId: p.scid ?? 5n }, { amtToForward: p.amt, outgoingCltvValue: p.outCltv }], { ...htlc, paymentHash: hash });

  it('forwards within its policy: the next onion, amount and expiry as the sender wrote them', () => {
    const { step } = forward({ amt: 100_000n, outCltv: HEIGHT + 100 }, { amountMsat: 101_010n, cltvExpiry: HEIGHT + 140 });
    expect(step.actions).toMatchObject([{ kind: 'add_htlc', channelId: channel.channelId, amountMsat: 100_000n, cltvExpiry: HEIGHT + 100, ref: { kind: 'forward' } }]);
    const add = step.actions[0]!;
    if (add.kind !== 'add_htlc') throw new Error('no add');
    expect(NEXT.onion.peel({ packet: add.onion, paymentHash: hash, pathKey: null })).toMatchObject({ kind: 'receive', amtToForward: 100_000n });
    expect(store.listForwards()).toMatchObject([{ status: 'offered', feeMsat: 1_010n }]);
  });

  it.each([
    ['unknown_next_peer', { amt: 100_000n, outCltv: HEIGHT + 100, scid: 9n }, { amountMsat: 200_000n, cltvExpiry: HEIGHT + 200 }, {}],
    ['amount_below_minimum', { amt: 999n, outCltv: HEIGHT + 100 }, { amountMsat: 200_000n, cltvExpiry: HEIGHT + 200 }, { htlcMsat: 999n, channelUpdate: UPDATE }],
    ['fee_insufficient', { amt: 100_000n, outCltv: HEIGHT + 100 }, { amountMsat: 101_009n, cltvExpiry: HEIGHT + 200 }, { htlcMsat: 101_009n, channelUpdate: UPDATE }],
    ['incorrect_cltv_expiry', { amt: 100_000n, outCltv: HEIGHT + 100 }, { amountMsat: 200_000n, cltvExpiry: HEIGHT + 139 }, { cltvExpiry: HEIGHT + 100, channelUpdate: UPDATE }],
    ['expiry_too_soon', { amt: 100_000n, outCltv: HEIGHT - 30 }, { amountMsat: 200_000n, cltvExpiry: HEIGHT + 10 }, { channelUpdate: UPDATE }],
    ['expiry_too_far', { amt: 100_000n, outCltv: HEIGHT + 100 }, { amountMsat: 200_000n, cltvExpiry: HEIGHT + 2017 }, {}],
  ] as const)('%s, with its data and our channel_update', (name, p, htlc, data) => {
    const { step, sharedSecrets } = forward(p, htlc);
    expect(failureOf(step.actions[0], sharedSecrets)).toMatchObject({ hopIndex: 0, name, data });
    expect(store.listForwards()).toMatchObject([{ status: 'refused', failure: name }]);
  });

  it('channel_disabled, then temporary_channel_failure for a peer offline, above our maximum, or beyond the balance', () => {
    const ok = { amountMsat: 200_000n, cltvExpiry: HEIGHT + 200 };
    channel = { ...channel, policy: { ...channel.policy, disabled: true } };
    let r = forward({ amt: 100_000n, outCltv: HEIGHT + 100 }, ok);
    expect(failureOf(r.step.actions[0], r.sharedSecrets)).toMatchObject({ name: 'channel_disabled', data: { disabledFlags: 0, channelUpdate: UPDATE } });
    for (const c of [{ active: false }, { outboundMsat: 50_000n }, { policy: { ...channel.policy, disabled: false, htlcMaximumMsat: 50_000n } }]) {
      channel = { ...channel, policy: { ...channel.policy, disabled: false }, active: true, outboundMsat: 10n ** 10n, ...c };
      r = forward({ amt: 100_000n, outCltv: HEIGHT + 100 }, ok);
      expect(failureOf(r.step.actions[0], r.sharedSecrets)).toMatchObject({ name: 'temporary_channel_failure', data: { channelUpdate: UPDATE } });
    }
  });

  it('an onion it cannot read: BADONION in update_fail_malformed_htlc; a bad payload as invalid_onion_payload the sender can read', () => {
    const { onion } = forward({ amt: 100_000n, outCltv: HEIGHT + 100 }, { amountMsat: 200_000n, cltvExpiry: HEIGHT + 200 });
    const broken = onion.slice();
    broken[100]! ^= 1;
    const step = run(sw.htlcLockedIn({ channelId: CHANNEL_IN, htlcId: htlcId++, amountMsat: 200_000n, cltvExpiry: HEIGHT + 200, paymentHash: hash, onion: broken, pathKey: null, failBack: null }, T));
    expect(step.actions).toMatchObject([{ kind: 'fail_malformed_htlc', failureCode: FAILURE_CODES.invalid_onion_hmac.code }]);
    const a = step.actions[0]!;
    if (a.kind === 'fail_malformed_htlc') expect(toHex(a.sha256OfOnion)).toBe(toHex(sha256(broken)));
    // A payload without amt_to_forward.
    const bad = send([{ outgoingCltvValue: HEIGHT + 100, shortChannelId: 5n }, { amtToForward: 1n, outgoingCltvValue: HEIGHT + 100 }], { amountMsat: 200_000n, cltvExpiry: HEIGHT + 200, paymentHash: hash });
    expect(failureOf(bad.step.actions[0], bad.sharedSecrets)).toMatchObject({ hopIndex: 0, name: 'invalid_onion_payload' });
    // Inside a blinded route (a path_key came with the HTLC): always invalid_onion_blinding, malformed.
    const blinded = run(sw.htlcLockedIn({ channelId: CHANNEL_IN, htlcId: htlcId++, amountMsat: 200_000n, cltvExpiry: HEIGHT + 200, paymentHash: hash, onion, pathKey: NEXT.id, failBack: null }, T));
    expect(blinded.actions).toMatchObject([{ kind: 'fail_malformed_htlc', failureCode: FAILURE_CODES.invalid_onion_blinding.code }]);
  });

  it('passes a downstream failure back wrapped once more, and a downstream malformed failure as update_fail_htlc with its code and sha256_of_onion', () => {
    const a = forward({ amt: 100_000n, outCltv: HEIGHT + 100 }, { amountMsat: 200_000n, cltvExpiry: HEIGHT + 200 });
    const fwdId = store.listForwards()[0]!.forwardId;
    run(sw.htlcAdded(fwdId, channel.channelId, 0n, T));
    // NEXT (the recipient) fails with its own secret.
    const nextFailure = createFailure({ sharedSecret: a.sharedSecrets[1]!, failureMessage: encodeFailureMessage('temporary_node_failure', {}) });
    run(sw.htlcFailReceived(channel.channelId, 0n, { reason: nextFailure }, T));
    expect(run(sw.htlcResolved(channel.channelId, 0n, 'failed', T)).actions).toMatchObject([{ kind: 'fail_htlc' }]);
    const back = store.listForwards()[0]!;
    expect(back).toMatchObject({ status: 'failed', failure: 'downstream', sharedSecret: null });
    const upstream = 'reason' in back.upstream! ? back.upstream.reason : '';
    expect(decodeFailure({ sharedSecrets: a.sharedSecrets, packet: Uint8Array.from(Buffer.from(upstream, 'hex')) })).toMatchObject({ hopIndex: 1, failure: { name: 'temporary_node_failure' } });
    expect(upstream).toBe(toHex(wrapFailure(a.sharedSecrets[0]!, nextFailure)));

    const b = forward({ amt: 100_000n, outCltv: HEIGHT + 100 }, { amountMsat: 200_000n, cltvExpiry: HEIGHT + 200 });
    const id2 = store.listForwards().find((f) => f.status === 'offered')!.forwardId;
    run(sw.htlcAdded(id2, channel.channelId, 1n, T));
    const theirHash = new Uint8Array(32).fill(5);
    run(sw.htlcFailReceived(channel.channelId, 1n, { malformedCode: FAILURE_CODES.invalid_onion_hmac.code, sha256OfOnion: theirHash }, T));
    const out = run(sw.htlcResolved(channel.channelId, 1n, 'failed', T));
    expect(failureOf(out.actions[0], b.sharedSecrets)).toMatchObject({ hopIndex: 0, name: 'invalid_onion_hmac', data: { sha256OfOnion: theirHash } });
  });
});
