/**
 * The paths the offers flow creates: a published message path really delivers our path_id to us
 * (peeled hop by hop as BOLT 4 readers do), and the key kept for its final hop signs as its
 * blinded node id; blinded payment paths carry the data and payinfo BOLT 4 asks of their creator.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { publicKeyFromPrivate, randomPrivateKey, toHex } from '../../../core/crypto';
import { createOnionMessage, deriveBlindedPrivateKey, encodeOnionPacket, peelOnionMessage, processBlindedHop } from '../../../core/onion';
import type { PaymentForwarder } from '../../../core/offers/manager';
import { MAX_U64, createPaymentPath, createPublishedPath } from '../../../core/offers/manager';
import { testKey } from './manager-fixtures';

const us = testKey('us');
const usId = publicKeyFromPrivate(us);
const hopKeys = [testKey('hop0'), testKey('hop1')];
const hopIds = hopKeys.map(publicKeyFromPrivate);

describe('published message paths', () => {
  it.each([
    [1, 0],
    [1, 3],
    [2, 2],
  ])('a path through %i peer(s) with %i dummy hops delivers our path_id to us, and its final key signs as the last blinded node id', (peers, dummyHops) => {
    const pathId = new Uint8Array(32).fill(7);
    const created = createPublishedPath({ sessionKey: randomPrivateKey(), via: hopIds.slice(0, peers), ourNodeId: usId, pathId, dummyHops });
    expect(created.path.hops).toHaveLength(peers + 1 + dummyHops);
    expect(toHex(created.finalBlindedNodeId)).toBe(toHex(created.path.hops.at(-1)!.blindedNodeId));
    const blindedSecret = deriveBlindedPrivateKey(us, created.finalPathKey);
    expect(toHex(publicKeyFromPrivate(blindedSecret))).toBe(toHex(created.finalBlindedNodeId));

    // A sender builds an onion message to the path; each peer peels its layer, then we do.
    const message = createOnionMessage({ sessionKey: randomPrivateKey(), path: created.path, contents: { messageRecords: [{ type: 64n, value: new Uint8Array([1]) }] } });
    let packet = encodeOnionPacket(message.packet);
    let pathKey = message.pathKey;
    for (let i = 0; i < peers; i++) {
      const step = peelOnionMessage({ packet, pathKey, privateKey: hopKeys[i]! });
      expect(step.kind).toBe('forward');
      if (step.kind !== 'forward') return;
      expect(toHex((step.next as { nodeId: Uint8Array }).nodeId)).toBe(toHex(i + 1 < peers ? hopIds[i + 1]! : usId));
      packet = encodeOnionPacket(step.packet);
      pathKey = step.pathKey;
    }
    const final = peelOnionMessage({ packet, pathKey, privateKey: us });
    expect(final.kind).toBe('receive');
    if (final.kind !== 'receive') return;
    expect(toHex(final.encryptedData.pathId!)).toBe(toHex(pathId));
    expect(final.dummyHopsPeeled).toBe(dummyHops);
  });

  it('refuses a path with no hop before us, or through ourselves', () => {
    const base = { sessionKey: randomPrivateKey(), ourNodeId: usId, pathId: new Uint8Array(32), dummyHops: 0 };
    expect(() => createPublishedPath({ ...base, via: [] })).toThrow(expect.objectContaining({ code: 'offers.bad_argument' }));
    expect(() => createPublishedPath({ ...base, via: [hopIds[0]!, usId] })).toThrow(expect.objectContaining({ code: 'offers.bad_argument' }));
  });
});

describe('blinded payment paths', () => {
  it('today: one hop, us as introduction node, fee 0 and our final CLTV delta, the nonce as path_id', () => {
    const pathId = new Uint8Array(32).fill(9);
    const { path, payInfo } = createPaymentPath({ sessionKey: randomPrivateKey(), recipient: usId, pathId, minFinalCltvExpiryDelta: 18, htlcMinimumMsat: 1n });
    expect(path.firstNodeId).toEqual({ kind: 'node_id', nodeId: usId });
    expect(path.hops).toHaveLength(1);
    expect(payInfo).toEqual({ feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 18, htlcMinimumMsat: 1n, htlcMaximumMsat: MAX_U64, features: new Uint8Array(0) });
    const hop = processBlindedHop({ privateKey: us, pathKey: path.firstPathKey, encryptedRecipientData: path.hops[0]!.encryptedRecipientData });
    expect(toHex(hop.data.pathId!)).toBe(toHex(pathId));
    expect(hop.data.paymentConstraints).toBeUndefined(); // no block height known: the final node MAY omit it
  });

  it('ready for channels: forwarders get short_channel_id, payment_relay and payment_constraints; the payinfo aggregates them', () => {
    const forwarders: PaymentForwarder[] = [
      { nodeId: hopIds[0]!, shortChannelId: 0x0a0000000b000cn, relay: { feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40 }, htlcMinimumMsat: 5n, htlcMaximumMsat: 9_000_000n },
      { nodeId: hopIds[1]!, shortChannelId: 0x0d0000000e000fn, relay: { feeBaseMsat: 500, feeProportionalMillionths: 1000, cltvExpiryDelta: 144 }, htlcMinimumMsat: 1000n, htlcMaximumMsat: 7_000_000n },
    ];
    const { path, payInfo } = createPaymentPath({
      sessionKey: randomPrivateKey(), recipient: usId, pathId: new Uint8Array(32), forwarders, minFinalCltvExpiryDelta: 18, maxCltvExpiry: 800_000, htlcMinimumMsat: 1n,
    });
    // BOLT 4 aggregation, from the recipient outwards (hop 1, then hop 0), rounding up:
    // base = ceil((1000·10^6 + 500·(10^6 + 100)) / 10^6) = 1501; prop = ceil(((1000 + 100)·10^6 + 1000·100) / 10^6) = 1101.
    expect(payInfo).toMatchObject({ feeBaseMsat: 1501, feeProportionalMillionths: 1101, cltvExpiryDelta: 40 + 144 + 18, htlcMinimumMsat: 1000n, htlcMaximumMsat: 7_000_000n });
    expect(path.firstNodeId).toEqual({ kind: 'node_id', nodeId: hopIds[0] });
    let pathKey = path.firstPathKey;
    const seen = [...hopKeys, us].map((key, i) => {
      const hop = processBlindedHop({ privateKey: key, pathKey, encryptedRecipientData: path.hops[i]!.encryptedRecipientData });
      pathKey = hop.nextPathKey;
      return hop.data;
    });
    expect(seen[0]).toMatchObject({ shortChannelId: forwarders[0]!.shortChannelId, paymentRelay: forwarders[0]!.relay, paymentConstraints: { maxCltvExpiry: 800_000 + 18 + 184, htlcMinimumMsat: 1000n } });
    expect(seen[1]).toMatchObject({ shortChannelId: forwarders[1]!.shortChannelId, paymentRelay: forwarders[1]!.relay, paymentConstraints: { maxCltvExpiry: 800_000 + 18 + 144, htlcMinimumMsat: 1000n } });
    expect(seen[2]).toMatchObject({ pathId: new Uint8Array(32), paymentConstraints: { maxCltvExpiry: 800_000, htlcMinimumMsat: 1000n } });
  });

  it('refuses forwarders without a block height to bound the path', () => {
    const f: PaymentForwarder = { nodeId: hopIds[0]!, shortChannelId: 1n, relay: { feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 1 }, htlcMinimumMsat: 1n, htlcMaximumMsat: 2n };
    expect(() => createPaymentPath({ sessionKey: randomPrivateKey(), recipient: usId, pathId: new Uint8Array(32), forwarders: [f], minFinalCltvExpiryDelta: 18, htlcMinimumMsat: 1n })).toThrow(
      expect.objectContaining({ code: 'offers.bad_argument' }),
    );
  });

  it('aggregated fees never go below the sum of the hops’ own fees (rounding is upward)', () => {
    const relay = fc.record({ feeBaseMsat: fc.integer({ min: 0, max: 100_000 }), feeProportionalMillionths: fc.integer({ min: 0, max: 100_000 }), cltvExpiryDelta: fc.integer({ min: 0, max: 1000 }) });
    fc.assert(
      fc.property(fc.array(relay, { minLength: 1, maxLength: 2 }), (relays) => {
        const forwarders = relays.map((r, i) => ({ nodeId: hopIds[i]!, shortChannelId: BigInt(i + 1), relay: r, htlcMinimumMsat: 1n, htlcMaximumMsat: 10n ** 12n }));
        const { payInfo } = createPaymentPath({ sessionKey: randomPrivateKey(), recipient: usId, pathId: new Uint8Array(32), forwarders, minFinalCltvExpiryDelta: 18, maxCltvExpiry: 1000, htlcMinimumMsat: 1n });
        expect(payInfo.feeBaseMsat).toBeGreaterThanOrEqual(relays.reduce((s, r) => s + r.feeBaseMsat, 0));
        expect(payInfo.feeProportionalMillionths).toBeGreaterThanOrEqual(relays.reduce((s, r) => s + r.feeProportionalMillionths, 0));
        expect(payInfo.cltvExpiryDelta).toBe(relays.reduce((s, r) => s + r.cltvExpiryDelta, 18));
      }),
      { numRuns: 15 },
    );
  });
});
