/**
 * From what the chain confirmed to what became of every output (BOLT 5 "resolved"): the funding
 * output's spend is classified, each of its outputs is followed to its own spend (analysed from
 * the witness), and second-stage HTLC outputs (ours, or a cheater's) are followed one level more.
 * Pure and recomputed from the facts on every input, so a reorg that removes a confirmation
 * simply gives the earlier picture back.
 */
import { sha256, toHex } from '../crypto';
import type { OutPoint, Transaction } from '../bitcoin';
import { p2wsh } from '../bitcoin';
import { fundingScript } from '../channel/scripts';
import type { Classified, OutputDescriptor } from './classify';
import { outpointKey, secondStageOutput } from './classify';
import type { ChannelData } from './data';
import type { SpendAnalysis } from './spends';
import { analyzeSpend } from './spends';

/** A transaction the chain confirmed, that spends something we follow. */
export interface TxFact {
  readonly tx: Transaction;
  /** Display hex. */
  readonly txid: string;
  readonly height: number;
}

/** The confirmed chain as the monitor knows it. */
export interface ChainView {
  readonly bestHeight: number;
  /** The confirmed transaction spending `outpointKey`, and which of its inputs does. */
  spendOf(outpointKey: string): { readonly fact: TxFact; readonly inputIndex: number } | undefined;
}

export interface Spend {
  readonly txid: string;
  readonly height: number;
  readonly inputIndex: number;
  readonly analysis: SpendAnalysis;
}

export interface TrackedOutput {
  readonly d: OutputDescriptor;
  /** Height of the block that confirmed the transaction holding it. */
  readonly confirmedAt: number;
  readonly spend: Spend | null;
  /** The output key of the HTLC output this second-stage output came from. */
  readonly parent: string | null;
}

export interface Resolution {
  readonly closing: { readonly classified: Classified; readonly txid: string; readonly height: number } | null;
  /** Commitment outputs in output order, each followed by its second stage if any. */
  readonly outputs: readonly TrackedOutput[];
  /** Preimages the chain revealed (checked against the HTLC's payment hash). */
  readonly preimages: readonly { readonly paymentHash: Uint8Array; readonly preimage: Uint8Array; readonly htlcKey: string }[];
}

export function fundingOutput(data: ChannelData): { outpoint: OutPoint; key: string; scriptPubKey: Uint8Array } {
  const p = data.params;
  return {
    outpoint: p.fundingOutpoint,
    key: outpointKey(p.fundingOutpoint),
    scriptPubKey: p2wsh(fundingScript(p.local.basepoints.fundingPubkey, p.remote.basepoints.fundingPubkey)),
  };
}

function follow(d: OutputDescriptor, confirmedAt: number, chain: ChainView, parent: string | null): TrackedOutput {
  const s = chain.spendOf(d.key);
  const spend = s
    ? { txid: s.fact.txid, height: s.fact.height, inputIndex: s.inputIndex, analysis: analyzeSpend(d.role, s.fact.tx, s.inputIndex, d.htlc?.paymentHash ?? null) }
    : null;
  return { d, confirmedAt, spend, parent };
}

/** Follows the funding output's spend (classified by `classify`) down to every output's fate. */
export function resolve(data: ChannelData, chain: ChainView, classify: (tx: Transaction) => Classified): Resolution {
  const funding = chain.spendOf(fundingOutput(data).key);
  if (!funding) return { closing: null, outputs: [], preimages: [] };
  const classified = classify(funding.fact.tx);
  const outputs: TrackedOutput[] = [];
  const preimages: { paymentHash: Uint8Array; preimage: Uint8Array; htlcKey: string }[] = [];
  for (const d of classified.outputs) {
    const t = follow(d, funding.fact.height, chain, null);
    outputs.push(t);
    if (!t.spend) continue;
    if (t.spend.analysis.preimage && d.htlc) preimages.push({ paymentHash: d.htlc.paymentHash, preimage: t.spend.analysis.preimage, htlcKey: d.key });
    // A second-stage HTLC transaction: ours on our commitment, or the cheater's on a revoked one.
    const secondStage =
      (classified.kind === 'local' && t.spend.analysis.by === 'us' && (d.role === 'local_htlc_offered' || d.role === 'local_htlc_received')) ||
      (classified.kind === 'revoked' && d.role === 'revoked_htlc' && (t.spend.analysis.path === 'htlc_success_tx' || t.spend.analysis.path === 'htlc_timeout_tx'));
    if (!secondStage) continue;
    const spender = chain.spendOf(d.key)!;
    const child = secondStageOutput(data, d, classified, spender.fact.tx, spender.inputIndex);
    if (child) outputs.push(follow(child, spender.fact.height, chain, d.key));
  }
  return { closing: { classified, txid: funding.fact.txid, height: funding.fact.height }, outputs, preimages };
}

/** Every outpoint the monitor asks the chain to watch: the funding output, then each followed output. */
export function watchedOutputs(data: ChannelData, r: Resolution): { outpoint: OutPoint; key: string; scriptPubKey: Uint8Array }[] {
  const f = fundingOutput(data);
  return [f, ...r.outputs.map((o) => ({ outpoint: o.d.outpoint, key: o.d.key, scriptPubKey: o.d.scriptPubKey }))];
}

/** The hex of sha256(preimage), the key preimages are found by. */
export function paymentHashHex(preimage: Uint8Array): string {
  return toHex(sha256(preimage));
}
