import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ApiError, METHOD_SCHEMAS, validate } from '../../../core/api';

const NODE = '02' + 'ab'.repeat(32);

describe('payment method schemas', () => {
  it('createInvoice takes a description, an optional msat amount (decimal string) and expiry', () => {
    validate(METHOD_SCHEMAS.createInvoice, { description: 'coffee' });
    validate(METHOD_SCHEMAS.createInvoice, { description: '', amountMsat: '1000', expirySeconds: 60 });
    for (const bad of [
      {}, { description: 'x', amountMsat: 1000 }, { description: 'x', amountMsat: '1.5' }, { description: 'x', amountMsat: '-1' },
      { description: 'x', expirySeconds: 0 }, { description: 'x'.repeat(640) }, { description: 'x', extra: true },
    ]) {
      expect(() => validate(METHOD_SCHEMAS.createInvoice, bad), JSON.stringify(bad)).toThrowError(ApiError);
    }
  });

  it('pay takes an invoice and optional amounts, timeout, payment id and wait', () => {
    validate(METHOD_SCHEMAS.pay, { invoice: 'lnbcrt1x' });
    validate(METHOD_SCHEMAS.pay, { invoice: 'lno1x', amountMsat: '5', maxFeeMsat: '0', timeoutSeconds: 10, paymentId: 'order-42', wait: false });
    for (const bad of [
      { invoice: '' }, { invoice: 'x', paymentId: 'has space' }, { invoice: 'x', paymentId: 'x'.repeat(65) }, { invoice: 'x', timeoutSeconds: 0 },
      { invoice: 'x', wait: 'no' }, { invoice: 'x', maxFeeMsat: 10 },
    ]) {
      expect(() => validate(METHOD_SCHEMAS.pay, bad), JSON.stringify(bad)).toThrowError(ApiError);
    }
  });

  it('getRoute takes a node id and an msat amount; the lists optional filters', () => {
    validate(METHOD_SCHEMAS.getRoute, { nodeId: NODE, amountMsat: '1000' });
    expect(() => validate(METHOD_SCHEMAS.getRoute, { nodeId: NODE.toUpperCase(), amountMsat: '1000' })).toThrowError(ApiError);
    validate(METHOD_SCHEMAS.listPayments, { status: 'failed', limit: 3 });
    validate(METHOD_SCHEMAS.listForwards, { status: 'fulfilled' });
    validate(METHOD_SCHEMAS.listBolt11Invoices, {});
    expect(() => validate(METHOD_SCHEMAS.listPayments, { status: 'done' })).toThrowError(ApiError);
    expect(() => validate(METHOD_SCHEMAS.listReceived, { limit: 0 })).toThrowError(ApiError);
  });

  it('any params either pass or fail with api.invalid_params', () => {
    for (const m of ['createInvoice', 'pay', 'getPayment', 'listPayments', 'listBolt11Invoices', 'listReceived', 'listForwards', 'getRoute'] as const) {
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
});
