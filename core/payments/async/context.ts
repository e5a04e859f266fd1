/**
 * The contexts of async payments: what each blinded message path a role builds is for. A context is
 * put in the path's `path_id` under the messenger's tag (core/messenger paths.ts `withContext`,
 * BOLT 4: "MAY use path_id to contain a secret"), so when a message comes back over the path its
 * handler gets the context authenticated: nobody can make L2 store an invoice for a recipient, or
 * L1 release an HTLC, over a path its owner did not build. The roles' contexts (LDK 0.2's
 * `AsyncPaymentsContext` / `OffersContext::StaticInvoiceRequested` carry the same facts):
 *
 * | kind | built by | on the path of                        | fields                               |
 * |------|----------|---------------------------------------|--------------------------------------|
 * | 0x01 | L2       | paths L2 gives R for offer_paths_request | recipient (33), expires (u32 s)   |
 * | 0x04 | L2       | (never on a path) a request from a channel peer over a path without context: the client known by its connection | recipient, expires |
 * | 0x02 | L2       | offer paths (invoice_requests for R)  | recipient, slot (u16), expires       |
 * | 0x03 | L2       | reply path of offer_paths (serve)     | recipient, slot, expires             |
 * | 0x05 | L2       | the same, for a client known by its connection | recipient, slot, expires    |
 * | 0x11 | R        | reply path of offer_paths_request     | slot, expires                        |
 * | 0x12 | R        | reply path of serve_static_invoice    | slot, offer id (32), expires         |
 * | 0x13 | R        | static invoice's held_htlc_available paths | slot, expires                    |
 * | 0x14 | R        | forward_invoice_request_path (L2 → R) | slot, expires                        |
 * | 0x21 | L1 or P  | reply path of held_htlc_available     | hold id (32), expires                |
 *
 * `byConnection` (0x04, 0x05): the client was not given paths by us but is known as the channel peer
 * that handed us the request, so someone else may have sent it through that peer; L2 then serves
 * only an invoice signed by the client's node key. Over paths L2 handed out (0x01, 0x03) the path
 * authenticates the client, whose invoice may be signed by any key its offer names (LDK signs with a
 * key derived per offer).
 *
 * At most 40 bytes (the messenger allows 64). Bytes that are none of these are `payments.bad_request`.
 */
import { fromHex, toHex } from '../../crypto';
import { ByteReader, ByteWriter } from '../../wire';
import { PaymentError } from '../errors';

export type AsyncContext =
  | { readonly kind: 'offer_paths_request'; readonly recipient: string; readonly expiresAt: number; readonly byConnection?: true }
  | { readonly kind: 'static_invoice_requested'; readonly recipient: string; readonly slot: number; readonly expiresAt: number }
  | { readonly kind: 'serve_static_invoice'; readonly recipient: string; readonly slot: number; readonly expiresAt: number; readonly byConnection?: true }
  | { readonly kind: 'offer_paths'; readonly slot: number; readonly expiresAt: number }
  | { readonly kind: 'static_invoice_persisted'; readonly slot: number; readonly offerId: string; readonly expiresAt: number }
  | { readonly kind: 'held_htlc_available'; readonly slot: number; readonly expiresAt: number }
  | { readonly kind: 'invoice_request_forwarded'; readonly slot: number; readonly expiresAt: number }
  | { readonly kind: 'release_held_htlc'; readonly holdId: string; readonly expiresAt: number };

const KIND: Readonly<Record<AsyncContext['kind'], number>> = {
  offer_paths_request: 0x01,
  static_invoice_requested: 0x02,
  serve_static_invoice: 0x03,
  offer_paths: 0x11,
  static_invoice_persisted: 0x12,
  held_htlc_available: 0x13,
  invoice_request_forwarded: 0x14,
  release_held_htlc: 0x21,
};

/** The kinds of a client known by its connection (`byConnection`). */
const BY_CONNECTION_KIND = { offer_paths_request: 0x04, serve_static_invoice: 0x05 } as const;

function fixed(hex: string, length: number, field: string): Uint8Array {
  const b = fromHex(hex, field);
  if (b.length !== length) throw new PaymentError('payments.bad_request', `${field} must be ${length} bytes`);
  return b;
}

