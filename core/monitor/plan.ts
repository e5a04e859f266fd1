/**
 * What to do about each output (BOLT 5, section by section), given what became of it so far:
 * which claim spends it and from when, its deadline, or why we wait. Also the fate of every HTLC
 * for the payment layer upstream. Pure.
 */
import type { Transaction } from '../bitcoin';
import { txWeight, txid as txidOf } from '../bitcoin';
import { commitmentSighash, finalizeCommitmentTx } from '../channel/commitment-tx';
import type { HtlcTx } from '../channel/htlc-tx';
import type { Htlc } from '../channel/state';
import { buildCommitment } from '../channel/transactions';
import type { Classified } from './classify';
import { outpointKey } from './classify';
import type { ClaimInput, ClaimPath } from './claims';
import { claimInput } from './claims';
import type { ChannelData } from './data';
import type { ForeignInput } from './fee-bump';
import { anchorInput, htlcTxInput } from './fee-bump';
import type { Resolution, TrackedOutput } from './resolve';
import type { MonitorSigner } from './signer';

export interface MonitorPolicy {
  /** BOLT 5 "reasonable depth": a timeout this deep lets us fail the HTLC upstream (LDK's ANTI_REORG_DELAY). */
  readonly reasonableDepth: number;
  /** BOLT 5 "irrevocably resolved": the resolving transaction at least this deep (100). */
  readonly finalityDepth: number;
  /** BOLT 5 `security_delay`: this close to a revoked output's expiry it gets its own penalty transaction (18). */
  readonly securityDelay: number;
  /** Our timeout claims aim to confirm within this many blocks after the HTLC's cltv_expiry. */
  readonly timeoutDeadlineBlocks: number;
  /** Confirmation target of claims without a deadline. */
  readonly slowTargetBlocks: number;
  /** Confirmation target of a force-closed commitment none of whose HTLCs sets a deadline. */
  readonly commitmentTargetBlocks: number;
}

export const DEFAULT_MONITOR_POLICY: MonitorPolicy = {
  reasonableDepth: 6,
  finalityDepth: 100,
  securityDelay: 18,
  timeoutDeadlineBlocks: 12,
  slowTargetBlocks: 144,
  commitmentTargetBlocks: 6,
};

/** A claim the monitor wants confirmed; `key` names it across blocks (a new bid replaces the old). */
export type Claim =
  /** Our outputs swept to the wallet by our own transaction (fee from the outputs). */
  | { readonly kind: 'sweep'; readonly key: string; readonly label: ClaimLabel; readonly inputs: readonly ClaimInput[]; readonly deadline: number | null }
  /** A transaction signed in advance whose fee is inside (our commitment; HTLC transactions without anchors). */
  | { readonly kind: 'presigned'; readonly key: string; readonly label: ClaimLabel; readonly tx: Transaction; readonly txid: Uint8Array; readonly inputs: readonly string[] }
  /** An HTLC transaction with anchors: the wallet adds the fee. */
  | { readonly kind: 'htlc_fee'; readonly key: string; readonly label: ClaimLabel; readonly htlcTx: HtlcTx; readonly input: ForeignInput; readonly deadline: number | null; readonly inputs: readonly string[] }
  /** Our commitment with anchors: a child through our anchor brings the package to the target. */
  | {
      readonly kind: 'cpfp';
      readonly key: string;
      readonly label: ClaimLabel;
      readonly parent: { readonly tx: Transaction; readonly txid: Uint8Array; readonly weight: number; readonly feeSat: bigint };
      readonly anchor: ForeignInput;
      readonly deadline: number | null;
      readonly inputs: readonly string[];
    };

export type ClaimLabel =
  | 'commitment'
  | 'anchor_cpfp'
  | 'to_local'
  | 'to_remote'
  | 'htlc_success'
  | 'htlc_timeout'
  | 'htlc_preimage'
  | 'htlc_timeout_claim'
  | 'second_stage'
  | 'justice'
  | 'justice_second_stage';

export function claimInputs(c: Claim): readonly string[] {
  return c.kind === 'sweep' ? c.inputs.map((i) => i.key) : c.inputs;
}

