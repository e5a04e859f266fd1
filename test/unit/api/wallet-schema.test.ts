import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ApiError, METHOD_SCHEMAS, validate } from '../../../core/api';

describe('wallet and chain method schemas', () => {
  it('withdraw takes an address, whole sat or "all", and an optional fee rate with up to 3 decimals', () => {
    const ok = { address: 'bcrt1qtr3ekemaglxdfy7292rxlnqd2zmf3txu4xamqy', amountSat: '1000' };
    validate(METHOD_SCHEMAS.withdraw, ok);
    validate(METHOD_SCHEMAS.withdraw, { ...ok, amountSat: 'all', feeRateSatVb: 1.125 });
    for (const bad of [
      { ...ok, amountSat: '12.5' }, { ...ok, amountSat: '0' }, { ...ok, amountSat: 1000 }, { ...ok, amountSat: '-1' },
      { ...ok, feeRateSatVb: 1.0001 }, { ...ok, feeRateSatVb: 0 }, { ...ok, feeRateSatVb: '2' }, { ...ok, feeRateSatVb: Number.NaN },
      { ...ok, address: 'has space in it x' }, { ...ok, extra: 1 }, { amountSat: '1' },
    ]) {
      expect(() => validate(METHOD_SCHEMAS.withdraw, bad), JSON.stringify(bad)).toThrowError(ApiError);
    }
  });

  it('bumpFee takes a lowercase txid; backupWords an optional passphrase; the rest nothing', () => {
    validate(METHOD_SCHEMAS.bumpFee, { txid: 'ab'.repeat(32), feeRateSatVb: 3 });
    expect(() => validate(METHOD_SCHEMAS.bumpFee, { txid: 'AB'.repeat(32) })).toThrowError(ApiError);
    validate(METHOD_SCHEMAS.backupWords, {});
    validate(METHOD_SCHEMAS.backupWords, { passphrase: 'pw' });
    for (const m of ['newAddress', 'getBalance', 'listFunds', 'listTransactions', 'chainInfo'] as const) {
      validate(METHOD_SCHEMAS[m], {});
      expect(() => validate(METHOD_SCHEMAS[m], { x: 1 })).toThrowError(ApiError);
    }
  });

  it('any params either pass or fail with api.invalid_params naming a path', () => {
    for (const m of ['withdraw', 'bumpFee', 'backupWords', 'updateSettings'] as const) {
      fc.assert(fc.property(fc.anything(), (params) => {
        try {
          validate(METHOD_SCHEMAS[m], params);
        } catch (e) {
          expect(e).toBeInstanceOf(ApiError);
          expect((e as ApiError).code).toBe('api.invalid_params');
        }
      }));
    }
  });

  it('updateSettings takes a chain source in one of three shapes', () => {
    validate(METHOD_SCHEMAS.updateSettings, { chain: { kind: 'none' } });
    validate(METHOD_SCHEMAS.updateSettings, { chain: { kind: 'bitcoind-rpc', rpcUrl: 'http://u:p@h:1' } });
    validate(METHOD_SCHEMAS.updateSettings, { chain: { kind: 'esplora' } });
    expect(() => validate(METHOD_SCHEMAS.updateSettings, { chain: { kind: 'esplora', rpcUrl: 'x' } })).toThrowError(ApiError);
    expect(() => validate(METHOD_SCHEMAS.updateSettings, { chain: { kind: 'bitcoind-rpc' } })).toThrowError(ApiError);
  });
});
