import { describe, expect, it } from 'vitest';
import { describeBolt11 } from '../../../core/invoices';
import { FeatureVector } from '../../../core/wire';
import { baseFields, invoiceString } from './fixtures';

describe('describeBolt11', () => {
  const s = invoiceString([...baseFields(), { tag: 'x', expirySeconds: 60 }], { network: 'regtest', amountMsat: 5000n, timestamp: 1000 });

  it('names the fields, the payee and the signature, and drops a lightning: scheme', () => {
    const d = describeBolt11('lightning:' + s.toUpperCase());
    expect(d).toMatchObject({
      kind: 'bolt11_invoice',
      valid: true,
      errors: [],
      fields: {
        prefix: 'lnbcrt',
        network: 'regtest',
        amount_msat: '5000',
        timestamp: 1000,
        timestamp_utc: '1970-01-01T00:16:40.000Z',
        description: 'coffee',
        expiry: 60,
        expires_at: 1060,
        min_final_cltv_expiry_delta: 18,
        features: { bits: [8, 14], names: ['var_onion_optin', 'payment_secret'] },
        payee_pubkey_from: 'recovery',
        field_order: 'psd9x',
      },
    });
  });

  it('reports expiry and the network only when given a clock and a list of networks', () => {
    expect(describeBolt11(s, { nowSeconds: 1060 })).toMatchObject({ valid: true, fields: { expired: false } });
    expect(describeBolt11(s, { nowSeconds: 1061 })).toMatchObject({ valid: false, fields: { expired: true }, errors: [{ code: 'bolt11.expired', family: 'semantic' }] });
    expect(describeBolt11(s, { networks: ['mainnet'] }).errors).toEqual([expect.objectContaining({ code: 'bolt11.unsupported_network' })]);
    expect(describeBolt11(s, { networks: ['regtest'] }).valid).toBe(true);
  });

  it('keeps the fields of an invoice that breaks a reader requirement, with every error', () => {
    const bad = invoiceString([{ tag: 'd', description: 'tea' }, { tag: '9', features: FeatureVector.fromBits([8, 14, 300]) }]);
    const d = describeBolt11(bad);
    expect(d.valid).toBe(false);
    expect(d.fields).toMatchObject({ description: 'tea', features: { bits: [8, 14, 300], names: ['var_onion_optin', 'payment_secret', 'unknown_300'] } });
    expect(d.errors.map((e) => e.code)).toEqual(['bolt11.no_payment_hash', 'bolt11.no_payment_secret', 'bolt11.unknown_required_feature']);
    expect(d.errors[2]).toMatchObject({ bits: [300], explanation: expect.stringContaining('unknown even feature bit') });
  });

  it('describes a string that does not parse by its one parse error', () => {
    expect(describeBolt11('lnbc1qqqbqqqqqq')).toEqual({
      kind: 'bolt11_invoice',
      valid: false,
      fields: {},
      errors: [expect.objectContaining({ code: 'bolt11.invalid_character', family: 'parse' })],
    });
    expect(describeBolt11(undefined as unknown as string).errors[0]!.code).toBe('bolt11.not_a_string');
  });
});