/** Why an output waits, or what it waits for. */
export type WaitReason = 'maturing' | 'awaiting_preimage' | 'claimable' | 'theirs' | 'not_claimed';

export interface OutputPlan {
  readonly key: string;
  readonly wait: WaitReason;
  /** The first block height that can include our claim (CSV / CLTV), when one applies. */
  readonly maturesAt: number | null;
  /** The height by which our claim should confirm (someone else may take it after). */
  readonly deadline: number | null;
  /** The claim that spends it (while unspent and claimable). */
  readonly claimKey: string | null;
}

export interface Plan {
  readonly claims: readonly Claim[];
  readonly outputs: ReadonlyMap<string, OutputPlan>;
}

export interface PlanContext {
  readonly data: ChannelData;
  readonly signer: MonitorSigner;
  readonly policy: MonitorPolicy;
  readonly bestHeight: number;
  readonly preimageFor: (paymentHash: Uint8Array) => Uint8Array | undefined;
  readonly forceClose: boolean;
  /** Keys of justice claims already broadcast on their own (they stay alone). */
  readonly soloClaims: ReadonlySet<string>;
  /** Caches what only depends on the channel data (signed commitments, presigned HTLC transactions). */
  readonly memo?: <T>(key: string, make: () => T) => T;
}

function memo<T>(ctx: PlanContext, key: string, make: () => T): T {
  return ctx.memo ? ctx.memo(key, make) : make();
}

/** The deadline an HTLC sets on our claim of it (BOLT 5: before the other side can take it). */
function htlcDeadline(ctx: PlanContext, h: Htlc): number {
  return h.offerer === 'local' ? h.cltvExpiry + ctx.policy.timeoutDeadlineBlocks : h.cltvExpiry;
}

/** Our newest commitment, fully signed, and what it takes to get it confirmed. */
function commitmentClaims(ctx: PlanContext): Claim[] {
  const { data, signer } = ctx;
  const local = data.local;
  if (!local) return [];
  const p = data.params;
  const { built, tx, txid } = memo(ctx, `commitment:${local.ctn}`, () => {
    const b = buildCommitment(p, 'local', local.ctn, local.spec, signer.perCommitmentPoint(local.ctn));
    const ours = signer.signWithFundingKey(commitmentSighash(b.commitment, p.fundingSatoshis));
    // BOLT 5 Failing a Channel: "MUST broadcast the last commitment transaction, for which it has a signature".
    const signed = finalizeCommitmentTx(b.commitment, p.local.basepoints.fundingPubkey, ours, p.remote.basepoints.fundingPubkey, local.signature);
    return { built: b, tx: signed, txid: txidOf(signed) };
  });
  const funding = outpointKey(p.fundingOutpoint);
  const claims: Claim[] = [{ kind: 'presigned', key: `commitment:${local.ctn}`, label: 'commitment', tx, txid, inputs: [funding] }];
  const anchorIndex = built.commitment.outputs.findIndex((o) => o.kind === 'to_local_anchor');
  if (p.channelType === 'anchors' && anchorIndex >= 0) {
    const anchor = built.commitment.outputs[anchorIndex]!;
    const deadlines = built.commitment.htlcOutputs
      .filter(({ htlc }) => htlc.ref.offerer === 'local' || ctx.preimageFor(htlc.paymentHash) !== undefined)
      .map(({ htlc }) => htlcDeadline(ctx, htlc.ref as Htlc));
    const feeSat = p.fundingSatoshis - tx.outputs.reduce((s, o) => s + o.value, 0n);
    claims.push({
      kind: 'cpfp',
      key: `cpfp:${local.ctn}`,
      label: 'anchor_cpfp',
      // BOLT 5 Failing a Channel: "MUST spend any to_local_anchor output, providing sufficient fees".
      parent: { tx, txid, weight: txWeight(tx), feeSat },
      anchor: anchorInput({ txid, vout: anchorIndex }, anchor.witnessScript!, signer, anchor.valueSat),
      deadline: deadlines.length > 0 ? Math.min(...deadlines) : null,
      inputs: [funding],
    });
  }
  return claims;
}

