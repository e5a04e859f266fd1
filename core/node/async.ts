/**
 * Async payments in the running node (issue 16; lightning/bolts#1149, LDK 0.2): the role cores of
 * core/payments/async wired to the messenger, the offers and payments services and the channels,
 * on the node's clock. A node's role is configuration (`--async-role`, config.json `async`):
 *
 * - `lsp`: L1 and L2 at once — the static invoice server for its clients (every channel peer) with
 *   their mailbox, and the holder of HTLCs that carry `hold_htlc` (the switch's hold policy, the
 *   release paths in our revoke_and_ack);
 * - `recipient`: R, often offline — asks its LSP (`--async-lsp`) for offer paths, serves its static
 *   invoice there, releases held HTLCs when it is back, accepts the payment when the onion's
 *   invoice_request verifies;
 * - `payer`: P, often offline — pays a static invoice with `hold_htlc` to its LSP (L1); any other
 *   node pays one holding the HTLC itself until the release.
 *
 * Every input goes to its core with the time; the step's writes go to SQLite before its messages
 * leave, and its events go on the bus (`async.*`).
 */
import { fromHex, hmacSha256, randomBytes, toHex, utf8 } from '../crypto';
import { GlasswingError } from '../errors';
import type { BlindedPath, FeatureVector, TlvRecord } from '../wire';
import { asyncPaymentsProfile, decodeBlindedPath, encodeBlindedPath, type AsyncPaymentsProfile, type AsyncPaymentsProfileName } from '../wire';
import { createMessagePath } from '../messenger/paths';
import type { AsyncPaymentsMessage, AsyncPaymentsMessageHandler, AsyncPaymentsResponse, MessageDelivery } from '../messenger/handlers';
import type { OffersDelivery, OffersMessage, OffersResponse } from '../offers/ports';
import type { Offer } from '../offers';
import { parseStaticInvoiceBytes } from '../offers';
import { createPaymentPath, type PaymentForwarder } from '../offers/manager/paths';
import { PAYMENT_PATH_CLTV_BLOCKS } from '../offers/manager/context';
import { aggregateBlindedPayInfo } from '../onion/payment-route';
import type { AsyncAction, AsyncDelivery, AsyncEventBody, AsyncOfferRecord, ServedPayInfo, AsyncOutMessage, AsyncPaymentState, HolderStep, PayerStep, PreparedPayerStep, StaticInvoiceRecord } from '../payments/async';
import { AsyncPayer, AsyncRecipient, HtlcHolder, StaticInvoiceServer, encodeAsyncContext } from '../payments/async';
import type { Bolt12FinalHop, Bolt12PathPayment, HoldPolicy } from '../payments';
import { PaymentError } from '../payments';
import type { AsyncOffersRepository, AsyncPayerRepository, AsyncReleasesRepository, StaticInvoicesRepository } from '../store';
import type { MessengerService } from '../runtime/messenger/service';
import type { PaymentsService } from '../runtime/payments/service';
import type { ChannelStepReport } from '../runtime/channel/service';
import type { Clock, Timer } from '../runtime/clock';
import type { PaymentInfo } from '../runtime/payments/types';
import { RELEASE_WINDOW_SECONDS } from './settings-info';

export type AsyncRole = 'none' | 'recipient' | 'lsp' | 'payer';
export const ASYNC_ROLES: readonly AsyncRole[] = ['none', 'recipient', 'lsp', 'payer'];

/** The async payments configuration (daemon options, config.json `async`, Settings). */
export interface AsyncSettings {
  readonly role: AsyncRole;
  /** R and P: their LSP, `NODEID@HOST:PORT` (R's static invoice server; P's HTLC holder is its channel peer). */
  readonly lsp: string | null;
  /** Which wire numbers (core/wire/async-payments.ts): LDK 0.2's or the draft's. */
  readonly profile: AsyncPaymentsProfileName;
  /** R: the description of its offer. */
  readonly description: string;
  /**
   * How long a held payment waits for its recipient's release (seconds; absent: 24 h): an LSP (L1)
   * fails a held HTLC back when it ends (`HtlcHolderPolicy`), a payer holding a payment itself fails it.
   */
  readonly releaseWindowSeconds?: number;
  /**
   * R: the paths its LSP's static invoice server takes requests over (hex blinded message paths), for
   * an LSP that knows its clients by the path they ask over — LDK 0.2's, whose
   * `blinded_paths_for_async_recipient` hands them out of band. Absent: R asks over a plain path to
   * the LSP, which knows it by its connection (ours, `byConnection`).
   */
  readonly serverPaths?: readonly string[];
}

/** At most this many server paths (R picks among them; LDK hands out one per call). */
export const MAX_SERVER_PATHS = 8;

export { RELEASE_WINDOW_SECONDS };

export const DEFAULT_ASYNC_SETTINGS: AsyncSettings = { role: 'none', lsp: null, profile: 'ldk', description: 'async payments' };

export class AsyncSettingsError extends GlasswingError {}

/** Checks config.json's or the command line's `async` (a typed `settings.malformed` / `api.invalid_params` error names the field). */
export function parseAsyncSettings(v: unknown, code = 'settings.malformed'): Partial<AsyncSettings> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new AsyncSettingsError(code, '"async" must be an object');
  const o = v as Record<string, unknown>;
  const out: { -readonly [K in keyof AsyncSettings]?: AsyncSettings[K] } = {};
  for (const k of Object.keys(o)) {
    if (!['role', 'lsp', 'profile', 'description', 'releaseWindowSeconds', 'serverPaths'].includes(k)) {
      throw new AsyncSettingsError(code, `async.${k}: unknown (async takes role, lsp, profile, description, releaseWindowSeconds, serverPaths)`);
    }
  }
  if (o.role !== undefined) {
    if (!(ASYNC_ROLES as readonly unknown[]).includes(o.role)) throw new AsyncSettingsError(code, `async.role: one of ${ASYNC_ROLES.join(', ')}`);
    out.role = o.role as AsyncRole;
  }
  if (o.lsp !== undefined && o.lsp !== null) {
    if (typeof o.lsp !== 'string' || !/^[0-9a-f]{66}@.+:\d+$/i.test(o.lsp)) throw new AsyncSettingsError(code, 'async.lsp: NODEID@HOST:PORT');
    out.lsp = o.lsp.slice(0, 66).toLowerCase() + o.lsp.slice(66);
  } else if (o.lsp === null) out.lsp = null;
  if (o.profile !== undefined) {
    if (o.profile !== 'ldk' && o.profile !== 'bolts1149') throw new AsyncSettingsError(code, 'async.profile: ldk or bolts1149');
    out.profile = o.profile;
  }
  if (o.description !== undefined) {
    if (typeof o.description !== 'string' || o.description.length === 0 || o.description.length > 200) throw new AsyncSettingsError(code, 'async.description: 1 to 200 characters');
    out.description = o.description;
  }
  if (o.releaseWindowSeconds !== undefined) {
    const w = o.releaseWindowSeconds;
    if (typeof w !== 'number' || !Number.isInteger(w) || w < RELEASE_WINDOW_SECONDS.min || w > RELEASE_WINDOW_SECONDS.max) {
      throw new AsyncSettingsError(code, `async.releaseWindowSeconds: whole seconds from ${RELEASE_WINDOW_SECONDS.min} to ${RELEASE_WINDOW_SECONDS.max}`);
    }
    out.releaseWindowSeconds = w;
  }
  if (o.serverPaths !== undefined) {
    const paths = o.serverPaths;
    const what = `async.serverPaths: 1 to ${MAX_SERVER_PATHS} blinded message paths, each in hex (as the LSP hands them out)`;
    if (!Array.isArray(paths) || paths.length === 0 || paths.length > MAX_SERVER_PATHS) throw new AsyncSettingsError(code, what);
    out.serverPaths = paths.map((p, i) => {
      if (typeof p !== 'string' || !/^([0-9a-f]{2})+$/i.test(p) || p.length > 8192) throw new AsyncSettingsError(code, what);
      try {
        // BOLT 4 blinded_path: an introduction node (or a directed short_channel_id), a path key, 1+ hops.
        decodeBlindedPath(fromHex(p));
      } catch (e) {
        throw new AsyncSettingsError(code, `async.serverPaths[${i}]: not a blinded path (${e instanceof Error ? e.message : String(e)})`);
      }
      return p.toLowerCase();
    });
  }
  return out;
}

