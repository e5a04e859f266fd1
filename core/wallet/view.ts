/**
 * The wallet's data as plain JSON for the NodeApi and the UI: the views of wallet.ts with amounts
 * as decimal strings of sat (bigint does not survive JSON). No keys, no words.
 */
import type { Keychain } from './keys';
import type { TxLabel, TxState } from './store';
import type { TxDirection, UtxoStatus, UtxoView, WalletTxView } from './wallet';

export type { BalanceView } from './events';

/** One of our unspent coins. */
export interface UtxoInfo {
  readonly txid: string;
  readonly vout: number;
  readonly address: string;
  readonly amountSat: string;
  /** receive: paid to an address we handed out; change: our own change or a sweep. */
  readonly chain: Keychain;
  readonly index: number;
  readonly confirmations: number;
  readonly status: UtxoStatus;
  /** The prepared funding transaction holding it, or null. */
  readonly lockedBy: string | null;
}

/** One wallet transaction, as the history shows it. */
export interface WalletTxInfo {
  readonly txid: string;
  readonly label: TxLabel;
  readonly state: TxState;
  readonly direction: TxDirection;
  /** Incoming: what reached us; outgoing: what left to others (fee not included); self: 0. */
  readonly amountSat: string;
  /** The change in our coins, negative for sends (fee included). */
  readonly netSat: string;
  readonly feeSat: string | null;
  readonly confirmations: number;
  readonly blockHeight: number | null;
  readonly blockHash: string | null;
  readonly replacedBy: string | null;
  /** Unix ms: when we built or first saw it (a transaction found in a block: the block's time). */
  readonly createdAt: number;
  /** Ours, unconfirmed and in effect: `bumpfee` may replace it. */
  readonly bumpable: boolean;
}

export function utxoInfo(u: UtxoView): UtxoInfo {
  return {
    txid: u.txid, vout: u.vout, address: u.address, amountSat: u.amountSat.toString(), chain: u.chain, index: u.index,
    confirmations: u.confirmations, status: u.status, lockedBy: u.lockedBy,
  };
}

export function walletTxInfo(t: WalletTxView): WalletTxInfo {
  return {
    txid: t.txid, label: t.label, state: t.state, direction: t.direction, amountSat: t.amountSat.toString(), netSat: t.netSat.toString(),
    feeSat: t.feeSat === null ? null : t.feeSat.toString(), confirmations: t.confirmations, blockHeight: t.blockHeight, blockHash: t.blockHash,
    replacedBy: t.replacedBy, createdAt: t.createdAt,
    // The wallet's bumpFee takes our own withdrawals (and their bumps) while unconfirmed and not replaced.
    bumpable: (t.label === 'withdraw' || t.label === 'bump') && t.state === 'unconfirmed' && t.feeSat !== null,
  };
}

