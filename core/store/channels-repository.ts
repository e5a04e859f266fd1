/**
 * Channels: one row per channel holding its state snapshot (the core/channel state codec's
 * JSON), next to the updates log (our unacknowledged update messages), the HTLCs of both newest
 * commitments, and the peer's revealed per-commitment secrets (BOLT 3 compact storage).
 *
 * `saveChannel` writes all of it in ONE transaction, and the database runs with
 * synchronous=FULL: when it returns, the state survives a crash or power loss. The channel
 * service calls it before the commitment_signed or revoke_and_ack that commits to the state
 * leaves the process.
 */
import { fromHex, toHex } from '../crypto';
import { ChannelStateError, decodeChannelState, encodeChannelState, emptyShachain } from '../channel';
import type { ChannelStore, DataLossRecord, Json, LastSent, SentUpdate, ShachainStore, StoredChannel } from '../channel';
import type { Database } from './database';
import { StoreError } from './errors';

/** A stored value named in an error: numbers and short strings as they are, anything else by its type (String() of an object can throw). */
function describeValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 40));
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v;
}

interface ChannelRow {
  channel_id: string;
  peer_id: string;
  key_index: number;
  state: string;
  last_sent: string;
  data_loss: string | null;
  revision: number;
  created_at: number;
}

interface UpdateRow {
  seq: number;
  message: string;
}

interface ShachainRow {
  bucket: number;
  secret_index: number;
  secret: string;
}

/** Every way a stored channel can be unreadable is `store.bad_channel`, naming the channel and field. */
function bad(channelId: unknown, what: string): StoreError {
  return new StoreError('store.bad_channel', `stored channel ${typeof channelId === 'string' ? channelId : '?'}: ${what}`, {
    channelId: typeof channelId === 'string' ? channelId : null,
  });
}

const HEX = /^([0-9a-f]{2})*$/;
const LAST_SENT: readonly LastSent[] = ['none', 'commitment_signed', 'revoke_and_ack'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function decodeDataLoss(text: string | null, id: string): DataLossRecord | null {
  if (text === null) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad(id, 'data_loss is not JSON');
  }
  const numbers = (x: unknown) =>
    isRecord(x) && typeof x.nextCommitmentNumber === 'string' && typeof x.nextRevocationNumber === 'string'
      ? { nextCommitmentNumber: x.nextCommitmentNumber, nextRevocationNumber: x.nextRevocationNumber }
      : null;
  if (!isRecord(v) || (v.behind !== 'local' && v.behind !== 'remote') || typeof v.detectedAt !== 'number' || typeof v.code !== 'string' ||
      typeof v.message !== 'string') {
    throw bad(id, 'data_loss has the wrong shape');
  }
  const ours = numbers(v.ours);
  const theirs = numbers(v.theirs);
  if (!ours || !theirs) throw bad(id, 'data_loss has the wrong shape');
  return { behind: v.behind, detectedAt: v.detectedAt, code: v.code, message: v.message, ours, theirs };
}

function decodeShachain(rows: readonly ShachainRow[], id: string): ShachainStore {
  const buckets = emptyShachain().buckets.slice();
  for (const r of rows) {
    if (!Number.isInteger(r.bucket) || r.bucket < 0 || r.bucket >= buckets.length || buckets[r.bucket] !== null) throw bad(id, `shachain bucket ${describeValue(r.bucket)}`);
    if (!Number.isSafeInteger(r.secret_index) || r.secret_index < 0) throw bad(id, `shachain bucket ${r.bucket} index`);
    if (typeof r.secret !== 'string' || r.secret.length !== 64 || !HEX.test(r.secret)) throw bad(id, `shachain bucket ${r.bucket} secret`);
    buckets[r.bucket] = { index: r.secret_index, secret: fromHex(r.secret) };
  }
  return { buckets };
}

/**
 * Rows → StoredChannel. Every field is checked (the snapshot by the state codec); anything
 * unexpected is StoreError `store.bad_channel`, never an untyped exception.
 */