/** One held HTLC as `listheldhtlcs` shows it (L1). */
export interface HeldHtlcInfo {
  readonly forwardId: string;
  readonly holdId: string;
  readonly paymentHash: string;
  readonly inAmountMsat: string;
  readonly outAmountMsat: string;
  /** The block height at which it is failed back unreleased. */
  readonly deadlineHeight: number;
  /** When the release window ends (unix ms). */
  readonly releaseExpiresAt: number;
  readonly receivedAt: number;
}

/** One stored static invoice as `liststaticinvoices` shows it (L2). */
export interface StaticInvoiceInfo {
  readonly recipient: string;
  readonly slot: number;
  readonly offerId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly storedAt: number;
  readonly size: number;
}

/** R's offers at its LSP (`asyncoffer`). */
export interface AsyncOfferInfo {
  readonly role: AsyncRole;
  readonly lsp: string | null;
  /** The offer to publish (bech32), once the LSP confirmed it keeps the static invoice. */
  readonly offer: string | null;
  /** What R waits for before it asks its LSP for offer paths or serves a fresh static invoice (null: nothing). */
  readonly waitingFor: 'chain_tip' | 'lsp' | 'lsp_channel' | null;
  /**
   * What R's payment paths through its LSP are built from: `lsp` (the LSP's channel_update for our channel), `conservative`
   * (it has not come LSP_POLICY_WAIT_MS after the channel was usable: CONSERVATIVE_LSP_RELAY stands in, and the static
   * invoice is served again with the real one when it comes), `waiting` (not yet: `waitingFor` is `lsp_channel` until
   * `lspPolicyWaitEndsAt`), null (not a recipient, or no channel to its LSP in normal operation).
   */
  readonly lspPolicy: 'lsp' | 'conservative' | 'waiting' | null;
  /**
   * What the payment path of the static invoice L2 keeps for R's published offer gives the LSP, from what R stored when
   * L2 confirmed it: `lsp` (its policy as R knows it now), `conservative` (CONSERVATIVE_LSP_RELAY's stand-in values:
   * payable, dearer), `other` (an older policy of the LSP's, or not known: confirmed before this was stored); null (no
   * offer ready, or not a recipient). Anything but `lsp` while the LSP's policy is known is served again at once.
   */
  readonly servedPolicy: 'lsp' | 'conservative' | 'other' | null;
  /** While `lspPolicy` is `waiting`: when R stops waiting and uses conservative values (unix ms). */
  readonly lspPolicyWaitEndsAt: number | null;
  /** The relay values R's payment paths give the LSP now (BOLT 4 `payment_relay`), with `lspPolicy` `lsp` or `conservative`. */
  readonly pathRelay: { readonly feeBaseMsat: number; readonly feeProportionalMillionths: number; readonly cltvExpiryDelta: number } | null;
  readonly slots: readonly { readonly slot: number; readonly status: AsyncOfferRecord['status']; readonly offerId: string | null; readonly invoiceExpiresAt: number | null }[];
}

export interface AsyncWiringOptions {
  readonly settings: AsyncSettings;
  readonly nodeKey: Uint8Array;
  readonly nodeId: Uint8Array;
  readonly chain: Uint8Array;
  readonly messenger: MessengerService;
  readonly staticInvoices: StaticInvoicesRepository;
  readonly asyncOffers: AsyncOffersRepository;
  /** L1: releases accepted but not forwarded yet (they survive a restart). */
  readonly releases: AsyncReleasesRepository;
  /** P: its payments to static invoices (they survive a restart; `listpayments` shows them). */
  readonly asyncPayments: AsyncPayerRepository;
  /** The chain tip's height, null until the node knows it (R's payment paths and P's HTLCs count from it). */
  readonly height: () => number | null;
  /** The payments service (made after this wiring: it takes our hold policy). */
  readonly payments: () => PaymentsService | null;
  /** Our channel peers (hex): an LSP's clients. */
  readonly channelPeers: () => readonly string[];
  /** Connects to the LSP (`NODEID@HOST:PORT`) and keeps reconnecting. */
  readonly connect: (address: string) => void;
  readonly isConnected: (nodeId: string) => boolean;
  readonly clock: Clock;
  readonly publish: (event: AsyncEventBody) => void;
  readonly log?: (line: Record<string, unknown>) => void;
  /** How often the roles' ticks run (default 1 s). */
  readonly tickMs?: number;
  /**
   * R online: answers an invoice_request for R's offer (bech32) with an ordinary invoice — the
   * offers service's (`OffersService.answerForwardedInvoiceRequest`); null: no answer.
   */
  readonly answerInvoiceRequest?: (offer: string, message: OffersMessage, messageId: string) => OffersResponse | null;
  /** A connected peer's `init` features (P: does its LSP hold HTLCs?). */
  readonly peerFeatures?: (nodeId: string) => FeatureVector | undefined;
  /**
   * L2: whether a channel with `nodeId` is reestablished (in normal operation on this connection): an invoice_request
   * that waited for an offline client is handed over only then (StaticInvoiceServer `recipientReady`). Absent: never.
   */
  readonly channelActive?: (nodeId: string) => boolean;
}

/**
 * R waits this long, from the first tick that finds its channel to the LSP in normal operation, for the LSP's
 * channel_update before it builds payment paths without it. An LSP sends it right after channel_ready (BOLT 7: "MAY
 * create a channel_update to communicate the channel parameters to the channel peer, even though the channel has not
 * yet been announced"; ours, LDK and LND do): seconds. Two minutes also covers a slow peer and a reconnection.
 */
export const LSP_POLICY_WAIT_MS = 120_000;

