/**
 * bench/async: the per-message cost of the async payments cores (core/payments/async), next to the
 * BIP340 verification that bounds it, measured side by side in one run. It tells whether the static
 * invoice server's default rate limits (per recipient and in total) leave the node's CPU alone.
 *
 * - L2 `handleServeStaticInvoice`: decode and check a static invoice (one BIP340 verify), no write;
 * - L2 `handleInvoiceRequest`: look the slot's invoice up in SQLite, answer and forward;
 * - R `checkPayment`: the invoice_request in the onion verified against the offer (one BIP340 verify);
 * - a bare `schnorrVerify`, the floor of the first and the last;
 * - P's `tick` over 1,000 waiting payments, bare and through `prepare` (what the node runs every second: the
 *   payments are copied aside and the changes applied on commit, so a failed write leaves the core as it was).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicKeyFromPrivate, randomPrivateKey, schnorrSign, schnorrVerify, sha256, toHex } from '../core/crypto';
import { MessagePathIds, createMessagePath } from '../core/messenger';
import { buildInvoiceRequest, decodeOffer, decodeStaticInvoice } from '../core/offers';
import { createPaymentPath } from '../core/offers/manager';
import { processBlindedHop } from '../core/onion';
import { AsyncPayer, AsyncRecipient, StaticInvoiceServer } from '../core/payments';
import { AsyncOffersRepository, StaticInvoicesRepository, openDatabase } from '../core/store';
import type { BlindedPath } from '../core/wire';
import { chainHash } from '../core/wire';
import { measure, printTable } from './harness';

const REGTEST = chainHash('regtest');

function party() {
  const secret = randomPrivateKey();
  const id = publicKeyFromPrivate(secret);
  const ids = new MessagePathIds(secret);
  return {
    secret, id, hex: toHex(id),
    pathTo: (context: Uint8Array) => createMessagePath({ sessionKey: randomPrivateKey(), nodes: [id], pathId: ids.withContext(context) }),
    contextOf: (path: BlindedPath) => {
      const hop = processBlindedHop({ privateKey: secret, pathKey: path.firstPathKey, encryptedRecipientData: path.hops[0]!.encryptedRecipientData });
      return hop.data.pathId ? ids.contextOf(hop.data.pathId) : undefined;
    },
  };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'glasswing-bench-async-'));
  const db = openDatabase(join(dir, 'node.sqlite'));
  const l2 = party();
  const r = party();
  const payer = party();
  const now = Date.now();
  const store = new StaticInvoicesRepository(db);
  const server = new StaticInvoiceServer({ store, chain: REGTEST, isClient: () => true, pathTo: l2.pathTo, pathContext: l2.contextOf, policy: {
    perRecipient: { offer_paths_request: { perSecond: 1e9, burst: 1e9 }, serve_static_invoice: { perSecond: 1e9, burst: 1e9 }, invoice_request: { perSecond: 1e9, burst: 1e9 } },
    total: { offer_paths_request: { perSecond: 1e9, burst: 1e9 }, serve_static_invoice: { perSecond: 1e9, burst: 1e9 }, invoice_request: { perSecond: 1e9, burst: 1e9 } },
  } });
  const recipient = new AsyncRecipient({
    reader: new AsyncOffersRepository(db), nodeId: r.id, chain: REGTEST, serverPaths: server.pathsForRecipient(r.hex, now),
    messagePathTo: r.pathTo,
    paymentPaths: (pathId) => [createPaymentPath({ sessionKey: randomPrivateKey(), recipient: r.id, pathId, minFinalCltvExpiryDelta: 18, htlcMinimumMsat: 1n })],
    sign: (u) => u.sign(r.secret), paymentKey: randomPrivateKey(), offer: { description: 'bench', amountMsat: 10_000n },
  });
  // R's slot 0 through L2, as the protocol runs it.
  const ask = recipient.tick(now).actions[0]!;
  if (ask.kind !== 'send') throw new Error('expected offer_paths_request');
  const offered = server.handleOfferPathsRequest({ bytes: ask.message.bytes, context: l2.contextOf(ask.destination), replyPath: r.pathTo(ask.replyContext!) }, now);
  const op = offered.actions[0]!;
  if (op.kind !== 'reply') throw new Error('expected offer_paths');
  const built = recipient.handleOfferPaths({ bytes: op.message.bytes, context: ask.replyContext, replyPath: l2.pathTo(op.replyContext!) }, now);
  const serve = built.actions[0]!;
  if (serve.kind !== 'reply') throw new Error('expected serve_static_invoice');
  const serveDelivery = { bytes: serve.message.bytes, context: op.replyContext, replyPath: r.pathTo(serve.replyContext!) };
  store.applyStaticInvoiceWrites(server.handleServeStaticInvoice(serveDelivery, now).writes);
  recipient.handleStaticInvoicePersisted({ bytes: new Uint8Array(0), context: serve.replyContext, replyPath: undefined }, now);
  const record = recipient.offers()[0]!;
  const ready = decodeOffer(record.offer!, { nowSeconds: Math.floor(now / 1000), chains: [REGTEST] });
  const invreq = buildInvoiceRequest(ready, { payerId: payer.id }).sign(payer.secret).bytes;
  const offerPathContext = l2.contextOf(ready.fields.paths![0]!);
  const payerReply = payer.pathTo(new Uint8Array([1]));
  // The payment path id R gave its invoice.
  const inv = store.getStaticInvoice(r.hex, 0)!;
  const parsed = decodeStaticInvoice(inv.invoice, { nowSeconds: Math.floor(now / 1000), chains: [REGTEST] });
  const pp = parsed.invoice.paths![0]!;
  const pathId = processBlindedHop({ privateKey: r.secret, pathKey: pp.firstPathKey, encryptedRecipientData: pp.hops[0]!.encryptedRecipientData }).data.pathId!;
  const preimage = randomPrivateKey();
  const payment = { pathId, paymentHash: sha256(preimage), amountMsat: 10_000n, invoiceRequest: invreq, senderPreimage: preimage };
  if (!recipient.checkPayment(payment, now).accept) throw new Error('the bench payment is refused');
  // P with 1,000 payments waiting for R's release (self mode), as after a busy day of an offline recipient.
  const p = new AsyncPayer({ chain: REGTEST, mode: 'self', randomBytes: (n) => randomPrivateKey().subarray(0, n), messagePathTo: payer.pathTo });
  for (let i = 0; i < 1_000; i++) {
    p.begin({ paymentId: `p${i}`, offer: ready, invoiceRequest: invreq, amountMsat: 10_000n });
    p.handleStaticInvoice(`p${i}`, inv.invoice, now);
  }
  const later = now + 1_000;
  const msg = sha256(new Uint8Array([1]));
  const sig = schnorrSign(msg, r.secret);

  const rows = [
    measure('L2 handleServeStaticInvoice (decode + verify)', () => void server.handleServeStaticInvoice(serveDelivery, now)),
    measure('L2 handleInvoiceRequest (SQLite lookup, answer, forward)', () => void server.handleInvoiceRequest({ bytes: invreq, context: offerPathContext, replyPath: payerReply }, now, () => true)),
    measure('R checkPayment (invoice_request verified)', () => void recipient.checkPayment(payment, now)),
    measure('bare BIP340 verify', () => void schnorrVerify(sig, msg, publicKeyFromPrivate(r.secret).subarray(1))),
    measure('P tick, 1,000 waiting payments (bare)', () => void p.tick(later)),
    measure('P tick, 1,000 waiting payments (prepare + commit)', () => void p.prepare(() => p.tick(later)).commit()),
  ];
  const floor = rows[3]!.opsPerSec;
  printTable(['operation', 'ops/s', 'x of a verify'], rows.map((m) => [m.name, Math.round(m.opsPerSec), (floor / m.opsPerSec).toFixed(2)]));
  db.close();
}
