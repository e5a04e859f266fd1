/** Offers managers over real SQLite files, with a clock the test moves and seeded randomness. */
import { join } from 'node:path';
import { publicKeyFromPrivate, scalarFromHash, sha256, toHex, utf8 } from '../../../core/crypto';
import type { OfferEventBody } from '../../../core/api';
import { chainHash } from '../../../core/wire';
import type { OffersPolicy, OffersStores } from '../../../core/offers/manager';
import { OffersManager } from '../../../core/offers/manager';
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

export interface TestManager {
  readonly name: string;
  readonly manager: OffersManager;
  readonly stores: OffersStores;
  readonly db: Database;
  readonly nodeKey: Uint8Array;
  readonly nodeId: Uint8Array;
  readonly nodeIdHex: string;
  readonly events: OfferEventBody[];
}

export function makeManager(name: string, opts: { seed?: number; chain?: Uint8Array; policy?: Partial<OffersPolicy>; dir?: string } = {}): TestManager {
  const db = openDatabase(join(opts.dir ?? tempDir('glasswing-offers-'), 'glasswing.sqlite'));
  const stores: OffersStores = { offers: new OffersRepository(db), requests: new InvoiceRequestsRepository(db), invoices: new InvoicesRepository(db) };
  const nodeKey = testKey(`${name}/node`);
  const events: OfferEventBody[] = [];
  const manager = new OffersManager({
    nodeKey, offersSeed: testKey(`${name}/offers`), chain: opts.chain ?? REGTEST, stores, randomBytes: seededBytes(opts.seed ?? name.length * 7919),
    publish: (e) => events.push(e), ...(opts.policy ? { policy: opts.policy } : {}),
  });
  const nodeId = publicKeyFromPrivate(nodeKey);
  return { name, manager, stores, db, nodeKey, nodeId, nodeIdHex: toHex(nodeId), events };
}

/** A peer's node id (a path hop we never run). */
export function peerId(label: string): Uint8Array {
  return publicKeyFromPrivate(testKey(`peer/${label}`));
}
