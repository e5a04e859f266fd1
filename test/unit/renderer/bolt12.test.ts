import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadVectors } from '../../support/vectors';
import { decodeBolt12 } from '../../../core/offers/describe';
import { BOLT12_FIELDS, displayField, fieldNameOfType, fieldNamedIn, suggestionText } from '../../../renderer/src/lib/bolt12-fields';
import { bolt12Layout, locateBolt12Error, markPieces } from '../../../renderer/src/lib/bolt12-locate';

interface OfferVector {
  description: string;
  valid: boolean;
  bolt12: string;
  fields?: { type: number; length: number; hex: string }[];
}
interface FormatVector {
  comment: string;
  valid: boolean;
  string: string;
}

const offers = loadVectors<OfferVector[]>('bolt12/offers-test.json');
const formats = loadVectors<FormatVector[]>('bolt12/format-string-test.json');
const NOW = Date.UTC(2026, 0, 1);
const describe12 = (s: string) => decodeBolt12(s, { nowSeconds: BigInt(Math.floor(NOW / 1000)) } as never);

describe('BOLT 12 fields', () => {
  it('names every field the decoder reports for the valid vectors', () => {
    for (const v of offers.filter((x) => x.valid)) {
      for (const name of Object.keys(describe12(v.bolt12).fields)) expect(BOLT12_FIELDS[name], `${v.description}: ${name}`).toBeDefined();
    }
  });

  it('maps TLV types back to names and finds whole field names in messages', () => {
    expect(fieldNameOfType(86)).toBe('invreq_quantity');
    expect(fieldNameOfType('22')).toBe('offer_issuer_id');
    expect(fieldNameOfType(9999)).toBeNull();
    expect(fieldNamedIn('offer_issuer_id: not a point')).toBe('offer_issuer_id');
    expect(fieldNamedIn('offer_issuer: bad utf8')).toBe('offer_issuer');
    // `error` inside `invoice_error` is not the error field.
    expect(fieldNamedIn('an invoice_error arrived')).toBeNull();
  });

  it('shows values in words: amounts, quantities, times, paths', () => {
    expect(displayField('offer_amount', '50000', {}, NOW).text).toBe('50 sat (50000 msat)');
    expect(displayField('offer_amount', '100', { offer_currency: 'USD' }, NOW).text).toBe('100 (smallest unit of USD)');
    expect(displayField('offer_quantity_max', '0', {}, NOW).text).toBe('any number of items');
    expect(displayField('offer_absolute_expiry', { seconds: String(NOW / 1000 + 3600), utc: new Date(NOW + 3600_000).toISOString() }, {}, NOW).text).toBe(
      '2026-01-01 01:00:00 UTC (in 1 h)',
    );
    const paths = displayField('offer_paths', [{ first_node_id: '02aa', num_hops: 2 }, { first_node_id: { short_channel_id: '1x2x3', direction: 0 }, num_hops: 1 }], {}, NOW);
    expect(paths.text).toBe('2 paths');
    expect(paths.more).toEqual(['path 1: 2 hops from 02aa', 'path 2: 1 hop from channel 1x2x3 (side 0)']);
    expect(displayField('offer_features', { hex: '', bits: [] }, {}, NOW).text).toBe('none set');
    expect(displayField('erroneous_field', '86', {}, NOW).text).toBe('86 (invreq_quantity)');
  });

  it('reads an invoice_error suggested value as the field it is for', () => {
    expect(suggestionText('82', '3a98')).toBe('15 sat (15000 msat)');
    expect(suggestionText('86', '03')).toBe('3');
    expect(suggestionText('80', 'abcd')).toBe('abcd');
    expect(suggestionText(null, null)).toBeNull();
  });
});

describe('BOLT 12 layout: where each record sits in the string', () => {
  it('finds every record of the valid offer vectors, in order', () => {
    for (const v of offers.filter((x) => x.valid && x.fields)) {
      const layout = bolt12Layout(v.bolt12);
      expect(layout.broken, v.description).toBeNull();
      expect(layout.records.map((r) => Number(r.type)), v.description).toEqual(v.fields!.map((f) => f.type));
      expect(layout.prefix).toEqual({ start: 0, end: 3 });
    }
  });

  it('reads through + continuations, whitespace and upper case', () => {
    const base = bolt12Layout(formats[0]!.string).records.map((r) => r.type);
    for (const v of formats.filter((x) => x.valid)) expect(bolt12Layout(v.string).records.map((r) => r.type), v.comment).toEqual(base);
  });

  it('gives record ranges that cover the record’s characters', () => {
    const v = offers.find((x) => x.description === 'with description (but no amount)')!;
    const layout = bolt12Layout(v.bolt12);
    const description = layout.records.find((r) => r.type === '10')!;
    const issuer = layout.records.find((r) => r.type === '22')!;
    expect(description.start).toBe(4);
    expect(description.end).toBeLessThanOrEqual(issuer.start + 1);
    expect(issuer.end).toBe(v.bolt12.length);
  });

  it('never throws, and ranges stay inside the input (property)', () => {
    const alphabet = fc.constantFrom(...'lno1qpzry9x8gf2tvdw0s3jn54khce6mua7l+ bBIO'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 200 }).map((a) => a.join('')), (s) => {
        const layout = bolt12Layout(s);
        const inside = (r: { start: number; end: number } | null) => r === null || (r.start >= 0 && r.start <= r.end && r.end <= s.length);
        return layout.records.every(inside) && inside(layout.broken) && inside(layout.prefix);
      }),
    );
  });
});

