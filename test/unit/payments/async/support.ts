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
import type { AsyncAction, AsyncDelivery, PayerAction } from '../../../../core/payments';

export const REGTEST = new Uint8Array(32).fill(0x06);

let sessionCounter = 1;
function sessionKey(): Uint8Array {
  const k = new Uint8Array(32).fill(0x11);
  k[0] = sessionCounter++ & 0xff;
  k[1] = (sessionCounter >> 8) & 0xff;
  return k;
}

const NODES = new Map<string, TestNode>();

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
  return nodeFromSecret(name, new Uint8Array(32).fill(byte));
}

/** A node with a given key (e.g. a payments-harness node's). */
export function nodeFromSecret(name: string, secret: Uint8Array): TestNode {
  const id = publicKeyFromPrivate(secret);
  const ids = new MessagePathIds(secret);
  const self: TestNode = {
    name, secret, id, idHex: toHex(id), ids,
    pathTo(context, via) {
      return createMessagePath({ sessionKey: sessionKey(), nodes: via ? [via.id, id] : [id], pathId: ids.withContext(context) });
    },
    contextOf(path) {
      // Each hop is peeled by its node (the messenger's forward), ours last: its path_id, read and checked as the messenger does.
      let pathKey = path.firstPathKey;
      let at = path.firstNodeId.kind === 'node_id' ? NODES.get(toHex(path.firstNodeId.nodeId)) : undefined;
      for (let i = 0; i < path.hops.length && at; i++) {
        const hop = processBlindedHop({ privateKey: at.secret, pathKey, encryptedRecipientData: path.hops[i]!.encryptedRecipientData });
        pathKey = hop.nextPathKey;
        if (i === path.hops.length - 1) return at === self && hop.data.pathId ? ids.contextOf(hop.data.pathId) : undefined;
        at = hop.data.nextNodeId ? NODES.get(toHex(hop.data.nextNodeId)) : undefined;
      }
      return undefined;
    },
  };
  NODES.set(self.idHex, self);
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

// ----- a small lab: roles exchanging the protocol's messages over real blinded paths ------------


/** What any role's core returns. */
export interface LabStep {
  readonly actions: readonly (AsyncAction | PayerAction)[];
  readonly writes?: readonly unknown[];
  readonly events: readonly unknown[];
}

/** A role: its node and its handler per message name (returns the core's step). */
export interface LabRole {
  readonly node: TestNode;
  handle(name: string, d: AsyncDelivery, nowMs: number): LabStep | undefined;
  /** Applies writes (a real repository). */
  apply?(writes: readonly unknown[]): void;
  /** One of the payer's held_htlc_available for `paymentId` was handed over (the adapter's `AsyncPayer.announced`). */
  announced?(paymentId: string, nowMs: number): LabStep | undefined;
}

export interface LabMessage {
  readonly from: string;
  readonly to: string;
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly path: BlindedPath;
  readonly replyPath: BlindedPath | undefined;
}

/**
 * Delivers the messages roles send to the node whose path it is (the path's owner finds its context
 * in it, as its messenger would); a node that is offline gets its messages when it comes back (the
 * mailbox of its LSP). Reply paths are built by the sender's node with the context it asked for.
 */
export class AsyncLab {
  readonly roles = new Map<string, LabRole>();
  readonly offline = new Set<string>();
  readonly mailbox: LabMessage[] = [];
  readonly log: LabMessage[] = [];
  readonly events: unknown[] = [];
  /** Actions that are not messages (issue_invoice, send_async_htlc, pay_invoice): for the test to carry out. */
  readonly other: { role: string; action: AsyncAction | PayerAction }[] = [];
  now = 1_800_000_000_000;

  add(name: string, role: LabRole): void {
    this.roles.set(name, role);
  }

  #ownerOf(path: BlindedPath): string | undefined {
    for (const [name, role] of this.roles) if (role.node.contextOf(path) !== undefined) return name;
    return undefined;
  }

  /** Runs a step of `from`: writes, then its messages (delivered at once, recursively). */
  run(from: string, step: LabStep | undefined, incoming?: LabMessage): void {
    if (!step) return;
    const role = this.roles.get(from)!;
    role.apply?.(step.writes ?? []);
    this.events.push(...step.events);
    for (const a of step.actions) {
      if (a.kind !== 'reply' && a.kind !== 'send') {
        this.other.push({ role: from, action: a });
        continue;
      }
      const path = a.kind === 'reply' ? incoming?.replyPath : a.destination;
      if (!path) continue;
      const replyPath = a.kind === 'send' && a.forwardedReplyPath ? a.forwardedReplyPath : a.replyContext ? role.node.pathTo(a.replyContext) : undefined;
      this.deliver({ from, to: this.#ownerOf(path) ?? '?', name: a.message.name, bytes: a.message.bytes, path, replyPath });
      if (a.kind === 'send' && 'announces' in a && a.announces !== undefined) this.run(from, role.announced?.(a.announces, this.now));
    }
  }

  deliver(m: LabMessage): void {
    this.log.push(m);
    if (this.offline.has(m.to)) {
      this.mailbox.push(m);
      return;
    }
    const role = this.roles.get(m.to);
    if (!role) return;
    const step = role.handle(m.name, { bytes: m.bytes, context: role.node.contextOf(m.path), replyPath: m.replyPath }, this.now);
    this.run(m.to, step, m);
  }

  goOffline(name: string): void {
    this.offline.add(name);
  }

  /** Back online: the mailbox hands over what waited. */
  comeOnline(name: string): void {
    this.offline.delete(name);
    const waiting = this.mailbox.filter((m) => m.to === name);
    this.mailbox.splice(0, this.mailbox.length, ...this.mailbox.filter((m) => m.to !== name));
    for (const m of waiting) this.deliver(m);
  }

  names(): string[] {
    return this.log.map((m) => `${m.from}>${m.to}:${m.name}`);
  }
}
