/**
 * BOLT 5: what spent the funding output. A commitment transaction carries its obscured commitment
 * number in its locktime and sequence (BOLT 3 Commitment Transaction); from it we find which
 * commitment it is and check it by rebuilding it (ours and the peer's unrevoked ones, byte for
 * byte) or by its output scripts (a revoked one: we keep its HTLCs, not its balances). Every
 * output is then described by the role it plays for us.
 */
import { equalBytes, publicKeyFromPrivate, toHex } from '../crypto';
import type { OutPoint, Transaction } from '../bitcoin';
import { p2wpkh, p2wsh, txid as txidOf } from '../bitcoin';
import type { CommitmentOutput } from '../channel/commitment-tx';
import type { CommitmentKeys } from '../channel/keys';
import { deriveCommitmentKeys } from '../channel/keys';
import { anchorScript, offeredHtlcScript, receivedHtlcScript, toLocalScript, toRemoteAnchorsScript } from '../channel/scripts';
import type { Htlc, LocalCommitment } from '../channel/state';
import type { BuiltCommitment } from '../channel/transactions';
import { buildCommitment } from '../channel/transactions';
import type { ChannelData } from './data';

/** How the funding output was spent. */
export type ClosingKind =
  /** Our newest commitment (we broadcast it). */
  | 'local'
  /** One of the peer's unrevoked commitments (current, or the next one it had not revoked its predecessor for). */
  | 'remote'
  /** One of the peer's revoked commitments: every output is ours to take (BOLT 5 Revoked Transaction Close). */
  | 'revoked'
  /** A peer commitment newer than any we signed (we lost data): only our `to_remote` can be saved. */
  | 'remote_unknown'
  /** A closing transaction we signed (BOLT 5 Mutual Close Handling: nothing to do). */
  | 'mutual'
  /** None of the above: BOLT 5 "MUST warn the user of potentially lost funds". */
  | 'unknown';

/** The part an output of a transaction we follow plays for us. */
export type OutputRole =
  /** Ours after `to_self_delay` (our commitment's `to_local`). */
  | 'local_to_local'
  /** Our outgoing HTLC on our commitment: HTLC-timeout transaction after cltv_expiry. */
  | 'local_htlc_offered'
  /** An incoming HTLC on our commitment: HTLC-success transaction with the preimage. */
  | 'local_htlc_received'
  /** The output of our HTLC-timeout/-success transaction: ours after `to_self_delay`. */
  | 'local_second_stage'
  /** Our `to_remote` on the peer's commitment (P2WPKH, or 1-block CSV with anchors). */
  | 'to_remote'
  /** An incoming HTLC on the peer's commitment (it offered it): ours with the preimage, directly. */
  | 'remote_htlc_offered'
  /** Our outgoing HTLC on the peer's commitment (it received it): ours after cltv_expiry, directly. */
  | 'remote_htlc_received'
  /** The cheater's `to_local` on its revoked commitment: ours with the revocation key. */
  | 'revoked_to_local'
  /** Any HTLC output of a revoked commitment: ours with the revocation key. */
  | 'revoked_htlc'
  /** The output of the cheater's HTLC transaction on a revoked commitment: ours with the revocation key. */
  | 'revoked_second_stage'
  /** Our anchor (CPFP before confirmation; 330 sat, not worth sweeping after). */
  | 'our_anchor'
  /** The peer's anchor. */
  | 'their_anchor'
  /** The peer's main output (its `to_local` on its unrevoked commitment, its `to_remote` on ours). */
  | 'their_main';

export interface OutputDescriptor {
  readonly outpoint: OutPoint;
  /** `txid:vout`, txid in display hex. */
  readonly key: string;
  readonly role: OutputRole;
  readonly valueSat: bigint;
  readonly scriptPubKey: Uint8Array;
  /** The P2WSH witness script (null for a P2WPKH `to_remote`). */
  readonly witnessScript: Uint8Array | null;
  /** The HTLC it carries (HTLC outputs and their second stage). */
  readonly htlc: Htlc | null;
  /** For our commitment's HTLC outputs: the index of its HTLC transaction (and of the peer's signature). */
  readonly htlcIndex: number | null;
  /** The relative delay (blocks) before we may spend it, when there is one. */
  readonly csvDelay: number;
}

