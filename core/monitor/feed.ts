/**
 * The channel's feed point: the monitor updates a channel step produced, read off two snapshots of
 * the channel state (before and after the step). The channel layer appends them to the monitor
 * store in the same step it persists the channel, BEFORE the step's messages leave: then a
 * commitment we signed, a commitment the peer signed for us, a secret the peer revealed and a
 * preimage we revealed are all known to the monitor before anyone can broadcast with them.
 */
import { equalBytes } from '../crypto';
import { SHACHAIN_MAX_INDEX, deriveOldSecret, newestIndex } from '../channel/shachain';
import type { ChannelState, RemoteCommitment } from '../channel/state';
import type { MonitorUpdate } from './updates';

function remoteCommitments(s: ChannelState): RemoteCommitment[] {
  return s.remoteNextCommit ? [s.remoteCommit, s.remoteNextCommit] : [s.remoteCommit];
}

function newestRevoked(s: ChannelState): number {
  const index = newestIndex(s.remoteSecrets);
  return index === undefined ? -1 : SHACHAIN_MAX_INDEX - index;
}

/**
 * The updates that take a monitor from `prev` to `next` (from nothing when `prev` is null: then
 * `sweepScript` is required for the `open` update). Pure; an unchanged state gives none.
 */
export function monitorUpdatesBetween(prev: ChannelState | null, next: ChannelState, opts: { sweepScript?: Uint8Array } = {}): MonitorUpdate[] {
  const out: MonitorUpdate[] = [];
  if (!prev) {
    if (!opts.sweepScript) throw new TypeError('monitorUpdatesBetween: the first updates need a sweep script');
    out.push({ kind: 'open', params: next.params, sweepScript: opts.sweepScript });
  }
  // Our newest commitment the peer signed (commitment_signed received).
  if (!prev || prev.localCommit.ctn !== next.localCommit.ctn || !equalBytes(prev.localCommit.signature, next.localCommit.signature)) {
    out.push({ kind: 'local_commitment', commitment: next.localCommit });
  }
  // The peer's commitments we signed (commitment_signed sent).
  const before = new Set(prev ? remoteCommitments(prev).map((c) => c.ctn) : []);
  for (const c of remoteCommitments(next)) if (!before.has(c.ctn)) out.push({ kind: 'remote_commitment', commitment: c });
  // Secrets the peer revealed (revoke_and_ack received), oldest first.
  const from = prev ? newestRevoked(prev) + 1 : 0;
  const to = newestRevoked(next);
  for (let ctn = from; ctn <= to; ctn++) {
    out.push({ kind: 'remote_secret', ctn, secret: deriveOldSecret(next.remoteSecrets, SHACHAIN_MAX_INDEX - ctn) });
  }
  // Preimages: every fulfill in the change lists (ours of incoming HTLCs, the peer's of ours).
  const seen = new Set(prev ? prev.changes.filter((c) => c.update.kind === 'fulfill').map((c) => c.seq) : []);
  for (const c of next.changes) {
    if (c.update.kind === 'fulfill' && !seen.has(c.seq)) out.push({ kind: 'preimage', preimage: c.update.paymentPreimage });
  }
  return out;
}
