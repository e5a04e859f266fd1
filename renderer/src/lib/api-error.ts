/**
 * Errors from the node as the UI shows them. Every NodeApi failure is a GlasswingError on the
 * node's side and arrives with its stable `code`, its message and sometimes `details`
 * (e.g. an invoice_error's erroneous field); anything else is shown by its message.
 */

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
