/**
 * What the monitor knows about its channel, folded from the update log: the parameters, our
 * newest commitment (with the peer's signatures), the peer's unrevoked commitments, the HTLCs of
 * its revoked ones (their scripts are needed to take them), the secrets it revealed, preimages
 * and our closing transactions. Holds no secret of ours.
 */
import { equalBytes, fromHex, publicKeyFromPrivate, sha256, toHex } from '../crypto';
import { ShachainError } from '../channel/errors';
import type { ShachainStore } from '../channel/shachain';
import { SHACHAIN_MAX_INDEX, deriveOldSecret, emptyShachain, insertSecret } from '../channel/shachain';
import type { ChannelParams, Htlc, LocalCommitment, RemoteCommitment } from '../channel/state';
import { MonitorError } from './errors';
import type { MonitorUpdate } from './updates';

function bad(message: string): MonitorError {
  return new MonitorError('monitor.bad_update', message);
}

/**
 * Where the HTLCs of the peer's commitments are kept when not in memory: the store keeps every
 * `remote_commitment` update that had HTLCs, by commitment number, and is asked only when one of
 * those commitments appears on chain revoked. Without it they are held in memory (every revoked
 * commitment with HTLCs: a set that grows with the channel's history).
 */
export type RemoteHtlcsLookup = (ctn: number) => readonly Htlc[] | undefined;

export class ChannelData {
  readonly params: ChannelParams;
  #sweepScript: Uint8Array;
  #local: LocalCommitment | null = null;
  /** The one before it: still ours to broadcast until we revoke it, which the monitor is not told. */
  #localPrevious: LocalCommitment | null = null;
  /** The peer's commitments we signed and it has not revoked (at most two), by number. */
  readonly #remote = new Map<number, RemoteCommitment>();
  /** HTLCs of the peer's revoked commitments that had any, by number. */
  readonly #revokedHtlcs = new Map<number, readonly Htlc[]>();
  #secrets: ShachainStore = emptyShachain();
  #revokedUpTo = -1;
  readonly #preimages = new Map<string, Uint8Array>();
  readonly #closingTxids = new Set<string>();
  #trusted = false;
  #remoteHtlcs: RemoteHtlcsLookup | null = null;

  private constructor(params: ChannelParams, sweepScript: Uint8Array) {
    this.params = params;
    this.#sweepScript = sweepScript;
  }

  /**
   * Folds an update log (its first entry must be `open`). Throws `monitor.bad_update` /
   * `monitor.bad_secret`. `trusted` (a log this node wrote after applying each update) skips the
   * check that each revealed secret gives its commitment's point: one point multiplication per
   * revocation, most of the cost of a restart.
   */
  static fromUpdates(updates: readonly MonitorUpdate[], opts: { trusted?: boolean; remoteHtlcs?: RemoteHtlcsLookup } = {}): ChannelData {
    const first = updates[0];
    if (!first || first.kind !== 'open') throw bad('the update log must start with open');
    const data = new ChannelData(first.params, first.sweepScript.slice());
    data.#remoteHtlcs = opts.remoteHtlcs ?? null;
    data.#trusted = opts.trusted ?? false;
    try {
      for (let i = 1; i < updates.length; i++) data.apply(updates[i]!);
    } finally {
      data.#trusted = false;
    }
    return data;
  }

  get sweepScript(): Uint8Array {
    return this.#sweepScript;
  }

  /** Our newest commitment the peer signed (null before the first). */
  get local(): LocalCommitment | null {
    return this.#local;
  }