interface Planned {
  readonly plan: OutputPlan;
  /** A claim for this output alone, or a contribution to the justice batch. */
  readonly claim?: Claim;
  readonly justice?: { readonly input: ClaimInput; readonly deadline: number };
}

function wait(key: string, w: WaitReason, maturesAt: number | null = null, deadline: number | null = null): Planned {
  return { plan: { key, wait: w, maturesAt, deadline, claimKey: null } };
}

/** The plan for one unspent output. */
function planOutput(ctx: PlanContext, closing: Classified, closingHeight: number, t: TrackedOutput): Planned {
  const { data, signer, bestHeight } = ctx;
  const d = t.d;
  const anchors = data.params.channelType === 'anchors';
  const cctx = { data, closing, signer };
  const sweep = (path: ClaimPath, label: ClaimLabel, maturesAt: number, deadline: number | null, preimage?: Uint8Array): Planned => {
    const key = `${label}:${d.key}`;
    const plan: OutputPlan = { key: d.key, wait: bestHeight + 1 >= maturesAt ? 'claimable' : 'maturing', maturesAt, deadline, claimKey: null };
    if (bestHeight + 1 < maturesAt) return { plan };
    return { plan: { ...plan, claimKey: key }, claim: { kind: 'sweep', key, label, inputs: [claimInput(cctx, d, path, preimage)], deadline } };
  };
  switch (d.role) {
    case 'their_main':
    case 'their_anchor':
      return wait(d.key, 'theirs');
    case 'our_anchor':
      // 330 sat: not worth a transaction once the commitment is confirmed (anyone may sweep it after 16 blocks).
      return wait(d.key, 'not_claimed');
    case 'local_to_local':
    case 'local_second_stage':
      // BOLT 5: "MUST wait until the OP_CHECKSEQUENCEVERIFY delay has passed ... before spending".
      return sweep('delayed', d.role === 'local_to_local' ? 'to_local' : 'second_stage', t.confirmedAt + d.csvDelay, null);
    case 'to_remote':
      return sweep('to_remote', 'to_remote', t.confirmedAt + d.csvDelay, null);
    case 'remote_htlc_offered': {
      // BOLT 5 Remote Commitment, Remote Offers: with the preimage "MUST resolve the output by spending it".
      const h = d.htlc!;
      const preimage = ctx.preimageFor(h.paymentHash);
      if (!preimage) return wait(d.key, 'awaiting_preimage', null, h.cltvExpiry);
      return sweep('preimage', 'htlc_preimage', t.confirmedAt + d.csvDelay, h.cltvExpiry, preimage);
    }
    case 'remote_htlc_received':
      // BOLT 5 Remote Commitment, Local Offers: "timed out AND NOT been resolved: MUST resolve the output".
      return sweep('timeout', 'htlc_timeout_claim', Math.max(d.htlc!.cltvExpiry + 1, t.confirmedAt + d.csvDelay), htlcDeadline(ctx, d.htlc!));
    case 'local_htlc_offered':
    case 'local_htlc_received': {
      const h = d.htlc!;
      const success = d.role === 'local_htlc_received';
      const preimage = success ? ctx.preimageFor(h.paymentHash) : undefined;
      // BOLT 5 Local Commitment, Remote Offers: the HTLC-success transaction needs the preimage.
      if (success && !preimage) return wait(d.key, 'awaiting_preimage', null, h.cltvExpiry);
      // BOLT 5 Local Commitment, Local Offers: "MUST resolve the output by spending it using the HTLC-timeout transaction" once timed out.
      const maturesAt = success ? t.confirmedAt + d.csvDelay : Math.max(h.cltvExpiry + 1, t.confirmedAt + d.csvDelay);
      const deadline = htlcDeadline(ctx, h);
      const plan: OutputPlan = { key: d.key, wait: bestHeight + 1 >= maturesAt ? 'claimable' : 'maturing', maturesAt, deadline, claimKey: null };
      if (bestHeight + 1 < maturesAt) return { plan };
      const built = closing.built!;
      const local = closing.local!;
      const htlcTx = built.htlcTxs[d.htlcIndex!]!;
      const input = htlcTxInput(htlcTx, data.params.channelType, local.htlcSignatures[d.htlcIndex!]!, signer, closing.point!, preimage ?? null);
      const label: ClaimLabel = success ? 'htlc_success' : 'htlc_timeout';
      const key = `${label}:${d.key}`;
      if (!anchors) {
        // Without anchors the HTLC transaction pays its own fee (BOLT 3): broadcast it as signed.
        const { tx, txid } = memo(ctx, `presigned:${key}`, () => {
          const signed: Transaction = { ...htlcTx.tx, inputs: [{ ...htlcTx.tx.inputs[0]!, witness: input.sign(htlcTx.tx, 0) }] };
          return { tx: signed, txid: txidOf(signed) };
        });
        return { plan: { ...plan, claimKey: key }, claim: { kind: 'presigned', key, label, tx, txid, inputs: [d.key] } };
      }
      // BOLT 5 Generation of HTLC Transactions: "MUST combine it with inputs contributing sufficient fee".
      return { plan: { ...plan, claimKey: key }, claim: { kind: 'htlc_fee', key, label, htlcTx, input, deadline, inputs: [d.key] } };
    }
    case 'revoked_to_local':
    case 'revoked_htlc': {
      // BOLT 5 Revoked Transaction Close: every output of the cheater's with the revocation key.
      const deadline = d.role === 'revoked_to_local' ? closingHeight + data.params.local.config.toSelfDelay : d.htlc!.cltvExpiry;
      const input = claimInput(cctx, d, d.role === 'revoked_to_local' ? 'revocation' : 'revocation_htlc');
      return { plan: { key: d.key, wait: 'claimable', maturesAt: null, deadline, claimKey: null }, justice: { input, deadline } };
    }
    case 'revoked_second_stage': {
      // BOLT 5: "MUST resolve the remote node's HTLC-timeout/-success transaction by spending it using the revocation private key".
      const deadline = t.confirmedAt + data.params.local.config.toSelfDelay;
      const key = `justice_second_stage:${d.key}`;
      const claim: Claim = { kind: 'sweep', key, label: 'justice_second_stage', inputs: [claimInput(cctx, d, 'revocation')], deadline };
      return { plan: { key: d.key, wait: 'claimable', maturesAt: null, deadline, claimKey: key }, claim };
    }
  }
}