describe('BOLT 12 errors located in the pasted string', () => {
  it('marks the mixed-case letter, the foreign character and the stray +', () => {
    const mixed = formats.find((x) => x.comment === 'Mixed case is invalid')!.string;
    const spot = locateBolt12Error(mixed, describe12(mixed).errors[0]!);
    expect(spot.range).toEqual({ start: 1, end: 2 }); // "LnO": the lower-case n
    const bad = offers[0]!.bolt12.slice(0, 20) + 'b' + offers[0]!.bolt12.slice(20);
    const e = describe12(bad).errors[0]!;
    expect(e.code).toBe('bolt12.parse.invalid_character');
    expect(locateBolt12Error(bad, e).range).toEqual({ start: 20, end: 21 });
    for (const v of formats.filter((x) => !x.valid)) {
      const err = describe12(v.string).errors[0]!;
      const s = locateBolt12Error(v.string, err);
      if (err.code === 'bolt12.parse.bad_continuation') expect(v.string[s.range!.start], v.comment).toBe('+');
    }
  });

  it('marks the record of an unknown even type and the records a semantic error names', () => {
    const v = offers.find((x) => x.description === 'Malformed: unknown even TLV type 78')!;
    const err = describe12(v.bolt12).errors.find((x) => x.code === 'bolt12.parse.unknown_even_type')!;
    const spot = locateBolt12Error(v.bolt12, err);
    // (The vector's title says 78; the record it carries is type 72, as the decoder reports.)
    expect(spot.recordType).toBe(/type (\d+)/.exec(err.message)![1]);
    const span = bolt12Layout(v.bolt12).records.find((r) => r.type === spot.recordType)!;
    expect(span.end - span.start).toBeGreaterThan(50);
    expect(spot.range).toEqual({ start: span.start, end: span.end });
    // An amount without a description: the error names offer_description, which is absent.
    for (const o of offers.filter((x) => !x.valid)) {
      for (const e2 of describe12(o.bolt12).errors) {
        const s = locateBolt12Error(o.bolt12, e2);
        if (s.range) expect(s.range.end, `${o.description}: ${e2.code}`).toBeLessThanOrEqual(o.bolt12.length);
      }
    }
    const missing = locateBolt12Error('lno1xyz', { code: 'offer.missing_description', message: 'offer_amount is set but offer_description is not' });
    expect(missing.field).toBe('offer_amount');
  });

  it('marks where a truncated stream breaks', () => {
    const v = offers.find((x) => x.description === 'Malformed: truncated after length')!;
    const err = describe12(v.bolt12).errors[0]!;
    expect(err.code).toBe('bolt12.parse.bad_tlv');
    expect(locateBolt12Error(v.bolt12, err).range).toEqual({ start: 4, end: v.bolt12.length });
  });

  it('locates every error of every invalid vector without throwing', () => {
    for (const v of [...offers.filter((x) => !x.valid).map((x) => x.bolt12), ...formats.filter((x) => !x.valid).map((x) => x.string)]) {
      for (const e of describe12(v).errors) expect(() => locateBolt12Error(v, e)).not.toThrow();
    }
  });

  it('splits a string into plain and marked pieces that join back to it', () => {
    const pieces = markPieces('abcdefgh', [{ start: 2, end: 4 }, null, { start: 3, end: 6 }]);
    expect(pieces).toEqual([
      { text: 'ab', marks: [] },
      { text: 'c', marks: [1] },
      { text: 'd', marks: [1, 3] },
      { text: 'ef', marks: [3] },
      { text: 'gh', marks: [] },
    ]);
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.array(fc.tuple(fc.nat(50), fc.nat(50)), { maxLength: 4 }), (s, rs) => {
        const ranges = rs.map(([a, b]) => ({ start: Math.min(a, b), end: Math.max(a, b) }));
        return markPieces(s, ranges).map((p) => p.text).join('') === s;
      }),
    );
  });
});
