/**
 * The async payments onion messages' contents (core/wire/async-messages.ts): fixed bytes in LDK
 * 0.2.7's layout, round trips, and bad input giving a WireError and nothing else.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../core/crypto';
import type { AsyncOnionMessage, AsyncOnionMessageType } from '../../../core/wire';
import { WireError, decodeAsyncOnionMessage, encodeAsyncOnionMessage, encodeBlindedPath } from '../../../core/wire';
import { blindedPath, u16, u64, unknownTlvs, varBytes } from './arbitraries';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (!(e instanceof WireError)) throw new Error(`expected a WireError, got ${String(e)}`);
    return e.code;
  }
  throw new Error('expected a WireError');
}

const path = fc.sample(blindedPath, { seed: 7, numRuns: 1 })[0]!;
const pathHex = toHex(encodeBlindedPath(path));
const lenHex = (hex: string) => (hex.length / 2).toString(16).padStart(2, '0');

const TYPES: readonly AsyncOnionMessageType[] = [
  'offer_paths_request', 'offer_paths', 'serve_static_invoice', 'static_invoice_persisted', 'held_htlc_available', 'release_held_htlc',
];

const messageArb: fc.Arbitrary<AsyncOnionMessage> = fc.oneof(
  fc.record({ type: fc.constant('offer_paths_request' as const), invoiceSlot: u16, unknownRecords: unknownTlvs([0]) }),
  fc.record(
    { type: fc.constant('offer_paths' as const), paths: fc.array(blindedPath, { maxLength: 3 }), pathsAbsoluteExpiry: u64, unknownRecords: unknownTlvs([0, 2]) },
    { requiredKeys: ['type', 'paths', 'unknownRecords'] },
  ),
  fc.record({ type: fc.constant('serve_static_invoice' as const), invoice: varBytes(200), forwardInvoiceRequestPath: blindedPath, unknownRecords: unknownTlvs([0, 2]) }),
  fc.record({ type: fc.constantFrom('static_invoice_persisted' as const, 'held_htlc_available' as const, 'release_held_htlc' as const), unknownRecords: unknownTlvs([]) }),
).map((m) => {
  // An empty unknownRecords list decodes as absent.
  const { unknownRecords, ...rest } = m as AsyncOnionMessage & { unknownRecords: AsyncOnionMessage['unknownRecords'] };
  return (unknownRecords && unknownRecords.length > 0 ? { ...rest, unknownRecords } : rest) as AsyncOnionMessage;
});

describe('async payments onion messages, LDK 0.2.7 layout', () => {
  it('offer_paths_request: invoice_slot as a u16 at type 0', () => {
    expect(toHex(encodeAsyncOnionMessage({ type: 'offer_paths_request', invoiceSlot: 0x0102 }))).toBe('00020102');
    expect(decodeAsyncOnionMessage('offer_paths_request', fromHex('0002ffff'))).toEqual({ type: 'offer_paths_request', invoiceSlot: 0xffff });
  });

  it('offer_paths: the paths back to back at type 0 (no count), the expiry as a u64 at type 2', () => {
    const bytes = encodeAsyncOnionMessage({ type: 'offer_paths', paths: [path, path], pathsAbsoluteExpiry: 1_800_000_000n });
    const two = pathHex + pathHex;
    expect(toHex(bytes)).toBe(`00${two.length / 2 < 253 ? lenHex(two) : 'fd' + (two.length / 2).toString(16).padStart(4, '0')}${two}0208000000006b49d200`);
    expect(decodeAsyncOnionMessage('offer_paths', bytes)).toEqual({ type: 'offer_paths', paths: [path, path], pathsAbsoluteExpiry: 1_800_000_000n });
    // LDK `required_vec`: an absent record is no paths, and no paths are written as an empty record.
    expect(decodeAsyncOnionMessage('offer_paths', new Uint8Array(0))).toEqual({ type: 'offer_paths', paths: [] });
    expect(toHex(encodeAsyncOnionMessage({ type: 'offer_paths', paths: [] }))).toBe('0000');
  });

  it('serve_static_invoice: the invoice bytes at 0 and the forward path at 2', () => {
    const invoice = fromHex('0a0548656c6c6f');
    const bytes = encodeAsyncOnionMessage({ type: 'serve_static_invoice', invoice, forwardInvoiceRequestPath: path });
    expect(toHex(bytes)).toBe(`0007${toHex(invoice)}02${lenHex(pathHex)}${pathHex}`);
    expect(decodeAsyncOnionMessage('serve_static_invoice', bytes)).toEqual({ type: 'serve_static_invoice', invoice, forwardInvoiceRequestPath: path });
  });

  it('the three empty messages are empty streams', () => {
    for (const type of ['static_invoice_persisted', 'held_htlc_available', 'release_held_htlc'] as const) {
      expect(encodeAsyncOnionMessage({ type })).toEqual(new Uint8Array(0));
      expect(decodeAsyncOnionMessage(type, new Uint8Array(0))).toEqual({ type });
      expect(decodeAsyncOnionMessage(type, fromHex('0100'))).toEqual({ type, unknownRecords: [{ type: 1n, value: new Uint8Array(0) }] });
      expect(codeOf(() => decodeAsyncOnionMessage(type, fromHex('0200')))).toBe('wire.tlv_unknown_even');
    }
  });

  it('LDK 0.2\'s form (impl_writeable_tlv_based!): the stream after its BigSize length; an empty message is 00', () => {
    const prefixed = { lengthPrefixed: true };
    for (const type of ['static_invoice_persisted', 'held_htlc_available', 'release_held_htlc'] as const) {
      expect(toHex(encodeAsyncOnionMessage({ type }, prefixed))).toBe('00');
      expect(decodeAsyncOnionMessage(type, fromHex('00'), prefixed)).toEqual({ type });
      // The bare empty stream has no length: LDK's reader fails on it (a short read), and so do we in its form.
      expect(codeOf(() => decodeAsyncOnionMessage(type, new Uint8Array(0), prefixed))).toBe('wire.eof');
    }
    expect(toHex(encodeAsyncOnionMessage({ type: 'offer_paths_request', invoiceSlot: 0x0102 }, prefixed))).toBe('0400020102');
    expect(decodeAsyncOnionMessage('offer_paths_request', fromHex('0400020102'), prefixed)).toEqual({ type: 'offer_paths_request', invoiceSlot: 0x0102 });
    // A length that is not what follows (LDK: the rest must be eaten exactly).
    expect(codeOf(() => decodeAsyncOnionMessage('offer_paths_request', fromHex('0500020102'), prefixed))).toBe('wire.bad_value');
    expect(codeOf(() => decodeAsyncOnionMessage('offer_paths_request', fromHex('040002010200'), prefixed))).toBe('wire.bad_value');
    fc.assert(
      fc.property(messageArb, (m) => {
        const bare = encodeAsyncOnionMessage(m);
        const bytes = encodeAsyncOnionMessage(m, prefixed);
        expect(decodeAsyncOnionMessage(m.type, bytes, prefixed)).toEqual(m);
        expect(bytes.subarray(bytes.length - bare.length)).toEqual(bare);
      }),
      { numRuns: 200 },
    );
  });

  it('bad input: a missing required field, a wrong length, trailing bytes, a path without hops', () => {
    expect(codeOf(() => decodeAsyncOnionMessage('offer_paths_request', new Uint8Array(0)))).toBe('wire.bad_value');
    expect(codeOf(() => decodeAsyncOnionMessage('offer_paths_request', fromHex('000101')))).toBe('wire.eof');
    expect(codeOf(() => decodeAsyncOnionMessage('offer_paths_request', fromHex('0003000100')))).toBe('wire.bad_value');
    expect(codeOf(() => decodeAsyncOnionMessage('offer_paths', fromHex('020400000000')))).toBe('wire.eof');
    expect(codeOf(() => decodeAsyncOnionMessage('serve_static_invoice', fromHex('0000')))).toBe('wire.bad_value');
    const noHops = toHex(encodeBlindedPath({ ...path, hops: [] }));
    expect(codeOf(() => decodeAsyncOnionMessage('offer_paths', fromHex(`00${lenHex(noHops)}${noHops}`)))).toBe('wire.bad_value');
    expect(codeOf(() => encodeAsyncOnionMessage({ type: 'offer_paths_request', invoiceSlot: 65536 }))).toBe('wire.bad_value');
    expect(codeOf(() => encodeAsyncOnionMessage({ type: 'offer_paths', paths: [{ ...path, hops: [] }] }))).toBe('wire.bad_value');
    expect(codeOf(() => encodeAsyncOnionMessage({ type: 'held_htlc_available', unknownRecords: [{ type: 4n, value: new Uint8Array(0) }] }))).toBe('wire.bad_value');
  });

  it('any message round-trips, and re-encoding gives the same bytes', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const bytes = encodeAsyncOnionMessage(m);
        const back = decodeAsyncOnionMessage(m.type, bytes);
        expect(back).toEqual(m);
        expect(encodeAsyncOnionMessage(back)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes, and cut or flipped encodings, give a message or a WireError', () => {
    const check = (type: AsyncOnionMessageType, bytes: Uint8Array) => {
      try {
        decodeAsyncOnionMessage(type, bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(WireError);
      }
    };
    fc.assert(fc.property(fc.constantFrom(...TYPES), fc.uint8Array({ maxLength: 300 }), check), { numRuns: 500 });
    fc.assert(
      fc.property(messageArb, fc.nat(), fc.nat(), (m, cut, flip) => {
        const bytes = encodeAsyncOnionMessage(m);
        check(m.type, bytes.subarray(0, cut % (bytes.length + 1)));
        if (bytes.length > 0) {
          const flipped = bytes.slice();
          flipped[flip % bytes.length]! ^= 0xff;
          check(m.type, flipped);
        }
      }),
      { numRuns: 300 },
    );
  });
});