/**
 * The relay values R puts in its payment paths for an LSP whose policy it does not know (BOLT 4 route blinding:
 * "MUST include `encrypted_data_tlv.payment_relay` for each non-final node"). The LSP forwards with these, not its own
 * ("MUST use values from `encrypted_recipient_data.payment_relay` to calculate `amt_to_forward` and
 * `outgoing_cltv_value`"), and an implementation refuses a forward that gives it less than its own policy asks (LDK:
 * `IncorrectCLTVExpiry` for a cltv_expiry_delta below its own, a fee below its own). So each is at least what any sane
 * LSP asks: cltv_expiry_delta 144 (Eclair's default; LDK 72, LND 80, CLN 34; BOLT 2 "if in doubt, a cltv_expiry_delta
 * of at least 34 is reasonable"), fee_base_msat 1,000 (the four's default, at most 1 sat), fee_proportional_millionths
 * 1,000 (0.1%: five times Eclair's 200, the highest default). The payer pays that much more until the real policy comes.
 */
export const CONSERVATIVE_LSP_RELAY = Object.freeze({ cltvExpiryDelta: 144, feeBaseMsat: 1_000, feeProportionalMillionths: 1_000 });

/** The forwarder with each relay value at least CONSERVATIVE_LSP_RELAY's (the stand-in's own values where higher). */
export function conservativeForwarder(f: PaymentForwarder): PaymentForwarder {
  return {
    ...f,
    relay: {
      cltvExpiryDelta: Math.max(f.relay.cltvExpiryDelta, CONSERVATIVE_LSP_RELAY.cltvExpiryDelta),
      feeBaseMsat: Math.max(f.relay.feeBaseMsat, CONSERVATIVE_LSP_RELAY.feeBaseMsat),
      feeProportionalMillionths: Math.max(f.relay.feeProportionalMillionths, CONSERVATIVE_LSP_RELAY.feeProportionalMillionths),
    },
    policyKnown: false,
  };
}

/** What a payment path through `relay` (the LSP's hop) to us asks (BOLT 4 route blinding's aggregate, as createPaymentPath computes it). */
function payInfoThrough(relay: PaymentForwarder['relay']): ServedPayInfo {
  const agg = aggregateBlindedPayInfo([relay], MIN_FINAL_CLTV_EXPIRY_DELTA);
  return { feeBaseMsat: Number(agg.feeBaseMsat), feeProportionalMillionths: Number(agg.feeProportionalMillionths), cltvExpiryDelta: agg.cltvExpiryDelta };
}

function samePayInfo(a: ServedPayInfo | null | undefined, b: ServedPayInfo): boolean {
  return !!a && a.feeBaseMsat === b.feeBaseMsat && a.feeProportionalMillionths === b.feeProportionalMillionths && a.cltvExpiryDelta === b.cltvExpiryDelta;
}

/** HMAC(node key, label): a role's key, stable across restarts. */
function roleKey(nodeKey: Uint8Array, label: string): Uint8Array {
  return hmacSha256(nodeKey, utf8.encode(`glasswing/async/${label}`));
}

export class AsyncWiring {
  #settings: AsyncSettings;
  readonly profile: AsyncPaymentsProfile;
  readonly server: StaticInvoiceServer | null;
  readonly holder: HtlcHolder | null;
  readonly recipient: AsyncRecipient | null;
  readonly payer: AsyncPayer;
  readonly #opts: AsyncWiringOptions;
  readonly #lspId: string | null;
  #timer: Timer | null = null;
  #connectTimer: Timer | null = null;
  #unregister: (() => void) | null = null;
  #closed = false;

  constructor(opts: AsyncWiringOptions) {
    this.#opts = opts;
    this.#settings = opts.settings;
    this.profile = asyncPaymentsProfile(opts.settings.profile);
    this.#lspId = opts.settings.lsp ? opts.settings.lsp.split('@')[0]!.toLowerCase() : null;
    const now = () => opts.clock.now();
    const pathToUs = (context: Uint8Array): BlindedPath => opts.messenger.pathToUs([], context);
    const role = opts.settings.role;
    this.server = role === 'lsp'
      ? new StaticInvoiceServer({
          store: opts.staticInvoices, chain: opts.chain, pathTo: pathToUs, pathContext: (path) => opts.messenger.contextOfOurPath(path), profile: this.profile,
          isClient: (recipient) => opts.channelPeers().includes(recipient),
        })
      : null;
    this.holder = role === 'lsp'
      ? new HtlcHolder({
          pathTo: pathToUs, holdKey: roleKey(opts.nodeKey, 'hold'),
          heldKeys: () => (opts.payments()?.heldForwards() ?? []).flatMap((f) => (f.hold ? [f.hold.key] : [])),
          ...(opts.settings.releaseWindowSeconds !== undefined ? { policy: { releaseWindowSeconds: opts.settings.releaseWindowSeconds } } : {}),
        }, now)
      : null;
    this.recipient = role === 'recipient' && this.#lspId ? this.#makeRecipient(this.#lspId) : null;
    // Releases accepted before a restart whose forward had not happened yet: asked again from the first tick.
    if (this.holder) for (const key of opts.releases.pendingReleases()) this.#releasing.add(key);
    this.payer = new AsyncPayer({
      chain: opts.chain, mode: role === 'payer' ? 'lsp' : 'self', randomBytes, profile: this.profile,
      messagePathTo: (context) => this.#pathViaPeer(context), reader: opts.asyncPayments,
      ...(opts.settings.releaseWindowSeconds !== undefined ? { policy: { releaseWindowSeconds: opts.settings.releaseWindowSeconds } } : {}),
    });
  }

  /** The settings in force (the role's cores were built from them; only the release window changes while the node runs). */
  get settings(): AsyncSettings {
    return this.#settings;
  }

  /** The release window in force (seconds). */
  get releaseWindowSeconds(): number {
    return this.#settings.releaseWindowSeconds ?? RELEASE_WINDOW_SECONDS.default;
  }

  /**
   * A new release window, at once (Settings): the holder's release paths and the payer's payments
   * from now on get it; HTLCs already held and payments already waiting keep the window they were given.
   */
  setReleaseWindow(seconds: number): void {
    this.#settings = { ...this.#settings, releaseWindowSeconds: seconds };
    this.holder?.setReleaseWindow(seconds);
    this.payer.setReleaseWindow(seconds);
  }