export function decodeStoredChannel(row: ChannelRow, updates: readonly UpdateRow[], shachain: readonly ShachainRow[]): StoredChannel {
  const id = row.channel_id;
  if (typeof id !== 'string' || id.length !== 64 || !HEX.test(id)) throw bad(id, 'channel_id');
  if (typeof row.peer_id !== 'string' || !/^0[23][0-9a-f]{64}$/.test(row.peer_id)) throw bad(id, 'peer_id');
  if (!Number.isInteger(row.key_index) || row.key_index < 0 || row.key_index > 0xffffffff) throw bad(id, 'key_index');
  if (!LAST_SENT.includes(row.last_sent as LastSent)) throw bad(id, 'last_sent');
  if (!Number.isSafeInteger(row.revision) || row.revision < 0) throw bad(id, 'revision');
  if (!Number.isSafeInteger(row.created_at)) throw bad(id, 'created_at');
  let json: unknown;
  try {
    json = typeof row.state === 'string' ? JSON.parse(row.state) : undefined;
  } catch {
    json = undefined;
  }
  if (!isRecord(json)) throw bad(id, 'state is not a JSON object');
  let state;
  try {
    // The revealed secrets live in channel_shachain; the codec checks the whole snapshot.
    const remoteSecrets = decodeShachain(shachain, id);
    state = decodeChannelState({ ...json, remoteSecrets: encodeShachainJson(remoteSecrets) });
  } catch (e) {
    if (e instanceof ChannelStateError) throw bad(id, e.message);
    throw e;
  }
  if (toHex(state.params.channelId) !== id) throw bad(id, 'the snapshot belongs to another channel');
  const sentUpdates: SentUpdate[] = updates.map((u) => {
    if (!Number.isSafeInteger(u.seq) || u.seq < 0 || typeof u.message !== 'string' || !HEX.test(u.message) || u.message.length < 4) {
      throw bad(id, `updates log entry ${describeValue(u.seq)}`);
    }
    return { seq: u.seq, message: fromHex(u.message) };
  });
  return {
    peerId: row.peer_id,
    keyIndex: row.key_index,
    createdAt: row.created_at,
    state,
    lastSent: row.last_sent as LastSent,
    sentUpdates,
    dataLoss: decodeDataLoss(row.data_loss, id),
    revision: row.revision,
  };
}

function encodeShachainJson(store: ShachainStore): Json {
  return { buckets: store.buckets.map((b) => (b ? { index: b.index, secret: toHex(b.secret) } : null)) };
}

export class ChannelsRepository implements ChannelStore {
  readonly #db: Database;
  readonly #now: () => number;

  constructor(db: Database, opts: { now?: () => number } = {}) {
    this.#db = db;
    this.#now = opts.now ?? Date.now;
  }

