/**
 * What the wallet reports, as JSON-safe data (amounts as decimal strings of sat, ids as
 * display-order hex). No keys, no words, no derivation secrets.
 */
import type { TxLabel } from './store';

export interface BalanceView {
  /** Confirmed coins, not locked. */
  readonly confirmedSat: string;
  /** Coins of unconfirmed transactions: incoming deposits and our own change. */
  readonly unconfirmedSat: string;
  /** Coinbase outputs younger than 100 blocks. */
  readonly immatureSat: string;
  /** Coins held by prepared funding transactions. */
  readonly lockedSat: string;
  /** The part of the spendable coins kept for fee-bumping anchor channels. */
  readonly reservedSat: string;
  /** What a withdraw may use now (trusted coins minus the reserve). */
  readonly availableSat: string;
  /** confirmed + unconfirmed + immature + locked. */
  readonly totalSat: string;
}

export type WalletEventBody =
  /** A transaction we did not build appeared (mempool or block): a deposit, a sweep, or a spend of ours made elsewhere. */
  | {
      readonly type: 'wallet.tx_seen';
      readonly txid: string;
      readonly label: TxLabel;
      readonly direction: 'incoming' | 'outgoing' | 'self';
      readonly amountSat: string;
    }
  /** One of our sends was built, signed and persisted: it is ready to broadcast. */
  | { readonly type: 'wallet.tx_sent'; readonly txid: string; readonly label: TxLabel; readonly amountSat: string; readonly feeSat: string }
  /** A funding transaction was built and its coins locked; not to be broadcast until committed. */
  | { readonly type: 'wallet.funding_prepared'; readonly txid: string; readonly outputIndex: number; readonly amountSat: string; readonly feeSat: string }
  | { readonly type: 'wallet.funding_released'; readonly txid: string }
  | { readonly type: 'wallet.tx_confirmed'; readonly txid: string; readonly blockHeight: number; readonly blockHash: string }
  /** A confirmed transaction's block left the best chain. */
  | { readonly type: 'wallet.tx_unconfirmed'; readonly txid: string }
  /** Another transaction spending the same coins took this one's place in the mempool. */
  | { readonly type: 'wallet.tx_replaced'; readonly txid: string; readonly replacedBy: string }
  /** Another transaction spending the same coins confirmed: this one never will. */
  | { readonly type: 'wallet.tx_conflicted'; readonly txid: string; readonly conflictedBy: string }
  | { readonly type: 'wallet.tx_abandoned'; readonly txid: string }
  | { readonly type: 'wallet.balance_changed'; readonly balance: BalanceView };

export type WalletEvent = WalletEventBody;