/** `expiresAt` is seconds since the epoch (u32); contexts do not outlive 2106. */
export function encodeAsyncContext(c: AsyncContext): Uint8Array {
  const byConnection = (c.kind === 'offer_paths_request' || c.kind === 'serve_static_invoice') && c.byConnection === true;
  const w = new ByteWriter().writeU8(byConnection ? BY_CONNECTION_KIND[c.kind as 'offer_paths_request' | 'serve_static_invoice'] : KIND[c.kind]);
  switch (c.kind) {
    case 'offer_paths_request':
      w.writeBytes(fixed(c.recipient, 33, 'recipient'));
      break;
    case 'static_invoice_requested':
    case 'serve_static_invoice':
      w.writeBytes(fixed(c.recipient, 33, 'recipient')).writeU16(c.slot);
      break;
    case 'offer_paths':
    case 'held_htlc_available':
    case 'invoice_request_forwarded':
      w.writeU16(c.slot);
      break;
    case 'static_invoice_persisted':
      w.writeU16(c.slot).writeBytes(fixed(c.offerId, 32, 'offer id'));
      break;
    case 'release_held_htlc':
      w.writeBytes(fixed(c.holdId, 32, 'hold id'));
      break;
  }
  return w.writeU32(c.expiresAt).finish();
}

/** The context in `data`, or a `payments.bad_request` PaymentError when it is none. */
export function decodeAsyncContext(data: Uint8Array): AsyncContext {
  try {
    const r = new ByteReader(data);
    const kind = r.readU8('kind');
    const hex = (n: number, f: string) => toHex(r.readBytes(n, f));
    let c: AsyncContext;
    switch (kind) {
      case 0x01:
      case 0x04: {
        const recipient = hex(33, 'recipient');
        c = { kind: 'offer_paths_request', recipient, expiresAt: r.readU32('expires'), ...(kind === 0x04 ? { byConnection: true as const } : {}) };
        break;
      }
      case 0x02:
      case 0x03:
      case 0x05: {
        const recipient = hex(33, 'recipient');
        const slot = r.readU16('slot');
        const expiresAt = r.readU32('expires');
        c = kind === 0x02
          ? { kind: 'static_invoice_requested', recipient, slot, expiresAt }
          : { kind: 'serve_static_invoice', recipient, slot, expiresAt, ...(kind === 0x05 ? { byConnection: true as const } : {}) };
        break;
      }
      case 0x11:
      case 0x13:
      case 0x14: {
        const slot = r.readU16('slot');
        c = { kind: kind === 0x11 ? 'offer_paths' : kind === 0x13 ? 'held_htlc_available' : 'invoice_request_forwarded', slot, expiresAt: r.readU32('expires') };
        break;
      }
      case 0x12: {
        const slot = r.readU16('slot');
        const offerId = hex(32, 'offer id');
        c = { kind: 'static_invoice_persisted', slot, offerId, expiresAt: r.readU32('expires') };
        break;
      }
      case 0x21: {
        const holdId = hex(32, 'hold id');
        c = { kind: 'release_held_htlc', holdId, expiresAt: r.readU32('expires') };
        break;
      }
      default:
        throw new PaymentError('payments.bad_request', `async context kind ${kind} is unknown`);
    }
    r.expectEnd('async context');
    return c;
  } catch (e) {
    if (e instanceof PaymentError) throw e;
    throw new PaymentError('payments.bad_request', 'not an async payments context');
  }
}

/** The context of a delivery, when it is an async one of the `kind` wanted and has not expired. */
export function asyncContextOf<K extends AsyncContext['kind']>(
  data: Uint8Array | undefined,
  kind: K,
  nowMs: number,
): Extract<AsyncContext, { kind: K }> | undefined {
  if (data === undefined) return undefined;
  let c: AsyncContext;
  try {
    c = decodeAsyncContext(data);
  } catch {
    return undefined;
  }
  if (c.kind !== kind || c.expiresAt * 1000 <= nowMs) return undefined;
  return c as Extract<AsyncContext, { kind: K }>;
}
