/**
 * What every BOLT 12 field means, for the decoder: its TLV type, a short label and one or two
 * sentences in plain words (BOLT 12 "TLV Fields for Offers", "for invoice_request", "for
 * invoice", "Invoice Errors"), and how to show its value as `decodeBolt12` describes it.
 */
import { formatMsat } from './amount';
import { formatDuration, formatRelative } from './format';

export interface Bolt12FieldInfo {
  /** TLV type (BOLT 12 tables). */
  readonly type: number;
  readonly label: string;
  readonly explain: string;
}

/** Field names exactly as the spec (and `decodeBolt12`) spells them. */
export const BOLT12_FIELDS: Readonly<Record<string, Bolt12FieldInfo>> = {
  invreq_metadata: { type: 0, label: 'Payer metadata', explain: 'Random bytes the payer chose; they make every request unique and let the payer derive the key it signs with.' },
  offer_chains: { type: 2, label: 'Chains', explain: 'The chains the offer can be paid on. Absent means bitcoin only.' },
  offer_metadata: { type: 4, label: 'Offer metadata', explain: 'Bytes the issuer put in for its own use; the payer copies them back unread.' },
  offer_currency: { type: 6, label: 'Currency', explain: 'ISO 4217 code of the amount when it is not in bitcoin; the issuer converts at invoice time.' },
  offer_amount: { type: 8, label: 'Amount', explain: 'The price per item (millisatoshi unless a currency is given). Absent: the payer chooses the amount.' },
  offer_description: { type: 10, label: 'Description', explain: 'What the payment is for, shown to the payer. Required whenever there is an amount.' },
  offer_features: { type: 12, label: 'Offer features', explain: 'Feature bits of the offer. A reader must not pay an offer with an unknown even (required) bit.' },
  offer_absolute_expiry: { type: 14, label: 'Expires', explain: 'After this time no one should request an invoice for the offer.' },
  offer_paths: { type: 16, label: 'Blinded paths', explain: 'Blinded onion-message paths to the issuer: invoice requests travel over them, hiding where the issuer is.' },
  offer_issuer: { type: 18, label: 'Issuer', explain: 'Who issues the offer, in words (often user@domain). Not verified by anything.' },
  offer_quantity_max: { type: 20, label: 'Quantity', explain: 'More than one item may be bought per invoice, up to this number (0: no limit). Absent: exactly one.' },
  offer_issuer_id: { type: 22, label: 'Issuer id', explain: 'The public key invoices are signed with and requests are sent to, when the offer has no blinded paths.' },
  invreq_chain: { type: 80, label: 'Chain', explain: 'The chain the payer will pay on (bitcoin when absent).' },
  invreq_amount: { type: 82, label: 'Requested amount', explain: 'The amount the payer offers to pay, in millisatoshi: at least the offer amount times the quantity.' },
  invreq_features: { type: 84, label: 'Request features', explain: 'Feature bits of the request.' },
  invreq_quantity: { type: 86, label: 'Quantity', explain: 'How many items the payer wants (only when the offer sets a maximum).' },
  invreq_payer_id: { type: 88, label: 'Payer key', explain: 'A key for this one payment (not the payer’s node id); the request is signed with it and the invoice is bound to it.' },
  invreq_payer_note: { type: 89, label: 'Payer note', explain: 'A note from the payer to the issuer.' },
  invreq_paths: { type: 90, label: 'Payer paths', explain: 'Blinded paths to the payer: a refund’s invoice is sent over them.' },
  invreq_bip_353_name: { type: 91, label: 'BIP 353 name', explain: 'The human-readable name (user@domain) the payer resolved to find the offer.' },
  invoice_paths: { type: 160, label: 'Payment paths', explain: 'Blinded payment paths to the payee: the payment is routed over one of them.' },
  invoice_blindedpay: { type: 162, label: 'Path fees', explain: 'Fees, CLTV delta and HTLC limits of each payment path, in order: what the payer adds to route over it.' },
  invoice_created_at: { type: 164, label: 'Created', explain: 'When the payee made the invoice.' },
  invoice_relative_expiry: { type: 166, label: 'Valid for', explain: 'How long after its creation the invoice may be paid (7,200 seconds when absent).' },
  invoice_payment_hash: { type: 168, label: 'Payment hash', explain: 'SHA-256 of the preimage only the payee knows: paying reveals it, which proves payment.' },
  invoice_amount: { type: 170, label: 'Amount due', explain: 'Exactly what to pay, in millisatoshi.' },
  invoice_fallbacks: { type: 172, label: 'On-chain fallbacks', explain: 'Addresses the payer may use if it cannot pay over Lightning.' },
  invoice_features: { type: 174, label: 'Invoice features', explain: 'Feature bits of the invoice (for example, whether multi-part payments are allowed).' },
  invoice_node_id: { type: 176, label: 'Payee node id', explain: 'The key that signed the invoice: the offer’s issuer id, or the last blinded node of the path the request came over.' },
  held_htlc_available_paths: { type: 236, label: 'Held-HTLC paths', explain: 'Async payments (LDK): paths to tell the often-offline payee that an HTLC is held for it.' },
  signature: { type: 240, label: 'Signature', explain: 'BIP 340 signature over the Merkle root of all the other fields, by the payer key (requests) or the payee (invoices).' },
  erroneous_field: { type: 1, label: 'Erroneous field', explain: 'The number of the field in the request or invoice that had a problem.' },
  suggested_value: { type: 3, label: 'Suggested value', explain: 'A value for that field the other side would accept.' },
  error: { type: 5, label: 'Error', explain: 'The other side’s explanation, in words.' },
};

