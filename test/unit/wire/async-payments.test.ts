/**
 * The async payments numbers (core/wire/async-payments.ts) on the BOLT 2 messages that carry them:
 * update_add_htlc's `hold_htlc` and revoke_and_ack's release paths, in both profiles — LDK 0.2's
 * (the default) and the draft's (lightning/bolts#1149).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../../core/crypto';
import {
  ASYNC_PAYMENTS_PROFILES, DEFAULT_ASYNC_PAYMENTS_PROFILE, FEATURES, WireError, asyncPaymentsProfile, decodeMessage, encodeBlindedPath, encodeMessage,
  messageWire,
} from '../../../core/wire';
import type { Message, RevokeAndAck, UpdateAddHtlc } from '../../../core/wire';
import { blindedPath, bytes, point, u32, u64 } from './arbitraries';

const ldk = messageWire({ asyncPayments: ASYNC_PAYMENTS_PROFILES.ldk });
const draft = messageWire({ asyncPayments: ASYNC_PAYMENTS_PROFILES.bolts1149 });

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (!(e instanceof WireError)) throw new Error(`expected a WireError, got ${String(e)}`);
    return e.code;
  }
  throw new Error('expected a WireError');
}

const add = (tlvs: UpdateAddHtlc['tlvs']): UpdateAddHtlc => ({
  type: 'update_add_htlc', channelId: new Uint8Array(32).fill(1), id: 7n, amountMsat: 5000n, paymentHash: new Uint8Array(32).fill(2),
  cltvExpiry: 800_100, onionRoutingPacket: new Uint8Array(1366), ...(tlvs ? { tlvs } : {}),
});

const raa = (tlvs: RevokeAndAck['tlvs']): RevokeAndAck => ({
  type: 'revoke_and_ack', channelId: new Uint8Array(32).fill(3), perCommitmentSecret: new Uint8Array(32).fill(4), nextPerCommitmentPoint: fixedPath().firstPathKey,
  ...(tlvs ? { tlvs } : {}),
});

function fixedPath() {
  return fc.sample(blindedPath, { seed: 42, numRuns: 1 })[0]!;
}

describe('the async payments table', () => {
  it('defaults to LDK 0.2\'s numbers and keeps the draft\'s beside them', () => {
    expect(DEFAULT_ASYNC_PAYMENTS_PROFILE).toBe(ASYNC_PAYMENTS_PROFILES.ldk);
    expect(asyncPaymentsProfile(undefined).name).toBe('ldk');
    expect(asyncPaymentsProfile('bolts1149').name).toBe('bolts1149');
    expect(codeOf(() => asyncPaymentsProfile('toString'))).toBe('wire.bad_value');
    const { ldk: l, bolts1149: d } = ASYNC_PAYMENTS_PROFILES;
    expect([l.holdHtlcTlv, l.releasePathsTlv, l.invoiceRequestTlv, l.senderPreimageTlv, l.staticInvoiceMessagePathsTlv, l.htlcHoldFeatureBit]).toEqual([
      75537n, 75537n, 77777n, 5482373484n, 236n, 152,
    ]);
    expect([d.holdHtlcTlv, d.releasePathsTlv, d.invoiceRequestTlv, d.senderPreimageTlv, d.staticInvoiceMessagePathsTlv, d.htlcHoldFeatureBit]).toEqual([
      2n, 0n, 1n, 5482373484n, 178n, 52,
    ]);
    expect(Object.values(l.onionMessages)).toEqual([70n, 72n, 74n, 75540n, 75542n, 75544n, 75546n]);
    // The draft numbers only static_invoice (70, as LDK); both profiles share the onion message types.
    expect(d.onionMessages).toEqual(l.onionMessages);
    // Each profile's feature bit is in the BOLT 9 table.
    for (const p of [l, d]) expect(FEATURES.some((f) => f.bit === p.htlcHoldFeatureBit)).toBe(true);
  });
});

describe('update_add_htlc hold_htlc', () => {
  it('is LDK\'s empty record 75537 by default (BigSize 0xfe 0001 2711, length 0)', () => {
    const bytes = encodeMessage(add({ holdHtlc: true }));
    expect(toHex(bytes.subarray(bytes.length - 6))).toBe('fe0001271100');
    expect(toHex(ldk.encode(add({ holdHtlc: true })))).toBe(toHex(bytes));
    expect((decodeMessage(bytes) as UpdateAddHtlc).tlvs?.holdHtlc).toBe(true);
  });

  it('is the draft\'s type 2 in the bolts1149 profile, after blinded_path (type 0)', () => {
    const pathKey = fixedPath().firstPathKey;
    const bytes = draft.encode(add({ blindedPath: { pathKey }, holdHtlc: true }));
    expect(toHex(bytes.subarray(bytes.length - 2))).toBe('0200');
    expect(toHex(bytes.subarray(bytes.length - 37, bytes.length - 2))).toBe(`0021${toHex(pathKey)}`);
    expect(draft.decode(bytes)).toEqual(add({ blindedPath: { pathKey }, holdHtlc: true, unknownTlvs: [] }));
  });

  it('an LDK peer\'s odd 75537 is an unknown odd record to the draft profile; the draft\'s even 2 fails the LDK profile', () => {
    const fromLdk = ldk.encode(add({ holdHtlc: true }));
    const seen = draft.decode(fromLdk) as UpdateAddHtlc;
    expect(seen.tlvs?.holdHtlc).toBeUndefined();
    expect(seen.tlvs?.unknownTlvs).toEqual([{ type: 75537n, value: new Uint8Array(0) }]);
    // BOLT 1: "if a type is unknown and even: MUST fail to parse the tlv_stream".
    expect(codeOf(() => ldk.decode(draft.encode(add({ holdHtlc: true }))))).toBe('wire.tlv_unknown_even');
  });

  it('a hold_htlc record with a value fails as a bad length; any value but true is refused when encoding', () => {
    const bytes = encodeMessage(add({ unknownTlvs: [] }));
    const withValue = new Uint8Array([...bytes, 0xfe, 0x00, 0x01, 0x27, 0x11, 0x01, 0x00]);
    expect(codeOf(() => decodeMessage(withValue))).toBe('wire.tlv_bad_length');
    expect(codeOf(() => encodeMessage(add({ holdHtlc: false as unknown as true })))).toBe('wire.bad_value');
  });
});

describe('revoke_and_ack release paths', () => {
  it('LDK: each path after its held HTLC\'s u64 id, no count, in record 75537', () => {
    const path = fixedPath();
    const m = raa({ releaseHeldHtlcMessagePaths: [{ htlcId: 5n, path }, { htlcId: 6n, path }] });
    const bytes = encodeMessage(m);
    const p = toHex(encodeBlindedPath(path));
    const value = `0000000000000005${p}0000000000000006${p}`;
    expect(toHex(bytes)).toContain(`fe00012711${(value.length / 2).toString(16).padStart(2, '0')}${value}`.slice(0, 12));
    expect(toHex(bytes).endsWith(value)).toBe(true);
    expect(decodeMessage(bytes)).toEqual({ ...m, tlvs: { ...m.tlvs, unknownTlvs: [] } });
  });

  it('the draft: `...blinded_path` in record 0, no HTLC ids', () => {
    const path = fixedPath();
    const m = raa({ releaseHeldHtlcMessagePaths: [{ htlcId: null, path }] });
    const bytes = draft.encode(m);
    const p = toHex(encodeBlindedPath(path));
    expect(toHex(bytes).endsWith(`00${(p.length / 2).toString(16).padStart(2, '0')}${p}`)).toBe(true);
    expect(draft.decode(bytes)).toEqual({ ...m, tlvs: { ...m.tlvs, unknownTlvs: [] } });
  });

  it('refuses an LDK path without its HTLC id; the draft leaves the id the channel names out (it has no place on its wire)', () => {
    const path = fixedPath();
    expect(codeOf(() => ldk.encode(raa({ releaseHeldHtlcMessagePaths: [{ htlcId: null, path }] })))).toBe('wire.bad_value');
    const back = draft.decode(draft.encode(raa({ releaseHeldHtlcMessagePaths: [{ htlcId: 1n, path }] }))) as RevokeAndAck;
    expect(back.tlvs?.releaseHeldHtlcMessagePaths).toEqual([{ htlcId: null, path }]);
  });

  it('rejects a release path record cut inside a path, or that is not a blinded path', () => {
    const path = fixedPath();
    const good = encodeMessage(raa({ releaseHeldHtlcMessagePaths: [{ htlcId: 5n, path }] }));
    const p = encodeBlindedPath(path);
    const recordStart = good.length - (8 + p.length) - 6;
    // Shorten the record's length by one: the path inside is cut.
    const cut = good.slice(0, good.length - 1);
    cut[recordStart + 5] = cut[recordStart + 5]! - 1;
    expect(['wire.tlv_bad_length', 'wire.eof']).toContain(codeOf(() => decodeMessage(cut)));
    const junk = new Uint8Array([...good.subarray(0, recordStart), 0xfe, 0x00, 0x01, 0x27, 0x11, 9, 0, 0, 0, 0, 0, 0, 0, 1, 0x07]);
    expect(['wire.bad_value', 'wire.tlv_bad_length']).toContain(codeOf(() => decodeMessage(junk)));
  });
});

describe('properties, both profiles', () => {
  for (const [name, wire] of [['ldk', ldk], ['bolts1149', draft]] as const) {
    const withId = name === 'ldk';
    const addArb = fc.record({
      type: fc.constant('update_add_htlc' as const), channelId: bytes(32), id: u64, amountMsat: u64, paymentHash: bytes(32), cltvExpiry: u32,
      onionRoutingPacket: bytes(1366),
      tlvs: fc.record({ blindedPath: fc.record({ pathKey: point }), holdHtlc: fc.constant(true as const), unknownTlvs: fc.constant([]) }, { requiredKeys: ['unknownTlvs'] }),
    });
    const raaArb = fc.record({
      type: fc.constant('revoke_and_ack' as const), channelId: bytes(32), perCommitmentSecret: bytes(32), nextPerCommitmentPoint: point,
      tlvs: fc.record({
        releaseHeldHtlcMessagePaths: fc.array(fc.record({ htlcId: withId ? (u64 as fc.Arbitrary<bigint | null>) : fc.constant(null), path: blindedPath }), { maxLength: 3 }),
        unknownTlvs: fc.constant([]),
      }, { requiredKeys: ['unknownTlvs'] }),
    });

    it(`${name}: update_add_htlc and revoke_and_ack round-trip`, () => {
      fc.assert(fc.property(fc.oneof(addArb, raaArb), (m: Message) => {
        expect(wire.decode(wire.encode(m))).toEqual(m);
      }), { numRuns: 60 });
    });

    it(`${name}: mutated messages give a message or a WireError, never another exception`, () => {
      fc.assert(
        fc.property(raaArb, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat({ max: 40 }), (m, at, byte, cut) => {
          const bytes = wire.encode(m);
          const mutated = bytes.slice(0, Math.max(2, bytes.length - cut));
          mutated[2 + (at % Math.max(1, mutated.length - 2))] = byte;
          try {
            const got = wire.decode(mutated);
            expect(got.type).toBe('revoke_and_ack');
          } catch (e) {
            expect(e).toBeInstanceOf(WireError);
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});
