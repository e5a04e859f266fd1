/**
 * Errors from the node as the UI shows them. Every NodeApi failure is a GlasswingError on the
 * node's side and arrives with its stable `code`, its message and sometimes `details`
 * (e.g. an invoice_error's erroneous field); anything else is shown by its message.
 */
import { paymentCodeText } from './payment-errors';

export interface ApiFailure {
  /** Stable code, e.g. `offers.invoice_error`; `unknown` when the error carried none. */
  readonly code: string;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export function apiFailure(e: unknown): ApiFailure {
  if (e !== null && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown; details?: unknown };
    const code = typeof o.code === 'string' && o.code !== '' ? o.code : 'unknown';
    const message = typeof o.message === 'string' && o.message !== '' ? o.message : String(e);
    const details = o.details !== null && typeof o.details === 'object' ? (o.details as Record<string, unknown>) : {};
    return { code, message, details };
  }
  return { code: 'unknown', message: String(e), details: {} };
}

/** A detail as text, or null when absent. */
export function detailText(f: ApiFailure, key: string): string | null {
  const v = f.details[key];
  return v === undefined || v === null || v === '' ? null : String(v);
}

/** A clause telling a command-line user what to pass: `; give --via hops`, `: pass --amount-msat`, `(see --help)`. */
const CLI_HINT = /([;:,(]|^)\s*(?:give|pass|use|add|try|set|run|rerun|see|with)\b[^;:,()]*?(?<![\w-])--[a-z][a-z0-9-]*[^;:,()]*/gi;
/** Any other option name left in a message. */
const CLI_OPTION = /(?<![\w-])--([a-z][a-z0-9-]*)/gi;

/**
 * A node message for the app's windows. The node's messages are shared with the CLI: clauses that
 * tell a command-line user which option to pass are dropped (the app has its own controls), and
 * an option named in passing becomes its plain name in quotes.
 */
export function withoutCliHints(message: string): string {
  const tidy = (t: string) =>
    t
      .replace(CLI_OPTION, '“$1”')
      .replace(/\(\s*\)/g, '')
      .replace(/\s{2,}/g, ' ')
      .replace(/\s+([;:,.)])/g, '$1')
      .replace(/^[\s;:,.]+|[\s;:,]+$/g, '');
  const out = tidy(message.replace(CLI_HINT, (_m, lead: string) => (lead === '(' ? '(' : '')));
  // The whole message was the hint: keep it, with the option named plainly.
  return out !== '' ? out : tidy(message) || 'The node refused the request.';
}

/** Words the app uses instead of the node's own for some errors: what to do in the app (payments.*: payment-errors.ts). */
const APP_WORDS: Readonly<Record<string, (f: ApiFailure) => string>> = {
  // The node's message ends "give --via hops" (core/messenger/router.ts).
  'messenger.no_route': (f) => `${sentence(withoutCliHints(f.message))} Connect to it on the Peers page first, or send through connected peers (Via, under “Route and replies”).`,
};

function sentence(text: string): string {
  const t = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** An API failure in the app's words: never a command-line option. */
export function appMessage(f: ApiFailure): string {
  return APP_WORDS[f.code]?.(f) ?? paymentCodeText(f.code, withoutCliHints(f.message)) ?? withoutCliHints(f.message);
}