export interface Classified {
  readonly kind: ClosingKind;
  /** The commitment number (commitment kinds). */
  readonly ctn: number | null;
  /** The per-commitment point of the commitment (the holder's). */
  readonly point: Uint8Array | null;
  /** The peer's per-commitment secret (revoked). */
  readonly secret: Uint8Array | null;
  /** The keys of that commitment, seen from its holder. */
  readonly keys: CommitmentKeys | null;
  /** Our rebuilt commitment (local kind): its HTLC transactions. */
  readonly built: BuiltCommitment | null;
  /** Our commitment that confirmed (local kind): the peer's HTLC signatures for it. */
  readonly local?: LocalCommitment;
  /** Every output we follow or show, in output order. */
  readonly outputs: readonly OutputDescriptor[];
}

export function outpointKey(o: OutPoint): string {
  return `${toHex(o.txid.slice().reverse())}:${o.vout}`;
}

/**
 * The commitment number a transaction's locktime and sequence carry, or null when they do not
 * have a commitment's form (upper 8 bits 0x20 and 0x80, BOLT 3 Commitment Transaction).
 */
export function decodeCommitmentNumber(tx: Transaction, obscuringFactor: bigint): number | null {
  const input = tx.inputs[0];
  if (tx.inputs.length !== 1 || !input || tx.version !== 2) return null;
  if (tx.locktime >>> 24 !== 0x20 || input.sequence >>> 24 !== 0x80) return null;
  const obscured = (BigInt(input.sequence & 0xffffff) << 24n) | BigInt(tx.locktime & 0xffffff);
  return Number(obscured ^ obscuringFactor);
}

function describe(tx: Transaction, txid: Uint8Array, i: number, role: OutputRole, witnessScript: Uint8Array | null, extra: Partial<OutputDescriptor> = {}): OutputDescriptor {
  const out = tx.outputs[i]!;
  const outpoint = { txid, vout: i };
  return {
    outpoint,
    key: outpointKey(outpoint),
    role,
    valueSat: out.value,
    scriptPubKey: out.scriptPubKey,
    witnessScript,
    htlc: null,
    htlcIndex: null,
    csvDelay: 0,
    ...extra,
  };
}

/** The descriptors of a rebuilt commitment (ours or the peer's) that matched the transaction. */
function describeBuilt(data: ChannelData, tx: Transaction, txid: Uint8Array, b: BuiltCommitment): OutputDescriptor[] {
  const ours = b.holder === 'local';
  const p = data.params;
  const htlcIndex = new Map(b.commitment.htlcOutputs.map((h, i) => [h.outputIndex, i]));
  return b.commitment.outputs.map((o: CommitmentOutput, i) => {
    switch (o.kind) {
      case 'to_local':
        return ours
          ? describe(tx, txid, i, 'local_to_local', o.witnessScript, { csvDelay: p.remote.config.toSelfDelay })
          : describe(tx, txid, i, 'their_main', o.witnessScript);
      case 'to_remote':
        return ours
          ? describe(tx, txid, i, 'their_main', o.witnessScript)
          : describe(tx, txid, i, 'to_remote', o.witnessScript, { csvDelay: p.channelType === 'anchors' ? 1 : 0 });
      case 'to_local_anchor':
        return describe(tx, txid, i, ours ? 'our_anchor' : 'their_anchor', o.witnessScript);
      case 'to_remote_anchor':
        return describe(tx, txid, i, ours ? 'their_anchor' : 'our_anchor', o.witnessScript);
      case 'htlc_offered':
      case 'htlc_received': {
        const role: OutputRole = ours
          ? o.kind === 'htlc_offered' ? 'local_htlc_offered' : 'local_htlc_received'
          : o.kind === 'htlc_offered' ? 'remote_htlc_offered' : 'remote_htlc_received';
        return describe(tx, txid, i, role, o.witnessScript, {
          htlc: o.htlc.ref as Htlc,
          htlcIndex: ours ? (htlcIndex.get(i) ?? null) : null,
          csvDelay: p.channelType === 'anchors' ? 1 : 0,
        });
      }
    }
  });
}

