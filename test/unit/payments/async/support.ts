/**
 * Keys, real blinded message paths with authenticated contexts (core/messenger `MessagePathIds`, as
 * the messenger builds and checks them), and static invoices built with core/offers, for the async
 * payments role tests.
 */
import { publicKeyFromPrivate, toHex } from '../../../../core/crypto';
import { MessagePathIds, createMessagePath } from '../../../../core/messenger';
import { processBlindedHop } from '../../../../core/onion';
import type { Offer, PaymentPath, StaticInvoice } from '../../../../core/offers';
import { buildOffer, buildStaticInvoice } from '../../../../core/offers';
import type { BlindedPath } from '../../../../core/wire';

export const REGTEST = new Uint8Array(32).fill(0x06);

let sessionCounter = 1;
function sessionKey(): Uint8Array {
  const k = new Uint8Array(32).fill(0x11);
  k[0] = sessionCounter++ & 0xff;
  k[1] = (sessionCounter >> 8) & 0xff;
  return k;
}

export interface TestNode {
  readonly name: string;
  readonly secret: Uint8Array;
  readonly id: Uint8Array;
  readonly idHex: string;
  readonly ids: MessagePathIds;
  /** A path to this node (introduced at `via` when given) whose path_id carries `context` under its tag. */
  pathTo(context: Uint8Array, via?: TestNode): BlindedPath;
  /** What the messenger of this node hands a handler for a message over `path`: the authenticated context, or undefined. */
  contextOf(path: BlindedPath): Uint8Array | undefined;
}

export function node(name: string, byte: number): TestNode {
  const secret = new Uint8Array(32).fill(byte);
  const id = publicKeyFromPrivate(secret);
  const ids = new MessagePathIds(secret);
  const self: TestNode = {
    name, secret, id, idHex: toHex(id), ids,
    pathTo(context, via) {
      return createMessagePath({ sessionKey: sessionKey(), nodes: via ? [via.id, id] : [id], pathId: ids.withContext(context) });
    },
    contextOf(path) {
      // The path's last hop is ours: its path_id, read the way the messenger peels our hop.
      let pathKey = path.firstPathKey;
      for (let i = 0; i < path.hops.length; i++) {
        const last = i === path.hops.length - 1;
        if (!last) {
          // Intermediate hops are other nodes'; tests build paths of at most two hops, intro at `via`.
          return undefined;
        }
        const hop = processBlindedHop({ privateKey: secret, pathKey, encryptedRecipientData: path.hops[i]!.encryptedRecipientData });
        pathKey = hop.nextPathKey;
        return hop.data.pathId ? ids.contextOf(hop.data.pathId) : undefined;
      }
      return undefined;
    },
  };
  return self;
}

/** Peels the introduction hop of a two-hop path at `intro`, giving the path from the next node on (as the messenger's forward does). */
export function afterIntro(path: BlindedPath, intro: TestNode, next: TestNode): BlindedPath {
  const hop = processBlindedHop({ privateKey: intro.secret, pathKey: path.firstPathKey, encryptedRecipientData: path.hops[0]!.encryptedRecipientData });
  return { firstNodeId: { kind: 'node_id', nodeId: next.id }, firstPathKey: hop.nextPathKey, hops: path.hops.slice(1) };
}

/** A payment path to `to` (one hop), for static invoices in server tests. */
export function simplePaymentPath(to: TestNode): PaymentPath {
  const path = createMessagePath({ sessionKey: sessionKey(), nodes: [to.id] });
  return {
    path,
    payInfo: { feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 144, htlcMinimumMsat: 1n, htlcMaximumMsat: 1_000_000_000n, features: new Uint8Array(0) },
  };
}

/** A signed static invoice by `recipient` for an offer on `offerPaths`. */
export function staticInvoiceFor(recipient: TestNode, offerPaths: readonly BlindedPath[], createdAt: bigint, opts: { relativeExpiry?: bigint; description?: string } = {}): {
  offer: Offer;
  invoice: StaticInvoice;
} {
  const offer = buildOffer({ description: opts.description ?? 'coffee', issuerId: recipient.id, paths: offerPaths, chains: [REGTEST] });
  const invoice = buildStaticInvoice(offer, {
    paths: [simplePaymentPath(recipient)],
    heldHtlcAvailablePaths: [recipient.pathTo(new Uint8Array([0x13, 0, 0, 0xff, 0xff, 0xff, 0xff]))],
    createdAt,
    ...(opts.relativeExpiry !== undefined ? { relativeExpiry: opts.relativeExpiry } : {}),
  }).sign(recipient.secret, new Uint8Array(32));
  return { offer, invoice };
}
