/**
 * What the wallet persists, as plain data, and the port it writes through
 * (`core/store/wallet-repository.ts` implements it on SQLite).
 *
 * The wallet's transactions are the source of truth: the UTXO set, what is spent and by what,
 * what is locked, the balances and the history are all derived from them (state.ts). So
 * persisting a send is one atomic write of its transaction, and that same write marks the coins
 * it spends as spent by it. No secret is ever part of a record.
 */
import type { Keychain } from './keys';

/**
 * - `prepared`: built and signed but not released for broadcast (a funding transaction waiting for
 *   funding_signed); its inputs are locked.
 * - `unconfirmed`: in the mempool as far as we know (or ours, to be broadcast).
 * - `confirmed`: in a block of the best chain.
 * - `replaced`: a transaction spending one of the same coins took its place in the mempool (BIP 125).
 * - `conflicted`: a transaction spending one of the same coins confirmed.
 * - `abandoned`: ours, and the caller gave up on it (its broadcast was refused).
 */
export type TxState = 'prepared' | 'unconfirmed' | 'confirmed' | 'replaced' | 'conflicted' | 'abandoned';

/** What a transaction was for. */
/** `htlc_fee`: wallet inputs (and change) added to a channel's anchors HTLC transaction, whose first input the channel signs. */
export type TxLabel = 'deposit' | 'withdraw' | 'funding' | 'sweep' | 'cpfp' | 'bump' | 'htlc_fee';

/** Facts about our own sends that the transaction bytes do not tell. */
export interface SendMeta {
  /** `withdraw … all`: the payee output takes whatever the fee leaves. */
  readonly sendAll?: boolean;
  /** Funding: the index of the channel's output. */
  readonly fundingOutput?: number;
  /** A replacement: the txid it replaces. */
  readonly replaces?: string;
  /** CPFP: the parent's txid. */
  readonly parent?: string;
  /** Inputs signed by someone else (CPFP of an anchor): this transaction cannot be re-signed by the wallet. */
  readonly foreignInputs?: number;
}

export interface WalletTxRecord {
  /** Display-order hex. */
  readonly txid: string;
  /** The transaction with its witnesses. */
  readonly raw: Uint8Array;
  readonly label: TxLabel;
  /** Built and signed by this wallet (not just seen on chain). */
  readonly ours: boolean;
  readonly state: TxState;
  readonly blockHeight: number | null;
  /** Display-order hex. */
  readonly blockHash: string | null;
  /** The transaction that replaced or conflicted this one. */
  readonly replacedBy: string | null;
  /** Inputs − outputs, when every input's value is known. */
  readonly feeSat: bigint | null;
  /** Unix ms when built or first seen. */
  readonly createdAt: number;
  readonly meta: SendMeta | null;
}

/** One BIP 44 chain: `nextIndex` is the next address to hand out, `usedIndex` the highest paid (-1: none). */
export interface KeychainRecord {
  readonly chain: Keychain;
  readonly nextIndex: number;
  readonly usedIndex: number;
}

export interface WalletMeta {
  /** `WalletKeys.accountId`: the store refuses other keys. */
  readonly accountId: string;
  readonly bestHeight: number | null;
  /** Display-order hex. */
  readonly bestHash: string | null;
}

export interface WalletSnapshot {
  readonly meta: WalletMeta;
  readonly keychains: readonly KeychainRecord[];
  readonly txs: readonly WalletTxRecord[];
  /**
   * The scripts the wallet derived on each chain, index 0 first (none: derive them all). A cache of
   * the keys' work, so a start derives only new indexes; the wallet checks the highest of each chain
   * against its keys, the store that no row changed since it was written.
   */
  readonly scripts?: Readonly<Record<Keychain, readonly Uint8Array[]>>;
}

/** Scripts derived on `chain` from index `from` on (appended to what the store holds). */
export interface DerivedScripts {
  readonly chain: Keychain;
  readonly from: number;
  readonly scripts: readonly Uint8Array[];
}

/** One atomic write. */
export interface WalletChanges {
  readonly meta?: WalletMeta;
  readonly keychains?: readonly KeychainRecord[];
  readonly upsertTxs?: readonly WalletTxRecord[];
  readonly deleteTxs?: readonly string[];
  /** Newly derived scripts; indexes the store already holds are left as they are. */
  readonly scripts?: readonly DerivedScripts[];
}

/** The port: synchronous, each `apply` all-or-nothing and durable when it returns. */
export interface WalletStore {
  /** Null for an empty store (a new or restored wallet). */
  load(): WalletSnapshot | null;
  apply(changes: WalletChanges): void;
}