/** Everything to claim now, and each output's plan. */
export function planClaims(ctx: PlanContext, r: Resolution): Plan {
  const outputs = new Map<string, OutputPlan>();
  if (!r.closing) return { claims: ctx.forceClose ? commitmentClaims(ctx) : [], outputs };
  const { classified, txid, height } = r.closing;
  const claims: Claim[] = [];
  const justice: { key: string; input: ClaimInput; deadline: number }[] = [];
  for (const t of r.outputs) {
    if (t.spend) continue;
    const planned = planOutput(ctx, classified, height, t);
    outputs.set(t.d.key, planned.plan);
    if (planned.claim) claims.push(planned.claim);
    if (planned.justice) justice.push({ key: t.d.key, ...planned.justice });
  }
  // BOLT 5 Revoked Transaction Close: "MAY use a single transaction to resolve all the outputs"; "if confirmation
  // doesn't happen before reaching security_delay blocks from expiry: SHOULD resolve revoked outputs in their own,
  // separate penalty transactions".
  const batch: typeof justice = [];
  for (const j of justice) {
    const soloKey = `justice:${j.key}`;
    if (ctx.soloClaims.has(soloKey) || j.deadline - ctx.bestHeight <= ctx.policy.securityDelay) {
      claims.push({ kind: 'sweep', key: soloKey, label: 'justice', inputs: [j.input], deadline: j.deadline });
      outputs.set(j.key, { ...outputs.get(j.key)!, claimKey: soloKey });
    } else batch.push(j);
  }
  if (batch.length > 0) {
    const key = `justice:${txid}`;
    claims.push({ kind: 'sweep', key, label: 'justice', inputs: batch.map((j) => j.input), deadline: Math.min(...batch.map((j) => j.deadline)) });
    for (const j of batch) outputs.set(j.key, { ...outputs.get(j.key)!, claimKey: key });
  }
  return { claims, outputs };
}

