import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { equalBytes, toHex } from '../../../core/crypto';
import type { EncryptedDataTlv, OnionPacket, OnionSemanticError, PaymentRelay } from '../../../core/onion';
import {
  aggregateBlindedPayInfo, blindedAmountToForward, blindedOutgoingCltv, blindedPaymentHops, createBlindedPath,
  createOnionMessage, createOnionPacket, decodeEncryptedDataTlv, encodePaymentHopPayload, forwardingFee, joinBlindedPath,
  padEncryptedData, peelOnionMessage, peelPaymentOnion,
} from '../../../core/onion';
import { keyFromSeed, nodesFromSeed, seedArb, thrown } from './support';

const AD = new Uint8Array(32).fill(7);
const relayArb: fc.Arbitrary<PaymentRelay> = fc.record({
  cltvExpiryDelta: fc.integer({ min: 0, max: 2016 }),
  feeProportionalMillionths: fc.integer({ min: 0, max: 50_000 }),
  feeBaseMsat: fc.integer({ min: 0, max: 100_000 }),
});

describe('route blinding', () => {
  it('random blinded message routes of 1-20 hops (sender prefix, recipient path, dummy hops) deliver to the recipient', () => {
    const shape = fc
      .record({ prefix: fc.integer({ min: 0, max: 6 }), path: fc.integer({ min: 1, max: 10 }), dummies: fc.integer({ min: 0, max: 4 }) })
      .filter((s) => s.prefix + s.path + s.dummies <= 20);
    fc.assert(
      fc.property(seedArb, shape, fc.uint8Array({ minLength: 1, maxLength: 40 }), (seed, s, pathId) => {
        const nodes = nodesFromSeed(seed, s.prefix + s.path);
        const prefix = nodes.slice(0, s.prefix);
        const pathNodes = nodes.slice(s.prefix);
        const recipient = pathNodes.at(-1)!;
        const { path } = createBlindedPath({
          sessionKey: keyFromSeed(seed, 500),
          hops: pathNodes.map((n, i) => ({ nodeId: n.nodeId, data: i < pathNodes.length - 1 ? { nextNodeId: pathNodes[i + 1]!.nodeId } : { pathId } })),
          dummyHops: s.dummies,
        });
        expect(path.hops).toHaveLength(s.path + s.dummies);
        expect(new Set(path.hops.map((h) => h.encryptedRecipientData.length)).size).toBe(1); // padded to one length
        const route = joinBlindedPath({ sessionKey: keyFromSeed(seed, 501), intermediateNodeIds: prefix.map((n) => n.nodeId), path });
        const message = { type: 64n, value: new Uint8Array([1, 2, 3]) };
        const created = createOnionMessage({ sessionKey: keyFromSeed(seed, 502), path: route, contents: { messageRecords: [message] } });
        expect(created.firstNodeId).toEqual({ kind: 'node_id', nodeId: nodes[0]!.nodeId });

        let packet: OnionPacket = created.packet;
        let pathKey = created.pathKey;
        for (let i = 0; i < nodes.length; i++) {
          const action = peelOnionMessage({ packet, pathKey, privateKey: nodes[i]!.privateKey });
          if (i < nodes.length - 1) {
            expect(action.kind).toBe('forward');
            if (action.kind !== 'forward') return;
            expect(action.next).toEqual({ nodeId: nodes[i + 1]!.nodeId });
            packet = action.packet;
            pathKey = action.pathKey;
          } else {
            expect(action.kind).toBe('receive');
            if (action.kind !== 'receive') return;
            expect(action.payload.messageRecords).toEqual([message]);
            expect(toHex(action.encryptedData.pathId!)).toBe(toHex(pathId));
            expect(action.dummyHopsPeeled).toBe(s.dummies);
            expect(equalBytes(nodes[i]!.nodeId, recipient.nodeId)).toBe(true);
          }
        }
      }),
      { numRuns: 5 },
    );
  });

  it('random blinded payment routes deliver the amount and expiry the recipient expects', () => {
    const shape = fc.record({ prefix: fc.integer({ min: 0, max: 3 }), relays: fc.array(relayArb, { minLength: 0, maxLength: 5 }) });
    fc.assert(
      fc.property(seedArb, shape, fc.bigInt({ min: 1000n, max: 10n ** 10n }), (seed, s, amount) => {
        const nodes = nodesFromSeed(seed, s.prefix + s.relays.length + 1);
        const blindedNodes = nodes.slice(s.prefix);
        const pathId = new Uint8Array([seed & 0xff, 1, 2]);
        const { path } = createBlindedPath({
          sessionKey: keyFromSeed(seed, 600),
          hops: blindedNodes.map((n, i) => ({
            nodeId: n.nodeId,
            data: i < s.relays.length ? { nextNodeId: blindedNodes[i + 1]!.nodeId, paymentRelay: s.relays[i]! } : { pathId },
          })),
        });
        const info = aggregateBlindedPayInfo(s.relays);
        const finalCltv = 800_000;
        const blindedHops = blindedPaymentHops({ path, amountMsat: amount, finalCltvValue: finalCltv });
        const prefixHops = nodes.slice(0, s.prefix).map((n, i) => ({
          nodeId: n.nodeId,
          payload: encodePaymentHopPayload({
            amtToForward: amount + forwardingFee(amount, info.feeBaseMsat, info.feeProportionalMillionths),
            outgoingCltvValue: finalCltv + info.cltvExpiryDelta,
            shortChannelId: BigInt(i + 1),
          }),
        }));
        const { packet } = createOnionPacket({ sessionKey: keyFromSeed(seed, 601), hops: [...prefixHops, ...blindedHops], associatedData: AD });

        let current = packet;
        let pathKey: Uint8Array | undefined;
        let htlcAmount = amount + forwardingFee(amount, info.feeBaseMsat, info.feeProportionalMillionths);
        let htlcCltv = finalCltv + info.cltvExpiryDelta;
        nodes.forEach((node, i) => {
          const action = peelPaymentOnion({ packet: current, privateKey: node.privateKey, associatedData: AD, ...(pathKey ? { pathKey } : {}) });
          if (i < s.prefix) {
            expect(action.kind).toBe('forward');
            if (action.kind === 'forward') current = action.packet;
          } else if (i < nodes.length - 1) {
            expect(action.kind).toBe('blinded_forward');
            if (action.kind !== 'blinded_forward') return;
            expect(action.introduction).toBe(i === s.prefix);
            htlcAmount = blindedAmountToForward(htlcAmount, action.paymentRelay);
            htlcCltv = blindedOutgoingCltv(htlcCltv, action.paymentRelay);
            current = action.packet;
            pathKey = action.nextPathKey;
          } else {
            expect(action.kind).toBe('blinded_receive');
            if (action.kind !== 'blinded_receive') return;
            expect(action.amtToForward).toBe(amount);
            expect(action.outgoingCltvValue).toBe(finalCltv);
            expect(toHex(action.pathId!)).toBe(toHex(pathId));
            expect(htlcAmount).toBeGreaterThanOrEqual(amount); // the relays' fees are covered
            expect(htlcCltv).toBe(finalCltv);
          }
        });
      }),
      { numRuns: 5 },
    );
  });

  it('the aggregated payinfo always covers every blinded hop fee (BOLT 4 rounding)', () => {
    fc.assert(
      fc.property(fc.array(relayArb, { minLength: 1, maxLength: 10 }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (relays, amount) => {
        const info = aggregateBlindedPayInfo(relays);
        let htlc = amount + forwardingFee(amount, info.feeBaseMsat, info.feeProportionalMillionths);
        for (const r of relays) htlc = blindedAmountToForward(htlc, r);
        expect(htlc).toBeGreaterThanOrEqual(amount);
        expect(info.cltvExpiryDelta).toBe(relays.reduce((a, r) => a + r.cltvExpiryDelta, 0));
      }),
      { numRuns: 500 },
    );
  });

  it('pads any set of encrypted_data_tlv to one length and each still decodes to its data', () => {
    const dataArb: fc.Arbitrary<EncryptedDataTlv> = fc.record(
      { pathId: fc.uint8Array({ maxLength: 300 }), shortChannelId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), padding: fc.uint8Array({ maxLength: 5 }) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(dataArb, { minLength: 1, maxLength: 8 }), (data) => {
        const padded = padEncryptedData(data);
        expect(new Set(padded.map((p) => p.length)).size).toBe(1);
        padded.forEach((p, i) => {
          const { padding: _a, ...decoded } = decodeEncryptedDataTlv(p);
          const { padding: _b, ...original } = data[i]!;
          expect(decoded).toEqual(original);
        });
      }),
      { numRuns: 300 },
    );
  });

  describe('readers reject what BOLT 4 says to reject', () => {
    const [a, b, c] = nodesFromSeed(77, 3);

    /** A two-hop onion message a -> b whose blinded data is `data` at a, with optional extra onionmsg records at a. */
    function message(dataAtA: EncryptedDataTlv, dataAtB: EncryptedDataTlv = { pathId: new Uint8Array([1]) }) {
      const { path } = createBlindedPath({ sessionKey: keyFromSeed(77, 10), hops: [{ nodeId: a!.nodeId, data: dataAtA }, { nodeId: b!.nodeId, data: dataAtB }] });
      return createOnionMessage({ sessionKey: keyFromSeed(77, 11), path, contents: {} });
    }
    const codeAtA = (m: ReturnType<typeof message>) =>
      (thrown(() => peelOnionMessage({ packet: m.packet, pathKey: m.pathKey, privateKey: a!.privateKey })) as OnionSemanticError).code;

    it('a forwarding onion message hop with a path_id, or with no next hop, is ignored', () => {
      expect(codeAtA(message({ nextNodeId: b!.nodeId, pathId: new Uint8Array([9]) }))).toBe('onion.unexpected_field');
      expect(codeAtA(message({ padding: new Uint8Array(3) }))).toBe('onion.missing_field');
    });

    it('allowed_features with any bit set is refused', () => {
      expect(codeAtA(message({ nextNodeId: b!.nodeId, allowedFeatures: new Uint8Array([1]) }))).toBe('onion.unknown_feature');
    });

    it('a hop that decrypts with the wrong path key fails', () => {
      const m = message({ nextNodeId: b!.nodeId });
      const e = thrown(() => peelOnionMessage({ packet: m.packet, pathKey: b!.nodeId, privateKey: a!.privateKey })) as OnionSemanticError;
      expect(e.code).toBe('onion.hmac_mismatch'); // the tweaked key no longer matches the onion layer
    });

    /** A payment onion a -> b -> c where a is the introduction node of a blinded path [a, b] ... */
    function payment(dataAtA: EncryptedDataTlv, extraAtA: Record<string, unknown> = {}) {
      const { path } = createBlindedPath({
        sessionKey: keyFromSeed(77, 20),
        hops: [{ nodeId: a!.nodeId, data: dataAtA }, { nodeId: b!.nodeId, data: { pathId: new Uint8Array([2]) } }],
      });
      const hops = blindedPaymentHops({ path, amountMsat: 1000n, finalCltvValue: 100 });
      if (Object.keys(extraAtA).length > 0) {
        hops[0] = { nodeId: hops[0]!.nodeId, payload: encodePaymentHopPayload({ encryptedRecipientData: path.hops[0]!.encryptedRecipientData, currentPathKey: path.firstPathKey, ...extraAtA }) };
      }
      return { path, packet: createOnionPacket({ sessionKey: keyFromSeed(77, 21), hops, associatedData: AD }).packet };
    }
    const paymentCodeAtA = (packet: OnionPacket, pathKey?: Uint8Array) =>
      (thrown(() => peelPaymentOnion({ packet, privateKey: a!.privateKey, associatedData: AD, ...(pathKey ? { pathKey } : {}) })) as OnionSemanticError).code;
    const relay = { cltvExpiryDelta: 10, feeProportionalMillionths: 0, feeBaseMsat: 0 };

    it('a blinded payment hop needs payment_relay and exactly one of short_channel_id / next_node_id', () => {
      expect(paymentCodeAtA(payment({ nextNodeId: b!.nodeId }).packet)).toBe('onion.missing_field');
      expect(paymentCodeAtA(payment({ paymentRelay: relay }).packet)).toBe('onion.missing_field');
      expect(paymentCodeAtA(payment({ nextNodeId: b!.nodeId, shortChannelId: 5n, paymentRelay: relay }).packet)).toBe('onion.conflicting_fields');
    });

    it('a blinded forwarding payload with other fields, or a path key twice, is refused', () => {
      expect(paymentCodeAtA(payment({ nextNodeId: b!.nodeId, paymentRelay: relay }, { amtToForward: 5n }).packet)).toBe('onion.unexpected_field');
      // Encrypted to a's blinded id (as inside a path) yet carrying current_path_key too.
      const { path } = payment({ nextNodeId: b!.nodeId, paymentRelay: relay });
      const payload = encodePaymentHopPayload({ encryptedRecipientData: path.hops[0]!.encryptedRecipientData, currentPathKey: path.firstPathKey });
      const hops = [{ nodeId: path.hops[0]!.blindedNodeId, payload }, { nodeId: path.hops[1]!.blindedNodeId, payload }];
      const packet = createOnionPacket({ sessionKey: keyFromSeed(77, 22), hops, associatedData: AD }).packet;
      expect(paymentCodeAtA(packet, path.firstPathKey)).toBe('onion.conflicting_fields');
    });

    it('an unblinded forward needs short_channel_id, and a path key without encrypted data is refused', () => {
      const mk = (payload: Parameters<typeof encodePaymentHopPayload>[0], pathKey?: Uint8Array) => {
        const hops = [{ nodeId: a!.nodeId, payload: encodePaymentHopPayload(payload) }, { nodeId: c!.nodeId, payload: encodePaymentHopPayload({ amtToForward: 1n, outgoingCltvValue: 1 }) }];
        return paymentCodeAtA(createOnionPacket({ sessionKey: keyFromSeed(77, 30), hops, associatedData: AD }).packet, pathKey);
      };
      expect(mk({ amtToForward: 1n, outgoingCltvValue: 1 })).toBe('onion.missing_field');
      expect(mk({ amtToForward: 1n, outgoingCltvValue: 1, shortChannelId: 1n, currentPathKey: b!.nodeId })).toBe('onion.unexpected_field');
    });
  });

  it('refuses paths without hops and more than 255 hops', () => {
    const [n] = nodesFromSeed(1, 1);
    expect((thrown(() => createBlindedPath({ sessionKey: keyFromSeed(1, 2), hops: [] })) as OnionSemanticError).code).toBe('onion.bad_argument');
    const many = Array.from({ length: 256 }, () => ({ nodeId: n!.nodeId, data: {} }));
    expect((thrown(() => createBlindedPath({ sessionKey: keyFromSeed(1, 2), hops: many })) as OnionSemanticError).code).toBe('onion.bad_argument');
  });
});