/** Field names longest first (so `offer_issuer_id` is found before `offer_issuer`). */
export const FIELD_NAMES_LONGEST_FIRST: readonly string[] = Object.keys(BOLT12_FIELDS).sort((a, b) => b.length - a.length);

/** The name of the field with TLV type `type` (for an invoice_error's erroneous_field). */
export function fieldNameOfType(type: number | string): string | null {
  const n = Number(type);
  for (const [name, info] of Object.entries(BOLT12_FIELDS)) {
    if (info.type === n && !['erroneous_field', 'suggested_value', 'error'].includes(name)) return name;
  }
  return null;
}

/**
 * The field a message is about: the first field name it mentions (errors name their field first,
 * e.g. "offer_amount is set but offer_description is not"). Whole words only, so `error` is not
 * found inside `invoice_error`, and `offer_issuer_id` wins over `offer_issuer`.
 */
export function fieldNamedIn(text: string): string | null {
  let best: { name: string; at: number } | null = null;
  for (const name of FIELD_NAMES_LONGEST_FIRST) {
    let at = text.indexOf(name);
    while (at !== -1) {
      const before = text[at - 1];
      const after = text[at + name.length];
      const whole = (before === undefined || !/[a-z0-9_]/.test(before)) && (after === undefined || !/[a-z0-9_]/.test(after));
      if (whole) break;
      at = text.indexOf(name, at + 1);
    }
    if (at !== -1 && (best === null || at < best.at)) best = { name, at };
  }
  return best?.name ?? null;
}

