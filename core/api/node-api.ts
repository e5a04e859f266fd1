/**
 * The NodeApi implemented over a running Node: every host (the daemon's WebSocket server, the
 * Electron IPC bridge, test harnesses) serves what `createNodeApi(node)` returns. Each method
 * maps its already-validated params (METHOD_SCHEMAS) to the node's layers and their results to
 * the API's plain data; the layers' own typed errors pass through unchanged, so a client sees
 * the same `code` whichever layer refused.
 *
 * Node-only (it imports the composition root): hosts import this file directly; it is not part
 * of `core/api/index.ts`, which the renderer's bundle reads.
 */
import type { Node } from '../node/node';
import { runSimulationRequest } from '../simulator/request';
import { describeBolt11, looksLikeBolt11, type Bolt11Network } from '../invoices';
import type { Network } from '../node/types';
import type { NodeApi } from './methods';
import type { OfferMethods } from './offers';
import type { WalletMethods } from './wallet';
import type { PaymentMethods } from './payments';
import type { PaymentsService } from '../runtime/payments/service';
import { randomBytes, fromHex, toHex } from '../crypto';
import type { ChannelMethods } from './channel-methods';
import type { PeerInfo } from './types';
import { ApiError } from './schema';

type MessengerMethod =
  | 'sendOnionMessage' | 'listMessages' | 'mailboxList' | 'mailboxAllow' | 'mailboxDeny' | 'messengerStats'
  | 'registerMessageHandler' | 'unregisterMessageHandler' | 'createMessagePath';

export function createNodeApi(node: Node): NodeApi {
  const peers = node.peers;
  const peerInfo = (nodeId: string): PeerInfo => {
    const peer = peers.peer(nodeId);
    if (!peer) throw new ApiError('peer.not_connected', `not connected to ${nodeId}`);
    return peers.info(peer);
  };
  return {
    getInfo: async () => node.info(),
    connect: async ({ address, reconnect }) => peers.info(await peers.connect(address, { reconnect: reconnect ?? true })),
    disconnect: async ({ nodeId, forget }) => ({ nodeId, disconnected: peers.disconnect(nodeId, { forget: forget ?? true }) }),
    listPeers: async () => ({ peers: peers.peers().map((p) => peers.info(p)) }),
    listSavedPeers: async () => ({ peers: node.savedPeers() }),
    forgetPeer: async ({ nodeId }) => node.forgetPeer(nodeId),
    ping: async ({ nodeId, numPongBytes }) => {
      peerInfo(nodeId);
      return { nodeId, rttMs: await peers.ping(nodeId, numPongBytes ?? 0) };
    },
    labelPeer: async ({ nodeId, label }) => ({ nodeId, label: node.labelPeer(nodeId, label) }),
    recentEvents: async ({ limit, types }) => ({ events: node.events.recent(limit ?? 200, types) }),
    ...messengerApi(node),
    ...offersApi(node),
    listChannels: async () => ({ channels: node.channels.list() }),
    getChannel: async ({ channelId }) => {
      const detail = node.channels.detail(channelId);
      if (!detail) throw new ApiError('channel.not_found', `no channel ${channelId}`);
      return detail;
    },
    ...channelApi(node),
    runSimulation: async (params) => runSimulationRequest(params),
    decode: async ({ string }) => {
      if (!looksLikeBolt11(string)) return { kind: 'bolt12', bolt12: node.offers.decode(string) };
      const info = node.info();
      return {
        kind: 'bolt11',
        bolt11: describeBolt11(string, { nowSeconds: Math.floor(node.clock.now() / 1000), networks: [BOLT11_NETWORK[info.network]] }),
      };
    },
    ...walletApi(node),
    ...paymentsApi(node),
    listNodes: async ({ limit }) => ({ nodes: node.gossip.listNodes(limit) }),
    listGraphChannels: async ({ nodeId, limit }) => ({ channels: node.gossip.listChannels({ ...(nodeId ? { nodeId } : {}), ...(limit ? { limit } : {}) }) }),
    gossipInfo: async () => node.gossip.info(),
    getForwardingPolicy: async () => node.forwardingPolicy(),
    setForwardingPolicy: async (change) => node.setForwardingPolicy(change),
    asyncOffer: async () => node.async.asyncOffer(),
    listHeldHtlcs: async () => ({ held: node.async.heldHtlcs() }),
    listStaticInvoices: async ({ recipient }) => ({ staticInvoices: node.async.staticInvoices(recipient) }),
    asyncRecipientPaths: async ({ recipient, count }) => node.async.recipientPaths(recipient, count),
    getSettings: async () => node.settings(),
    updateSettings: (params) => node.updateSettings(params),
    subscribe: (listener) => node.events.subscribe(listener),
  };
}