function toRemoteScripts(data: ChannelData): { scriptPubKey: Uint8Array; witnessScript: Uint8Array | null } {
  const key = data.params.local.basepoints.paymentBasepoint;
  if (data.params.channelType === 'anchors') {
    const ws = toRemoteAnchorsScript(key);
    return { scriptPubKey: p2wsh(ws), witnessScript: ws };
  }
  return { scriptPubKey: p2wpkh(key), witnessScript: null };
}

/** The peer's commitment on `point` matched by output scripts (revoked, or unknown to us). */
function describeByScripts(data: ChannelData, tx: Transaction, txid: Uint8Array, keys: CommitmentKeys | null, htlcs: readonly Htlc[]): OutputDescriptor[] {
  const p = data.params;
  const anchors = p.channelType === 'anchors';
  const candidates: { spk: Uint8Array; ws: Uint8Array | null; role: OutputRole; htlc?: Htlc; csv?: number }[] = [];
  const toRemote = toRemoteScripts(data);
  candidates.push({ spk: toRemote.scriptPubKey, ws: toRemote.witnessScript, role: 'to_remote', csv: anchors ? 1 : 0 });
  if (anchors) {
    const ours = anchorScript(p.local.basepoints.fundingPubkey);
    const theirs = anchorScript(p.remote.basepoints.fundingPubkey);
    candidates.push({ spk: p2wsh(ours), ws: ours, role: 'our_anchor' }, { spk: p2wsh(theirs), ws: theirs, role: 'their_anchor' });
  }
  if (keys) {
    // The cheater's outputs are delayed by the to_self_delay WE asked for.
    const toLocal = toLocalScript(keys.revocationPubkey, p.local.config.toSelfDelay, keys.holderDelayedPubkey);
    candidates.push({ spk: p2wsh(toLocal), ws: toLocal, role: 'revoked_to_local' });
    const htlcKeys = { revocationPubkey: keys.revocationPubkey, localHtlcPubkey: keys.holderHtlcPubkey, remoteHtlcPubkey: keys.counterpartyHtlcPubkey };
    for (const h of htlcs) {
      // Seen from the holder (the peer): the HTLCs it offered are "offered" outputs.
      const ws = h.offerer === 'remote' ? offeredHtlcScript(htlcKeys, h.paymentHash, p.channelType) : receivedHtlcScript(htlcKeys, h.paymentHash, h.cltvExpiry, p.channelType);
      candidates.push({ spk: p2wsh(ws), ws, role: 'revoked_htlc', htlc: h });
    }
  }
  const used = new Set<number>();
  const out: OutputDescriptor[] = [];
  tx.outputs.forEach((o, i) => {
    // Several HTLCs may share a script (same payment hash): prefer one of exactly this amount.
    const matching = candidates.flatMap((c, ci) => (!used.has(ci) && equalBytes(c.spk, o.scriptPubKey) ? [{ c, ci }] : []));
    if (matching.length === 0) return;
    const pick = matching.find(({ c }) => c.htlc !== undefined && c.htlc.amountMsat / 1000n === o.value) ?? matching[0]!;
    const best = pick.ci;
    const c = candidates[best]!;
    if (c.htlc) used.add(best);
    out.push(describe(tx, txid, i, c.role, c.ws, { htlc: c.htlc ?? null, csvDelay: c.csv ?? 0 }));
  });
  return out;
}

/**
 * Classifies a transaction spending the funding output. `localPoint(n)` is our per-commitment
 * point for commitment `n` (the signer's). Pure.
 */