/** What became of an HTLC of the channel, for the payment layer and the UI. */
export interface HtlcFate {
  readonly htlc: Htlc;
  /**
   * - `fulfilled`: the preimage is known (an outgoing HTLC: settle upstream);
   * - `failed`: an outgoing HTLC timed out on chain or is on no confirmed commitment, deep enough to fail upstream;
   * - `claimed` / `lost`: an incoming HTLC we took with its preimage / the peer took back after its expiry;
   * - `pending`: not decided yet.
   */
  readonly fate: 'pending' | 'fulfilled' | 'failed' | 'claimed' | 'lost';
  /** The output carrying it, when the confirmed commitment has one (otherwise trimmed or not in it). */
  readonly outputKey: string | null;
  /** In our or the peer's newest commitments when the channel closed: its fate matters upstream. */
  readonly live: boolean;
}

function htlcId(h: Htlc): string {
  return `${h.offerer}:${h.id}`;
}

/** The fate of every HTLC the closed channel could have carried (BOLT 5 HTLC Output Handling). */
export function htlcFates(ctx: PlanContext, r: Resolution): HtlcFate[] {
  if (!r.closing || r.closing.classified.kind === 'mutual' || r.closing.classified.kind === 'unknown') return [];
  const { data, bestHeight, policy } = ctx;
  // The HTLCs still in play when the channel closed (newest commitments), and those the confirmed
  // commitment carries (an older one may carry HTLCs already settled off chain: shown, not reported).
  const all = new Map<string, Htlc>();
  const live = new Set<string>();
  const add = (hs: readonly Htlc[], isLive: boolean) =>
    hs.forEach((h) => {
      all.set(htlcId(h), h);
      if (isLive) live.add(htlcId(h));
    });
  if (data.local) add(data.local.spec.htlcs, true);
  for (const rc of data.remoteUnrevoked()) add(rc.spec.htlcs, true);
  for (const t of r.outputs) if (t.d.htlc && t.parent === null) add([t.d.htlc], false);
  const deep = (height: number) => bestHeight - height + 1 >= policy.reasonableDepth;
  const byHtlc = new Map<string, TrackedOutput>();
  for (const t of r.outputs) if (t.d.htlc && t.parent === null) byHtlc.set(htlcId(t.d.htlc), t);
  return [...all.values()].map((htlc): HtlcFate => ({ ...fateOf(htlc), live: live.has(htlcId(htlc)) }));

  function fateOf(htlc: Htlc): Omit<HtlcFate, 'live'> {
    const t = byHtlc.get(htlcId(htlc));
    const outputKey = t?.d.key ?? null;
    const known = ctx.preimageFor(htlc.paymentHash) !== undefined;
    if (htlc.offerer === 'local') {
      // BOLT 5: "if the payment preimage is known: MUST fulfill the corresponding incoming HTLC".
      if (known) return { htlc, fate: 'fulfilled', outputKey };
      // "once the resolving transaction has reached reasonable depth: MUST fail the corresponding incoming HTLC";
      // without an output, "once the commitment transaction has reached reasonable depth".
      if (!t) return { htlc, fate: deep(r.closing!.height) ? 'failed' : 'pending', outputKey };
      if (t.spend && t.spend.analysis.by === 'us' && deep(t.spend.height)) return { htlc, fate: 'failed', outputKey };
      return { htlc, fate: 'pending', outputKey };
    }
    // An incoming HTLC without an output here (trimmed, or not in this commitment) is not ours on chain.
    if (!t) return { htlc, fate: 'lost', outputKey };
    if (!t.spend) return { htlc, fate: 'pending', outputKey };
    return { htlc, fate: t.spend.analysis.by === 'us' ? 'claimed' : 'lost', outputKey };
  }
}
