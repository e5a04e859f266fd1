/**
 * invoice_error as LDK writes it. Regression (interop with LDK 0.2.7): LDK writes an invoice_error
 * as a length-prefixed TLV stream (a BigSize of the stream's length, then the stream: its
 * `write_tlv_fields!`), where BOLT 12 has the bare tlv_stream; we reported "an invoice_error that
 * does not decode" instead of LDK's reason. We read both forms; the bare one first.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildInvoiceError, decodeInvoiceError, encodeInvoiceError, lengthPrefixedInvoiceError, parseInvoiceErrorBytes } from '../../../core/offers';
import { decodeTlvStream, encodeBigSize, encodeTlvStream } from '../../../core/wire';
import { isGlasswingError } from '../../../core/errors';

const concat = (a: Uint8Array, b: Uint8Array) => Uint8Array.from([...a, ...b]);
const ldkForm = (stream: Uint8Array) => concat(encodeBigSize(stream.length), stream);

describe('invoice_error in LDK\'s length-prefixed form', () => {
  it('reads LDK\'s form: the same fields as the bare stream, the bytes as they came', () => {
    const bare = buildInvoiceError({ erroneousField: 82n, suggestedValue: Uint8Array.of(1, 2), error: 'Bolt12SemanticError::MissingPaths' });
    const prefixed = ldkForm(bare.bytes);
    const read = decodeInvoiceError(prefixed);
    expect(read).toMatchObject({ erroneousField: 82n, suggestedValue: Uint8Array.of(1, 2), error: 'Bolt12SemanticError::MissingPaths' });
    expect(read.bytes).toEqual(prefixed);
  });

  it('LDK\'s form with only the error string (its usual answer), long enough for a 3-byte BigSize prefix', () => {
    const message = 'x'.repeat(300);
    const stream = encodeTlvStream([{ type: 5n, value: new TextEncoder().encode(message) }]);
    expect(parseInvoiceErrorBytes(ldkForm(stream))).toMatchObject({ errors: [], value: { error: message } });
  });

  it('the bare BOLT 12 stream is read as before', () => {
    const bare = buildInvoiceError({ error: 'amount too low' });
    expect(parseInvoiceErrorBytes(bare.bytes)).toMatchObject({ errors: [], value: { error: 'amount too low' } });
  });

  it('any bytes: a value or typed errors, never an exception; every valid bare message reads the same', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      const r = parseInvoiceErrorBytes(bytes);
      expect(r.errors.every((e) => isGlasswingError(e))).toBe(true);
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 60 }), fc.option(fc.bigInt({ min: 0n, max: 1000n }), { nil: undefined }), (error, erroneousField) => {
      const e = buildInvoiceError({ error, ...(erroneousField !== undefined ? { erroneousField } : {}) });
      expect(parseInvoiceErrorBytes(e.bytes).value).toMatchObject({ error });
      expect(parseInvoiceErrorBytes(ldkForm(e.bytes)).value).toMatchObject({ error });
    }));
  });
});

describe('the invoice_error we send in LDK\'s form too (lengthPrefixedInvoiceError)', () => {
  const field = fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { nil: undefined });
  const message = fc.string({ minLength: 1, maxLength: 300 });

  it('property: it is LDK\'s form of the same message (our reader gets the same fields), and a BOLT 12 reader of the bare stream does not find it there', () => {
    fc.assert(
      fc.property(field, fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }), message, (erroneousField, suggested, error) => {
        const e = buildInvoiceError({ error, ...(erroneousField !== undefined ? { erroneousField, ...(suggested ? { suggestedValue: suggested } : {}) } : {}) });
        const prefixed = lengthPrefixedInvoiceError(encodeInvoiceError(e));
        expect(prefixed).toEqual(ldkForm(e.bytes));
        const read = decodeInvoiceError(prefixed);
        expect({ f: read.erroneousField, s: read.suggestedValue, m: read.error }).toEqual({ f: e.erroneousField, s: e.suggestedValue, m: e.error });
        // A BOLT 12 reader of the bare stream: the prefix reads as a record type, then the stream's own
        // (lower) types — refused, or at best unknown records without our error string.
        let sameMessage = false;
        try {
          const records = decodeTlvStream(prefixed, { isKnown: (t) => t === 1n || t === 3n || t === 5n });
          sameMessage = records.some((r) => r.type === 5n && new TextDecoder().decode(r.value) === error);
        } catch (x) {
          expect(isGlasswingError(x)).toBe(true);
        }
        expect(sameMessage).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