/** The node's network by its BOLT 11 name (hrp.ts). */
const BOLT11_NETWORK: Readonly<Record<Network, Bolt11Network>> = { mainnet: 'mainnet', testnet: 'testnet', signet: 'signet', regtest: 'regtest' };

/** BOLT 12 offers: our offers, someone's offers, refunds (the offers service). */
function offersApi(node: Node): Pick<NodeApi, keyof OfferMethods> {
  const o = node.offers;
  return {
    createOffer: async (params) => o.createOffer(params),
    listOffers: async (filter) => ({ offers: o.listOffers(filter) }),
    disableOffer: async ({ offerId }) => o.disableOffer(offerId),
    decodeBolt12: async (params) => o.decode(params.string),
    fetchInvoice: (params) => o.fetchInvoice(params),
    listInvoices: async (filter) => ({ invoices: o.listInvoices(filter) }),
    listInvoiceRequests: async (filter) => ({ invoiceRequests: o.listInvoiceRequests(filter) }),
    createRefund: async (params) => o.createRefund(params),
    sendInvoice: (params) => o.sendInvoice(params),
  };
}

/** Payments over our channels (the payments adapter); `payments.disabled` on a node opened without them. */
function paymentsApi(node: Node): Pick<NodeApi, keyof PaymentMethods> {
  const p = (): PaymentsService => {
    const svc = node.payments;
    if (!svc) throw new ApiError('payments.disabled', 'this node runs without payments');
    return svc;
  };
  return {
    createInvoice: async ({ amountMsat, description, expirySeconds }) =>
      p().createInvoice({ description, ...(amountMsat !== undefined ? { amountMsat: BigInt(amountMsat) } : {}), ...(expirySeconds !== undefined ? { expirySeconds } : {}) }),
    pay: async ({ invoice, amountMsat, maxFeeMsat, timeoutSeconds, paymentId, wait }) => {
      const svc = p();
      // Idempotent per payment id: an async payment already waiting for its release is answered as it is (no new invoice_request).
      const waiting = paymentId !== undefined && svc.getPayment(paymentId) === undefined ? node.async.waitingPayment(paymentId) : undefined;
      if (waiting) return waiting;
      // BOLT 12: an offer is paid through the invoice it is answered with (invoice_request over onion messages first).
      const offer = /^lno1/i.test(invoice.trim());
      const answer = offer ? await node.offers.fetchForPayment({ offer: invoice.trim(), forPayment: true, ...(amountMsat !== undefined ? { amountMsat } : {}) }) : null;
      if (answer?.kind === 'static_invoice') {
        // lightning/bolts#1149: an often-offline recipient; its LSP answered with its static invoice (core/node/async.ts).
        const id = paymentId ?? toHex(randomBytes(16));
        node.async.payStatic({ paymentId: id, offer: answer.offer, invoiceRequest: answer.invoiceRequest, amountMsat: answer.amountMsat, staticInvoice: answer.bytes });
        // The payment completes when the recipient comes back and releases it: the caller gets it pending unless it waits.
        // P holding the HTLC itself (no async role) has no stored payment record until R releases it (getPayment: the core's state).
        const started = svc.getPayment(id);
        if (!started) return node.async.waitingPayment(id) ?? (await svc.waitFor(id, 0));
        return wait === true ? svc.waitFor(id, (timeoutSeconds ?? 60) * 1000) : started;
      }
      const fetched = answer?.kind === 'invoice' ? answer.result : null;
      return svc.pay({
        invoice: fetched ? fetched.invoice.bolt12 : invoice,
        paymentId: paymentId ?? toHex(randomBytes(16)),
        // The invoice fetched for an offer names the amount asked for.
        ...(amountMsat !== undefined && !offer ? { amountMsat: BigInt(amountMsat) } : {}),
        ...(maxFeeMsat !== undefined ? { maxFeeMsat: BigInt(maxFeeMsat) } : {}),
        ...(timeoutSeconds !== undefined ? { timeoutMs: timeoutSeconds * 1000 } : {}),
        ...(wait !== undefined ? { wait } : {}),
      });
    },
    getPayment: async ({ paymentId }) => {
      // An async payment P holds itself (no async role) has no stored record before R releases it: the payer core's state.
      const found = p().getPayment(paymentId) ?? node.async.waitingPayment(paymentId);
      if (!found) throw new ApiError('payments.not_found', `no payment ${paymentId}`);
      return found;
    },
    listPayments: async (filter) => {
      // With the async payments the payments service has no record of yet (P holds them until R's release; core/node/async.ts).
      const waiting = node.async.waitingPayments().filter((x) => filter.status === undefined || x.status === filter.status);
      const all = [...p().listPayments(filter), ...waiting].sort((a, b) => b.createdAt - a.createdAt);
      return { payments: all.slice(0, filter.limit ?? 1000) };
    },
    listBolt11Invoices: async (filter) => ({ invoices: p().listInvoices(filter) }),
    listReceived: async (filter) => ({ received: p().listReceived(filter) }),
    listForwards: async (filter) => p().listForwards(filter),
    getRoute: async ({ nodeId, amountMsat, finalCltvExpiryDelta }) => p().getRoute(fromHex(nodeId), BigInt(amountMsat), finalCltvExpiryDelta),
  };
}

