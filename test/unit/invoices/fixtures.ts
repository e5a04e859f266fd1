/** Shared values for the BOLT 11 unit tests. */
import { fromHex, publicKeyFromPrivate, sha256 } from '../../../core/crypto';
import type { Bolt11Field, Bolt11Network } from '../../../core/invoices';
import { FIELD_TYPES, encodeUnsignedBolt11 } from '../../../core/invoices';
import { FeatureVector } from '../../../core/wire';

/** The key the spec's examples are signed with. */
export const NODE_KEY = fromHex('e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734');
export const NODE_ID = publicKeyFromPrivate(NODE_KEY);
export const OTHER_KEY = fromHex('0101010101010101010101010101010101010101010101010101010101010101');
export const PAYMENT_HASH = sha256(new Uint8Array([1, 2, 3]));
export const PAYMENT_SECRET = new Uint8Array(32).fill(0x11);
export const TIMESTAMP = 1_700_000_000;

/** var_onion_optin and payment_secret, required: what every spec example sets. */
export const BASE_FEATURES = FeatureVector.fromBits([8, 14]);

/** The fields every valid invoice needs: p, s, d and 9. */
export function baseFields(): Bolt11Field[] {
  return [
    { tag: 'p', paymentHash: PAYMENT_HASH },
    { tag: 's', paymentSecret: PAYMENT_SECRET },
    { tag: 'd', description: 'coffee' },
    { tag: '9', features: BASE_FEATURES },
  ];
}

/** A raw field of a known type with chosen data words (to write what our encoder would not). */
export function raw(tag: keyof typeof FIELD_TYPES, words: number[]): Bolt11Field {
  return { tag: 'skipped', type: FIELD_TYPES[tag], words: Uint8Array.from(words), reason: 'unknown_field' };
}

/** A string signed by NODE_KEY with exactly these fields. */
export function invoiceString(fields: readonly Bolt11Field[], opts: { network?: Bolt11Network; amountMsat?: bigint; timestamp?: number; key?: Uint8Array } = {}): string {
  const unsigned = encodeUnsignedBolt11({ network: opts.network ?? 'mainnet', amountMsat: opts.amountMsat, timestamp: opts.timestamp ?? TIMESTAMP, fields });
  return unsigned.encode(unsigned.signatureBy(opts.key ?? NODE_KEY));
}
