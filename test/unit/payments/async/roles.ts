/**
 * L2 and R as their real cores on real SQLite stores, joined in an AsyncLab, for the role tests.
 */
import { join } from 'node:path';
import type { AsyncRecipientPolicy } from '../../../../core/payments';
import { AsyncRecipient, StaticInvoiceServer } from '../../../../core/payments';
import { createPaymentPath } from '../../../../core/offers/manager';
import { AsyncOffersRepository, DATABASE_FILE, StaticInvoicesRepository, openDatabase } from '../../../../core/store';
import { tempDir } from '../../../support/tmp';
import { AsyncLab, REGTEST, node } from './support';

export const L2 = node('L2', 0x22);
export const R = node('R', 0x33);
export const PAYER = node('P', 0x55);
const PAYMENT_KEY = new Uint8Array(32).fill(0x77);

export interface AsyncPolicyOverrides {
  readonly recipient?: Partial<AsyncRecipientPolicy>;
  /** While `current` is true R has no payment paths (no chain tip, no channel to L2): its adapter gives none. */
  readonly noPaymentPaths?: { current: boolean };
}

export function setup(policy: AsyncPolicyOverrides = {}) {
  const lab = new AsyncLab();
  const l2db = openDatabase(join(tempDir('glasswing-async-l2-'), DATABASE_FILE));
  const rdir = tempDir('glasswing-async-r-');
  const rdb = openDatabase(join(rdir, DATABASE_FILE));
  const l2store = new StaticInvoicesRepository(l2db);
  const rstore = new AsyncOffersRepository(rdb);
  const server = new StaticInvoiceServer({ store: l2store, chain: REGTEST, isClient: (r) => r === R.idHex, pathTo: (c) => L2.pathTo(c), pathContext: (p) => L2.contextOf(p) });
  const makeRecipient = () =>
    new AsyncRecipient({
      reader: rstore, nodeId: R.id, chain: REGTEST, serverPaths: server.pathsForRecipient(R.idHex, lab.now),
      messagePathTo: (c) => R.pathTo(c, L2),
      paymentPaths: (pathId) => policy.noPaymentPaths?.current ? [] : [
        createPaymentPath({
          sessionKey: new Uint8Array(32).fill(0x31), recipient: R.id, pathId, minFinalCltvExpiryDelta: 18, maxCltvExpiry: 900_000, htlcMinimumMsat: 1n,
          forwarders: [{
            nodeId: L2.id, shortChannelId: (800_000n << 40n) | 1n, relay: { cltvExpiryDelta: 40, feeProportionalMillionths: 100, feeBaseMsat: 1000 },
            htlcMinimumMsat: 1n, htlcMaximumMsat: 10_000_000_000n,
          }],
        }),
      ],
      sign: (u) => u.sign(R.secret, new Uint8Array(32)),
      paymentKey: PAYMENT_KEY,
      offer: { description: 'often offline coffee', amountMsat: 50_000n },
      ...(policy.recipient ? { policy: policy.recipient } : {}),
    });
  const recipient = { current: makeRecipient() };
  lab.add('L2', {
    node: L2,
    handle: (name, d, now) =>
      name === 'offer_paths_request' ? server.handleOfferPathsRequest(d, now)
      : name === 'serve_static_invoice' ? server.handleServeStaticInvoice(d, now)
      : name === 'invoice_request' ? server.handleInvoiceRequest(d, now, (r) => r === R.idHex && !lab.offline.has('R'))
      : undefined,
    apply: (w) => l2store.applyStaticInvoiceWrites(w as never),
  });
  lab.add('R', {
    node: R,
    handle: (name, d, now) => {
      const r = recipient.current;
      return name === 'offer_paths' ? r.handleOfferPaths(d, now)
        : name === 'static_invoice_persisted' ? r.handleStaticInvoicePersisted(d, now)
        : name === 'held_htlc_available' ? r.handleHeldHtlcAvailable(d, now)
        : name === 'invoice_request' ? r.handleForwardedInvoiceRequest(d, now)
        : undefined;
    },
    apply: (w) => rstore.applyAsyncOfferWrites(w as never),
  });
  /** R restarts: a new core from its store. */
  const restart = () => (recipient.current = makeRecipient());
  return { lab, server, recipient, l2store, rstore, restart };
}

