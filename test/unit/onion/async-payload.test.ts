/**
 * The payment onion's async payments records (lightning/bolts#1149 `payload`): the payer's
 * invoice_request and `sender_provided_payment_preimage`, at the numbers of each profile
 * (core/wire async-payments.ts), and the reader rule that lets them reach only the final node of a
 * blinded route.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../core/crypto';
import type { OnionError, PaymentHopPayload } from '../../../core/onion';
import {
  OnionParseError, OnionSemanticError, blindedPaymentHops, createBlindedPath, createOnionPacket, decodePaymentHopPayload, encodePaymentHopPayload,
  peelPaymentOnion,
} from '../../../core/onion';
import { ASYNC_PAYMENTS_PROFILES } from '../../../core/wire';
import { keyFromSeed, nodesFromSeed, thrown } from './support';

const { ldk, bolts1149: draft } = ASYNC_PAYMENTS_PROFILES;
const preimage = new Uint8Array(32).fill(9);
const invreq = fromHex('0008' + '11'.repeat(8));

describe('async payments records in the payment payload', () => {
  it('LDK: invoice_request at 77777 and the preimage at 5482373484 (even, known)', () => {
    const bytes = encodePaymentHopPayload({ amtToForward: 5000n, invoiceRequest: invreq, senderPreimage: preimage });
    // BigSize 77777 = fe 00 01 2f d1; 5482373484 = ff 00 00 00 01 46 c6 61 6c.
    expect(toHex(bytes)).toContain(`fe00012fd10a${toHex(invreq)}`);
    expect(toHex(bytes)).toContain(`ff0000000146c6616c20${toHex(preimage)}`);
    expect(decodePaymentHopPayload(bytes)).toEqual({ amtToForward: 5000n, invoiceRequest: invreq, senderPreimage: preimage });
  });

  it('the draft: invoice_request at 1; LDK\'s 77777 is then an unknown odd record', () => {
    const bytes = encodePaymentHopPayload({ amtToForward: 5000n, invoiceRequest: invreq, senderPreimage: preimage }, { asyncPayments: draft });
    expect(toHex(bytes.subarray(0, 12))).toBe(`010a${toHex(invreq)}`);
    expect(decodePaymentHopPayload(bytes, { asyncPayments: draft })).toEqual({ amtToForward: 5000n, invoiceRequest: invreq, senderPreimage: preimage });
    // Read with LDK's numbers, type 1 is unknown (odd: kept).
    expect(decodePaymentHopPayload(bytes, { asyncPayments: ldk })).toMatchObject({ unknownRecords: [{ type: 1n, value: invreq }] });
    const ldkBytes = encodePaymentHopPayload({ invoiceRequest: invreq });
    expect(decodePaymentHopPayload(ldkBytes, { asyncPayments: draft }).unknownRecords).toEqual([{ type: 77777n, value: invreq }]);
  });

  it('a preimage of another length is onion.bad_payload on reading and refused on writing', () => {
    const bad = fromHex('ff0000000146c6616c1f' + '00'.repeat(31));
    const e = thrown(() => decodePaymentHopPayload(bad)) as OnionParseError;
    expect(e).toBeInstanceOf(OnionParseError);
    expect(e.code).toBe('onion.bad_payload');
    expect((thrown(() => encodePaymentHopPayload({ senderPreimage: new Uint8Array(31) })) as OnionError).code).toBe('onion.bad_argument');
  });

  for (const profile of [ldk, draft]) {
    it(`${profile.name}: any payload with the records round-trips; random and cut bytes give a value or an OnionParseError`, () => {
      const arb: fc.Arbitrary<PaymentHopPayload> = fc.record(
        { amtToForward: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), invoiceRequest: fc.uint8Array({ maxLength: 300 }), senderPreimage: fc.uint8Array({ minLength: 32, maxLength: 32 }) },
        { requiredKeys: [] },
      );
      const opts = { asyncPayments: profile };
      fc.assert(
        fc.property(arb, fc.nat(), (p, cut) => {
          const bytes = encodePaymentHopPayload(p, opts);
          expect(decodePaymentHopPayload(bytes, opts)).toEqual(p);
          try {
            decodePaymentHopPayload(bytes.subarray(0, cut % (bytes.length + 1)), opts);
          } catch (err) {
            expect(err).toBeInstanceOf(OnionParseError);
          }
        }),
        { numRuns: 150 },
      );
    });
  }
});

describe('peeling a payment to a static invoice', () => {
  const [introduction, recipient] = nodesFromSeed(71, 2);
  const paymentHash = new Uint8Array(32).fill(0x42);

  function onionThrough(profile: typeof ldk, asyncAtForward = false) {
    const { path } = createBlindedPath({
      sessionKey: keyFromSeed(72, 0),
      hops: [
        { nodeId: introduction!.nodeId, data: { nextNodeId: recipient!.nodeId, paymentRelay: { cltvExpiryDelta: 40, feeProportionalMillionths: 0, feeBaseMsat: 0 } } },
        { nodeId: recipient!.nodeId, data: { pathId: new Uint8Array(16).fill(1) } },
      ],
    });
    const hops = blindedPaymentHops({ path, amountMsat: 5000n, finalCltvValue: 800_040, asyncFinal: { invoiceRequest: invreq, senderPreimage: preimage }, asyncPayments: profile });
    if (asyncAtForward) {
      // A sender that puts the records at the introduction node too.
      const intro = decodePaymentHopPayload(hops[0]!.payload, { asyncPayments: profile });
      hops[0] = { nodeId: hops[0]!.nodeId, payload: encodePaymentHopPayload({ ...intro, senderPreimage: preimage }, { asyncPayments: profile }) };
    }
    return createOnionPacket({ sessionKey: keyFromSeed(72, 1), hops, associatedData: paymentHash }).packet;
  }

  for (const profile of [ldk, draft]) {
    it(`${profile.name}: the final node gets the invoice_request and the preimage; the introduction node forwards`, () => {
      const packet = onionThrough(profile);
      const atIntro = peelPaymentOnion({ packet, privateKey: introduction!.privateKey, associatedData: paymentHash, asyncPayments: profile });
      expect(atIntro.kind).toBe('blinded_forward');
      if (atIntro.kind !== 'blinded_forward') return;
      const atRecipient = peelPaymentOnion({ packet: atIntro.packet, privateKey: recipient!.privateKey, associatedData: paymentHash, pathKey: atIntro.nextPathKey, asyncPayments: profile });
      expect(atRecipient).toMatchObject({ kind: 'blinded_receive', amtToForward: 5000n, invoiceRequest: invreq, senderPreimage: preimage });
    });
  }

  it('a blinded forward carrying the preimage breaks "MUST NOT include any other tlv field"', () => {
    const packet = onionThrough(ldk, true);
    const e = thrown(() => peelPaymentOnion({ packet, privateKey: introduction!.privateKey, associatedData: paymentHash }));
    expect(e).toBeInstanceOf(OnionSemanticError);
    expect((e as OnionSemanticError).code).toBe('onion.unexpected_field');
  });

  it('a recipient reading the draft\'s numbers with LDK\'s refuses type 1 at a blinded final hop', () => {
    const packet = onionThrough(draft);
    const atIntro = peelPaymentOnion({ packet, privateKey: introduction!.privateKey, associatedData: paymentHash, asyncPayments: draft });
    if (atIntro.kind !== 'blinded_forward') throw new Error('expected a forward');
    // With LDK's numbers type 1 is an unknown odd record: "MUST NOT include any other tlv field" makes it a rule violation.
    const e = thrown(() => peelPaymentOnion({ packet: atIntro.packet, privateKey: recipient!.privateKey, associatedData: paymentHash, pathKey: atIntro.nextPathKey }));
    expect((e as OnionSemanticError).code).toBe('onion.unexpected_field');
  });
});
