/**
 * What the monitor knows about its channel, folded from the update log: the parameters, our
 * newest commitment (with the peer's signatures), the peer's unrevoked commitments, the HTLCs of
 * its revoked ones (their scripts are needed to take them), the secrets it revealed, preimages
 * and our closing transactions. Holds no secret of ours.
 */
import { equalBytes, publicKeyFromPrivate, sha256, toHex } from '../crypto';
import { ShachainError } from '../channel/errors';
import type { ShachainStore } from '../channel/shachain';
import { SHACHAIN_MAX_INDEX, deriveOldSecret, emptyShachain, insertSecret } from '../channel/shachain';
import type { ChannelParams, Htlc, LocalCommitment, RemoteCommitment } from '../channel/state';
import { MonitorError } from './errors';
import type { MonitorUpdate } from './updates';

function bad(message: string): MonitorError {
  return new MonitorError('monitor.bad_update', message);
}

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
  static fromUpdates(updates: readonly MonitorUpdate[], opts: { trusted?: boolean } = {}): ChannelData {
    const first = updates[0];
    if (!first || first.kind !== 'open') throw bad('the update log must start with open');
    const data = new ChannelData(first.params, first.sweepScript.slice());
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
    return this.#revokedHtlcs.get(ctn) ?? [];
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
          if (rc.spec.htlcs.length > 0) this.#revokedHtlcs.set(ctn, rc.spec.htlcs);
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