export function classifyFundingSpend(data: ChannelData, tx: Transaction, localPoint: (n: number) => Uint8Array): Classified {
  const p = data.params;
  const id = txidOf(tx);
  const none = { ctn: null, point: null, secret: null, keys: null, built: null };
  if (data.closingTxids.has(toHex(id))) return { kind: 'mutual', ...none, outputs: [] };
  const ctn = decodeCommitmentNumber(tx, p.obscuringFactor);
  if (ctn === null) return { kind: 'unknown', ...none, outputs: [] };

  // Ours: rebuilt from the newest commitment the peer signed (or the one before it).
  const local = data.localCommitments().find((c) => c.ctn === ctn);
  if (local) {
    const point = localPoint(ctn);
    const built = buildCommitment(p, 'local', ctn, local.spec, point);
    if (equalBytes(txidOf(built.commitment.tx), id)) {
      return { kind: 'local', ctn, point, secret: null, keys: built.keys, built, local, outputs: describeBuilt(data, tx, id, built) };
    }
  }
  // The peer's unrevoked commitments, rebuilt.
  const remote = data.remoteCommitment(ctn);
  if (remote) {
    const built = buildCommitment(p, 'remote', ctn, remote.spec, remote.perCommitmentPoint);
    if (equalBytes(txidOf(built.commitment.tx), id)) {
      return { kind: 'remote', ctn, point: remote.perCommitmentPoint, secret: null, keys: built.keys, built, outputs: describeBuilt(data, tx, id, built) };
    }
  }
  // A revoked one: the secret gives its point and keys; its HTLCs come from when we signed it.
  const secret = data.revokedSecret(ctn);
  if (secret) {
    const point = publicKeyFromPrivate(secret);
    const keys = deriveCommitmentKeys(p.remote.basepoints, p.local.basepoints, point);
    const outputs = describeByScripts(data, tx, id, keys, data.revokedHtlcs(ctn));
    // Anchors carry fixed scripts: a revoked commitment of the peer's must match by another output.
    if (outputs.some((o) => o.role !== 'our_anchor' && o.role !== 'their_anchor')) return { kind: 'revoked', ctn, point, secret, keys, built: null, outputs };
  }
  // Newer than anything we signed: BOLT 5 "it can derive its own remotepubkey ... to salvage its own funds".
  const newestRemote = data.remoteUnrevoked().at(-1)?.ctn ?? data.revokedUpTo;
  if (ctn > newestRemote && !local) {
    const outputs = describeByScripts(data, tx, id, null, []);
    if (outputs.some((o) => o.role === 'to_remote')) return { kind: 'remote_unknown', ...none, ctn, outputs };
  }
  return { kind: 'unknown', ...none, outputs: [] };
}

/**
 * The descriptor of the output a second-stage HTLC transaction created (SIGHASH_SINGLE pairs
 * input i with output i), or null when that output is not the expected script.
 */
export function secondStageOutput(
  data: ChannelData,
  parent: OutputDescriptor,
  closing: Classified,
  spendingTx: Transaction,
  inputIndex: number,
): OutputDescriptor | null {
  const keys = closing.keys;
  if (!keys) return null;
  const out = spendingTx.outputs[inputIndex];
  if (!out) return null;
  const p = data.params;
  // BOLT 3 HTLC-Timeout and HTLC-Success Transactions: the output is the holder's to_local-like script.
  const delay = closing.kind === 'local' ? p.remote.config.toSelfDelay : p.local.config.toSelfDelay;
  const ws = toLocalScript(keys.revocationPubkey, delay, keys.holderDelayedPubkey);
  if (!equalBytes(p2wsh(ws), out.scriptPubKey)) return null;
  const role: OutputRole = closing.kind === 'local' ? 'local_second_stage' : 'revoked_second_stage';
  return describe(spendingTx, txidOf(spendingTx), inputIndex, role, ws, { htlc: parent.htlc, csvDelay: closing.kind === 'local' ? delay : 0 });
}