  #makeRecipient(lsp: string): AsyncRecipient {
    const o = this.#opts;
    const lspKey = fromHex(lsp, 'async lsp node id');
    return new AsyncRecipient({
      reader: o.asyncOffers, nodeId: o.nodeId, chain: o.chain, profile: this.profile,
      // The LSP's own paths when it handed some out (LDK's server knows its clients by them); else a path to the LSP
      // without a path_id: the LSP knows its client as the peer that hands it the request (see #asyncHandler).
      serverPaths: this.settings.serverPaths?.map((p) => decodeBlindedPath(fromHex(p))) ?? [createMessagePath({ sessionKey: randomBytes(32), nodes: [lspKey] })],
      // Our paths are introduced at the LSP: while we are offline it keeps what comes over them (its mailbox).
      messagePathTo: (context) => o.messenger.pathToUs([lsp], context),
      paymentPaths: (pathId) => {
        // The paths' max_cltv_expiry counts from the tip: without one, no paths (the core then serves nothing), never height 0.
        // Nor before the LSP's channel_update for the channel came: its fee and CLTV delta go in the path, and a guess
        // the LSP refuses would be in a static invoice that lives for days.
        // After LSP_POLICY_WAIT_MS without it, conservative values stand in (CONSERVATIVE_LSP_RELAY), and the invoice is served
        // again once it comes (#tick).
        const height = o.height();
        const f = this.#lspForwarder(lsp);
        if (!f || height === null) return [];
        const built = [createPaymentPath({
          sessionKey: randomBytes(32), recipient: o.nodeId, pathId, forwarders: [f.forwarder], minFinalCltvExpiryDelta: MIN_FINAL_CLTV_EXPIRY_DELTA,
          maxCltvExpiry: height + PAYMENT_PATH_CLTV_BLOCKS, htlcMinimumMsat: 1n,
        })];
        if (f.conservative && !this.#conservativeLogged) {
          this.#conservativeLogged = true;
          o.log?.({ event: 'async_conservative_paths', lsp, relay: CONSERVATIVE_LSP_RELAY });
        }
        return built;
      },
      sign: (unsigned) => unsigned.sign(o.nodeKey),
      paymentKey: roleKey(o.nodeKey, 'payment'),
      offer: { description: o.settings.description },
    });
  }

  /** R: the LSP as the forwarder of our channel, policy known or not (undefined: no channel to it in normal operation). */
  #lspChannel(lsp: string): PaymentForwarder | undefined {
    return this.#opts.payments()?.paymentForwarders().forwarders.find((x) => toHex(x.nodeId) === lsp);
  }

  /**
   * R: the LSP as the forwarder of our payment paths — with its policy for our channel once known, with conservative
   * values once we waited LSP_POLICY_WAIT_MS for it (`#lspPolicyWaitSince`, set by the tick) — else undefined.
   */
  #lspForwarder(lsp: string): { readonly forwarder: PaymentForwarder; readonly conservative: boolean } | undefined {
    const f = this.#lspChannel(lsp);
    if (!f) return undefined;
    if (f.policyKnown !== false) return { forwarder: f, conservative: false };
    const since = this.#lspPolicyWaitSince;
    return since !== null && this.#opts.clock.now() - since >= LSP_POLICY_WAIT_MS ? { forwarder: conservativeForwarder(f), conservative: true } : undefined;
  }

  /** R: the first tick that found our channel to the LSP usable without its policy (null: no such channel, or its policy known). */
  #lspPolicyWaitSince: number | null = null;
  #conservativeLogged = false;

  /**
   * R: the slots whose invoice L2 keeps does not ask what a path with the LSP's known policy asks — built with
   * CONSERVATIVE_LSP_RELAY's stand-in values, with a policy the LSP changed since, or not known (confirmed before
   * migration 22) — and for which no invoice with that policy waits for L2's answer. Derived from what is stored
   * (`servedPayInfo`, `awaiting`): the same after a restart. Empty while the LSP's policy is not known.
   */
  #slotsToReserve(lsp: string): AsyncOfferRecord[] {
    const f = this.recipient ? this.#lspChannel(lsp) : undefined;
    if (!f || f.policyKnown === false) return [];
    const want = payInfoThrough(f.relay);
    return this.recipient!.offers().filter((r) =>
      r.offer !== null && r.status !== 'requested' && !samePayInfo(r.servedPayInfo, want) && !(r.awaiting?.kind === 'invoice' && samePayInfo(r.awaiting.payInfo, want)));
  }

  /**
   * R, each tick: starts (or ends) the wait for the LSP's policy; once it is known and an invoice L2 keeps was built
   * otherwise (conservative values, or an older policy), serves the invoice again with it at once — after a restart
   * too. An unanswered serve is the recipient core's to send again (with backoff: `AsyncRecipient.retryAt`).
   */
  #watchLspPolicy(lsp: string, now: number): void {
    const f = this.#lspChannel(lsp);
    if (!f || f.policyKnown !== false) this.#lspPolicyWaitSince = null;
    else if (this.#lspPolicyWaitSince === null) this.#lspPolicyWaitSince = now;
    if (!this.recipient || !f || f.policyKnown === false || this.recipientWaitingFor() !== null) return;
    if (this.#slotsToReserve(lsp).length === 0) return;
    this.#opts.log?.({ event: 'async_lsp_policy_known', lsp, relay: f.relay });
    this.#recipientStep(this.recipient.refreshInvoices(now));
  }

  /** A message path to us introduced at one of our connected channel peers (or at us). */
  #pathViaPeer(context: Uint8Array): BlindedPath {
    const peer = this.#opts.channelPeers().find((p) => this.#opts.isConnected(p));
    return this.#opts.messenger.pathToUs(peer ? [peer] : [], context);
  }

  /** Hooks for the other services: the hold policy (L1), the release paths of our revoke_and_ack (L1). */
  get holdPolicy(): HoldPolicy | undefined {
    if (!this.holder) return undefined;
    const holder = this.holder;
    return {
      hold: (candidate) => {
        const held = holder.hold(candidate);
        if (held) {
          const [holdId, exp] = held.key.split(':');
          // Published after the switch's step: the forward is stored with its hold.
          queueMicrotask(() => this.#opts.publish({ type: 'async.htlc_held', holdId: holdId!, deadlineHeight: held.deadlineHeight, releaseExpiresAt: Number(exp) * 1000 }));
        }
        return held;
      },
    };
  }

  releasePath(channelId: string, htlcId: bigint): BlindedPath | undefined {
    return this.holder?.releasePath(channelId, htlcId, this.#opts.clock.now());
  }

  start(): void {
    this.#unregister = this.#opts.messenger.setAsyncPaymentsHandler(this.#asyncHandler());
    // The LSP: dialled at once unless the saved peers' reconnection reached it first. Two dials may race (BOLT 1 keeps the
    // newest connection); the LSP's mailbox writes again into the newer one what we had not confirmed reading (a pong) on the replaced one.
    const lsp = this.settings.lsp;
    if (lsp && this.#lspId && this.settings.role !== 'none' && this.settings.role !== 'lsp') {
      const lspId = this.#lspId;
      this.#connectTimer = this.#opts.clock.timeout('async.connect_lsp', LSP_DIAL_DELAY_MS, () => {
        if (!this.#closed && !this.#opts.isConnected(lspId)) this.#opts.connect(lsp);
      });
    }
    this.#timer = this.#opts.clock.interval('async.tick', this.#opts.tickMs ?? 1_000, () => this.#tick());
  }

  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#connectTimer?.cancel();
    this.#unregister?.();
  }

  // ----- time ---------------------------------------------------------------------------------

  #tick(): void {
    if (this.#closed) return;
    const now = this.#opts.clock.now();
    try {
      // R asks for paths and refreshes only while its LSP is there to answer, over a channel it can pay us through, and
      // once the chain tip is known (its payment paths' max_cltv_expiry counts from it): the first tick after the tip serves.
      if (this.recipient && this.#lspId) this.#watchLspPolicy(this.#lspId, now);
      if (this.recipient && this.recipientWaitingFor() === null) this.#recipientStep(this.recipient.tick(now));
      if (this.holder) this.#holderStep(this.holder.tick(now));
      if (this.server) this.#handHeldRequests(now);
      this.#retryReleases();
      // After a restart: the HTLCs of payments that were going out go again, once the payments service and the tip are there.
      if (!this.#resumed && this.#opts.payments() && this.#opts.height() !== null) {
        this.#resumed = true;
        this.#payerStep(() => this.payer.resume(now, (id) => this.#htlcSettled(id)));
      }
      this.#payerStep(() => this.payer.tick(now, (id) => this.#htlcSettled(id)));
      if (this.server) this.#opts.staticInvoices.deleteExpiredStaticInvoices(Math.floor(now / 1000));
    } catch (e) {
      this.#opts.log?.({ event: 'async_tick_failed', error: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * L2: invoice_requests that came while their recipient was offline go to it once it is back with its channel to us
   * reestablished — our channel_reestablish then went before them on the same connection, so R has a usable channel
   * to answer with an invoice (not LDK's MissingPaths invoice_error, which makes an LDK payer abandon the payment).
   */
  #handHeldRequests(now: number): void {
    const active = this.#opts.channelActive;
    if (!this.server || !active) return;
    for (const r of this.server.waitingRecipients(now)) {
      if (this.#opts.isConnected(r) && active(r)) this.#serverStep(this.server.recipientReady(r, now));
    }
  }

  // ----- steps ----------------------------------------------------------------------------------

  #recipientStep(step: ReturnType<AsyncRecipient['tick']>, inReplyTo?: string): AsyncPaymentsResponse | undefined {
    this.#opts.asyncOffers.applyAsyncOfferWrites(step.writes);
    const reply = this.#carryOut(step.actions, inReplyTo);
    this.#publishAll(step.events);
    return reply;
  }

  #serverStep(step: ReturnType<StaticInvoiceServer['handleInvoiceRequest']>, inReplyTo?: string): AsyncPaymentsResponse | undefined {
    this.#opts.staticInvoices.applyStaticInvoiceWrites(step.writes);
    const reply = this.#carryOut(step.actions, inReplyTo);
    this.#publishAll(step.events);
    return reply;
  }

  #holderStep(step: HolderStep): void {
    const payments = this.#opts.payments();
    for (const a of step.actions) {
      if (a.kind === 'release') {
        // The release often comes as the recipient reconnects, before its channel is reestablished: asked again each tick,
        // and stored first, since the recipient sends it once (a restart before the forward must not lose it).
        this.#opts.releases.addPendingRelease(a.holdKey, this.#opts.clock.now());
        this.#releasing.add(a.holdKey);
      } else payments?.failHeld(a.holdKey, a.reason);
    }
    // The release is stored: it is published before the forward it causes (#retryReleases may forward at once),
    // so a timeline reads cause then effect.
    this.#publishAll(step.events);
    this.#retryReleases();
  }

  /** Releases still waiting for their next peer: forwarded once its channel is active, forgotten once not held. */
  #retryReleases(): void {
    const payments = this.#opts.payments();
    if (!payments || this.#releasing.size === 0) return;
    const held = new Set(payments.heldForwards().flatMap((f) => (f.hold ? [f.hold.key] : [])));
    for (const key of [...this.#releasing]) {
      if (!held.has(key) || payments.release(key) > 0) {
        this.#releasing.delete(key);
        this.#opts.releases.removePendingRelease(key);
      }
    }
  }

  readonly #releasing = new Set<string>();

  #resumed = false;

  /** The payments service's record of a payment whose HTLC went out says it ended (then nothing is announced for it). */
  #htlcSettled(paymentId: string): boolean {
    const status = this.#opts.payments()?.getPayment(paymentId)?.status;
    return status === 'succeeded' || status === 'failed';
  }

  /**
   * A payer step: its writes, then its change to the payer core, then its actions. Persist before we promise — the
   * payment's record is durable before its HTLC or held_htlc_available leaves — and memory after disk: a write that
   * throws (a database failure) leaves the core as it was and sends nothing (the error goes to the caller).
   */
  #payerStep(run: (() => PayerStep) | PreparedPayerStep, opts: { readonly written?: boolean } = {}): void {
    const prepared = typeof run === 'function' ? this.payer.prepare(run) : run;
    const { step } = prepared;
    // `written`: its writes went in the channel step's transaction, which committed.
    if (!opts.written) this.#opts.asyncPayments.applyAsyncPayerWrites(step.writes);
    if (!prepared.commit()) {
      this.#opts.log?.({ event: 'async_payer_step_stale' });
      return;
    }
    for (const a of step.actions) {
      if (a.kind === 'send' && a.announces !== undefined) {
        // Kept once one went out (handed to the first hop): until then a restart, or the payer's tick, announces again.
        const paymentId = a.announces;
        this.#send(a.destination, a.message, a.replyContext, a.forwardedReplyPath, undefined, () => {
          if (!this.#closed) this.#payerStep(() => this.payer.announced(paymentId, this.#opts.clock.now()));
        });
      } else if (a.kind === 'send') this.#send(a.destination, a.message, a.replyContext, a.forwardedReplyPath);
      else if (a.kind === 'send_async_htlc') {
        const payments = this.#opts.payments();
        if (!payments) continue;
        try {
          payments.payAsync({
            paymentId: a.paymentId, invoice: a.invoice, preimage: a.preimage, invoiceRequest: a.invoiceRequest, amountMsat: a.amountMsat, hold: a.hold,
            // The first hop of a held HTLC: a connected channel peer that advertised htlc_hold (else it fails at once, payments.no_holding_peer).
            ...(a.hold ? { holders: this.holdingPeers().map((id) => fromHex(id, 'holding peer')) } : {}),
          });
        } catch (e) {
          this.#opts.log?.({ event: 'async_pay_failed', paymentId: a.paymentId, error: e instanceof Error ? e.message : String(e) });
        }
      }
      // pay_invoice: the ordinary invoice path of `pay OFFER` pays it (the reply waiter takes the first answer).
    }
    this.#publishAll(step.events);
  }

  /** Carries out a role's actions: the first `reply` is returned for the messenger, the rest sent. */
  #carryOut(actions: readonly AsyncAction[], inReplyTo?: string): AsyncPaymentsResponse | undefined {
    let reply: AsyncPaymentsResponse | undefined;
    for (const a of actions) {
      if (a.kind === 'reply' && !reply && a.message.name !== 'static_invoice') {
        reply = {
          message: { type: a.message.name as AsyncPaymentsResponse['message']['type'], bytes: a.message.bytes },
          ...(a.replyContext ? { instruction: 'replyWithReplyPath' as const, replyContext: a.replyContext } : {}),
        };
      } else if (a.kind === 'send') this.#send(a.destination, a.message, a.replyContext, a.forwardedReplyPath, inReplyTo);
      // issue_invoice (R online answering a forwarded invoice_request with an ordinary invoice): not wired yet.
    }
    return reply;
  }

  #send(destination: BlindedPath, message: AsyncOutMessage, replyContext?: Uint8Array, forwardedReplyPath?: BlindedPath, inReplyTo?: string, sent?: () => void): void {
    const records: TlvRecord[] = [{ type: message.tlvType, value: message.bytes }];
    const via = this.#viaLsp(destination);
    this.#opts.messenger.sendOver({
      destination, records, ...(replyContext ? { replyContext } : {}), ...(forwardedReplyPath ? { forwardedReplyPath } : {}), ...(inReplyTo ? { inReplyTo } : {}),
      ...(via ? { via } : {}),
    }).then(() => sent?.()).catch((e: unknown) => this.#opts.log?.({ event: 'async_send_failed', message: message.name, error: e instanceof Error ? e.message : String(e) }));
  }

  /**
   * R: an LSP's paths may be introduced at one of the LSP's peers (LDK's server picks its peers as
   * introduction nodes), which R neither knows nor is connected to. The LSP, R's peer, is that
   * node's peer: the message goes to the LSP first, which relays it on (BOLT 4: onion messages are
   * relayed between peers).
   */
  #viaLsp(destination: BlindedPath): string[] | undefined {
    const lsp = this.#lspId;
    if (!this.recipient || !lsp || destination.firstNodeId.kind !== 'node_id') return undefined;
    const intro = toHex(destination.firstNodeId.nodeId);
    return intro !== lsp && !this.#opts.isConnected(intro) && this.#opts.isConnected(lsp) ? [lsp] : undefined;
  }

  #publishAll(events: readonly AsyncEventBody[]): void {
    for (const e of events) this.#opts.publish(e);
  }

  // ----- the messenger's async payments family ----------------------------------------------------

  #asyncHandler(): AsyncPaymentsMessageHandler {
    const now = () => this.#opts.clock.now();
    const d = (m: AsyncPaymentsMessage, delivery: MessageDelivery): AsyncDelivery => ({
      bytes: m.bytes, context: delivery.context?.kind === 'reply' ? delivery.context.data : undefined, replyPath: delivery.replyPath,
    });
    return {
      // A static invoice comes as the answer to our invoice_request (the offers service's waiter takes it).
      handleStaticInvoice: () => undefined,
      handleHeldHtlcAvailable: (m, delivery) => (this.recipient ? this.#recipientStep(this.recipient.handleHeldHtlcAvailable(d(m, delivery), now()), delivery.messageId) : undefined),
      handleReleaseHeldHtlc: (m, delivery) => {
        const input = d(m, delivery);
        if (this.holder) this.#holderStep(this.holder.handleReleaseHeldHtlc(input, now()));
        else this.#payerStep(() => this.payer.handleReleaseHeldHtlc(input, now()));
        return undefined;
      },
      handleOfferPathsRequest: (m, delivery) => {
        if (!this.server) return undefined;
        let input = d(m, delivery);
        // A client that asks over a path without our context is known by its authenticated connection:
        // the request came from a channel peer, one hop away. Whoever else sends it through that peer gets
        // paths for its slots but cannot use them: only the client's key may sign what we serve for it.
        if (input.context === undefined && this.#opts.channelPeers().includes(delivery.from)) {
          input = { ...input, context: encodeAsyncContext({ kind: 'offer_paths_request', recipient: delivery.from, expiresAt: Math.floor(now() / 1000) + 600, byConnection: true }) };
          // Its mailbox: held_htlc_available (and forwarded invoice_requests) wait there while it is offline.
          this.#opts.messenger.allowMailbox(delivery.from);
        }
        return this.#serverStep(this.server.handleOfferPathsRequest(input, now()), delivery.messageId);
      },
      handleOfferPaths: (m, delivery) => (this.recipient ? this.#recipientStep(this.recipient.handleOfferPaths(d(m, delivery), now()), delivery.messageId) : undefined),
      handleServeStaticInvoice: (m, delivery) => (this.server ? this.#serverStep(this.server.handleServeStaticInvoice(d(m, delivery), now()), delivery.messageId) : undefined),
      handleStaticInvoicePersisted: (m, delivery) => {
        if (!this.recipient) return undefined;
        return this.#recipientStep(this.recipient.handleStaticInvoicePersisted(d(m, delivery), now()), delivery.messageId);
      },
    };
  }

  /**
   * The offers service's intercept: an invoice_request over one of the offer paths we (L2) gave a
   * client is answered with the client's static invoice (onion message 70) and forwarded to it.
   */
  interceptOffers(message: OffersMessage, delivery: OffersDelivery): { readonly response: OffersResponse | null } | undefined {
    if (message.type !== 'invoice_request' || delivery.context?.kind !== 'reply') return undefined;
    const context = delivery.context.data;
    // 0x14: invoice_request_forwarded — R online gets a payer's request from its LSP (context.ts).
    if (this.recipient && context[0] === 0x14) return { response: this.#answerForwarded(message, delivery) };
    // 0x02: static_invoice_requested (core/payments/async context.ts).
    if (!this.server || context[0] !== 0x02) return undefined;
    const now = this.#opts.clock.now();
    const step = this.server.handleInvoiceRequest({ bytes: message.bytes, context, replyPath: delivery.replyPath }, now, this.#opts.isConnected);
    this.#opts.staticInvoices.applyStaticInvoiceWrites(step.writes);
    for (const a of step.actions) {
      if (a.kind === 'reply' && delivery.replyPath) this.#send(delivery.replyPath, a.message, undefined, undefined, delivery.messageId);
      else if (a.kind === 'send') this.#send(a.destination, a.message, a.replyContext, a.forwardedReplyPath);
    }
    this.#publishAll(step.events);
    return { response: null };
  }

  /**
   * R online: an invoice_request L2 forwarded over our forward_invoice_request_path, with the
   * payer's reply path (lightning/bolts#1149; LDK 0.2 `invoice_request_forwarded_to_async_recipient`):
   * checked against the slot's offer by the recipient core, then answered with an ordinary invoice
   * by the offers service. The messenger sends the answer over the payer's reply path.
   */
  #answerForwarded(message: OffersMessage, delivery: OffersDelivery): OffersResponse | null {
    const context = delivery.context?.kind === 'reply' ? delivery.context.data : undefined;
    const step = this.recipient!.handleForwardedInvoiceRequest({ bytes: message.bytes, context, replyPath: delivery.replyPath }, this.#opts.clock.now());
    this.#opts.asyncOffers.applyAsyncOfferWrites(step.writes);
    let answer: OffersResponse | null = null;
    for (const a of step.actions) {
      if (a.kind !== 'issue_invoice' || answer) continue;
      try {
        answer = this.#opts.answerInvoiceRequest?.(a.offer, message, delivery.messageId) ?? null;
      } catch (e) {
        this.#opts.log?.({ event: 'async_invoice_failed', offerId: a.offerId, error: e instanceof Error ? e.message : String(e) });
      }
    }
    this.#publishAll(step.events);
    return answer;
  }

  // ----- payments -------------------------------------------------------------------------------

  /** R: a payment over one of our static invoice's payment paths (else undefined: the offers manager's). */
  paymentForPath(pathId: Uint8Array, paymentHash: Uint8Array, onion: Bolt12FinalHop | undefined): Bolt12PathPayment | undefined | null {
    if (!this.recipient || pathId[0] !== 0x02) return undefined;
    const now = this.#opts.clock.now();
    const check = this.recipient.checkPayment({
      pathId, paymentHash, amountMsat: onion?.totalMsat ?? 0n, invoiceRequest: onion?.invoiceRequest, senderPreimage: onion?.senderPreimage,
    }, now);
    this.#opts.publish({ type: 'async.payment_checked', paymentHash: toHex(paymentHash), accepted: check.accept, reason: check.accept ? null : check.reason });
    if (!check.accept) return null;
    return {
      preimage: check.preimage, amountMsat: onion?.totalMsat ?? 0n, expiresAt: Math.floor(now / 1000) + 3600, offerId: check.offerId,
      minFinalCltvExpiryDelta: MIN_FINAL_CLTV_EXPIRY_DELTA,
    };
  }

  /** P: the static invoice our invoice_request got. Pays it (with `hold_htlc` to our LSP, or holding it ourselves). */
  payStatic(p: { paymentId: string; offer: Offer; invoiceRequest: Uint8Array; amountMsat: bigint; staticInvoice: Uint8Array }): void {
    const inv = parseStaticInvoiceBytes(p.staticInvoice, { messagePathsTlv: this.profile.staticInvoiceMessagePathsTlv }).value;
    if (!inv) throw new AsyncSettingsError('payments.bad_static_invoice', 'the static invoice does not parse');
    // BOLT 4: the HTLC's cltv_expiry counts from the tip; refused before anything is written or sent (as PaymentsService.pay).
    if (this.#opts.height() === null && !this.payer.payment(p.paymentId)) {
      throw new PaymentError('payments.no_chain_tip', 'the node knows no block height yet (no chain source, or the chain not read yet): an HTLC\'s expiry counts from it');
    }
    // hold_htlc only to a peer that holds HTLCs (LDK 0.2 `hold_htlc_channels`: a channel peer whose init has htlc_hold);
    // without one P holds the payment itself, as LDK falls back to a reply path to itself.
    const mode = this.settings.role === 'payer' && this.holdingPeer() !== undefined ? 'lsp' : 'self';
    // One prepared step from `begin` on: if the record cannot be written, the payer core forgets the payment too (the
    // same pay may be tried again), rather than keep one in memory that SQLite never saw.
    this.#payerStep(() => {
      this.payer.begin({ paymentId: p.paymentId, offer: p.offer, invoiceRequest: p.invoiceRequest, amountMsat: p.amountMsat, mode });
      return this.payer.handleStaticInvoice(p.paymentId, p.staticInvoice, this.#opts.clock.now());
    });
    const state = this.payer.payment(p.paymentId);
    if (state?.status === 'failed') throw new AsyncSettingsError(state.failure?.split(':')[0] ?? 'payments.bad_static_invoice', `the static invoice cannot be paid: ${state.failure ?? 'refused'}`);
  }

  /**
   * What R's offer waits for before R asks its LSP for paths or refreshes its static invoice: `chain_tip` (the node
   * knows no block height yet), `lsp` (not connected), `lsp_channel` (no channel to it in normal operation, or the LSP's
   * channel_update for it not come yet and LSP_POLICY_WAIT_MS not over: the payment paths need its fee and CLTV delta;
   * after that wait conservative values stand in, `lspPolicy` says so); null: nothing.
   */
  recipientWaitingFor(): 'chain_tip' | 'lsp' | 'lsp_channel' | null {
    const lsp = this.#lspId;
    if (!this.recipient || !lsp) return null;
    if (this.#opts.height() === null) return 'chain_tip';
    if (!this.#opts.isConnected(lsp)) return 'lsp';
    return this.#lspForwarder(lsp) ? null : 'lsp_channel';
  }

  /** A connected channel peer that advertises htlc_hold in our profile's bits (either: optional or required). */
  holdingPeer(): string | undefined {
    return this.holdingPeers()[0];
  }

  /** Every connected channel peer that advertises htlc_hold (hex). */
  holdingPeers(): string[] {
    const bit = this.profile.htlcHoldFeatureBit;
    return this.#opts.channelPeers().filter((id) => {
      const f = this.#opts.isConnected(id) ? this.#opts.peerFeatures?.(id) : undefined;
      return f !== undefined && (f.hasBit(bit) || f.hasBit(bit + 1));
    });
  }

  /**
   * A payment to a static invoice the payments service has no record of — P holds it itself until
   * R's release (self mode), or its release window ended unreleased — as `pay`, `getPayment` and
   * `listPayments` answer it: pending, or failed. Kept in SQLite by the payer core's writes
   * (migration 17): it is listed, and survives a restart.
   */
  waitingPayment(paymentId: string): PaymentInfo | undefined {
    const s = this.payer.payment(paymentId);
    return s ? this.#waitingInfo(s) : undefined;
  }

  /** Every payment of `waitingPayment`'s, newest first. */
  waitingPayments(): PaymentInfo[] {
    return this.payer.payments().flatMap((s) => {
      const info = this.#waitingInfo(s);
      return info ? [info] : [];
    }).reverse();
  }

  #waitingInfo(s: AsyncPaymentState): PaymentInfo | undefined {
    if (s.status === 'htlc_sent' || s.status === 'paying_invoice' || s.status === 'awaiting_invoice') return undefined;
    // Once its HTLC is out (lsp mode at once; self mode after the release) the payments service's record is the payment.
    if (this.#opts.payments()?.getPayment(s.paymentId)) return undefined;
    return {
      paymentId: s.paymentId, kind: 'async', paymentHash: s.paymentHash ?? '', destination: null, amountMsat: s.amountMsat.toString(), maxFeeMsat: '0',
      description: s.description, status: s.status === 'failed' ? 'failed' : 'pending', createdAt: s.createdAt ?? this.#opts.clock.now(), completedAt: null,
      preimage: null, feeMsat: null, failure: s.failure ? { code: s.failure.split(':')[0]!, message: failureMessage(s.failure) } : null, attempts: 0, parts: [],
    };
  }

  /**
   * P, inside the channel step's SQLite transaction (ChannelService `persistWithStep`): L1's revoke_and_ack
   * carried the release paths of our held HTLC. The payer's record takes them in the same transaction as the
   * channel state that acknowledges that revoke_and_ack (persist before you promise): a kill can no longer fall
   * between the two, and L1 never sends that revoke_and_ack again once our channel state is past it (BOLT 2
   * `channel_reestablish`: a revoke_and_ack is retransmitted only if `next_revocation_number` says it was not
   * received). The step's sends and events wait for `onChannelStep`, after the commit.
   */
  persistWithChannelStep(report: Pick<ChannelStepReport, 'channelId' | 'events'>): void {
    // Prepared, not taken: the payer core moves only in onChannelStep, once this transaction committed. A write here
    // that throws (or a commit that fails) rolls the channel back (ChannelService reloads it and drops the connection;
    // L1 sends its revoke_and_ack again on reconnection) and leaves the payer as it was, to take those paths then.
    const steps = this.#releasePathSteps(report);
    if (steps.length === 0) return;
    for (const p of steps) this.#opts.asyncPayments.applyAsyncPayerWrites(p.step.writes);
    this.#written.set(report.events, steps);
  }

  /** P: a channel step, once persisted — the held_htlc_available that rely on the release paths of its revoke_and_ack go now. */
  onChannelStep(report: ChannelStepReport): void {
    const written = this.#written.get(report.events);
    if (written) {
      this.#written.delete(report.events);
      for (const p of written) this.#payerStep(p, { written: true });
      return;
    }
    // A step that came without the transaction hook (or with nothing for the payer): written here.
    for (const step of this.#releasePathSteps(report)) this.#payerStep(step);
  }

  /** The payer's steps, prepared, for the release paths in a channel step's events (none once the payment has them). */
  #releasePathSteps(report: Pick<ChannelStepReport, 'channelId' | 'events'>): PreparedPayerStep[] {
    const payments = this.#opts.payments();
    if (!payments) return [];
    const steps: PreparedPayerStep[] = [];
    for (const e of report.events) {
      if (e.type !== 'release_paths_received') continue;
      const byPayment = new Map<string, BlindedPath[]>();
      for (const { htlcId, path } of e.paths) {
        const paymentId = payments.paymentOfHtlc(report.channelId, htlcId);
        if (paymentId) byPayment.set(paymentId, [...(byPayment.get(paymentId) ?? []), path]);
      }
      for (const [paymentId, paths] of byPayment) {
        const p = this.payer.prepare(() => this.payer.releasePathsReceived(paymentId, paths, this.#opts.clock.now()));
        if (p.step.writes.length > 0 || p.step.actions.length > 0 || p.step.events.length > 0) steps.push(p);
      }
    }
    return steps;
  }

  /** Payer steps whose writes went in their channel step's transaction, by that step's events (carried out in onChannelStep). */
  readonly #written = new WeakMap<readonly unknown[], PreparedPayerStep[]>();

  // ----- views ----------------------------------------------------------------------------------

  heldHtlcs(): HeldHtlcInfo[] {
    return (this.#opts.payments()?.heldForwards() ?? []).flatMap((f) => {
      if (!f.hold) return [];
      const [holdId, exp] = f.hold.key.split(':');
      return [{
        forwardId: f.forwardId, holdId: holdId ?? '', paymentHash: f.paymentHash, inAmountMsat: f.inAmountMsat.toString(), outAmountMsat: f.outAmountMsat.toString(),
        deadlineHeight: f.hold.deadlineHeight, releaseExpiresAt: Number(exp) * 1000, receivedAt: f.receivedAt,
      }];
    });
  }

  /**
   * L2: paths for `recipient` (a channel peer) to send offer_paths_request over, hex-encoded, for it
   * to be given out of band (an LDK recipient's server paths); its mailbox is allowed from now on.
   */
  recipientPaths(recipient: string, count = 1): { paths: string[]; expiresAt: number } {
    if (!this.server) throw new PaymentError('payments.bad_request', 'this node is not a static invoice server (--async-role lsp)');
    const now = this.#opts.clock.now();
    const paths = this.server.pathsForRecipient(recipient, now, count);
    this.#opts.messenger.allowMailbox(recipient);
    return { paths: paths.map((p) => toHex(encodeBlindedPath(p))), expiresAt: now + this.server.policy.requestPathsExpirySeconds * 1000 };
  }

  staticInvoices(recipient?: string): StaticInvoiceInfo[] {
    return this.#opts.staticInvoices.listStaticInvoices(recipient).map((r: StaticInvoiceRecord) => ({
      recipient: r.recipient, slot: r.slot, offerId: r.offerId, createdAt: r.createdAt * 1000, expiresAt: r.expiresAt * 1000, storedAt: r.storedAt, size: r.invoice.length,
    }));
  }

  #lspPolicyInfo(): Pick<AsyncOfferInfo, 'lspPolicy' | 'lspPolicyWaitEndsAt' | 'pathRelay'> {
    const lsp = this.#lspId;
    const f = this.recipient && lsp ? this.#lspChannel(lsp) : undefined;
    if (!f || !lsp) return { lspPolicy: null, lspPolicyWaitEndsAt: null, pathRelay: null };
    const used = this.#lspForwarder(lsp);
    if (used) return { lspPolicy: used.conservative ? 'conservative' : 'lsp', lspPolicyWaitEndsAt: null, pathRelay: { ...used.forwarder.relay } };
    const since = this.#lspPolicyWaitSince;
    return { lspPolicy: 'waiting', lspPolicyWaitEndsAt: since === null ? null : since + LSP_POLICY_WAIT_MS, pathRelay: null };
  }

  #servedPolicy(): AsyncOfferInfo['servedPolicy'] {
    const lsp = this.#lspId;
    const ready = this.recipient?.offers().find((r) => r.status === 'ready' && r.offer !== null);
    if (!ready || !lsp) return null;
    const f = this.#lspChannel(lsp);
    if (f && f.policyKnown !== false && samePayInfo(ready.servedPayInfo, payInfoThrough(f.relay))) return 'lsp';
    // The stand-in's values raised to CONSERVATIVE_LSP_RELAY (conservativeForwarder), or those alone.
    const conservative = [CONSERVATIVE_LSP_RELAY, ...(f ? [conservativeForwarder(f).relay] : [])];
    return conservative.some((c) => samePayInfo(ready.servedPayInfo, payInfoThrough(c))) ? 'conservative' : 'other';
  }

  /** What getinfo shows of async payments: the role, and for a recipient what its paths give its LSP (asyncoffer has the rest). */
  summary(): Pick<AsyncOfferInfo, 'role' | 'lspPolicy' | 'servedPolicy'> {
    return { role: this.settings.role, lspPolicy: this.#lspPolicyInfo().lspPolicy, servedPolicy: this.#servedPolicy() };
  }

  asyncOffer(): AsyncOfferInfo {
    const slots = this.recipient?.offers() ?? [];
    return {
      role: this.settings.role, lsp: this.settings.lsp, offer: this.recipient?.readyOffer() ?? null, waitingFor: this.recipientWaitingFor(),
      ...this.#lspPolicyInfo(), servedPolicy: this.#servedPolicy(),
      slots: slots.map((s) => ({ slot: s.slot, status: s.status, offerId: s.offerId, invoiceExpiresAt: s.invoiceExpiresAt === null ? null : s.invoiceExpiresAt * 1000 })),
    };
  }
}

/** R and P dial their LSP on the next turn after start (no wait: the mailbox survives a replaced connection). */
const LSP_DIAL_DELAY_MS = 0;

/** R's min_final_cltv_expiry_delta on its static invoice's payment paths (BOLT 11's default, the offers manager's). */
const MIN_FINAL_CLTV_EXPIRY_DELTA = 18;

/** Words for a payer core failure code (`payments.timeout`: the release window ended unreleased). */
function failureMessage(failure: string): string {
  if (failure === 'payments.timeout') return 'the recipient did not release the payment within its release window: no HTLC was sent';
  return `the static invoice payment did not start: ${failure}`;
}

/** The hold id of a key `<hold id>:<expiry>`. */
export function holdIdOf(key: string): string {
  return key.split(':')[0] ?? '';
}

