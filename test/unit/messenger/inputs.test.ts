/** Decoders for caller input: destinations and message records. Values or MessengerError, nothing else. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { publicKeyFromPrivate, scalarFromHash, sha256, toHex } from '../../../core/crypto';
import { MessengerError, formatDestination, formatRecords, parseDestination, parseMessageRecords, parseTlvType } from '../../../core/messenger';
import { createBlindedPath } from '../../../core/onion';
import { encodeBlindedPath } from '../../../core/wire';

const key = (i: number) => scalarFromHash(sha256(new TextEncoder().encode(`inputs/${i}`)));
const nodeIdArb = fc.integer({ min: 0, max: 1_000_000 }).map((i) => publicKeyFromPrivate(key(i)));

function expectMessengerError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MessengerError);
    expect((e as MessengerError).code).toBe(code);
    return;
  }
  throw new Error('expected an error');
}

describe('parseDestination', () => {
  it('reads a 33-byte node id and a blinded path, and writes them back unchanged (property)', () => {
    fc.assert(
      fc.property(nodeIdArb, fc.array(nodeIdArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 1000 }), (nodeId, hops, s) => {
        const asNode = parseDestination(toHex(nodeId));
        expect(asNode.kind).toBe('node');
        expect(formatDestination(asNode)).toBe(toHex(nodeId));
        const path = createBlindedPath({ sessionKey: key(s + 5_000_000), hops: hops.map((n) => ({ nodeId: n, data: {} })) }).path;
        const hex = toHex(encodeBlindedPath(path));
        const asPath = parseDestination(hex);
        expect(asPath.kind).toBe('blinded');
        expect(formatDestination(asPath)).toBe(hex);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses anything else with messenger.bad_destination and never another error (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 200 }).map(toHex)), (text) => {
        try {
          parseDestination(text);
        } catch (e) {
          expect(e).toBeInstanceOf(MessengerError);
          expect((e as MessengerError).code).toBe('messenger.bad_destination');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a truncated blinded path, a path with no hops and an invalid node id', () => {
    const path = createBlindedPath({ sessionKey: key(1), hops: [{ nodeId: publicKeyFromPrivate(key(2)), data: {} }] }).path;
    const bytes = encodeBlindedPath(path);
    for (let len = 1; len < bytes.length; len++) {
      if (len === 33) continue; // the first 33 bytes are the introduction node's id: a node destination
      expectMessengerError(() => parseDestination(toHex(bytes.subarray(0, len))), 'messenger.bad_destination');
    }
    expectMessengerError(() => parseDestination(toHex(encodeBlindedPath({ ...path, hops: [] }))), 'messenger.bad_destination');
    expectMessengerError(() => parseDestination('02' + '00'.repeat(32)), 'messenger.bad_destination');
    expectMessengerError(() => parseDestination(''), 'messenger.bad_destination');
  });
});

describe('parseMessageRecords', () => {
  it('sorts records by type and round-trips them (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.bigInt({ min: 64n, max: (1n << 64n) - 1n }), { minLength: 1, maxLength: 5 }),
        fc.uint8Array({ maxLength: 40 }),
        (types, value) => {
          const records = parseMessageRecords(types.map((t) => ({ type: t.toString(), value: toHex(value) })));
          expect(records.map((r) => r.type)).toEqual([...types].sort((a, b) => (a < b ? -1 : 1)));
          expect(formatRecords(records).every((r) => r.value === toHex(value))).toBe(true);
        },
      ),
    );
  });

  it('refuses types below 64, above 2^64-1, repeated or not canonical, and an empty list', () => {
    expectMessengerError(() => parseMessageRecords([]), 'messenger.bad_tlv');
    expectMessengerError(() => parseMessageRecords([{ type: '63', value: '' }]), 'messenger.bad_tlv');
    expectMessengerError(() => parseMessageRecords([{ type: (1n << 64n).toString(), value: '' }]), 'messenger.bad_tlv');
    expectMessengerError(() => parseMessageRecords([{ type: '64', value: '' }, { type: '64', value: '00' }]), 'messenger.bad_tlv');
    expectMessengerError(() => parseMessageRecords([{ type: '064', value: '' }]), 'messenger.bad_tlv');
    expectMessengerError(() => parseMessageRecords([{ type: '64', value: 'abc' }]), 'messenger.bad_tlv');
  });

  it('gives only MessengerError for arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ type: fc.string(), value: fc.string() }), { maxLength: 4 }), (records) => {
        try {
          parseMessageRecords(records);
        } catch (e) {
          expect(e).toBeInstanceOf(MessengerError);
        }
      }),
    );
    expect(parseTlvType('18446744073709551615')).toBe((1n << 64n) - 1n);
  });
});
