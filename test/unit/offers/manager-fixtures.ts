/**
 * Offers managers over real SQLite files, with a clock the test moves and seeded randomness, driven
 * as their adapter (core/runtime/offers) drives them: each step's writes persisted in one
 * transaction through the real repositories, then its events recorded.
 */
import { join } from 'node:path';
import { publicKeyFromPrivate, scalarFromHash, sha256, toHex, utf8 } from '../../../core/crypto';
import type { OfferEventBody } from '../../../core/api';
import { chainHash } from '../../../core/wire';
import type {
  CreateOfferParams, Destination, FetchParams, IncomingMessage, InvoiceRecord, InvoiceRequestRecord, OfferRecord, OffersError, OffersPolicy, OffersStep,
  OffersStores, PaymentForwarders, PersistedOffersWrites, PreparedFetch, PreparedRefundInvoice, RefundParams,
} from '../../../core/offers/manager';
import { OffersManager, persistOffersWrites } from '../../../core/offers/manager';
import type { TlvRecord } from '../../../core/wire';
import { handlerKindOf } from '../../../core/messenger';
import { decodeOffersMessage } from '../../../core/messenger/families';
import type { Database } from '../../../core/store';
import { InvoiceRequestsRepository, InvoicesRepository, OffersRepository, openDatabase } from '../../../core/store';
import { tempDir } from '../../support/tmp';

export const REGTEST = chainHash('regtest');
export const T0 = 1_750_000_000_000; // unix ms

export function testKey(label: string): Uint8Array {
  return scalarFromHash(sha256(utf8.encode(`offers-manager-test/${label}`)));
}

/** A deterministic byte source (xorshift32), distinct per seed. */
export function seededBytes(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}

/** A message as it reaches us: its bytes and the path_id of our hop, if it came over a blinded path with one. */
export interface ArrivingMessage {
  readonly messageId: string;
  readonly value: Uint8Array;
  readonly pathId: Uint8Array | undefined;
  readonly hasReplyPath: boolean;
}

/** The manager with each step carried out as the adapter does: writes persisted, then events recorded. */
export class DrivenManager {
  readonly core: OffersManager;
  readonly #stores: OffersStores;
  readonly #events: OfferEventBody[];

  constructor(core: OffersManager, stores: OffersStores, events: OfferEventBody[]) {
    this.core = core;
    this.#stores = stores;
    this.#events = events;
  }

  #apply<T>(step: OffersStep<T>): { value: T; persisted: PersistedOffersWrites } {
    const persisted = persistOffersWrites(this.#stores, step.writes);
    this.#events.push(...step.events);
    return { value: step.value, persisted };
  }

  get policy(): OffersPolicy {
    return this.core.policy;
  }

  createOffer(params: CreateOfferParams, nowMs: number): { offer: OfferRecord; created: boolean } {
    return this.#apply(this.core.createOffer(params, nowMs)).value;
  }

  disableOffer(offerId: string, nowMs: number): OfferRecord {
    return this.#apply(this.core.disableOffer(offerId, nowMs)).value;
  }

  answerInvoiceRequest(msg: ArrivingMessage, nowMs: number) {
    return this.#apply(this.core.answerInvoiceRequest(this.#arrived(msg), nowMs)).value;
  }

  /**
   * The messenger's part, played by the test: the path_id of our hop becomes the context of the
   * path we published with it (its record), or is flagged as one we never issued.
   */
  #arrived(msg: ArrivingMessage): IncomingMessage<never> {
    const path = msg.pathId ? this.#stores.offers.getPath(toHex(msg.pathId)) : undefined;
    return {
      messageId: msg.messageId, value: msg.value, hasReplyPath: msg.hasReplyPath,
      context: path ? { kind: 'published_path', path } : null, unrecognizedPathId: msg.pathId !== undefined && !path,
    };
  }

  prepareFetch(params: FetchParams, nowMs: number): PreparedFetch {
    const { value, persisted } = this.#apply(this.core.prepareFetch(params, nowMs));
    return { ...value, rowId: persisted.requestRowIds[0]! };
  }

  /**
   * The stored invoice; throws the error the fetch ended with (InvoiceErrorReceived or OffersError).
   * The reply's records are decoded as the messenger does before the offers layer sees them.
   */
  acceptFetchAnswer(fetch: PreparedFetch, records: readonly TlvRecord[], sentTo: Destination, nowMs: number): InvoiceRecord {
    const record = records.find((r) => handlerKindOf(r.type) === 'offers');
    const message = record ? decodeOffersMessage(record.type, record.value) : undefined;
    const answer = this.#apply(this.core.acceptFetchAnswer(fetch, message, sentTo, nowMs)).value;
    if (answer.kind === 'refused') throw answer.error;
    return answer.invoice;
  }

  failFetch(fetch: PreparedFetch, error: OffersError, nowMs: number): OffersError {
    return this.#apply(this.core.failFetch(fetch, error, nowMs)).value;
  }

  createRefund(params: RefundParams, nowMs: number): InvoiceRequestRecord {
    return this.#apply(this.core.createRefund(params, nowMs)).value;
  }

  prepareRefundInvoice(refund: string, nowMs: number): PreparedRefundInvoice {
    return this.#apply(this.core.prepareRefundInvoice(refund, nowMs)).value;
  }

  receiveInvoice(msg: ArrivingMessage, nowMs: number) {
    return this.#apply(this.core.receiveInvoice(this.#arrived(msg), nowMs)).value;
  }

  receiveInvoiceError(msg: ArrivingMessage): void {
    this.#apply(this.core.receiveInvoiceError(this.#arrived(msg)));
  }

  preimageFor(paymentHash: Uint8Array): Uint8Array | undefined {
    return this.core.preimageFor(paymentHash);
  }
}

export interface TestManager {
  readonly name: string;
  readonly manager: DrivenManager;
  readonly stores: OffersStores;
  readonly db: Database;
  readonly nodeKey: Uint8Array;
  readonly nodeId: Uint8Array;
  readonly nodeIdHex: string;
  readonly events: OfferEventBody[];
}

export function makeManager(name: string, opts: { seed?: number; chain?: Uint8Array; policy?: Partial<OffersPolicy>; dir?: string; paymentForwarders?: () => PaymentForwarders } = {}): TestManager {
  const db = openDatabase(join(opts.dir ?? tempDir('glasswing-offers-'), 'glasswing.sqlite'));
  const stores: OffersStores = {
    offers: new OffersRepository(db), requests: new InvoiceRequestsRepository(db), invoices: new InvoicesRepository(db),
    atomically: (fn) => db.transaction(fn)(),
  };
  const nodeKey = testKey(`${name}/node`);
  const events: OfferEventBody[] = [];
  const core = new OffersManager({
    nodeKey, offersSeed: testKey(`${name}/offers`), chain: opts.chain ?? REGTEST, reader: stores, randomBytes: seededBytes(opts.seed ?? name.length * 7919),
    ...(opts.policy ? { policy: opts.policy } : {}),
    ...(opts.paymentForwarders ? { paymentForwarders: opts.paymentForwarders } : {}),
  });
  const manager = new DrivenManager(core, stores, events);
  const nodeId = publicKeyFromPrivate(nodeKey);
  return { name, manager, stores, db, nodeKey, nodeId, nodeIdHex: toHex(nodeId), events };
}

/** A peer's node id (a path hop we never run). */
export function peerId(label: string): Uint8Array {
  return publicKeyFromPrivate(testKey(`peer/${label}`));
}