  /** Our commitments we could have broadcast: the newest and the one before it. */
  localCommitments(): LocalCommitment[] {
    return [this.#local, this.#localPrevious].filter((c): c is LocalCommitment => c !== null);
  }

  /** The peer's newest revoked commitment number (-1 before any revocation). */
  get revokedUpTo(): number {
    return this.#revokedUpTo;
  }

  get closingTxids(): ReadonlySet<string> {
    return this.#closingTxids;
  }

  /** The peer's unrevoked commitments, oldest first. */
  remoteUnrevoked(): RemoteCommitment[] {
    return [...this.#remote.values()].sort((a, b) => a.ctn - b.ctn);
  }

  remoteCommitment(ctn: number): RemoteCommitment | undefined {
    return this.#remote.get(ctn);
  }

  /** The HTLCs of the peer's revoked commitment `ctn` (empty when it had none or we never saw it). */
  revokedHtlcs(ctn: number): readonly Htlc[] {
    if (ctn > this.#revokedUpTo) return [];
    return this.#revokedHtlcs.get(ctn) ?? this.#remoteHtlcs?.(ctn) ?? [];
  }

  /**
   * The shortest update log that folds to this same data (with the same `remoteHtlcs` lookup): the
   * parameters and today's sweep script, the peer's revealed secrets as BOLT 3's compact storage
   * holds them (at most 49, oldest first, so each insertion checks what it checked the first time),
   * our two newest commitments, the peer's unrevoked ones, the preimages of their HTLCs, the closing
   * transactions.
   * The HTLCs of revoked commitments are left to the lookup: a store checkpoints a monitor with this,
   * so that a restart reads a bounded number of rows however long the channel lived. Throws
   * `monitor.bad_update` without a lookup while revoked HTLCs are held in memory (they would be lost).
   */
  compact(): MonitorUpdate[] {
    if (this.#remoteHtlcs === null && this.#revokedHtlcs.size > 0) throw bad('revoked HTLCs are held in memory only: no compact log without a store to look them up');
    const out: MonitorUpdate[] = [{ kind: 'open', params: this.params, sweepScript: this.#sweepScript }];
    const secrets = this.#secrets.buckets.filter((b): b is NonNullable<typeof b> => b !== null).sort((x, y) => y.index - x.index);
    for (const b of secrets) out.push({ kind: 'remote_secret', ctn: SHACHAIN_MAX_INDEX - b.index, secret: b.secret });
    for (const c of [this.#localPrevious, this.#local]) if (c) out.push({ kind: 'local_commitment', commitment: c });
    for (const c of this.remoteUnrevoked()) out.push({ kind: 'remote_commitment', commitment: c });
    // Preimages of the HTLCs on those commitments only: one settled off chain is on no commitment that
    // can still confirm (but a revoked one, taken whole by the revocation key), so its preimage is history.
    const live = new Set<string>();
    for (const c of [this.#localPrevious, this.#local, ...this.#remote.values()]) for (const h of c?.spec.htlcs ?? []) live.add(toHex(h.paymentHash));
    for (const [hash, p] of this.#preimages) if (live.has(hash)) out.push({ kind: 'preimage', preimage: p });
    for (const t of this.#closingTxids) out.push({ kind: 'closing_tx', txid: fromHex(t) });
    return out;
  }

  /** The secret of the peer's revoked commitment `ctn`, or undefined when it is not revoked. */
  revokedSecret(ctn: number): Uint8Array | undefined {
    if (ctn > this.#revokedUpTo) return undefined;
    try {
      return deriveOldSecret(this.#secrets, SHACHAIN_MAX_INDEX - ctn);
    } catch (e) {
      if (e instanceof ShachainError) return undefined;
      throw e;
    }
  }

  preimageFor(paymentHash: Uint8Array): Uint8Array | undefined {
    return this.#preimages.get(toHex(paymentHash));
  }

  /** Applies one update; a refused one (MonitorError) changes nothing. Repeating an applied update is a no-op. */
  apply(u: MonitorUpdate): void {
    switch (u.kind) {
      case 'open':
        throw bad('open may only be the first update');
      case 'local_commitment': {
        const cur = this.#local;
        // An older one is a repeat of what we knew: nothing new.
        if (cur && u.commitment.ctn < cur.ctn) return;
        if (cur && u.commitment.ctn === cur.ctn) {
          if (!equalBytes(cur.signature, u.commitment.signature)) throw bad(`a second local commitment ${cur.ctn}`);
          return;
        }
        this.#localPrevious = cur;
        this.#local = u.commitment;
        return;
      }
      case 'remote_commitment': {
        const c = u.commitment;
        if (c.ctn <= this.#revokedUpTo) {
          // A repeat of one since revoked: nothing new.
          return;
        }
        const existing = this.#remote.get(c.ctn);
        if (existing) {
          if (!equalBytes(existing.perCommitmentPoint, c.perCommitmentPoint)) throw bad(`a second remote commitment ${c.ctn}`);
          return;
        }
        this.#remote.set(c.ctn, c);
        return;
      }
      case 'remote_secret': {
        if (u.ctn <= this.#revokedUpTo) {
          const known = this.revokedSecret(u.ctn);
          if (!known || !equalBytes(known, u.secret)) throw new MonitorError('monitor.bad_secret', `a different secret for revoked commitment ${u.ctn}`);
          return;
        }
        const c = this.#remote.get(u.ctn);
        // BOLT 2 revoke_and_ack: the secret must generate the point of the commitment it revokes.
        if (c && !this.#trusted && !equalBytes(publicKeyFromPrivate(u.secret), c.perCommitmentPoint)) {
          throw new MonitorError('monitor.bad_secret', `the secret does not match the point of remote commitment ${u.ctn}`);
        }
        let secrets: ShachainStore;
        try {
          secrets = insertSecret(this.#secrets, SHACHAIN_MAX_INDEX - u.ctn, u.secret);
        } catch (e) {
          if (e instanceof ShachainError) throw new MonitorError('monitor.bad_secret', e.message);
          throw e;
        }
        this.#secrets = secrets;
        this.#revokedUpTo = u.ctn;
        for (const [ctn, rc] of [...this.#remote]) {
          if (ctn > u.ctn) continue;
          this.#remote.delete(ctn);
          // With a lookup, the store has them (it keeps every remote commitment with HTLCs); else kept here.
          if (rc.spec.htlcs.length > 0 && this.#remoteHtlcs === null) this.#revokedHtlcs.set(ctn, rc.spec.htlcs);
        }
        return;
      }
      case 'preimage':
        this.#preimages.set(toHex(sha256(u.preimage)), u.preimage.slice());
        return;
      case 'closing_tx':
        this.#closingTxids.add(toHex(u.txid));
        return;
      case 'sweep_script':
        this.#sweepScript = u.script.slice();
        return;
    }
  }

  /** Adds a preimage learned on chain (same as a `preimage` update, not logged). */
  learnPreimage(preimage: Uint8Array): boolean {
    const key = toHex(sha256(preimage));
    if (this.#preimages.has(key)) return false;
    this.#preimages.set(key, preimage.slice());
    return true;
  }
}
