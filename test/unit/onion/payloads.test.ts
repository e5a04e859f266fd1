import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, publicKeyFromPrivate } from '../../../core/crypto';
import type { EncryptedDataTlv, OnionError, OnionMessagePayload, PaymentHopPayload } from '../../../core/onion';
import {
  OnionParseError, decodeEncryptedDataTlv, decodeOnionMessagePayload, decodePaymentHopPayload, encodeEncryptedDataTlv,
  encodeOnionMessagePayload, encodePaymentHopPayload,
} from '../../../core/onion';
import type { BlindedPath, TlvRecord } from '../../../core/wire';
import { keyFromSeed, thrown } from './support';

const POINTS = [1, 2, 3, 4].map((i) => publicKeyFromPrivate(keyFromSeed(42, i)));
const pointArb = fc.constantFrom(...POINTS);
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (max = 64) => fc.uint8Array({ maxLength: max });

/** Records of distinct types drawn from `typeArb`, in ascending order as a decoder returns them. */
function recordsArb(typeArb: fc.Arbitrary<bigint>): fc.Arbitrary<TlvRecord[]> {
  return fc
    .uniqueArray(typeArb, { maxLength: 4 })
    .chain((types) => fc.tuple(...types.sort((a, b) => (a < b ? -1 : 1)).map((type) => bytes(20).map((value) => ({ type, value })))))
    .map((rs) => [...rs]);
}
const oddArb = (max: bigint) => fc.bigInt({ min: 0n, max }).map((x) => 2n * x + 1n);

const paymentPayloadArb: fc.Arbitrary<PaymentHopPayload> = fc.record(
  {
    amtToForward: u64,
    outgoingCltvValue: u32,
    shortChannelId: u64,
    paymentData: fc.record({ paymentSecret: fc.uint8Array({ minLength: 32, maxLength: 32 }), totalMsat: u64 }),
    encryptedRecipientData: bytes(),
    currentPathKey: pointArb,
    paymentMetadata: bytes(),
    totalAmountMsat: u64,
    // 77777 is the async payments invoice_request (known, core/wire async-payments.ts).
    unknownRecords: recordsArb(oddArb(1n << 40n)).filter((r) => r.length > 0 && r.every((x) => x.type !== 77777n)),
  },
  { requiredKeys: [] },
);

const encryptedDataArb: fc.Arbitrary<EncryptedDataTlv> = fc.record(
  {
    padding: bytes(),
    shortChannelId: u64,
    nextNodeId: pointArb,
    pathId: bytes(),
    nextPathKeyOverride: pointArb,
    paymentRelay: fc.record({ cltvExpiryDelta: fc.integer({ min: 0, max: 0xffff }), feeProportionalMillionths: u32, feeBaseMsat: u32 }),
    paymentConstraints: fc.record({ maxCltvExpiry: u32, htlcMinimumMsat: u64 }),
    allowedFeatures: bytes(8),
    unknownRecords: recordsArb(oddArb(1n << 20n).filter((t) => t > 14n)).filter((r) => r.length > 0),
  },
  { requiredKeys: [] },
);

const blindedPathArb: fc.Arbitrary<BlindedPath> = fc.record({
  firstNodeId: fc.oneof(
    pointArb.map((nodeId) => ({ kind: 'node_id' as const, nodeId })),
    fc.record({ kind: fc.constant('scid' as const), direction: fc.constantFrom(0 as const, 1 as const), shortChannelId: u64 }),
  ),
  firstPathKey: pointArb,
  hops: fc.array(fc.record({ blindedNodeId: pointArb, encryptedRecipientData: bytes(80) }), { maxLength: 3 }),
});

const messagePayloadArb: fc.Arbitrary<OnionMessagePayload> = fc.record(
  {
    replyPath: blindedPathArb,
    encryptedRecipientData: bytes(),
    messageRecords: recordsArb(fc.bigInt({ min: 64n, max: 1n << 32n })).filter((r) => r.length > 0),
    unknownRecords: recordsArb(oddArb(31n)).filter((r) => r.length > 0),
  },
  { requiredKeys: [] },
);

/** Decoding any bytes yields a value or an OnionParseError, never anything else. */
function valueOrParseError(decode: (b: Uint8Array) => unknown, input: Uint8Array): void {
  try {
    decode(input);
  } catch (e) {
    expect(e).toBeInstanceOf(OnionParseError);
  }
}

