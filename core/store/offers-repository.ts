/**
 * Our offers and the blinded message paths we published (in offers and refunds). Implements the
 * offers manager's `OfferStore`.
 */
import type { OfferRecord, OfferStatus, OfferStore, PublishedPathRecord } from '../offers/manager/records';
import type { Database } from './database';

interface OfferRow {
  offer_id: string;
  bolt12: string;
  status: string;
  description: string | null;
  amount_msat: string | null;
  issuer: string | null;
  quantity_max: string | null;
  absolute_expiry: number | null;
  issuer_id: string | null;
  created_at: number;
  disabled_at: number | null;
}

interface PathRow {
  path_id: string;
  owner_id: string;
  owner_kind: string;
  path_index: number;
  introduction_node_id: string;
  final_path_key: string;
  final_blinded_node_id: string;
}

const big = (v: string | null): bigint | null => (v === null ? null : BigInt(v));
const text = (v: bigint | null): string | null => (v === null ? null : v.toString());

function toOffer(r: OfferRow): OfferRecord {
  return {
    offerId: r.offer_id, bolt12: r.bolt12, status: r.status as OfferStatus, description: r.description, amountMsat: big(r.amount_msat),
    issuer: r.issuer, quantityMax: big(r.quantity_max), absoluteExpiry: r.absolute_expiry, issuerId: r.issuer_id, createdAt: r.created_at,
    disabledAt: r.disabled_at,
  };
}

function toPath(r: PathRow): PublishedPathRecord {
  return {
    pathId: r.path_id, ownerId: r.owner_id, ownerKind: r.owner_kind as PublishedPathRecord['ownerKind'], pathIndex: r.path_index,
    introductionNodeId: r.introduction_node_id, finalPathKey: r.final_path_key, finalBlindedNodeId: r.final_blinded_node_id,
  };
}

export class OffersRepository implements OfferStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  getOffer(offerId: string): OfferRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM offers WHERE offer_id = ?').get(offerId) as OfferRow | undefined;
    return row ? toOffer(row) : undefined;
  }

  insertOffer(o: OfferRecord, paths: readonly PublishedPathRecord[]): void {
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO offers (offer_id, bolt12, status, description, amount_msat, issuer, quantity_max, absolute_expiry, issuer_id, created_at, disabled_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(o.offerId, o.bolt12, o.status, o.description, text(o.amountMsat), o.issuer, text(o.quantityMax), o.absoluteExpiry, o.issuerId, o.createdAt, o.disabledAt);
      this.insertPaths(paths);
    })();
  }

  setOfferStatus(offerId: string, status: OfferStatus, at: number): void {
    this.#db.prepare('UPDATE offers SET status = ?, disabled_at = ? WHERE offer_id = ?').run(status, status === 'disabled' ? at : null, offerId);
  }

  listOffers(filter: { status?: OfferStatus } = {}): OfferRecord[] {
    const rows = filter.status
      ? this.#db.prepare('SELECT * FROM offers WHERE status = ? ORDER BY created_at, offer_id').all(filter.status)
      : this.#db.prepare('SELECT * FROM offers ORDER BY created_at, offer_id').all();
    return (rows as OfferRow[]).map(toOffer);
  }

  getPath(pathId: string): PublishedPathRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM offer_paths WHERE path_id = ?').get(pathId) as PathRow | undefined;
    return row ? toPath(row) : undefined;
  }

  insertPaths(paths: readonly PublishedPathRecord[]): void {
    const insert = this.#db.prepare(
      `INSERT INTO offer_paths (path_id, owner_id, owner_kind, path_index, introduction_node_id, final_path_key, final_blinded_node_id)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#db.transaction(() => {
      for (const p of paths) insert.run(p.pathId, p.ownerId, p.ownerKind, p.pathIndex, p.introductionNodeId, p.finalPathKey, p.finalBlindedNodeId);
    })();
  }

  pathsOf(ownerId: string): PublishedPathRecord[] {
    return (this.#db.prepare('SELECT * FROM offer_paths WHERE owner_id = ? ORDER BY path_index').all(ownerId) as PathRow[]).map(toPath);
  }
}
