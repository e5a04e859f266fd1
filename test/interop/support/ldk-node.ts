/**
 * A live LDK node for interop tests: rust-lightning 0.1 (the `lightningdevkit` WebAssembly
 * package) with its own PeerManager (BOLT 8 + BOLT 1), OnionMessenger and ChannelManager (which
 * handles BOLT 12 offers), talking to glasswing daemons over real TCP sockets on 127.0.0.1.
 *
 * LDK has no channels or gossip here, so two of its pluggable parts are given the obvious
 * behaviour for direct peers: a message router that sends straight to the destination (or a
 * blinded path's introduction node) and makes one-hop blinded paths to itself, and a payment
 * router that finds no routes but makes one-hop blinded payment paths for its invoices.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer, type Server, type Socket } from 'node:net';
import * as ldk from 'lightningdevkit';

const require = createRequire(import.meta.url);
let wasmLoaded: Promise<void> | undefined;

/** Loads LDK's WebAssembly once per process. */
export function loadLdk(): Promise<void> {
  wasmLoaded ??= ldk.initializeWasmFromBinary(readFileSync(require.resolve('lightningdevkit/liblightningjs.wasm')));
  return wasmLoaded;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A custom onion message LDK received (types >= 64 that no LDK handler claims). */
export interface ReceivedCustom {
  readonly type: bigint;
  readonly value: Uint8Array;
  readonly hadReplyPath: boolean;
}

function customContents(type: bigint, value: Uint8Array): ldk.OnionMessageContents {
  return ldk.OnionMessageContents.new_impl({
    tlv_type: () => type,
    msg_type: () => 'glasswing test message',
    write: () => value,
    debug_str: () => `custom ${type}`,
  });
}

export class LdkNode {
  readonly nodeId: string;
  readonly received: ReceivedCustom[] = [];
  readonly events: ldk.Event[] = [];
  readonly logs: string[] = [];
  /** Custom TLV types LDK accepts; a message of `replyTo` type is answered with type+2 and the same bytes reversed. */
  readonly customTypes = new Set<bigint>([65601n, 65603n]);
  readonly replyTo = 65601n;
  /** Node ids (hex) the onion messages this node sends go through, in order (none: straight to the destination). */
  via: string[] = [];
  readonly #entropy: ldk.EntropySource;
  readonly #chanMan: ldk.ChannelManager;
  readonly #messenger: ldk.OnionMessenger;
  readonly #peers: ldk.PeerManager;
  readonly #sockets = new Set<Socket>();
  #servers: Server[] = [];
  #nextSocketId = 1n;
  #ticker: NodeJS.Timeout;

  /** `keepLogs: false` drops LDK's log records unread (a benchmark's forwarder: no string per record). */
  constructor(opts: { keepLogs?: boolean } = {}) {
    const keep = opts.keepLogs ?? true;
    const logger = ldk.Logger.new_impl({ log: (record: ldk.Record) => void (keep && this.logs.push(`${record.get_level()} ${record.get_args()}`)) });
    const feeEstimator = ldk.FeeEstimator.new_impl({ get_est_sat_per_1000_weight: () => 253 });
    const broadcaster = ldk.BroadcasterInterface.new_impl({ broadcast_transactions: () => undefined });
    const persister = ldk.Persist.new_impl({
      persist_new_channel: () => ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_Completed,
      update_persisted_channel: () => ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_Completed,
      archive_persisted_channel: () => undefined,
    });
    const chainMonitor = ldk.ChainMonitor.constructor_new(ldk.Option_FilterZ.constructor_none(), broadcaster, logger, feeEstimator, persister);
    const now = Date.now();
    const keys = ldk.KeysManager.constructor_new(new Uint8Array(randomBytes(32)), BigInt(Math.floor(now / 1000)), (now % 1000) * 1_000_000);
    this.#entropy = keys.as_EntropySource();
    const entropy = this.#entropy;

    const messageRouter = ldk.MessageRouter.new_impl({
      // Straight to the destination, or through the nodes of `via` (bench/forward.ts routes through a forwarder).
      find_path: (_sender: Uint8Array, _peers: Uint8Array[], destination: ldk.Destination) =>
        ldk.Result_OnionMessagePathNoneZ.constructor_ok(ldk.OnionMessagePath.constructor_new(this.via.map((id) => new Uint8Array(Buffer.from(id, 'hex'))), destination, ldk.Option_CVec_SocketAddressZZ.constructor_none())),
      create_blinded_paths: (recipient: Uint8Array, context: ldk.MessageContext) => {
        const path = ldk.BlindedMessagePath.constructor_one_hop(recipient, context, entropy) as ldk.Result_BlindedMessagePathNoneZ_OK;
        return ldk.Result_CVec_BlindedMessagePathZNoneZ.constructor_ok([path.res.clone()]);
      },
      create_compact_blinded_paths: (recipient: Uint8Array, context: ldk.MessageContext) => {
        const path = ldk.BlindedMessagePath.constructor_one_hop(recipient, context, entropy) as ldk.Result_BlindedMessagePathNoneZ_OK;
        return ldk.Result_CVec_BlindedMessagePathZNoneZ.constructor_ok([path.res.clone()]);
      },
    });
    const noRoute = () => ldk.Result_RouteLightningErrorZ.constructor_err(ldk.LightningError.constructor_new('no channels in this test', ldk.ErrorAction.constructor_ignore_error()));
    const router = ldk.Router.new_impl({
      find_route: noRoute,
      find_route_with_id: noRoute,
      create_blinded_payment_paths: (recipient: Uint8Array, _firstHops: ldk.ChannelDetails[], tlvs: ldk.ReceiveTlvs) => {
        const path = ldk.BlindedPaymentPath.constructor_one_hop(recipient, tlvs, 18, entropy) as ldk.Result_BlindedPaymentPathNoneZ_OK;
        return ldk.Result_CVec_BlindedPaymentPathZNoneZ.constructor_ok([path.res.clone()]);
      },
    });

    const config = ldk.UserConfig.constructor_default();
    config.set_manually_handle_bolt12_invoices(true); // an accepted invoice is reported as Event::InvoiceReceived
    const params = ldk.ChainParameters.constructor_new(ldk.Network.LDKNetwork_Regtest, ldk.BestBlock.constructor_from_network(ldk.Network.LDKNetwork_Regtest));
    this.#chanMan = ldk.ChannelManager.constructor_new(feeEstimator, chainMonitor.as_Watch(), broadcaster, router, messageRouter, logger,
      keys.as_EntropySource(), keys.as_NodeSigner(), keys.as_SignerProvider(), config, params, Math.floor(now / 1000));
    this.nodeId = hex(this.#chanMan.get_our_node_id());

    const ignorer = ldk.IgnoringMessageHandler.constructor_new();
    const custom = ldk.CustomOnionMessageHandler.new_impl({
      read_custom_message: (type: bigint, buffer: Uint8Array) => {
        if (!this.customTypes.has(type)) return ldk.Result_COption_OnionMessageContentsZDecodeErrorZ.constructor_ok(ldk.Option_OnionMessageContentsZ.constructor_none());
        return ldk.Result_COption_OnionMessageContentsZDecodeErrorZ.constructor_ok(ldk.Option_OnionMessageContentsZ.constructor_some(customContents(type, buffer.slice())));
      },
      handle_custom_message: (message: ldk.OnionMessageContents, _context: ldk.Option_CVec_u8ZZ, responder: ldk.Responder | null) => {
        const type = message.tlv_type();
        const value = message.write();
        this.received.push({ type, value, hadReplyPath: responder !== null });
        if (type === this.replyTo && responder) {
          const answer = customContents(type + 2n, value.slice().reverse());
          return ldk.Option_C2Tuple_OnionMessageContentsResponseInstructionZZ.constructor_some(
            ldk.TwoTuple_OnionMessageContentsResponseInstructionZ.constructor_new(answer, responder.respond()),
          );
        }
        return ldk.Option_C2Tuple_OnionMessageContentsResponseInstructionZZ.constructor_none();
      },
      release_pending_custom_messages: () => [],
    });
    this.#messenger = ldk.OnionMessenger.constructor_new(keys.as_EntropySource(), keys.as_NodeSigner(), logger, this.#chanMan.as_NodeIdLookUp(), messageRouter,
      this.#chanMan.as_OffersMessageHandler(), ignorer.as_AsyncPaymentsMessageHandler(), this.#chanMan.as_DNSResolverMessageHandler(), custom);
    this.#peers = ldk.PeerManager.constructor_new(this.#chanMan.as_ChannelMessageHandler(), ignorer.as_RoutingMessageHandler(), this.#messenger.as_OnionMessageHandler(),
      ignorer.as_CustomMessageHandler(), Math.floor(now / 1000), new Uint8Array(randomBytes(32)), logger, keys.as_NodeSigner());

    const handler = ldk.EventHandler.new_impl({
      handle_event: (event: ldk.Event) => {
        this.events.push(event);
        return ldk.Result_NoneReplayEventZ.constructor_ok();
      },
    });
    this.#ticker = setInterval(() => {
      this.#peers.process_events();
      this.#chanMan.as_EventsProvider().process_pending_events(handler);
    }, 25);
  }

  /** Glues one TCP socket to the PeerManager. */
  #attach(socket: Socket): ldk.SocketDescriptor {
    const id = this.#nextSocketId++;
    this.#sockets.add(socket);
    const descriptor = ldk.SocketDescriptor.new_impl({
      send_data: (data: Uint8Array) => {
        if (!socket.destroyed) socket.write(data.slice());
        return data.length;
      },
      disconnect_socket: () => socket.destroy(),
      eq: (other: ldk.SocketDescriptor) => other.hash() === id,
      hash: () => id,
    });
    socket.on('data', (chunk: Buffer) => {
      const r = this.#peers.read_event(descriptor, new Uint8Array(chunk));
      if (!r.is_ok()) socket.destroy();
      this.#peers.process_events();
    });
    socket.on('close', () => {
      this.#sockets.delete(socket);
      this.#peers.socket_disconnected(descriptor);
    });
    socket.on('error', () => undefined);
    return descriptor;
  }

  /** Dials a node: LDK is the BOLT 8 initiator. */
  async connect(nodeId: string, port: number): Promise<void> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const descriptor = this.#attach(socket);
    const first = this.#peers.new_outbound_connection(Buffer.from(nodeId, 'hex'), descriptor, ldk.Option_SocketAddressZ.constructor_none());
    if (!first.is_ok()) throw new Error('LDK refused to start the connection');
    socket.write((first as ldk.Result_CVec_u8ZPeerHandleErrorZ_OK).res);
  }

  /** Accepts connections: LDK is the BOLT 8 responder. Returns the port. */
  async listen(): Promise<number> {
    const server = createServer((socket) => {
      const descriptor = this.#attach(socket);
      if (!this.#peers.new_inbound_connection(descriptor, ldk.Option_SocketAddressZ.constructor_none()).is_ok()) socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.#servers.push(server);
    return (server.address() as { port: number }).port;
  }

  /** Node ids of peers whose init exchange completed. */
  peerIds(): string[] {
    return this.#peers.list_peers().map((p) => hex(p.get_counterparty_node_id()));
  }

  /** Sends a custom onion message to a node id, or into a blinded path (hex `blinded_path`). */
  sendCustom(destination: { nodeId: string } | { blindedPath: Uint8Array }, type: bigint, value: Uint8Array, withReplyPath = false): void {
    let dest: ldk.Destination;
    if ('nodeId' in destination) dest = ldk.Destination.constructor_node(Buffer.from(destination.nodeId, 'hex'));
    else {
      const path = ldk.BlindedMessagePath.constructor_read(destination.blindedPath);
      if (!path.is_ok()) throw new Error('LDK could not read the blinded path');
      dest = ldk.Destination.constructor_blinded_path((path as ldk.Result_BlindedMessagePathDecodeErrorZ_OK).res.clone());
    }
    const instructions = withReplyPath
      ? ldk.MessageSendInstructions.constructor_with_reply_path(dest, ldk.MessageContext.constructor_custom(new Uint8Array(0)))
      : ldk.MessageSendInstructions.constructor_without_reply_path(dest);
    const r = this.#messenger.send_onion_message(customContents(type, value), instructions);
    if (!r.is_ok()) throw new Error(`LDK could not send the onion message: ${String((r as { err?: unknown }).err)}`);
    this.#peers.process_events();
  }

  /** LDK's ChannelManager pays an offer: sends an invoice_request and waits for the invoice. */
  payForOffer(offer: string, opts: { amountMsat?: bigint; quantity?: bigint; payerNote?: string } = {}): Uint8Array {
    const parsed = ldk.Offer.constructor_from_str(offer);
    if (!parsed.is_ok()) throw new Error('LDK could not parse the offer');
    const paymentId = new Uint8Array(randomBytes(32));
    const r = this.#chanMan.pay_for_offer((parsed as ldk.Result_OfferBolt12ParseErrorZ_OK).res.clone(),
      opts.quantity === undefined ? ldk.Option_u64Z.constructor_none() : ldk.Option_u64Z.constructor_some(opts.quantity),
      opts.amountMsat === undefined ? ldk.Option_u64Z.constructor_none() : ldk.Option_u64Z.constructor_some(opts.amountMsat),
      opts.payerNote === undefined ? ldk.Option_StrZ.constructor_none() : ldk.Option_StrZ.constructor_some(opts.payerNote),
      paymentId, ldk.Retry.constructor_attempts(0), ldk.Option_u64Z.constructor_none());
    if (!r.is_ok()) throw new Error('LDK refused to pay the offer');
    this.#peers.process_events();
    return paymentId;
  }

  /** An offer from LDK's ChannelManager (blinded path through LDK itself). */
  createOffer(): string {
    const r = this.#chanMan.create_offer_builder(ldk.Option_u64Z.constructor_none());
    if (!r.is_ok()) throw new Error('LDK could not create an offer builder');
    const built = (r as ldk.Result_OfferWithDerivedMetadataBuilderBolt12SemanticErrorZ_OK).res.clone().build();
    if (!built.is_ok()) throw new Error('LDK could not build the offer');
    return (built as ldk.Result_OfferBolt12SemanticErrorZ_OK).res.to_str();
  }

  async close(): Promise<void> {
    clearInterval(this.#ticker);
    for (const s of this.#sockets) s.destroy();
    await Promise.all(this.#servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