/** Opening and closing channels, and how they resolve on chain (the channel service). */
function channelApi(node: Node): Pick<NodeApi, keyof ChannelMethods> {
  const c = node.channels;
  return {
    openChannel: (p) => c.fundChannel({
      nodeId: p.nodeId,
      amountSat: BigInt(p.amountSat),
      ...(p.pushMsat !== undefined ? { pushMsat: BigInt(p.pushMsat) } : {}),
      ...(p.feeRateSatVb !== undefined ? { feeRateSatVb: p.feeRateSatVb } : {}),
      ...(p.announce !== undefined ? { announce: p.announce } : {}),
      ...(p.zeroconf !== undefined ? { zeroconf: p.zeroconf } : {}),
      ...(p.channelType !== undefined ? { channelType: p.channelType } : {}),
      ...(p.commitmentFeeratePerKw !== undefined ? { commitmentFeeratePerKw: p.commitmentFeeratePerKw } : {}),
    }),
    closeChannel: async (p) => c.closeChannel(p),
    listOpenings: async () => ({ openings: c.listOpenings() }),
    listClosedChannels: async () => ({ channels: c.listClosed() }),
  };
}

/** The on-chain wallet and the chain (the wallet adapter; the node's chain info and backup words). */
function walletApi(node: Node): Pick<NodeApi, keyof WalletMethods> {
  const w = node.wallet;
  return {
    newAddress: async () => w.newAddress(),
    getBalance: async () => w.balance(),
    listFunds: async () => ({ utxos: w.listFunds() }),
    listTransactions: async () => ({ transactions: w.listTransactions() }),
    withdraw: ({ address, amountSat, feeRateSatVb }) =>
      w.withdraw({ address, amountSat: amountSat === 'all' ? 'all' : BigInt(amountSat), ...(feeRateSatVb !== undefined ? { feeRateSatVb } : {}) }),
    previewWithdraw: async ({ address, amountSat, feeRateSatVb }) =>
      w.previewWithdraw({ address, amountSat: amountSat === 'all' ? 'all' : BigInt(amountSat), ...(feeRateSatVb !== undefined ? { feeRateSatVb } : {}) }),
    bumpFee: ({ txid, feeRateSatVb }) => w.bumpFee({ txid, ...(feeRateSatVb !== undefined ? { feeRateSatVb } : {}) }),
    previewBumpFee: async ({ txid, feeRateSatVb }) => ({
      ...w.previewBumpFee({ txid, ...(feeRateSatVb !== undefined ? { feeRateSatVb } : {}) }),
      minimumSatVb: w.minimumBumpRate(txid),
    }),
    chainInfo: async () => node.chainInfo(),
    backupWords: ({ passphrase }) => node.backupWords(passphrase),
  };
}

function messengerApi(node: Node): Pick<NodeApi, MessengerMethod> {
  const m = node.messenger;
  return {
    sendOnionMessage: (params) => m.send(params),
    listMessages: async (filter) => ({ messages: m.listMessages(filter) }),
    mailboxList: async () => m.mailboxInfo(),
    mailboxAllow: async ({ nodeId }) => {
      m.allowMailbox(nodeId);
      return { nodeId, allowed: true };
    },
    mailboxDeny: async ({ nodeId }) => {
      m.denyMailbox(nodeId);
      return { nodeId, allowed: false };
    },
    messengerStats: async () => m.stats(),
    registerMessageHandler: async ({ tlvType }) => ({ tlvType, listeners: m.registerApiHandler(tlvType) }),
    unregisterMessageHandler: async ({ tlvType }) => ({ tlvType, listeners: m.unregisterApiHandler(tlvType) }),
    createMessagePath: async ({ via, dummyHops }) => m.createMessagePath(via ?? [], dummyHops ?? 0),
  };
}
