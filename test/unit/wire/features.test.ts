import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../core/crypto';
import { FEATURES, FeatureVector, featureByBit, featureByName, WireError } from '../../../core/wire';
import type { FeatureDefinition } from '../../../core/wire';

describe('BOLT 9 feature table', () => {
  it('lists every assigned feature with its even bit, in bit order', () => {
    expect(FEATURES.map((f) => `${f.bit}/${f.bit + 1} ${f.name}`)).toEqual([
      '0/1 option_data_loss_protect',
      '4/5 option_upfront_shutdown_script',
      '6/7 gossip_queries',
      '8/9 var_onion_optin',
      '10/11 gossip_queries_ex',
      '12/13 option_static_remotekey',
      '14/15 payment_secret',
      '16/17 basic_mpp',
      '18/19 option_support_large_channel',
      '22/23 option_anchors',
      '24/25 option_route_blinding',
      '26/27 option_shutdown_anysegwit',
      '28/29 option_dual_fund',
      '34/35 option_quiesce',
      '36/37 option_attribution_data',
      '38/39 option_onion_messages',
      '42/43 option_provide_storage',
      '44/45 option_channel_type',
      '46/47 option_scid_alias',
      '48/49 option_payment_metadata',
      '50/51 option_zeroconf',
      '52/53 option_htlc_hold',
      '60/61 option_simple_close',
      '62/63 option_splice',
      '152/153 option_htlc_hold_ldk',
    ]);
  });

  it('marks exactly 0/1, 8/9, 12/13, 14/15 and 44/45 as ASSUMED, with no context', () => {
    const assumed = FEATURES.filter((f) => f.assumed);
    expect(assumed.map((f) => f.bit)).toEqual([0, 8, 12, 14, 44]);
    for (const f of assumed) expect(f.contexts).toEqual([]);
  });

  it('records the contexts and dependencies BOLT 9 gives', () => {
    expect(featureByName('basic_mpp')).toMatchObject({ contexts: ['I', 'N', '9'], dependencies: ['payment_secret'] });
    expect(featureByName('option_anchors')?.contexts).toEqual(['I', 'N', 'T']);
    expect(featureByName('option_payment_metadata')?.contexts).toEqual(['9']);
    expect(featureByName('option_zeroconf')?.dependencies).toEqual(['option_scid_alias']);
    expect(featureByName('option_simple_close')?.dependencies).toEqual(['option_shutdown_anysegwit']);
    expect(featureByName('gossip_queries')?.contexts).toEqual([]);
    // async payments' HTLC holding, not in BOLT 9 yet: the draft's bit and LDK's (core/wire/async-payments.ts)
    expect(featureByName('option_htlc_hold')).toMatchObject({ bit: 52, contexts: ['I', 'N'], dependencies: ['option_onion_messages'] });
    expect(featureByName('option_htlc_hold_ldk')).toMatchObject({ bit: 152, contexts: ['I', 'N'], dependencies: [] });
    // every dependency names a feature of the table
    for (const f of FEATURES) for (const d of f.dependencies) expect(featureByName(d)).toBeDefined();
  });

  it('finds a feature from either of its bits', () => {
    expect(featureByBit(38)?.name).toBe('option_onion_messages');
    expect(featureByBit(39)?.name).toBe('option_onion_messages');
    expect(featureByBit(2)).toBeUndefined();
  });
});

describe('FeatureVector encoding', () => {
  it('numbers bits from the least significant bit of the last byte', () => {
    expect(toHex(FeatureVector.fromBits([0]).encode())).toBe('01');
    expect(toHex(FeatureVector.fromBits([9]).encode())).toBe('0200');
    expect(toHex(FeatureVector.fromBits([15, 17, 19]).encode())).toBe('0a8000');
    expect(toHex(FeatureVector.EMPTY.encode())).toBe('');
  });

  it('decodes padded bitmaps and re-encodes them at their minimal length', () => {
    const v = FeatureVector.decode(fromHex('000000028000'));
    expect(v.bits()).toEqual([15, 17]);
    expect(toHex(v.encode())).toBe('028000');
    expect(FeatureVector.decode(fromHex('0000')).isEmpty).toBe(true);
  });

  it('decode(encode(v)) = v, and the encoding never starts with a zero byte', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 1000n) - 1n }), (mask) => {
        const v = FeatureVector.fromBitmask(mask);
        const enc = v.encode();
        expect(FeatureVector.decode(enc).equals(v)).toBe(true);
        if (enc.length > 0) expect(enc[0]).not.toBe(0);
        expect(FeatureVector.fromBits(v.bits()).equals(v)).toBe(true);
      }),
    );
  });

  it('handles the largest possible field (65535 bytes, every bit set)', () => {
    const v = FeatureVector.decode(new Uint8Array(65535).fill(0xff));
    const bits = v.bits();
    expect(bits).toHaveLength(65535 * 8);
    expect(bits[bits.length - 1]).toBe(65535 * 8 - 1);
    expect(v.encode()).toHaveLength(65535);
  });
});

