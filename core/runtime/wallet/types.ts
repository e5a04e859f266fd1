/**
 * What the wallet adapter answers, as plain JSON for the NodeApi (amounts as decimal strings of
 * sat; fee rates in sat/vB with up to 3 decimals). The wallet's own views are core/wallet/view.ts.
 */
import type { BroadcastOutcomeKind } from '../../chain';

/** What a send would pay, before it is made (the confirmation step shows it). */
export interface WalletSendPreview {
  /** What the payee outputs receive. */
  readonly amountSat: string;
  readonly feeSat: string;
  /** amount + fee: what leaves the wallet. */
  readonly totalSat: string;
  readonly vsize: number;
  readonly feeRateSatVb: number;
  /** For a fee bump: the transaction it replaces. */
  readonly replaces: string | null;
}

/** A send (withdraw or fee bump) built, persisted and handed to the chain source. */
export interface WalletSendInfo extends WalletSendPreview {
  readonly txid: string;
  /**
   * What the chain source said: `accepted`, `already_known` or `already_confirmed`; or
   * `source_down` — it is kept and rebroadcast until the source takes it. Refusals are errors
   * (`wallet.broadcast_refused`), and the send is abandoned.
   */
  readonly broadcast: BroadcastOutcomeKind;
}

/** The confirmation targets behind the fee choices the UI and CLI offer. */
export const FEE_TARGETS = { fast: 2, normal: 6, slow: 144 } as const;
export type FeeSpeed = keyof typeof FEE_TARGETS;