export interface FieldDisplay {
  /** One line for the table. */
  readonly text: string;
  /** Show in monospace (hex, keys). */
  readonly mono: boolean;
  /** Lines with the structure (paths, pay info), when there is more than one line to say. */
  readonly more: readonly string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function featuresText(v: unknown): string {
  if (!isRecord(v)) return String(v);
  const bits = Array.isArray(v.bits) ? v.bits : [];
  return bits.length === 0 ? 'none set' : `bits ${bits.join(', ')}`;
}

function timeText(v: unknown, now: number): string {
  if (!isRecord(v)) return String(v);
  const seconds = Number(v.seconds);
  if (typeof v.utc !== 'string') return `${String(v.seconds)} s after 1970 (beyond any date)`;
  const ms = seconds * 1000;
  const when = v.utc.replace('T', ' ').replace(/\.000Z$/, ' UTC');
  return ms > now ? `${when} (in ${formatDuration(ms - now)})` : `${when} (${formatRelative(ms, now)})`;
}

function introduction(v: unknown): string {
  if (typeof v === 'string') return v;
  if (isRecord(v)) return `channel ${String(v.short_channel_id)} (side ${String(v.direction)})`;
  return '?';
}

function pathsDisplay(v: unknown): FieldDisplay {
  if (!Array.isArray(v)) return { text: String(v), mono: false, more: [] };
  const lines = v.map((p, i) => {
    if (!isRecord(p)) return `path ${i + 1}: ?`;
    const hops = Number(p.num_hops);
    return `path ${i + 1}: ${hops} ${hops === 1 ? 'hop' : 'hops'} from ${introduction(p.first_node_id)}`;
  });
  return { text: v.length === 1 ? lines[0]!.replace(/^path 1: /, '') : `${v.length} paths`, mono: false, more: v.length === 1 ? [] : lines };
}

function payinfoDisplay(v: unknown): FieldDisplay {
  if (!Array.isArray(v)) return { text: String(v), mono: false, more: [] };
  const lines = v.map((p, i) =>
    isRecord(p)
      ? `path ${i + 1}: fee ${String(p.fee_base_msat)} msat + ${String(p.fee_proportional_millionths)} ppm, CLTV delta ${String(p.cltv_expiry_delta)}, HTLC ${formatMsat(String(p.htlc_minimum_msat))} to ${formatMsat(String(p.htlc_maximum_msat))}`
      : `path ${i + 1}: ?`,
  );
  return { text: lines.length === 1 ? lines[0]!.replace(/^path 1: /, '') : `${lines.length} paths`, mono: false, more: lines.length === 1 ? [] : lines };
}

/** How to show a field's value (as `decodeBolt12` gives it); `fields` for context (currency). */
export function displayField(name: string, value: unknown, fields: Readonly<Record<string, unknown>>, now: number): FieldDisplay {
  const plain = (text: string, mono = false): FieldDisplay => ({ text, mono, more: [] });
  switch (name) {
    case 'offer_amount':
      return typeof fields.offer_currency === 'string'
        ? plain(`${String(value)} (smallest unit of ${fields.offer_currency})`)
        : plain(`${formatMsat(String(value))} (${String(value)} msat)`);
    case 'invreq_amount':
    case 'invoice_amount':
      return plain(`${formatMsat(String(value))} (${String(value)} msat)`);
    case 'offer_quantity_max':
      return plain(value === '0' ? 'any number of items' : `up to ${String(value)} items`);
    case 'offer_chains':
      return plain(Array.isArray(value) ? value.map((c) => (isRecord(c) ? String(c.name ?? c.hex) : String(c))).join(', ') : String(value));
    case 'invreq_chain':
      return plain(isRecord(value) ? String(value.name ?? value.hex) : String(value));
    case 'offer_features':
    case 'invreq_features':
    case 'invoice_features':
      return plain(featuresText(value));
    case 'offer_absolute_expiry':
    case 'invoice_created_at':
      return plain(timeText(value, now));
    case 'invoice_relative_expiry':
      return plain(`${formatDuration(Number(value) * 1000)} (${String(value)} s)`);
    case 'offer_paths':
    case 'invreq_paths':
    case 'invoice_paths':
    case 'held_htlc_available_paths':
      return pathsDisplay(value);
    case 'invoice_blindedpay':
      return payinfoDisplay(value);
    case 'invreq_bip_353_name':
      return plain(isRecord(value) ? `₿${String(value.name)}@${String(value.domain)}` : String(value));
    case 'invoice_fallbacks':
      return {
        text: Array.isArray(value) ? `${value.length} ${value.length === 1 ? 'address' : 'addresses'}` : String(value),
        mono: false,
        more: Array.isArray(value) ? value.map((f) => (isRecord(f) ? `version ${String(f.version)}: ${String(f.address)}${f.ignored ? ` (ignored: ${String(f.ignored)})` : ''}` : String(f))) : [],
      };
    case 'erroneous_field': {
      const field = fieldNameOfType(String(value));
      return plain(field ? `${String(value)} (${field})` : String(value));
    }
    default:
      if (typeof value === 'string') return plain(value, /^[0-9a-f]+$/.test(value) && value.length >= 16);
      return plain(JSON.stringify(value), true);
  }
}

/** Fields whose value is a `tu64` (BOLT 1 truncated integer), by TLV type. */
const TU64_FIELDS: Readonly<Record<string, 'msat' | 'count' | 'seconds'>> = {
  '8': 'msat', '82': 'msat', '170': 'msat', '20': 'count', '86': 'count', '14': 'seconds', '164': 'seconds',
};

/**
 * An invoice_error's `suggested_value` in words, read as the field it is for (BOLT 12: "MUST
 * set suggested_value to a valid field for that tlv_fieldnum"): `at least 15 sat`, `3`.
 */
export function suggestionText(field: string | null, hex: string | null): string | null {
  if (!hex) return null;
  const kind = field ? TU64_FIELDS[field] : undefined;
  if (!kind || !/^([0-9a-f]{2}){0,8}$/i.test(hex)) return hex;
  const n = hex === '' ? 0n : BigInt(`0x${hex}`);
  if (kind === 'msat') return `${formatMsat(n)} (${n} msat)`;
  if (kind === 'seconds') return new Date(Number(n) * 1000).toISOString().replace('T', ' ').replace(/\.000Z$/, ' UTC');
  return n.toString();
}
