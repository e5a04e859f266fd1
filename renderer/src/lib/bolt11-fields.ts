/**
 * BOLT 11 fields as the Decode tab shows them (`describeBolt11`, through the node's `decode`):
 * a label and what each means, in the spec's order, and how to show its value. Pure.
 */
import type { Bolt11Description } from '../../../core/api/decode';
import { formatMsat } from './amount';
import { formatTimestamp } from './format';

type Json = Bolt11Description['fields'][string];

export interface Bolt11Row {
  /** The field's name as `describeBolt11` gives it (the names of the spec's examples). */
  readonly name: string;
  readonly label: string;
  /** The BOLT 11 tagged field letter, where it is one. */
  readonly tag: string | null;
  readonly meaning: string;
  readonly value: string;
}

/** Every field the app names, in the order shown; others follow under their own names. */
const FIELDS: readonly { name: string; label: string; tag: string | null; meaning: string }[] = [
  { name: 'network', label: 'Network', tag: null, meaning: 'the chain of the human-readable part (lnbc, lntb, lntbs, lnbcrt, lnsb)' },
  { name: 'amount_msat', label: 'Amount', tag: null, meaning: 'what is asked (absent: the payer chooses)' },
  { name: 'description', label: 'Description', tag: 'd', meaning: 'what the payment is for' },
  { name: 'description_hash', label: 'Description hash', tag: 'h', meaning: 'SHA-256 of a description given elsewhere' },
  { name: 'payee_pubkey', label: 'Payee', tag: 'n', meaning: 'the node to pay (from the n field, or recovered from the signature)' },
  { name: 'payment_hash', label: 'Payment hash', tag: 'p', meaning: 'what the payee reveals the preimage of when paid' },
  { name: 'payment_secret', label: 'Payment secret', tag: 's', meaning: 'proves to the payee that the payer has the invoice' },
  { name: 'timestamp_utc', label: 'Created', tag: null, meaning: 'when the invoice was made' },
  { name: 'expires_at', label: 'Expires', tag: 'x', meaning: 'creation time plus its expiry (3600 s when absent)' },
  { name: 'expired', label: 'Expired', tag: null, meaning: 'by the node\'s clock' },
  { name: 'min_final_cltv_expiry_delta', label: 'Final CLTV delta', tag: 'c', meaning: 'blocks the last hop needs (18 when absent)' },
  { name: 'metadata', label: 'Payment metadata', tag: 'm', meaning: 'data the payer sends back with the payment' },
  { name: 'features', label: 'Features', tag: '9', meaning: 'BOLT 9 features of the invoice' },
  { name: 'route_hints', label: 'Route hints', tag: 'r', meaning: 'private channels to reach the payee' },
  { name: 'fallbacks', label: 'On-chain fallbacks', tag: 'f', meaning: 'addresses to pay on-chain instead' },
  { name: 'ignored_fields', label: 'Ignored fields', tag: null, meaning: 'fields a reader skips, and why' },
];

/** Shown elsewhere (header) or only as detail: not rows. */
const HIDDEN = new Set(['prefix', 'currency', 'timestamp', 'expiry', 'n_field', 'payee_pubkey_from', 'signature', 'signing_hash', 'field_order']);

function show(name: string, value: Json): string {
  if (value === null) return name === 'amount_msat' ? 'any amount (the payer chooses)' : '—';
  if (name === 'amount_msat' && typeof value === 'string') return `${formatMsat(value)} (${value} msat)`;
  if (name === 'expires_at' && typeof value === 'number') return formatTimestamp(value * 1000);
  if (name === 'timestamp_utc' && typeof value === 'string') return formatTimestamp(Date.parse(value));
  if (name === 'expired' && typeof value === 'boolean') return value ? 'yes' : 'no';
  if (name === 'features' && value && typeof value === 'object' && !Array.isArray(value)) {
    const names = (value as { names?: Json }).names;
    return Array.isArray(names) && names.length ? names.join(', ') : 'none';
  }
  if (name === 'route_hints' && Array.isArray(value)) {
    return value.map((route, i) => `route ${i + 1}: ${(route as { short_channel_id: string }[]).map((h) => h.short_channel_id).join(' → ')}`).join('; ');
  }
  if (name === 'fallbacks' && Array.isArray(value)) return value.map((f) => (f as { address?: string; type?: string }).address ?? (f as { type?: string }).type ?? '?').join(', ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function bolt11Rows(d: Bolt11Description): Bolt11Row[] {
  const known = FIELDS.filter((f) => f.name in d.fields).map((f) => ({ ...f, value: show(f.name, d.fields[f.name]!) }));
  const others = Object.keys(d.fields)
    .filter((n) => !HIDDEN.has(n) && !FIELDS.some((f) => f.name === n))
    .map((n) => ({ name: n, label: n, tag: null, meaning: '', value: show(n, d.fields[n]!) }));
  return [...known, ...others];
}

/** The header line: prefix and how the payee is known. */
export function bolt11Summary(d: Bolt11Description): string {
  const prefix = typeof d.fields.prefix === 'string' ? d.fields.prefix : null;
  if (!prefix) return 'not a readable BOLT 11 invoice';
  const from = d.fields.payee_pubkey_from === 'n_field' ? 'payee from its n field' : d.fields.payee_pubkey_from === 'recovery' ? 'payee recovered from the signature' : 'no payee';
  return `BOLT 11 invoice · prefix ${prefix} · ${from}`;
}
