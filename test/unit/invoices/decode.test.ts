import { describe, expect, it } from 'vitest';
import { bech32 } from '@scure/base';
import { bytesToBigint, ecdsaSignRecoverable, publicKeyFromPrivate, sha256, toHex, utf8, bigintToBytes, CURVE_ORDER } from '../../../core/crypto';
import type { Bolt11Field } from '../../../core/invoices';
import {
  Bolt11ParseError,
  Bolt11SemanticError,
  analyzeBolt11,
  assertBolt11Description,
  bolt11ExpiresAt,
  bytesToWords,
  decodeBolt11,
  encodeUnsignedBolt11,
  isBolt11Expired,
} from '../../../core/invoices';
import { FeatureVector } from '../../../core/wire';
import { NODE_ID, NODE_KEY, OTHER_KEY, PAYMENT_HASH, baseFields, invoiceString, raw } from './fixtures';

function codeOf(input: string, opts = {}): string | undefined {
  return analyzeBolt11(input, opts).errors[0]?.code;
}

/** The first base field replaced by `field` (or `field` added when its tag is new). */
function withField(field: Bolt11Field): Bolt11Field[] {
  return [...baseFields(), field];
}

describe('decodeBolt11: the string', () => {
  it('decodes a minimal invoice and recovers the signer as payee', () => {
    const inv = decodeBolt11(invoiceString(baseFields()));
    expect(toHex(inv.paymentHash)).toBe(toHex(PAYMENT_HASH));
    expect(inv.description).toBe('coffee');
    expect(toHex(inv.payeeNodeId)).toBe(toHex(NODE_ID));
    expect(inv.payeeNodeIdFrom).toBe('recovery');
    expect(inv.amountMsat).toBeUndefined();
    expect(inv.expirySeconds).toBe(3600);
    expect(inv.minFinalCltvExpiryDelta).toBe(18);
  });

  it('accepts an all upper-case string and strings far beyond 90 characters', () => {
    const s = invoiceString(withField({ tag: 'm', metadata: new Uint8Array(600) }));
    expect(s.length).toBeGreaterThan(1000);
    expect(toHex(decodeBolt11(s.toUpperCase()).signingHash)).toBe(toHex(decodeBolt11(s).signingHash));
  });

  it('rejects characters outside printable ASCII or the bech32 alphabet, and empty prefixes', () => {
    const s = invoiceString(baseFields());
    expect(codeOf(s + ' ')).toBe('bolt11.invalid_character');
    expect(codeOf(s.replace('q', 'b'))).toBe('bolt11.invalid_character'); // 'b' is not in the alphabet
    expect(codeOf(s.slice(4))).toBe('bolt11.no_separator'); // starts with "1"
    expect(codeOf('lnbc1qqqqq')).toBe('bolt11.too_short');
    expect(codeOf(123 as unknown as string)).toBe('bolt11.not_a_string');
  });

  it('rejects a data part shorter than timestamp and signature, and a field that runs into the signature', () => {
    // 110 words with a valid checksum.
    expect(codeOf(bech32.encode('lnbc', new Array(110).fill(0), false))).toBe('bolt11.too_short');
    // A d field claiming 100 words where 5 remain before the signature.
    const words = [...new Array(7).fill(1), 13, 3, 4, 1, 1, 1, 1, 1, ...new Array(104).fill(0)];
    expect(codeOf(bech32.encode('lnbc', words, false))).toBe('bolt11.truncated_field');
    // Two words left: not even a field header.
    const header = [...new Array(7).fill(1), 13, 0, ...new Array(104).fill(0)];
    expect(codeOf(bech32.encode('lnbc', header, false))).toBe('bolt11.truncated_field');
  });

  it('rejects a recovery id above 3', () => {
    const unsigned = encodeUnsignedBolt11({ network: 'mainnet', timestamp: 1, fields: baseFields() });
    const s = unsigned.encode({ rs: unsigned.signatureBy(NODE_KEY).rs, recoveryId: 4 });
    expect(codeOf(s)).toBe('bolt11.invalid_recovery_id');
  });
});

