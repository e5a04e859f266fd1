/**
 * The monitor's plain-data views and events (JSON-safe: amounts and ids as decimal strings,
 * bytes as hex; never a secret — no preimage, no key). The API composes `listclosedchannels` and
 * the UI's resolution view from `MonitorView`; the event bus carries `MonitorEvent`.
 */
import type { ClosingKind, OutputRole } from './classify';
import type { SpendPath } from './spends';

/**
 * - `maturing`: ours after a delay (CSV or CLTV), claimable from block `maturesAt`;
 * - `awaiting_preimage`: an incoming HTLC we can take only with its preimage, before `deadline`;
 * - `claimable`: ours now, no claim handed out yet; `claiming`: a claim is out (see `claim`);
 * - `uneconomical`: worth less than the fee to claim it;
 * - `spent`: spent by the transaction in `spentBy` (by us or the peer), not yet `finalityDepth` deep;
 * - `resolved`: that spend is irrevocable (BOLT 5: 100 blocks);
 * - `theirs`: the peer's output; `not_claimed`: our anchor, not worth sweeping.
 */
export type OutputStatus =
  | 'maturing'
  | 'awaiting_preimage'
  | 'claimable'
  | 'claiming'
  | 'uneconomical'
  | 'spent'
  | 'resolved'
  | 'theirs'
  | 'not_claimed';

export interface HtlcInfo {
  readonly offerer: 'local' | 'remote';
  readonly id: string;
  readonly paymentHash: string;
  readonly amountMsat: string;
  readonly cltvExpiry: number;
}

export interface OutputView {
  /** `txid:vout` */
  readonly outpoint: string;
  readonly role: OutputRole;
  readonly valueSat: string;
  readonly status: OutputStatus;
  readonly maturesAt: number | null;
  readonly deadline: number | null;
  /** The claim out for it (a transaction we broadcast, or a fee request to the wallet). */
  readonly claim: { readonly key: string; readonly txid: string | null; readonly feeratePerKw: number; readonly since: number } | null;
  readonly spentBy: { readonly txid: string; readonly height: number; readonly depth: number; readonly by: 'us' | 'peer' | 'anyone'; readonly path: SpendPath } | null;
  readonly htlc: HtlcInfo | null;
  /** For a second-stage output: the HTLC output it came from. */
  readonly parent: string | null;
}

export interface HtlcView extends HtlcInfo {
  readonly fate: 'pending' | 'fulfilled' | 'failed' | 'claimed' | 'lost';
  readonly outpoint: string | null;
}

export interface MonitorView {
  readonly channelId: string;
  readonly bestHeight: number;
  /**
   * - `open`: the funding output is unspent;
   * - `force_closing`: we broadcast our commitment, not confirmed yet;
   * - `closing`: a closing transaction confirmed, some outputs are not irrevocably resolved;
   * - `closed`: every output is irrevocably resolved.
   */
  readonly state: 'open' | 'force_closing' | 'closing' | 'closed';
  readonly closing: {
    readonly kind: ClosingKind;
    readonly txid: string;
    readonly height: number;
    readonly depth: number;
    readonly commitmentNumber: number | null;
  } | null;
  readonly outputs: readonly OutputView[];
  readonly htlcs: readonly HtlcView[];
  /** Ours swept or claimed; ours still to come; taken by the peer (all in satoshis). */
  readonly totals: { readonly claimedSat: string; readonly pendingSat: string; readonly lostSat: string };
}

export type MonitorEvent =
  | { readonly type: 'monitor.closing_detected'; readonly channelId: string; readonly kind: ClosingKind; readonly txid: string; readonly height: number }
  | { readonly type: 'monitor.closing_reorged'; readonly channelId: string; readonly txid: string }
  /** An output's view changed (status, claim, spend, depth milestones). */
  | { readonly type: 'monitor.output'; readonly channelId: string; readonly output: OutputView }
  /** A new claim went out: a transaction (txid), or a CPFP / HTLC fee request to the wallet (txid null). */
  | {
      readonly type: 'monitor.claim';
      readonly channelId: string;
      readonly key: string;
      readonly label: string;
      readonly request: 'broadcast' | 'cpfp' | 'htlc_fee';
      readonly txid: string | null;
      readonly feeratePerKw: number;
    }
  | { readonly type: 'monitor.htlc'; readonly channelId: string; readonly htlc: HtlcView }
  /** BOLT 5: a funding spend that is none of ours or the peer's commitments, nor a closing we signed. */
  | { readonly type: 'monitor.warning'; readonly channelId: string; readonly code: 'funding_spent_unknown'; readonly message: string }
  | { readonly type: 'monitor.closed'; readonly channelId: string };