describe('FeatureVector queries and builders', () => {
  it('tells required (even) from optional (odd), and treats both bits set as required', () => {
    const v = FeatureVector.fromFeatures({ var_onion_optin: 'required', option_onion_messages: 'optional' });
    expect(v.bits()).toEqual([8, 39]);
    expect(v.isRequired('var_onion_optin')).toBe(true);
    expect(v.isOptional('option_onion_messages')).toBe(true);
    expect(v.has('option_route_blinding')).toBe(false);
    const both = FeatureVector.fromBits([38, 39]);
    expect(both.isRequired('option_onion_messages')).toBe(true);
    expect(both.isOptional('option_onion_messages')).toBe(false);
  });

  it('is immutable: withFeature returns a new vector and clears the other bit of the pair', () => {
    const a = FeatureVector.fromFeatures({ option_anchors: 'optional' });
    const b = a.withFeature('option_anchors', 'required');
    expect(a.bits()).toEqual([23]);
    expect(b.bits()).toEqual([22]);
    expect(b.withoutFeature('option_anchors').isEmpty).toBe(true);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('refuses feature names it does not know', () => {
    expect(() => FeatureVector.fromFeatures({ option_made_up: 'optional' })).toThrow(WireError);
    expect(() => FeatureVector.EMPTY.has('option_made_up')).toThrow(WireError);
  });

  it('lists set features by name once, and unknown bits as unknown_N', () => {
    const v = FeatureVector.fromBits([8, 9, 39, 100, 101]);
    expect(v.names()).toEqual(['var_onion_optin', 'option_onion_messages', 'unknown_100', 'unknown_101']);
  });

  it('merges init globalfeatures and features with a bitwise OR (BOLT 1)', () => {
    const merged = FeatureVector.mergeInit(FeatureVector.fromBits([1, 5]), FeatureVector.fromBits([5, 39]));
    expect(merged.bits()).toEqual([1, 5, 39]);
  });
});

describe('BOLT 1: unknown required features', () => {
  it('reports unknown even bits and ignores unknown odd ones', () => {
    const v = FeatureVector.fromBits([8, 20, 21, 41, 200]);
    expect(v.unknownRequiredBits()).toEqual([20, 200]);
  });

  it('judges against the table the caller passes (the features this node implements)', () => {
    const implemented: FeatureDefinition[] = FEATURES.filter((f) => ['var_onion_optin', 'option_onion_messages'].includes(f.name));
    const peer = FeatureVector.fromFeatures({ var_onion_optin: 'required', option_anchors: 'required', option_quiesce: 'optional' });
    expect(peer.unknownRequiredBits(implemented)).toEqual([22]);
  });
});

describe('BOLT 9: dependencies', () => {
  it('finds a feature set without its dependency', () => {
    const v = FeatureVector.fromFeatures({ option_zeroconf: 'optional', option_simple_close: 'required' });
    expect(v.missingDependencies()).toEqual([
      { feature: 'option_zeroconf', missing: 'option_scid_alias' },
      { feature: 'option_simple_close', missing: 'option_shutdown_anysegwit' },
    ]);
    let code = '';
    try {
      v.assertDependencies();
    } catch (e) {
      code = (e as WireError).code;
    }
    expect(code).toBe('wire.missing_dependency');
  });

  it('is satisfied by either bit of the dependency', () => {
    const v = FeatureVector.fromFeatures({ option_zeroconf: 'optional', option_scid_alias: 'required' });
    expect(v.missingDependencies()).toEqual([]);
    expect(() => v.assertDependencies()).not.toThrow();
  });

  it('counts an ASSUMED dependency as met unless asked not to', () => {
    const v = FeatureVector.fromFeatures({ basic_mpp: 'optional' });
    expect(v.missingDependencies()).toEqual([]);
    expect(v.missingDependencies(FEATURES, false)).toEqual([{ feature: 'basic_mpp', missing: 'payment_secret' }]);
  });
});

describe('BOLT 9: contexts', () => {
  it('flags known features set where their context column does not allow them', () => {
    const invoice = FeatureVector.fromFeatures({ basic_mpp: 'optional', option_onion_messages: 'optional', var_onion_optin: 'required' });
    expect(invoice.misplacedFeatures('9')).toEqual(['option_onion_messages']);
    const init = FeatureVector.fromFeatures({ option_payment_metadata: 'optional', option_anchors: 'optional' });
    expect(init.misplacedFeatures('I')).toEqual(['option_payment_metadata']);
  });
});
