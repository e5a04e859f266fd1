/**
 * The `decode` method of the NodeApi: any BOLT 11 or BOLT 12 string, told apart by its prefix
 * (`looksLikeBolt11`), judged against the node's network and clock. The descriptions are the
 * layers' own (core/invoices' `describeBolt11`, core/offers' `decodeBolt12`); `decodeBolt12`
 * stays for BOLT 12 strings only.
 */
import { s, type Schema } from './schema';
import type { Bolt11Description } from '../invoices/bolt11/description';
import type { Bolt12Decoded } from '../offers/types';

export type { Bolt11Description, Bolt11ErrorDescription } from '../invoices/bolt11/description';

export type DecodeResult =
  | { readonly kind: 'bolt11'; readonly bolt11: Bolt11Description }
  | { readonly kind: 'bolt12'; readonly bolt12: Bolt12Decoded };

export interface DecodeMethods {
  /**
   * Describes a BOLT 11 invoice (lnbc…, lntb…, lntbs…, lnbcrt…, lnsb…; `lightning:` allowed) or a
   * BOLT 12 offer, invoice_request/refund or invoice: every field and every error, including one
   * for another network than the node's and, for BOLT 11, expiry by the node's clock.
   */
  decode: { params: { string: string }; result: DecodeResult };
}

export const DECODE_METHOD_SCHEMAS: { readonly [M in keyof DecodeMethods]: Schema } = {
  decode: s.object({ string: s.string({ minLength: 1, maxLength: 40_000, describe: 'a BOLT 11 or BOLT 12 string' }) }),
};
