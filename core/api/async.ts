/**
 * The async payments part of the NodeApi (issue 16): R's offer served by its LSP, the HTLCs an LSP
 * holds (L1) and the static invoices it serves (L2). The data is core/node/async.ts's; the events
 * (`async.*`) the payments layer's own (core/payments/async/events.ts), re-exported here.
 */
import { s } from './schema';
import type { AsyncOfferInfo, HeldHtlcInfo, StaticInvoiceInfo } from '../node/async';

export type { AsyncOfferInfo, AsyncRole, AsyncSettings, HeldHtlcInfo, StaticInvoiceInfo } from '../node/async';
export type { AsyncEventBody } from '../payments/async/events';

export interface AsyncMethods {
  /** R: its offer served by its LSP (null until the LSP confirmed it keeps the static invoice) and its slots. */
  asyncOffer: { params: Record<string, never>; result: AsyncOfferInfo };
  /** L1: the HTLCs held until their recipient releases them. */
  listHeldHtlcs: { params: Record<string, never>; result: { held: HeldHtlcInfo[] } };
  /** L2: the static invoices served for our clients, oldest first. */
  listStaticInvoices: { params: { recipient?: string }; result: { staticInvoices: StaticInvoiceInfo[] } };
  /**
   * L2: blinded paths (hex, BOLT 4 `blinded_path`) a client of ours — a channel peer — sends
   * offer_paths_request over, to hand it out of band (LDK's `blinded_paths_for_async_recipient`:
   * an LDK recipient takes them as its server paths); its mailbox is allowed.
   */
  asyncRecipientPaths: { params: { recipient: string; count?: number }; result: { paths: string[]; expiresAt: number } };
}

/** Parameter schemas of the async payments methods (merged into METHOD_SCHEMAS). */
export const ASYNC_METHOD_SCHEMAS = {
  asyncOffer: s.object({}),
  listHeldHtlcs: s.object({}),
  listStaticInvoices: s.object({ recipient: s.nodeId() }, ['recipient']),
  asyncRecipientPaths: s.object({ recipient: s.nodeId(), count: s.integer({ min: 1, max: 8 }) }, ['count']),
} as const;