describe('decodeBolt11: tagged fields', () => {
  it('fails p, s, h of data_length other than 52 and n other than 53, unless told to skip them', () => {
    for (const [tag, length] of [['p', 51], ['s', 53], ['h', 0], ['n', 52]] as const) {
      const s = invoiceString([raw(tag, new Array(length).fill(0)), ...baseFields()]);
      expect(analyzeBolt11(s).errors[0]).toMatchObject({ code: 'bolt11.bad_field_length', details: { tag, dataLength: length } });
      const skipped = decodeBolt11(s, { fixedLengthFields: 'skip' });
      expect(skipped.fields[0]).toMatchObject({ tag: 'skipped', reason: 'wrong_length' });
    }
  });

  it('skips unknown types and f fields of unknown versions, keeping them in place', () => {
    const inv = decodeBolt11(invoiceString([raw('f', [19, 1, 2]), ...baseFields(), { tag: 'skipped', type: 0, words: Uint8Array.of(7), reason: 'unknown_field' }]));
    expect(inv.fields[0]).toMatchObject({ tag: 'skipped', type: 9, reason: 'unknown_fallback_version' });
    expect(inv.fields.at(-1)).toMatchObject({ tag: 'skipped', type: 0, reason: 'unknown_field' });
    expect(inv.fallbacks).toEqual([]);
  });

  it('uses the first of repeated single-valued fields', () => {
    const second = sha256(new Uint8Array([9]));
    const inv = decodeBolt11(invoiceString([...baseFields(), { tag: 'p', paymentHash: second }, { tag: 'x', expirySeconds: 10 }, { tag: 'x', expirySeconds: 20 }]));
    expect(toHex(inv.paymentHash)).toBe(toHex(PAYMENT_HASH));
    expect(inv.expirySeconds).toBe(10);
  });

  it('rejects non-zero padding bits and padding of 5 bits or more', () => {
    const hashWords = Array.from(bytesToWords(PAYMENT_HASH));
    hashWords[51] = hashWords[51]! | 1; // 52 words = 256 bits + 4 padding bits; set the last one
    expect(codeOf(invoiceString([raw('p', hashWords), ...baseFields().slice(1)]))).toBe('bolt11.bad_padding');
    // A d field of one word: 5 leftover bits.
    expect(codeOf(invoiceString([...baseFields().filter((f) => f.tag !== 'd'), raw('d', [0])]))).toBe('bolt11.bad_padding');
  });

  it('rejects a d field that is not UTF-8', () => {
    const d = raw('d', Array.from(bytesToWords(Uint8Array.of(0xff, 0xfe))));
    expect(codeOf(invoiceString([...baseFields().filter((f) => f.tag !== 'd'), d]))).toBe('bolt11.invalid_description');
  });

  it('rejects an n field that is not a point', () => {
    const notAPoint = new Uint8Array(33).fill(0xff);
    notAPoint[0] = 2;
    expect(codeOf(invoiceString(withField(raw('n', Array.from(bytesToWords(notAPoint))))))).toBe('bolt11.invalid_node_id');
  });

  it('treats c, x and 9 beginning with a 0 field element as invalid', () => {
    for (const tag of ['c', 'x'] as const) expect(codeOf(invoiceString(withField(raw(tag, [0, 9]))))).toBe('bolt11.non_minimal_field');
    const nine = raw('9', [0, 1, 0, 0]);
    expect(codeOf(invoiceString([...baseFields().filter((f) => f.tag !== '9'), nine]))).toBe('bolt11.non_minimal_field');
  });

  it('reads x and c as big-endian integers up to 2^53 - 1', () => {
    const inv = decodeBolt11(invoiceString(withField({ tag: 'x', expirySeconds: Number.MAX_SAFE_INTEGER })));
    expect(inv.expirySeconds).toBe(Number.MAX_SAFE_INTEGER);
    expect(codeOf(invoiceString(withField(raw('x', new Array(11).fill(31)))))).toBe('bolt11.field_too_large');
    expect(decodeBolt11(invoiceString(withField({ tag: 'c', minFinalCltvExpiryDelta: 0 }))).minFinalCltvExpiryDelta).toBe(0);
  });

  it('rejects f fields of known versions with invalid programs', () => {
    for (const [version, bytes] of [[17, 19], [18, 21], [0, 25], [1, 1], [16, 41]] as const) {
      const f = raw('f', [version, ...bytesToWords(new Uint8Array(bytes).fill(1))]);
      expect(codeOf(invoiceString(withField(f)))).toBe('bolt11.invalid_fallback');
    }
    expect(codeOf(invoiceString(withField(raw('f', []))))).toBe('bolt11.invalid_fallback');
  });

  it('rejects r fields that are empty, not whole entries, or name an invalid key', () => {
    expect(codeOf(invoiceString(withField(raw('r', []))))).toBe('bolt11.invalid_route_hint');
    expect(codeOf(invoiceString(withField(raw('r', Array.from(bytesToWords(new Uint8Array(50)))))))).toBe('bolt11.invalid_route_hint');
    const entry = new Uint8Array(51);
    entry[0] = 2; // x = 0 is not on the curve
    expect(codeOf(invoiceString(withField(raw('r', Array.from(bytesToWords(entry))))))).toBe('bolt11.invalid_route_hint');
  });
});