  #read(row: ChannelRow): StoredChannel {
    const updates = this.#db.prepare('SELECT seq, message FROM channel_updates WHERE channel_id = ? ORDER BY seq').all(row.channel_id) as UpdateRow[];
    const shachain = this.#db.prepare('SELECT bucket, secret_index, secret FROM channel_shachain WHERE channel_id = ?').all(row.channel_id) as ShachainRow[];
    return decodeStoredChannel(row, updates, shachain);
  }

  /** Every stored channel, oldest first. Throws `store.bad_channel` if one cannot be read: never run a channel on a guess. */
  loadChannels(): StoredChannel[] {
    const rows = this.#db.prepare('SELECT * FROM channels ORDER BY created_at, channel_id').all() as ChannelRow[];
    return rows.map((r) => this.#read(r));
  }

  loadChannel(channelId: string): StoredChannel | undefined {
    const row = this.#db.prepare('SELECT * FROM channels WHERE channel_id = ?').get(channelId) as ChannelRow | undefined;
    return row ? this.#read(row) : undefined;
  }

  /** The highest key index any stored channel uses, or -1. */
  maxKeyIndex(): number {
    const row = this.#db.prepare('SELECT MAX(key_index) AS k FROM channels').get() as { k: number | null };
    return row.k ?? -1;
  }

  /**
   * Writes the channel durably, in one transaction. Refuses (`store.stale_channel`) to replace
   * a newer revision: a stale snapshot must never overwrite what was promised to the peer.
   */
  saveChannel(c: StoredChannel): void {
    const id = toHex(c.state.params.channelId);
    const json = encodeChannelState(c.state) as Record<string, Json>;
    delete json.remoteSecrets;
    const s = c.state;
    const remote = s.remoteNextCommit ?? s.remoteCommit;
    const now = this.#now();
    this.#db.transaction(() => {
      const existing = this.#db.prepare('SELECT revision, peer_id, key_index FROM channels WHERE channel_id = ?').get(id) as
        | { revision: number; peer_id: string; key_index: number }
        | undefined;
      if (existing && (existing.revision > c.revision || existing.peer_id !== c.peerId || existing.key_index !== c.keyIndex)) {
        throw new StoreError('store.stale_channel', `channel ${id}: refusing to replace revision ${existing.revision} with ${c.revision}`, { channelId: id });
      }
      this.#db
        .prepare(
          `INSERT INTO channels (channel_id, peer_id, key_index, funder, capacity_sat, status, local_ctn, remote_ctn, state, last_sent, data_loss,
             revision, created_at, updated_at)
           VALUES (@id, @peer, @keyIndex, @funder, @capacity, @status, @localCtn, @remoteCtn, @state, @lastSent, @dataLoss, @revision, @createdAt, @now)
           ON CONFLICT (channel_id) DO UPDATE SET status = excluded.status, local_ctn = excluded.local_ctn, remote_ctn = excluded.remote_ctn,
             state = excluded.state, last_sent = excluded.last_sent, data_loss = excluded.data_loss, revision = excluded.revision,
             updated_at = excluded.updated_at`,
        )
        .run({
          id,
          peer: c.peerId,
          keyIndex: c.keyIndex,
          funder: s.params.funder,
          capacity: Number(s.params.fundingSatoshis),
          status: s.status.kind,
          localCtn: s.localCommit.ctn,
          remoteCtn: remote.ctn,
          state: JSON.stringify(json),
          lastSent: c.lastSent,
          dataLoss: c.dataLoss ? JSON.stringify(c.dataLoss) : null,
          revision: c.revision,
          createdAt: c.createdAt,
          now,
        });
      this.#db.prepare('DELETE FROM channel_updates WHERE channel_id = ?').run(id);
      const insertUpdate = this.#db.prepare('INSERT INTO channel_updates (channel_id, seq, message) VALUES (?, ?, ?)');
      for (const u of c.sentUpdates) insertUpdate.run(id, u.seq, toHex(u.message));

      this.#db.prepare('DELETE FROM channel_htlcs WHERE channel_id = ?').run(id);
      const insertHtlc = this.#db.prepare(
        `INSERT INTO channel_htlcs (channel_id, offerer, htlc_id, amount_msat, payment_hash, cltv_expiry, in_local, in_remote)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const htlcs = new Map<string, { h: (typeof remote.spec.htlcs)[number]; local: boolean; remote: boolean }>();
      for (const h of s.localCommit.spec.htlcs) htlcs.set(`${h.offerer}:${h.id}`, { h, local: true, remote: false });
      for (const h of remote.spec.htlcs) {
        const k = `${h.offerer}:${h.id}`;
        const e = htlcs.get(k);
        if (e) e.remote = true;
        else htlcs.set(k, { h, local: false, remote: true });
      }
      for (const { h, local, remote: inRemote } of htlcs.values()) {
        insertHtlc.run(id, h.offerer, h.id.toString(), h.amountMsat.toString(), toHex(h.paymentHash), h.cltvExpiry, local ? 1 : 0, inRemote ? 1 : 0);
      }

      this.#db.prepare('DELETE FROM channel_shachain WHERE channel_id = ?').run(id);
      const insertSecret = this.#db.prepare('INSERT INTO channel_shachain (channel_id, bucket, secret_index, secret) VALUES (?, ?, ?, ?)');
      s.remoteSecrets.buckets.forEach((b, i) => {
        if (b) insertSecret.run(id, i, b.index, toHex(b.secret));
      });
    })();
  }

  /** HTLC rows of a channel (what the htlcs table holds after the last write). */
  listHtlcs(channelId: string): { offerer: string; id: bigint; amountMsat: bigint; paymentHash: string; cltvExpiry: number; inLocal: boolean; inRemote: boolean }[] {
    const rows = this.#db
      .prepare('SELECT * FROM channel_htlcs WHERE channel_id = ? ORDER BY offerer, CAST(htlc_id AS INTEGER)')
      .all(channelId) as { offerer: string; htlc_id: string; amount_msat: string; payment_hash: string; cltv_expiry: number; in_local: number; in_remote: number }[];
    return rows.map((r) => ({
      offerer: r.offerer,
      id: BigInt(r.htlc_id),
      amountMsat: BigInt(r.amount_msat),
      paymentHash: r.payment_hash,
      cltvExpiry: r.cltv_expiry,
      inLocal: r.in_local === 1,
      inRemote: r.in_remote === 1,
    }));
  }
}