const codecs = [
  { name: 'payment payload', arb: paymentPayloadArb as fc.Arbitrary<unknown>, encode: encodePaymentHopPayload, decode: decodePaymentHopPayload },
  { name: 'encrypted_data_tlv', arb: encryptedDataArb as fc.Arbitrary<unknown>, encode: encodeEncryptedDataTlv, decode: decodeEncryptedDataTlv },
  { name: 'onionmsg_tlv', arb: messagePayloadArb as fc.Arbitrary<unknown>, encode: encodeOnionMessagePayload, decode: decodeOnionMessagePayload },
] as const;

describe('onion TLV codecs', () => {
  for (const c of codecs) {
    const encode = c.encode as (v: unknown) => Uint8Array;
    it(`${c.name}: decode(encode(x)) is x, and re-encoding gives the same bytes`, () => {
      fc.assert(
        fc.property(c.arb, (value) => {
          const encoded = encode(value);
          const decoded = c.decode(encoded);
          expect(decoded).toEqual(value);
          expect(encode(decoded)).toEqual(encoded);
        }),
        { numRuns: 150 },
      );
    });

    it(`${c.name}: random bytes and truncated encodings give a value or an OnionParseError`, () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => valueOrParseError(c.decode, b)), { numRuns: 300 });
      fc.assert(
        fc.property(c.arb, fc.nat(), (value, cut) => {
          const encoded = encode(value);
          valueOrParseError(c.decode, encoded.subarray(0, cut % (encoded.length + 1)));
        }),
        { numRuns: 150 },
      );
    });
  }

  it('rejects unknown even types and keeps unknown odd ones', () => {
    const even = thrown(() => decodePaymentHopPayload(fromHex('0201011401ff')));
    expect(even).toBeInstanceOf(OnionParseError);
    expect((even as OnionParseError).code).toBe('onion.bad_payload');
    expect((even as OnionParseError).details?.type).toBe('20');
    expect(decodePaymentHopPayload(fromHex('0201011501ff')).unknownRecords).toEqual([{ type: 21n, value: fromHex('ff') }]);
    expect((thrown(() => decodeEncryptedDataTlv(fromHex('1000'))) as OnionError).code).toBe('onion.bad_encrypted_data');
    expect((thrown(() => decodeOnionMessagePayload(fromHex('0600'))) as OnionError).code).toBe('onion.bad_payload');
    // Types 64 and above are message contents for handlers, odd or even.
    expect(decodeOnionMessagePayload(fromHex('400100')).messageRecords).toEqual([{ type: 64n, value: fromHex('00') }]);
  });

  it('names the type and offset of a field that does not decode (for invalid_onion_payload)', () => {
    // amt_to_forward (ok), then current_path_key with 33 bytes that are not a point.
    const bad = fromHex('020101' + '0c21' + '02' + 'ff'.repeat(32));
    const e = thrown(() => decodePaymentHopPayload(bad)) as OnionParseError;
    expect(e).toBeInstanceOf(OnionParseError);
    expect(e.details).toMatchObject({ type: '12', offset: 3 });
  });

  it('rejects non-minimal truncated integers and short fixed fields', () => {
    expect((thrown(() => decodePaymentHopPayload(fromHex('02020001'))) as OnionError).code).toBe('onion.bad_payload');
    expect((thrown(() => decodePaymentHopPayload(fromHex('0607' + '00'.repeat(7)))) as OnionError).code).toBe('onion.bad_payload');
    expect((thrown(() => decodePaymentHopPayload(fromHex('0801ff'))) as OnionError).code).toBe('onion.bad_payload');
    expect((thrown(() => decodeEncryptedDataTlv(fromHex('0a0400240000'))) as OnionError).code).toBe('onion.bad_encrypted_data');
  });

  it('refuses to encode values out of range or points that are not points', () => {
    expect((thrown(() => encodePaymentHopPayload({ outgoingCltvValue: 2 ** 32 })) as OnionError).code).toBe('onion.bad_argument');
    expect((thrown(() => encodePaymentHopPayload({ currentPathKey: new Uint8Array(33) })) as OnionError).code).toBe('onion.bad_argument');
    expect((thrown(() => encodeEncryptedDataTlv({ unknownRecords: [{ type: 4n, value: new Uint8Array(0) }] })) as OnionError).code).toBe(
      'onion.bad_argument',
    );
    expect((thrown(() => encodeOnionMessagePayload({ messageRecords: [{ type: 10n, value: new Uint8Array(0) }] })) as OnionError).code).toBe(
      'onion.bad_argument',
    );
  });
});