describe('decodeBolt11: reader requirements', () => {
  const without = (tag: string) => baseFields().filter((f) => f.tag !== tag);

  it('fails without p, without s, without d or h, and with both', () => {
    expect(codeOf(invoiceString(without('p')))).toBe('bolt11.no_payment_hash');
    expect(codeOf(invoiceString(without('s')))).toBe('bolt11.no_payment_secret');
    expect(codeOf(invoiceString(without('d')))).toBe('bolt11.no_description');
    expect(codeOf(invoiceString(withField({ tag: 'h', descriptionHash: sha256(utf8.encode('coffee')) })))).toBe('bolt11.both_descriptions');
  });

  it('collects every semantic error, and throws the first as a Bolt11SemanticError', () => {
    const s = invoiceString([{ tag: '9', features: FeatureVector.fromBits([8, 14, 200]) }]);
    expect(analyzeBolt11(s).errors.map((e) => e.code)).toEqual([
      'bolt11.no_payment_hash',
      'bolt11.no_payment_secret',
      'bolt11.no_description',
      'bolt11.unknown_required_feature',
    ]);
    expect(() => decodeBolt11(s)).toThrow(Bolt11SemanticError);
  });

  it('ignores unknown odd feature bits and fails unknown even ones, naming them', () => {
    const odd = decodeBolt11(invoiceString([...without('9'), { tag: '9', features: FeatureVector.fromBits([8, 14, 1001]) }]));
    expect(odd.features.bits()).toEqual([8, 14, 1001]);
    const even = analyzeBolt11(invoiceString([...without('9'), { tag: '9', features: FeatureVector.fromBits([8, 14, 1000, 1002]) }]));
    expect(even.errors[0]).toMatchObject({ code: 'bolt11.unknown_required_feature', details: { bits: [1000, 1002] } });
  });

  it('accepts an invoice with no 9 field as having no features', () => {
    expect(decodeBolt11(invoiceString(without('9'))).features.isEmpty).toBe(true);
  });

  it('fails a feature vector missing a known dependency', () => {
    // option_zeroconf (50) depends on option_scid_alias (46), which is not ASSUMED.
    const s = invoiceString([...without('9'), { tag: '9', features: FeatureVector.fromBits([8, 14, 51]) }]);
    expect(codeOf(s)).toBe('bolt11.missing_feature_dependency');
  });

  it('with an n field: verifies against it instead of recovering, and fails a signature by another key', () => {
    const good = decodeBolt11(invoiceString(withField({ tag: 'n', payeeNodeId: NODE_ID })));
    expect(good.payeeNodeIdFrom).toBe('n_field');
    expect(toHex(good.payeeNodeId)).toBe(toHex(NODE_ID));
    // Signed by another key while n names NODE_ID (signatureBy checks typed n fields, so write n raw).
    const forged = invoiceString(withField(raw('n', Array.from(bytesToWords(NODE_ID)))), { key: OTHER_KEY });
    expect(codeOf(forged)).toBe('bolt11.invalid_signature');
    // Without n, the same forgery simply names the other key as payee.
    expect(toHex(decodeBolt11(invoiceString(baseFields(), { key: OTHER_KEY })).payeeNodeId)).toBe(toHex(publicKeyFromPrivate(OTHER_KEY)));
  });

  it('with an n field: fails a high-S signature; without one: recovers from it', () => {
    for (const withN of [true, false]) {
      const fields = withN ? withField({ tag: 'n', payeeNodeId: NODE_ID }) : baseFields();
      const unsigned = encodeUnsignedBolt11({ network: 'mainnet', timestamp: 5, fields });
      const low = ecdsaSignRecoverable(unsigned.signingHash, NODE_KEY);
      const high = new Uint8Array(64);
      high.set(low.signature.subarray(0, 32));
      high.set(bigintToBytes(CURVE_ORDER - bytesToBigint(low.signature.subarray(32)), 32), 32);
      const s = unsigned.encode({ rs: high, recoveryId: low.recoveryId ^ 1 });
      if (withN) expect(codeOf(s)).toBe('bolt11.high_s_signature');
      else expect(toHex(decodeBolt11(s).payeeNodeId)).toBe(toHex(NODE_ID));
    }
  });

  it('checks a description against h, or against d', () => {
    const text = 'a long list of things';
    const hashed = decodeBolt11(invoiceString([...without('d'), { tag: 'h', descriptionHash: sha256(utf8.encode(text)) }]));
    expect(() => assertBolt11Description(hashed, text)).not.toThrow();
    expect(() => assertBolt11Description(hashed, text + '.')).toThrow(expect.objectContaining({ code: 'bolt11.description_hash_mismatch' }));
    const plain = decodeBolt11(invoiceString(baseFields()));
    expect(() => assertBolt11Description(plain, 'coffee')).not.toThrow();
    expect(() => assertBolt11Description(plain, 'tea')).toThrow(Bolt11SemanticError);
  });

  it('says when timestamp + expiry has passed', () => {
    const inv = decodeBolt11(invoiceString(withField({ tag: 'x', expirySeconds: 60 }), { timestamp: 1000 }));
    expect(bolt11ExpiresAt(inv)).toBe(1060);
    expect(isBolt11Expired(inv, 1060)).toBe(false);
    expect(isBolt11Expired(inv, 1061)).toBe(true);
  });

  it('throws only Bolt11ParseError for a string that does not parse', () => {
    expect(() => decodeBolt11('lnbc1')).toThrow(Bolt11ParseError);
  });
});
