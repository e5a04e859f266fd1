/**
 * The on-chain wallet core, sans-I/O. Inputs: chain data in the shape of LDK's `Confirm`
 * (`transactionsConfirmed`, `transactionUnconfirmed`, `bestBlockUpdated`) plus
 * `mempoolTransaction`, user requests with the time, and injected randomness. Outputs: records
 * written through the `WalletStore` port (synchronously, before anything is returned),
 * transactions for the caller to broadcast, events, and scripts the chain layer must watch.
 *
 * Persist before you broadcast: a send is written — its transaction, which is what marks the
 * coins it spends as spent — before it is returned. After a crash the wallet still knows it
 * (`pendingBroadcasts`) and never builds a second spend of those coins.
 */
import { decodeTx, MAX_MONEY, txid as computeTxid, txidToHex, txWeight, type Transaction } from '../bitcoin';
import { equalBytes, randomBytes as cryptoRandomBytes } from '../crypto';
import { dustThreshold, isP2wsh, scriptToAddress } from './address';
import {
  buildAndSign, SEQUENCE_NO_RBF, SEQUENCE_RBF, type BuildInput, type BuildOutput, type BuiltTx, type ForeignSigner,
} from './build';
import { selectCoins, sweepCoins, type Coin } from './coin-selection';
import { WalletError } from './errors';
import type { BalanceView, WalletEvent } from './events';
import {
  feeFor, feeRateFromSatPerVb, feeRateOf, feeRateToSatPerVb, INPUT_BASE_WEIGHT, outputSize, P2WPKH_INPUT_WEIGHT,
  P2WPKH_OUTPUT_SIZE, vsizeOf, type FeeRate,
} from './fees';
import type { Keychain, WalletKeys } from './keys';
import {
  applyIncrement, derive, inputKey, makeEntry, outpointKey, scriptKey, type Derived, type ScriptInfo, type TxEntry, type WalletCoin,
} from './state';
import type {
  DerivedScripts, KeychainRecord, SendMeta, TxLabel, TxState, WalletChanges, WalletMeta, WalletStore, WalletTxRecord,
} from './store';

export interface WalletConfig {
  /** Unused addresses watched past the last used one on each chain (BIP 44's gap limit). */
  readonly gapLimit: number;
  /** The lowest fee rate we build with (the relay minimum: 1 sat/vB in btcd and in Bitcoin Core before 29.1). */
  readonly minFeeRateSatVb: number;
  /** BIP 125 rule 4: a replacement pays at least this much more per vbyte of itself. */
  readonly incrementalRelayFeeSatVb: number;
  /** A sanity cap on fee rates. */
  readonly maxFeeRateSatVb: number;
  /** Kept back per anchor channel for CPFP of its commitment (LND: 10,000 sat per channel, capped at 100,000). */
  readonly anchorReservePerChannelSat: bigint;
  readonly anchorReserveMaxSat: bigint;
  /** Confirmations before a deposit from someone else is spent (0: at once); our own change is spent unconfirmed. */
  readonly minDepositConfirmations: number;
}

export const DEFAULT_WALLET_CONFIG: WalletConfig = Object.freeze({
  gapLimit: 20,
  minFeeRateSatVb: 1,
  incrementalRelayFeeSatVb: 1,
  maxFeeRateSatVb: 10_000,
  anchorReservePerChannelSat: 10_000n,
  anchorReserveMaxSat: 100_000n,
  minDepositConfirmations: 1,
});

/** Consensus: a coinbase output is spendable after 100 confirmations. */
const COINBASE_MATURITY = 100;

export interface WalletOptions {
  readonly keys: WalletKeys;
  readonly store: WalletStore;
  readonly config?: Partial<WalletConfig>;
  /** Randomness (the change output's position); the crypto backend's by default. */
  readonly randomBytes?: (length: number) => Uint8Array;
}

/** A block of the best chain: height and display-order hash. */
export interface BlockRef {
  readonly height: number;
  readonly hash: string;
}

/** A block with its header time, for transactions first seen in it (a rescan dates them by their block). */
export interface ConfirmedBlock extends BlockRef {
  /** The header's timestamp, unix seconds. */
  readonly time: number;
}

export interface ChainUpdate {
  readonly events: readonly WalletEvent[];
  /** Scripts the chain layer must watch from now on (the look-ahead window grew). */
  readonly newScripts: readonly Uint8Array[];
}

export interface SendResult extends ChainUpdate {
  readonly txid: string;
  /** The signed transaction. */
  readonly tx: Uint8Array;
  readonly feeSat: bigint;
  readonly vsize: number;
}

export interface FundingResult extends SendResult {
  /** The funding output's index (BOLT 2 `funding_output_index`). */
  readonly outputIndex: number;
}

export interface WithdrawRequest {
  readonly address: string;
  readonly amountSat: bigint | 'all';
  readonly feeRateSatVb: number;
  readonly nowMs: number;
}

export interface BumpRequest {
  readonly txid: string;
  readonly feeRateSatVb: number;
  readonly nowMs: number;
}

/** The output of the parent a CPFP child spends: one of ours, or one someone else signs (an anchor). */
export type CpfpSpend =
  | { readonly kind: 'wallet'; readonly vout: number }
  | {
      readonly kind: 'foreign';
      readonly vout: number;
      /** The largest witness the signer may return, in bytes with the item count (a BOLT 3 anchor: 1 + 1 + 73 + 1 + 40 = 116). */
      readonly maxWitnessSize: number;
      readonly sequence?: number;
      readonly sign: ForeignSigner;
    };

export interface CpfpRequest {
  /** The unconfirmed parent, serialized. */
  readonly parent: Uint8Array;
  /** The parent's fee; needed when the wallet did not build the parent (a commitment transaction). */
  readonly parentFeeSat?: bigint;
  readonly spend: CpfpSpend;
  /** The fee rate the parent and child together must reach. */
  readonly feeRateSatVb: number;
  readonly nowMs: number;
}

/** `buildForeignSpend`: a transaction template whose input 0 someone else signs. */
export interface ForeignSpendRequest {
  /** Version 2; input 0 and output 0 are kept where they are, with the template's locktime and input 0 sequence. */
  readonly tx: Transaction;
  /** What input 0 spends and how it is signed (the callback returns its witness stack). */
  readonly foreign: { readonly valueSat: bigint; readonly scriptPubKey: Uint8Array; readonly maxWitnessSize: number; readonly sign: ForeignSigner };
  readonly feeRateSatVb: number;
  readonly nowMs: number;
}

export interface FundingRequest {
  /** The P2WSH output script of the channel's funding output (BOLT 3 "Funding Transaction Output"). */
  readonly scriptPubKey: Uint8Array;
  readonly amountSat: bigint;
  readonly feeRateSatVb: number;
  readonly nowMs: number;
}

export interface Balance {
  readonly confirmedSat: bigint;
  readonly unconfirmedSat: bigint;
  readonly immatureSat: bigint;
  readonly lockedSat: bigint;
  readonly reservedSat: bigint;
  readonly availableSat: bigint;
  readonly totalSat: bigint;
}

export type UtxoStatus = 'confirmed' | 'unconfirmed' | 'immature' | 'locked';

export interface UtxoView {
  readonly txid: string;
  readonly vout: number;
  readonly address: string;
  readonly amountSat: bigint;
  readonly chain: Keychain;
  readonly index: number;
  readonly confirmations: number;
  readonly status: UtxoStatus;
  readonly lockedBy: string | null;
}

export type TxDirection = 'incoming' | 'outgoing' | 'self';

export interface WalletTxView {
  readonly txid: string;
  readonly label: TxLabel;
  readonly state: TxState;
  readonly direction: TxDirection;
  /** Incoming: what reached us; outgoing: what left to others (the fee not included); self: 0. */
  readonly amountSat: bigint;
  /** What the transaction changed in our coins (negative for sends, the fee included). */
  readonly netSat: bigint;
  readonly feeSat: bigint | null;
  readonly confirmations: number;
  readonly blockHeight: number | null;
  readonly blockHash: string | null;
  readonly replacedBy: string | null;
  readonly createdAt: number;
}

type Context = { readonly kind: 'mempool' } | { readonly kind: 'confirmed'; readonly block: BlockRef };

/** Changes made in memory during one call, written in one `apply` at its end. */
interface Staging {
  /** The balance before the call changed anything. */
  readonly before: Balance;
  readonly txs: Map<string, WalletTxRecord>;
  readonly events: WalletEvent[];
  readonly newScripts: Uint8Array[];
  /** The meta (best block) or a keychain changed: both are written. */
  metaChanged: boolean;
}

export class Wallet {
  readonly keys: WalletKeys;
  readonly config: WalletConfig;
  readonly #store: WalletStore;
  readonly #random: (length: number) => Uint8Array;
  #meta!: WalletMeta;
  #keychains!: Record<Keychain, KeychainRecord>;
  #entries = new Map<string, TxEntry>();
  #scripts = new Map<string, ScriptInfo>();
  #scriptList: Uint8Array[] = [];
  #derivedCount: Record<Keychain, number> = { receive: 0, change: 0 };
  /** Each chain's scripts by index (what `#derivedCount` counts), and how many of them the store holds. */
  #chainScripts: Record<Keychain, Uint8Array[]> = { receive: [], change: [] };
  #savedCount: Record<Keychain, number> = { receive: 0, change: 0 };
  #derivedCache: Derived | null = null;
  #anchorChannels = 0;

  private constructor(opts: WalletOptions) {
    this.keys = opts.keys;
    this.config = checkConfig({ ...DEFAULT_WALLET_CONFIG, ...opts.config });
    this.#store = opts.store;
    this.#random = opts.randomBytes ?? cryptoRandomBytes;
    this.#load();
  }

  /** Opens the wallet stored in `store` (initialising an empty store for these keys). */
  static open(opts: WalletOptions): Wallet {
    return new Wallet(opts);
  }

  // ------------------------------------------------------------------------------------------
  // Keys and what the chain layer watches

  /** A fresh receive address; the index is persisted before the address is returned. */
  newAddress(): { readonly address: string; readonly index: number; readonly newScripts: readonly Uint8Array[] } {
    const { index, newScripts } = this.#takeIndex('receive');
    return { address: this.#address('receive', index), index, newScripts };
  }

  /** A fresh change-chain script for sweeps into the wallet (channel outputs); labelled `sweep` when paid. */
  sweepDestination(): { readonly scriptPubKey: Uint8Array; readonly address: string; readonly newScripts: readonly Uint8Array[] } {
    const { index, newScripts } = this.#takeIndex('change');
    return { scriptPubKey: this.#script('change', index), address: this.#address('change', index), newScripts };
  }

  /** Every script the chain layer must watch: used ones and the look-ahead window of both chains. */
  watchedScripts(): Uint8Array[] {
    return this.#scriptList.map((s) => s.slice());
  }

  /** Our outputs whose spend is not yet confirmed: a transaction spending one is ours to see. */
  watchedOutpoints(): { readonly txid: string; readonly vout: number; readonly scriptPubKey: Uint8Array }[] {
    const out: { txid: string; vout: number; scriptPubKey: Uint8Array }[] = [];
    for (const coin of this.#derived.ownOutputs.values()) {
      if (!this.#derived.active.has(coin.txid)) continue;
      const spender = this.#derived.spentBy.get(coin.key);
      if (spender && this.#entries.get(spender)!.record.state === 'confirmed') continue;
      out.push({ txid: coin.txid, vout: coin.vout, scriptPubKey: coin.script.slice() });
    }
    return out;
  }

  /** LDK `get_relevant_txids`: our confirmed transactions and their blocks, to check against the best chain. */
  relevantTxids(): { readonly txid: string; readonly blockHeight: number; readonly blockHash: string }[] {
    const out: { txid: string; blockHeight: number; blockHash: string }[] = [];
    for (const { record } of this.#entries.values()) {
      if (record.state === 'confirmed') out.push({ txid: record.txid, blockHeight: record.blockHeight!, blockHash: record.blockHash! });
    }
    return out.sort((a, b) => a.blockHeight - b.blockHeight);
  }

  /** The best block the wallet was told about. */
  get bestBlock(): BlockRef | null {
    return this.#meta.bestHeight === null ? null : { height: this.#meta.bestHeight, hash: this.#meta.bestHash! };
  }

  // ------------------------------------------------------------------------------------------
  // Chain inputs (LDK `Confirm`-shaped; idempotent)

  /**
   * Transactions of the block `block` (in block order) that pay our scripts or spend our
   * outputs; others are ignored, so the chain layer may over-deliver. Re-delivering a block is
   * a no-op; a transaction seen in another block moves there.
   */
  transactionsConfirmed(block: ConfirmedBlock, txs: readonly Uint8Array[]): ChainUpdate {
    checkBlock(block);
    if (!Number.isSafeInteger(block.time) || block.time < 0) throw new WalletError('wallet.bad_block', 'a block time is unix seconds ≥ 0');
    return this.#ingestAll(txs, { kind: 'confirmed', block }, block.time * 1000);
  }

  /** A transaction in the mempool that pays or spends ours (our own broadcasts included), seen at `nowMs`. */
  mempoolTransaction(tx: Uint8Array, nowMs: number): ChainUpdate {
    if (!Number.isSafeInteger(nowMs)) throw new RangeError('nowMs must be unix milliseconds');
    return this.#ingestAll([tx], { kind: 'mempool' }, nowMs);
  }

  /** The block confirming `txid` left the best chain (a reorganisation); it is unconfirmed again. */
  transactionUnconfirmed(txid: string): ChainUpdate {
    const staging = this.#staging();
    const entry = this.#entries.get(txid);
    if (entry && entry.record.state === 'confirmed') {
      this.#put(staging, { ...entry.record, state: 'unconfirmed', blockHeight: null, blockHash: null });
      staging.events.push({ type: 'wallet.tx_unconfirmed', txid });
    }
    return this.#finish(staging);
  }

  /**
   * The new best block. Any transaction the wallet has above it, or at its height in another
   * block, was reorganised out even if `transactionUnconfirmed` was not called.
   */
  bestBlockUpdated(height: number, hash: string): ChainUpdate {
    checkBlock({ height, hash });
    const staging = this.#staging();
    for (const { record } of this.#entries.values()) {
      if (record.state !== 'confirmed') continue;
      const above = record.blockHeight! > height;
      const replacedTip = record.blockHeight === height && record.blockHash !== hash;
      if (above || replacedTip) {
        this.#put(staging, { ...record, state: 'unconfirmed', blockHeight: null, blockHash: null });
        staging.events.push({ type: 'wallet.tx_unconfirmed', txid: record.txid });
      }
    }
    if (this.#meta.bestHeight !== height || this.#meta.bestHash !== hash) {
      this.#meta = { ...this.#meta, bestHeight: height, bestHash: hash };
      staging.metaChanged = true;
    }
    return this.#finish(staging);
  }

  // ------------------------------------------------------------------------------------------
  // Sends

  /** How many anchor channels the node has: each keeps part of the wallet back for CPFP. */
  setAnchorChannels(count: number): void {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('anchor channel count must be a non-negative integer');
    this.#anchorChannels = count;
  }

  /** The reserve kept for fee-bumping anchor channels: per channel, capped; none without anchor channels. */
  anchorReserveSat(): bigint {
    if (this.#anchorChannels === 0) return 0n;
    const want = this.config.anchorReservePerChannelSat * BigInt(this.#anchorChannels);
    return want < this.config.anchorReserveMaxSat ? want : this.config.anchorReserveMaxSat;
  }

  /**
   * Pays `amountSat` (or everything: `all`) to an address of our network at a fee rate,
   * signalling BIP 125 replaceability. The anchor reserve stays behind (with `all`, as a change
   * output). Persisted before it is returned; the caller broadcasts `tx`.
   */
  withdraw(req: WithdrawRequest): SendResult {
    const script = this.keys.scriptOf(req.address);
    const rate = this.#checkFeeRate(req.feeRateSatVb);
    const reserve = this.anchorReserveSat();
    const coins = this.#spendable(false);
    const change = this.#nextChange();
    const fee = (w: number): bigint => feeFor(vsizeOf(w), rate);
    const dust = dustThreshold(script);

    let selected: readonly Coin[];
    let payeeSat: bigint;
    let changeSat: bigint | null;
    let feeSat: bigint;
    if (req.amountSat === 'all') {
      const s = sweepCoins({
        required: [], candidates: coins.map(toCoin), outputSizes: [], otherOutputsSat: 0n, payeeOutputSize: outputSize(script),
        keepSat: reserve, changeOutputSize: P2WPKH_OUTPUT_SIZE, fee,
      });
      if (s.inputs.length === 0 || s.payeeSat < dust) {
        if (reserve > 0n) throw this.#reserveError(reserve, coins);
        throw new WalletError('wallet.insufficient_funds', `nothing to send: the spendable coins do not pay more than the fee and dust (${dust} sat)`, {
          spendableSat: sum(coins).toString(),
        });
      }
      ({ inputs: selected, payeeSat, feeSat } = s);
      changeSat = reserve > 0n ? reserve : null;
    } else {
      checkAmount(req.amountSat, dust);
      const s = selectCoins({
        required: [], candidates: coins.map(toCoin), outputSizes: [outputSize(script)], targetSat: req.amountSat, fee,
        changeOutputSize: P2WPKH_OUTPUT_SIZE, changeDustSat: dustThreshold(change.script),
      });
      if (!s) throw this.#insufficient(req.amountSat, coins, fee, script);
      if (sum(coins) - req.amountSat - s.feeSat < reserve) throw this.#reserveError(reserve, coins);
      ({ inputs: selected, changeSat, feeSat } = s);
      payeeSat = req.amountSat;
    }

    const outputs = this.#withChange([{ scriptPubKey: script, valueSat: payeeSat }], changeSat, change.script);
    const built = this.#sign(selected, outputs.outputs, SEQUENCE_RBF);
    const meta: SendMeta | null = req.amountSat === 'all' ? { sendAll: true } : null;
    return this.#recordSend(built, 'withdraw', 'unconfirmed', feeSat, meta, req.nowMs, []);
  }

  /**
   * Replaces our unconfirmed withdraw (or an earlier bump of it) with one paying `feeRateSatVb`,
   * which must be at least the old rate plus the incremental relay fee (BIP 125 rule 4). The
   * payees keep their outputs and amounts (a `withdraw … all` pays the fee out of its one payee);
   * the change shrinks or goes, and confirmed coins are added if needed (rule 2: no new
   * unconfirmed inputs). The replacement is persisted and the original marked replaced by it.
   */
  bumpFee(req: BumpRequest): SendResult {
    const entry = this.#entries.get(req.txid);
    if (!entry) throw new WalletError('wallet.unknown_transaction', `no wallet transaction ${req.txid}`);
    const r = entry.record;
    if (!r.ours || (r.label !== 'withdraw' && r.label !== 'bump') || r.meta?.foreignInputs || r.feeSat === null) {
      throw new WalletError('wallet.not_bumpable', `only our own withdrawals can be bumped (this one is a ${r.label}); use CPFP for others`);
    }
    if (r.state !== 'unconfirmed' || !this.#derived.active.has(r.txid)) {
      throw new WalletError('wallet.not_bumpable', `the transaction is ${r.state === 'unconfirmed' ? 'no longer valid' : r.state}`, { state: r.state });
    }
    const child = [...this.#derived.spentBy].find(([key, by]) => key.startsWith(`${r.txid}:`) && by !== r.txid);
    if (child) {
      throw new WalletError('wallet.has_descendants', `transaction ${child[1]} spends this one; replacing it would evict that too`, { descendant: child[1] });
    }

    const oldVsize = vsizeOf(txWeight(entry.tx));
    const incremental = feeRateFromSatPerVb(this.config.incrementalRelayFeeSatVb);
    // BIP 125 rules 3 and 4, and btcd's and Core's "higher fee rate than each original".
    const minRate = feeRateOf(r.feeSat, oldVsize) + incremental;
    const rate = this.#checkFeeRate(req.feeRateSatVb);
    if (rate < minRate) {
      throw new WalletError('wallet.fee_rate_too_low', `a replacement must pay at least ${feeRateToSatPerVb(minRate)} sat/vB (the old rate plus ${this.config.incrementalRelayFeeSatVb})`, {
        minimumSatVb: feeRateToSatPerVb(minRate),
      });
    }

    const originals: WalletCoin[] = entry.tx.inputs.map((input) => {
      const coin = this.#derived.ownOutputs.get(inputKey(input));
      if (!coin) throw new WalletError('wallet.not_bumpable', 'the transaction spends coins that are not ours');
      return coin;
    });
    const changeIndex = entry.tx.outputs.findIndex((o) => this.#scripts.get(scriptKey(o.scriptPubKey))?.chain === 'change');
    const payees = entry.tx.outputs.filter((_, i) => i !== changeIndex).map((o) => ({ scriptPubKey: o.scriptPubKey, valueSat: o.value }));
    const oldChange = changeIndex >= 0 ? entry.tx.outputs[changeIndex]! : null;
    const changeScript = oldChange?.scriptPubKey ?? this.#nextChange().script;
    const oldFee = r.feeSat;
    const fee = (w: number): bigint => {
      const v = vsizeOf(w);
      const byRate = feeFor(v, rate);
      const byRule = oldFee + feeFor(v, incremental);
      return byRate > byRule ? byRate : byRule;
    };

    let selected: readonly Coin[];
    let outputs: BuildOutput[];
    let changeSat: bigint | null;
    let feeSat: bigint;
    if (r.meta?.sendAll && payees.length === 1) {
      const keep = oldChange?.value ?? 0n;
      const s = sweepCoins({
        required: originals.map(toCoin), candidates: [], outputSizes: [], otherOutputsSat: 0n,
        payeeOutputSize: outputSize(payees[0]!.scriptPubKey), keepSat: keep, changeOutputSize: P2WPKH_OUTPUT_SIZE, fee,
      });
      if (s.payeeSat < dustThreshold(payees[0]!.scriptPubKey)) {
        throw new WalletError('wallet.insufficient_funds', 'the payee output would fall below dust at that fee rate');
      }
      ({ inputs: selected, feeSat } = s);
      changeSat = keep > 0n ? keep : null;
      outputs = [{ scriptPubKey: payees[0]!.scriptPubKey, valueSat: s.payeeSat }];
    } else {
      const target = payees.reduce((s, o) => s + o.valueSat, 0n);
      const s = selectCoins({
        required: originals.map(toCoin), candidates: this.#spendable(true).map(toCoin), outputSizes: payees.map((o) => outputSize(o.scriptPubKey)),
        targetSat: target, fee, changeOutputSize: outputSize(changeScript), changeDustSat: dustThreshold(changeScript),
      });
      if (!s) throw new WalletError('wallet.insufficient_funds', 'the confirmed coins cannot pay that fee rate');
      ({ inputs: selected, changeSat, feeSat } = s);
      outputs = payees;
    }
    const withChange = this.#withChange(outputs, changeSat, changeScript);
    const built = this.#sign(selected, withChange.outputs, SEQUENCE_RBF);
    const meta: SendMeta = { replaces: r.txid, ...(r.meta?.sendAll ? { sendAll: true } : {}) };
    const replaced: WalletTxRecord = { ...r, state: 'replaced', replacedBy: built.txid };
    return this.#recordSend(built, 'bump', 'unconfirmed', feeSat, meta, req.nowMs, [replaced]);
  }

  /**
   * Child-pays-for-parent: spends one output of an unconfirmed parent — ours, or a foreign one
   * such as a channel's anchor whose witness `spend.sign` provides — plus wallet coins as needed,
   * to a change output of ours, so that parent and child together pay `feeRateSatVb`:
   * (parent fee + child fee) / (parent vsize + child vsize) ≥ rate, and the child alone at
   * least the relay minimum. The anchor reserve exists for exactly this, so it is not held back.
   */
  buildCpfp(req: CpfpRequest): SendResult {
    const parent = decodeTx(req.parent);
    const parentTxid = txidToHex(computeTxid(parent));
    const rate = this.#checkFeeRate(req.feeRateSatVb);
    const parentEntry = this.#entries.get(parentTxid);
    if (parentEntry?.record.state === 'confirmed') throw new WalletError('wallet.parent_confirmed', `${parentTxid} is already confirmed`);
    const parentFee = req.parentFeeSat ?? parentEntry?.record.feeSat ?? null;
    if (parentFee === null || parentFee < 0n) {
      throw new WalletError('wallet.parent_fee_unknown', 'the wallet did not build the parent: give its fee');
    }
    const parentVsize = vsizeOf(txWeight(parent));
    const out = Number.isSafeInteger(req.spend.vout) ? parent.outputs[req.spend.vout] : undefined;
    if (!out) throw new WalletError('wallet.bad_cpfp_input', `the parent has no output ${req.spend.vout}`);
    const key = outpointKey(parentTxid, req.spend.vout);

    let required: Coin;
    let requiredInput: BuildInput;
    if (req.spend.kind === 'wallet') {
      const coin = this.#derived.utxos.get(key);
      if (!coin || coin.lockedBy) throw new WalletError('wallet.bad_cpfp_input', `${key} is not an unspent coin of this wallet`);
      required = toCoin(coin);
      requiredInput = walletInput(coin, SEQUENCE_RBF);
    } else {
      const { maxWitnessSize, sign } = req.spend;
      if (!Number.isSafeInteger(maxWitnessSize) || maxWitnessSize < 1 || maxWitnessSize > 100_000) {
        throw new WalletError('wallet.bad_cpfp_input', 'maxWitnessSize must be a positive number of bytes');
      }
      if (this.#derived.spentBy.has(key)) throw new WalletError('wallet.bad_cpfp_input', `${key} is already spent by ${this.#derived.spentBy.get(key)}`);
      required = { key, valueSat: out.value, weight: INPUT_BASE_WEIGHT + maxWitnessSize };
      requiredInput = {
        txid: parentTxid, vout: req.spend.vout, valueSat: out.value, scriptPubKey: out.scriptPubKey,
        sequence: req.spend.sequence ?? SEQUENCE_RBF, signer: { kind: 'foreign', sign, maxWitnessSize },
      };
    }

    const minRelay = feeRateFromSatPerVb(this.config.minFeeRateSatVb);
    const fee = (w: number): bigint => {
      const v = vsizeOf(w);
      const pkg = feeFor(parentVsize + v, rate) - parentFee;
      const own = feeFor(v, minRelay);
      return pkg > own ? pkg : own;
    };
    const change = this.#nextChange();
    const s = selectCoins({
      required: [required], candidates: this.#spendable(false).filter((c) => c.key !== key).map(toCoin), outputSizes: [], targetSat: 0n, fee,
      changeOutputSize: P2WPKH_OUTPUT_SIZE, changeDustSat: dustThreshold(change.script), changeRequired: true,
    });
    if (!s) throw new WalletError('wallet.insufficient_funds', 'the wallet cannot pay for the package at that fee rate');
    const inputs = [requiredInput, ...s.inputs.slice(1).map((c) => walletInput(this.#derived.utxos.get(c.key)!, SEQUENCE_RBF))];
    const built = buildAndSign(this.keys, inputs, [{ scriptPubKey: change.script, valueSat: s.changeSat! }], this.#lockTime());
    const meta: SendMeta = { parent: parentTxid, ...(req.spend.kind === 'foreign' ? { foreignInputs: 1 } : {}) };
    return this.#recordSend(built, 'cpfp', 'unconfirmed', s.feeSat, meta, req.nowMs, []);
  }

  /**
   * Completes a transaction whose input 0 someone else signs and whose output 0 is fixed — BOLT 3 /
   * BOLT 5 anchors HTLC-success / HTLC-timeout transactions, which carry no fee: the peer signed
   * input 0 with SIGHASH_SINGLE|ANYONECANPAY, so "it MUST combine it with inputs contributing
   * sufficient fee". Wallet inputs and one change output are added after them; version 2 and the
   * template's locktime and input 0 sequence are kept; the whole transaction pays `feeRateSatVb`.
   * The foreign signer signs input 0 of the final, unsigned transaction (SIGHASH_ALL).
   */
  buildForeignSpend(req: ForeignSpendRequest): SendResult {
    const template = req.tx;
    const first = template.inputs[0];
    const payee = template.outputs[0];
    if (!first || !payee || template.version !== 2) throw new WalletError('wallet.bad_cpfp_input', 'the transaction needs version 2, an input 0 and an output 0');
    const { maxWitnessSize, sign, valueSat, scriptPubKey } = req.foreign;
    if (!Number.isSafeInteger(maxWitnessSize) || maxWitnessSize < 1 || maxWitnessSize > 100_000) {
      throw new WalletError('wallet.bad_cpfp_input', 'maxWitnessSize must be a positive number of bytes');
    }
    const rate = this.#checkFeeRate(req.feeRateSatVb);
    const parentTxid = txidToHex(first.prevout.txid);
    const key = outpointKey(parentTxid, first.prevout.vout);
    const spender = this.#derived.spentBy.get(key);
    if (spender) throw new WalletError('wallet.bad_cpfp_input', `${key} is already spent by ${spender}`);
    const required: Coin = { key, valueSat, weight: INPUT_BASE_WEIGHT + maxWitnessSize };
    const requiredInput: BuildInput = {
      txid: parentTxid, vout: first.prevout.vout, valueSat, scriptPubKey, sequence: first.sequence, signer: { kind: 'foreign', sign, maxWitnessSize },
    };
    const fee = (w: number): bigint => feeFor(vsizeOf(w), rate);
    const change = this.#nextChange();
    const s = selectCoins({
      required: [required], candidates: this.#spendable(false).filter((c) => c.key !== key).map(toCoin), outputSizes: [outputSize(payee.scriptPubKey)],
      targetSat: payee.value, fee, changeOutputSize: P2WPKH_OUTPUT_SIZE, changeDustSat: dustThreshold(change.script), changeRequired: true,
    });
    if (!s) throw new WalletError('wallet.insufficient_funds', 'the wallet cannot pay the fee of this transaction');
    const inputs = [requiredInput, ...s.inputs.slice(1).map((c) => walletInput(this.#derived.utxos.get(c.key)!, SEQUENCE_RBF))];
    const built = buildAndSign(this.keys, inputs, [{ scriptPubKey: payee.scriptPubKey, valueSat: payee.value }, { scriptPubKey: change.script, valueSat: s.changeSat! }], template.locktime);
    return this.#recordSend(built, 'htlc_fee', 'unconfirmed', s.feeSat, { parent: parentTxid, foreignInputs: 1 }, req.nowMs, []);
  }

  /** The transaction in effect that spends `txid:vout` (ours or seen), or null. */
  spenderOf(txid: string, vout: number): string | null {
    return this.#derived.spentBy.get(outpointKey(txid, vout)) ?? null;
  }

  /**
   * A channel funding transaction paying exactly `amountSat` to a P2WSH script, signed, with its
   * coins locked (state `prepared`) but NOT released for broadcast: BOLT 2 funding_created — the
   * sender "MUST NOT broadcast this transaction" before funding_signed. Only segwit inputs (BOLT 2:
   * "SHOULD use only BIP141 (Segregated Witness) inputs", so the txid cannot change), and no RBF
   * signal. Then `commitFunding` (funding_signed persisted) or `releaseFunding` (the open failed).
   */
  buildFunding(req: FundingRequest): FundingResult {
    // BOLT 3 "Funding Transaction Output": "The funding output script is a P2WSH".
    if (!(req.scriptPubKey instanceof Uint8Array) || !isP2wsh(req.scriptPubKey)) {
      throw new WalletError('wallet.bad_funding_script', 'a funding output must be P2WSH (OP_0 <32 bytes>)');
    }
    const rate = this.#checkFeeRate(req.feeRateSatVb);
    checkAmount(req.amountSat, dustThreshold(req.scriptPubKey));
    const coins = this.#spendable(false);
    const change = this.#nextChange();
    const fee = (w: number): bigint => feeFor(vsizeOf(w), rate);
    const s = selectCoins({
      required: [], candidates: coins.map(toCoin), outputSizes: [outputSize(req.scriptPubKey)], targetSat: req.amountSat, fee,
      changeOutputSize: P2WPKH_OUTPUT_SIZE, changeDustSat: dustThreshold(change.script),
    });
    if (!s) throw this.#insufficient(req.amountSat, coins, fee, req.scriptPubKey);
    if (sum(coins) - req.amountSat - s.feeSat < this.anchorReserveSat()) throw this.#reserveError(this.anchorReserveSat(), coins);
    const { outputs, firstIndex } = this.#withChange([{ scriptPubKey: req.scriptPubKey, valueSat: req.amountSat }], s.changeSat, change.script);
    const built = this.#sign(s.inputs, outputs, SEQUENCE_NO_RBF);
    const result = this.#recordSend(built, 'funding', 'prepared', s.feeSat, { fundingOutput: firstIndex }, req.nowMs, []);
    return { ...result, outputIndex: firstIndex };
  }

  /** funding_signed is persisted: the prepared funding transaction is released for broadcast (idempotent). */
  commitFunding(txid: string): { readonly tx: Uint8Array; readonly events: readonly WalletEvent[] } {
    const entry = this.#entries.get(txid);
    if (!entry || entry.record.label !== 'funding') throw new WalletError('wallet.not_prepared', `no funding transaction ${txid}`);
    const staging = this.#staging();
    if (entry.record.state === 'prepared') {
      this.#put(staging, { ...entry.record, state: 'unconfirmed' });
    } else if (entry.record.state !== 'unconfirmed' && entry.record.state !== 'confirmed') {
      throw new WalletError('wallet.not_prepared', `funding transaction ${txid} is ${entry.record.state}`);
    }
    const update = this.#finish(staging);
    return { tx: entry.record.raw.slice(), events: update.events };
  }

  /** The channel open failed before funding_signed: forget the funding transaction and unlock its coins. */
  releaseFunding(txid: string): { readonly events: readonly WalletEvent[] } {
    const entry = this.#entries.get(txid);
    if (!entry || entry.record.label !== 'funding' || entry.record.state !== 'prepared') {
      throw new WalletError('wallet.not_prepared', `no prepared funding transaction ${txid}`);
    }
    const staging = this.#staging();
    this.#entries.delete(txid);
    this.#derivedCache = null;
    staging.events.push({ type: 'wallet.funding_released', txid });
    return { events: this.#finish(staging, [txid]).events };
  }

  /**
   * Gives up on one of our unconfirmed transactions whose broadcast was refused: its coins are
   * spendable again, and a transaction it replaced is back in effect. Should it confirm after
   * all, the chain inputs bring it back (and conflict whatever spent the same coins).
   */
  abandonTransaction(txid: string): { readonly events: readonly WalletEvent[] } {
    const entry = this.#entries.get(txid);
    if (!entry) throw new WalletError('wallet.unknown_transaction', `no wallet transaction ${txid}`);
    if (!entry.record.ours || entry.record.state !== 'unconfirmed') {
      throw new WalletError('wallet.not_abandonable', `only our own unconfirmed transactions can be abandoned (this one is ${entry.record.state})`);
    }
    const staging = this.#staging();
    this.#put(staging, { ...entry.record, state: 'abandoned' });
    staging.events.push({ type: 'wallet.tx_abandoned', txid });
    for (const { record } of this.#entries.values()) {
      if (record.state === 'replaced' && record.replacedBy === txid) this.#put(staging, { ...record, state: 'unconfirmed', replacedBy: null });
    }
    return { events: this.#finish(staging).events };
  }

  /** Our transactions to (re)broadcast: every send of ours in effect and unconfirmed, parents first. */
  pendingBroadcasts(): { readonly txid: string; readonly tx: Uint8Array }[] {
    const pending = [...this.#entries.values()].filter(
      ({ record }) => record.ours && record.state === 'unconfirmed' && this.#derived.active.has(record.txid),
    );
    const ids = new Set(pending.map((e) => e.record.txid));
    const done = new Set<string>();
    const out: { txid: string; tx: Uint8Array }[] = [];
    const visit = (e: TxEntry): void => {
      if (done.has(e.record.txid)) return;
      done.add(e.record.txid);
      for (const i of e.tx.inputs) {
        const parent = txidToHex(i.prevout.txid);
        if (ids.has(parent)) visit(this.#entries.get(parent)!);
      }
      out.push({ txid: e.record.txid, tx: e.record.raw.slice() });
    };
    pending.sort((a, b) => a.record.createdAt - b.record.createdAt).forEach(visit);
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // Reads

  balance(): Balance {
    let confirmed = 0n, unconfirmed = 0n, immature = 0n, locked = 0n;
    for (const coin of this.#derived.utxos.values()) {
      const status = this.#status(coin);
      if (status === 'locked') locked += coin.valueSat;
      else if (status === 'immature') immature += coin.valueSat;
      else if (status === 'confirmed') confirmed += coin.valueSat;
      else unconfirmed += coin.valueSat;
    }
    const spendable = sum(this.#spendable(false));
    const reserve = this.anchorReserveSat();
    const reserved = reserve < spendable ? reserve : spendable;
    return {
      confirmedSat: confirmed, unconfirmedSat: unconfirmed, immatureSat: immature, lockedSat: locked, reservedSat: reserved,
      availableSat: spendable - reserved, totalSat: confirmed + unconfirmed + immature + locked,
    };
  }

  /** Our unspent coins (those locked by a prepared funding transaction included, marked). */
  listUtxos(): UtxoView[] {
    return [...this.#derived.utxos.values()]
      .map((coin) => ({
        txid: coin.txid, vout: coin.vout, address: this.#address(coin.chain, coin.index), amountSat: coin.valueSat,
        chain: coin.chain, index: coin.index, confirmations: this.#confirmations(coin.height), status: this.#status(coin),
        lockedBy: coin.lockedBy,
      }))
      .sort((a, b) => b.confirmations - a.confirmations || a.txid.localeCompare(b.txid) || a.vout - b.vout);
  }

  /** Every transaction the wallet knows, newest first. */
  listTransactions(): WalletTxView[] {
    return [...this.#entries.values()].map((e) => this.#view(e)).sort((a, b) => b.createdAt - a.createdAt || a.txid.localeCompare(b.txid));
  }

  transaction(txid: string): WalletTxView | undefined {
    const entry = this.#entries.get(txid);
    return entry ? this.#view(entry) : undefined;
  }

  /** The signed bytes of a wallet transaction. */
  rawTransaction(txid: string): Uint8Array | undefined {
    return this.#entries.get(txid)?.record.raw.slice();
  }

  // ------------------------------------------------------------------------------------------
  // Internals

  #load(): void {
    const snapshot = this.#store.load();
    this.#entries = new Map();
    this.#scripts = new Map();
    this.#scriptList = [];
    this.#derivedCount = { receive: 0, change: 0 };
    this.#chainScripts = { receive: [], change: [] };
    this.#savedCount = { receive: 0, change: 0 };
    if (!snapshot) {
      this.#meta = { accountId: this.keys.accountId, bestHeight: null, bestHash: null };
      this.#keychains = { receive: { chain: 'receive', nextIndex: 0, usedIndex: -1 }, change: { chain: 'change', nextIndex: 0, usedIndex: -1 } };
      this.#extendScripts();
      this.#store.apply({ meta: this.#meta, keychains: Object.values(this.#keychains), scripts: this.#unsavedScripts() });
      this.#scriptsSaved();
    } else {
      if (snapshot.meta.accountId !== this.keys.accountId) {
        throw new WalletError('wallet.keys_mismatch', 'this wallet store belongs to other keys or another network');
      }
      this.#meta = snapshot.meta;
      const find = (chain: Keychain): KeychainRecord => snapshot.keychains.find((k) => k.chain === chain) ?? { chain, nextIndex: 0, usedIndex: -1 };
      this.#keychains = { receive: find('receive'), change: find('change') };
      for (const record of snapshot.txs) this.#entries.set(record.txid, makeEntry(record));
      this.#adoptScripts(snapshot.scripts);
      this.#extendScripts();
      if (this.#unsavedScripts().length > 0) {
        try {
          this.#store.apply({ scripts: this.#unsavedScripts() });
          this.#scriptsSaved();
        } catch {
          // Only a cache of the keys' work: they go with the next write (or are derived again at the next start).
        }
      }
    }
    this.#derivedCache = null;
  }

  /**
   * The scripts the store kept (up to the window this config watches): taken as derived, once the
   * highest of each chain is what these keys derive there — one derivation a chain instead of one an
   * index. Rows changed since they were written are the store's to refuse (a digest per chain).
   */
  #adoptScripts(stored: Readonly<Record<Keychain, readonly Uint8Array[]>> | undefined): void {
    for (const chain of ['receive', 'change'] as const) {
      const kc = this.#keychains[chain];
      const list = (stored?.[chain] ?? []).slice(0, Math.max(kc.nextIndex, kc.usedIndex + 1) + this.config.gapLimit);
      if (list.length === 0) continue;
      const top = list.length - 1;
      if (!equalBytes(this.keys.script(chain, top), list[top]!)) {
        throw new WalletError('wallet.keys_mismatch', `the stored ${chain} script ${top} is not these keys' (the store belongs to other keys)`);
      }
      list.forEach((script, i) => this.#addScript(chain, i, script));
      this.#derivedCount[chain] = list.length;
      this.#savedCount[chain] = list.length;
    }
  }

  /** The script at chain/index: the one derived (or stored) already, else derived now. */
  #script(chain: Keychain, index: number): Uint8Array {
    return this.#chainScripts[chain][index]?.slice() ?? this.keys.script(chain, index);
  }

  #address(chain: Keychain, index: number): string {
    return scriptToAddress(this.#script(chain, index), this.keys.network)!;
  }

  #addScript(chain: Keychain, index: number, script: Uint8Array): void {
    this.#scripts.set(scriptKey(script), { chain, index });
    this.#scriptList.push(script);
    this.#chainScripts[chain].push(script);
  }

  /** Scripts derived but not yet in the store (written with the next change). */
  #unsavedScripts(): DerivedScripts[] {
    const out: DerivedScripts[] = [];
    for (const chain of ['receive', 'change'] as const) {
      const from = this.#savedCount[chain];
      if (this.#chainScripts[chain].length > from) out.push({ chain, from, scripts: this.#chainScripts[chain].slice(from) });
    }
    return out;
  }

  #scriptsSaved(): void {
    this.#savedCount = { receive: this.#chainScripts.receive.length, change: this.#chainScripts.change.length };
  }

  /** Derives scripts up to max(next, used + 1) + gap on each chain; returns the new ones. */
  #extendScripts(): Uint8Array[] {
    const added: Uint8Array[] = [];
    for (const chain of ['receive', 'change'] as const) {
      const kc = this.#keychains[chain];
      const limit = Math.max(kc.nextIndex, kc.usedIndex + 1) + this.config.gapLimit;
      for (let i = this.#derivedCount[chain]; i < limit; i++) {
        const script = this.keys.script(chain, i);
        this.#addScript(chain, i, script);
        added.push(script.slice());
      }
      this.#derivedCount[chain] = Math.max(this.#derivedCount[chain], limit);
    }
    if (added.length > 0) this.#derivedCache = null; // a known transaction may pay a new script
    return added;
  }

  #takeIndex(chain: Keychain): { index: number; newScripts: Uint8Array[] } {
    const kc = this.#keychains[chain];
    const index = kc.nextIndex;
    const next: KeychainRecord = { ...kc, nextIndex: index + 1 };
    this.#keychains = { ...this.#keychains, [chain]: next };
    const newScripts = this.#extendScripts();
    try {
      this.#store.apply({ keychains: [next], scripts: this.#unsavedScripts() });
    } catch (e) {
      this.#load(); // memory back to what the store holds
      throw e;
    }
    this.#scriptsSaved();
    return { index, newScripts };
  }

  #nextChange(): { script: Uint8Array; index: number } {
    const index = this.#keychains.change.nextIndex;
    return { script: this.#script('change', index), index };
  }

  #staging(): Staging {
    return { before: this.balance(), txs: new Map(), events: [], newScripts: [], metaChanged: false };
  }

  /** Sets a record in memory and stages it; marks the keychain indices its outputs use. */
  #put(staging: Staging, record: WalletTxRecord, tx?: Transaction): void {
    const previous = this.#entries.get(record.txid);
    const entry = makeEntry(record, tx, previous);
    this.#entries.set(record.txid, entry);
    staging.txs.set(record.txid, record);
    if (record.state === 'unconfirmed' || record.state === 'confirmed' || record.state === 'prepared') {
      for (const script of entry.outputScripts) {
        const info = this.#scripts.get(script);
        if (!info) continue;
        const kc = this.#keychains[info.chain];
        if (info.index > kc.usedIndex || info.index >= kc.nextIndex) {
          this.#keychains = {
            ...this.#keychains,
            [info.chain]: { ...kc, usedIndex: Math.max(kc.usedIndex, info.index), nextIndex: Math.max(kc.nextIndex, info.index + 1) },
          };
          staging.metaChanged = true;
        }
      }
      staging.newScripts.push(...this.#extendScripts());
    }
    // #extendScripts dropped the cache if scripts were added: a known transaction may pay one.
    if (this.#derivedCache && !applyIncrement(this.#derivedCache, this.#entries, this.#scripts, previous, entry)) this.#derivedCache = null;
  }

  /** The derived state, recomputed after changes when next needed. */
  get #derived(): Derived {
    this.#derivedCache ??= derive(this.#entries, this.#scripts);
    return this.#derivedCache;
  }

  /** Writes what the call staged in one atomic `apply`, then reports the events (and a balance change). */
  #finish(staging: Staging, deleteTxs: readonly string[] = []): ChainUpdate {
    if (staging.txs.size === 0 && !staging.metaChanged && deleteTxs.length === 0) {
      return { events: staging.events, newScripts: staging.newScripts };
    }
    const changes: WalletChanges = {
      upsertTxs: [...staging.txs.values()].filter((r) => !deleteTxs.includes(r.txid)),
      deleteTxs,
      ...(staging.metaChanged ? { meta: this.#meta, keychains: Object.values(this.#keychains) } : {}),
      scripts: this.#unsavedScripts(),
    };
    try {
      this.#store.apply(changes);
    } catch (e) {
      this.#load(); // memory back to what the store holds
      throw e;
    }
    this.#scriptsSaved();
    const after = this.balance();
    if (!sameBalance(staging.before, after)) staging.events.push({ type: 'wallet.balance_changed', balance: balanceView(after) });
    return { events: staging.events, newScripts: staging.newScripts };
  }

  #ingestAll(raws: readonly Uint8Array[], ctx: Context, nowMs: number): ChainUpdate {
    const txs = raws.map((raw) => {
      const tx = decodeTx(raw);
      return { tx, raw, txid: txidToHex(computeTxid(tx)) };
    });
    const staging = this.#staging();
    // A transaction can become relevant once an earlier one in the same call extends the
    // look-ahead window; go over the skipped ones again until nothing changes.
    let pending = txs;
    while (pending.length > 0) {
      const skipped: typeof txs = [];
      const scriptsBefore = this.#scriptList.length;
      for (const t of pending) if (!this.#ingest(t.tx, t.raw, t.txid, ctx, nowMs, staging)) skipped.push(t);
      pending = this.#scriptList.length > scriptsBefore && skipped.length < pending.length ? skipped : [];
    }
    return this.#finish(staging);
  }

  /** One chain transaction; false when it is not ours to track. */
  #ingest(tx: Transaction, raw: Uint8Array, txid: string, ctx: Context, nowMs: number, staging: Staging): boolean {
    const entry = this.#entries.get(txid);
    const paysUs = tx.outputs.some((o) => this.#scripts.has(scriptKey(o.scriptPubKey)));
    const spendsOurs = tx.inputs.some((i) => this.#derived.ownOutputs.has(inputKey(i)));
    if (!entry && !paysUs && !spendsOurs) return false;

    // Transactions spending one of the same outpoints (in effect, or holding a lock).
    const conflicts = new Set<string>();
    for (const i of tx.inputs) {
      for (const other of [this.#derived.spentBy.get(inputKey(i)), this.#derived.lockedBy.get(inputKey(i))]) {
        if (other && other !== txid) conflicts.add(other);
      }
    }

    if (ctx.kind === 'mempool') {
      if (entry && (entry.record.state === 'unconfirmed' || entry.record.state === 'confirmed')) return true;
      // A mempool cannot hold a spend of coins a confirmed transaction spent: stale news.
      if ([...conflicts].some((c) => this.#entries.get(c)!.record.state === 'confirmed')) return true;
      for (const c of conflicts) {
        this.#put(staging, { ...this.#entries.get(c)!.record, state: 'replaced', replacedBy: txid });
        staging.events.push({ type: 'wallet.tx_replaced', txid: c, replacedBy: txid });
      }
      const record: WalletTxRecord = entry
        ? { ...entry.record, state: 'unconfirmed', blockHeight: null, blockHash: null, replacedBy: null }
        : this.#newRecord(tx, raw, txid, nowMs);
      this.#put(staging, record, tx);
      if (!entry) staging.events.push(this.#seenEvent(txid));
      return true;
    }

    const { block } = ctx;
    if (entry && entry.record.state === 'confirmed' && entry.record.blockHash === block.hash && entry.record.blockHeight === block.height) return true;
    for (const c of conflicts) {
      this.#put(staging, { ...this.#entries.get(c)!.record, state: 'conflicted', replacedBy: txid, blockHeight: null, blockHash: null });
      staging.events.push({ type: 'wallet.tx_conflicted', txid: c, conflictedBy: txid });
    }
    const base = entry?.record ?? this.#newRecord(tx, raw, txid, nowMs);
    this.#put(staging, { ...base, state: 'confirmed', blockHeight: block.height, blockHash: block.hash, replacedBy: null }, tx);
    if (!entry) staging.events.push(this.#seenEvent(txid));
    staging.events.push({ type: 'wallet.tx_confirmed', txid, blockHeight: block.height, blockHash: block.hash });
    return true;
  }

  #newRecord(tx: Transaction, raw: Uint8Array, txid: string, nowMs: number): WalletTxRecord {
    const spendsOurs = tx.inputs.some((i) => this.#derived.ownOutputs.has(inputKey(i)));
    const ourOutputs = tx.outputs.map((o) => this.#scripts.get(scriptKey(o.scriptPubKey))).filter((x) => x !== undefined);
    // Not built here (or restored from words): a spend of ours is a withdraw; a payment to the
    // change chain only (never handed out as a receive address) is a sweep; else a deposit.
    const label: TxLabel = spendsOurs ? 'withdraw' : ourOutputs.length > 0 && ourOutputs.every((o) => o.chain === 'change') ? 'sweep' : 'deposit';
    return {
      txid, raw: raw.slice(), label, ours: false, state: 'unconfirmed', blockHeight: null, blockHash: null, replacedBy: null,
      feeSat: this.#feeOf(tx), createdAt: nowMs, meta: null,
    };
  }

  #seenEvent(txid: string): WalletEvent {
    const view = this.#view(this.#entries.get(txid)!);
    return { type: 'wallet.tx_seen', txid, label: view.label, direction: view.direction, amountSat: view.amountSat.toString() };
  }

  /** Inputs − outputs when every input spends an output of a transaction we know. */
  #feeOf(tx: Transaction): bigint | null {
    let total = 0n;
    for (const i of tx.inputs) {
      const parent = this.#entries.get(txidToHex(i.prevout.txid));
      const out = parent?.tx.outputs[i.prevout.vout];
      if (!out) return null;
      total += out.value;
    }
    return total - tx.outputs.reduce((s, o) => s + o.value, 0n);
  }

  #recordSend(
    built: BuiltTx, label: TxLabel, state: 'unconfirmed' | 'prepared', feeSat: bigint, meta: SendMeta | null, nowMs: number,
    also: readonly WalletTxRecord[],
  ): SendResult & { outputIndex?: number } {
    const record: WalletTxRecord = {
      txid: built.txid, raw: built.raw, label, ours: true, state, blockHeight: null, blockHash: null, replacedBy: null, feeSat,
      createdAt: nowMs, meta,
    };
    const staging = this.#staging();
    for (const r of also) this.#put(staging, r);
    this.#put(staging, record, built.tx);
    const view = this.#view(this.#entries.get(built.txid)!);
    if (state === 'prepared') {
      staging.events.push({
        type: 'wallet.funding_prepared', txid: built.txid, outputIndex: meta?.fundingOutput ?? 0, amountSat: view.amountSat.toString(),
        feeSat: feeSat.toString(),
      });
    } else {
      staging.events.push({ type: 'wallet.tx_sent', txid: built.txid, label, amountSat: view.amountSat.toString(), feeSat: feeSat.toString() });
    }
    for (const r of also) if (r.state === 'replaced') staging.events.push({ type: 'wallet.tx_replaced', txid: r.txid, replacedBy: built.txid });
    const update = this.#finish(staging);
    return { ...update, txid: built.txid, tx: built.raw.slice(), feeSat, vsize: vsizeOf(built.weight) };
  }

  #sign(coins: readonly Coin[], outputs: readonly BuildOutput[], sequence: number): BuiltTx {
    const inputs = coins.map((c) => walletInput(this.#derived.ownOutputs.get(c.key)!, sequence));
    return buildAndSign(this.keys, inputs, outputs, this.#lockTime());
  }

  /** Adds the change output at a random position; returns the outputs and where the first given output went. */
  #withChange(outputs: readonly BuildOutput[], changeSat: bigint | null, changeScript: Uint8Array): { outputs: BuildOutput[]; firstIndex: number } {
    const list = [...outputs];
    if (changeSat === null) return { outputs: list, firstIndex: 0 };
    const position = this.#random(1)[0]! % (list.length + 1);
    list.splice(position, 0, { scriptPubKey: changeScript, valueSat: changeSat });
    return { outputs: list, firstIndex: position === 0 ? 1 : 0 };
  }

  /** Anti fee sniping (as Bitcoin Core): nLockTime = the best height, so the transaction fits only the next block on. */
  #lockTime(): number {
    return this.#meta.bestHeight ?? 0;
  }

  #checkFeeRate(satPerVb: number): FeeRate {
    const rate = feeRateFromSatPerVb(satPerVb);
    if (rate < feeRateFromSatPerVb(this.config.minFeeRateSatVb)) {
      throw new WalletError('wallet.fee_rate_too_low', `the fee rate must be at least ${this.config.minFeeRateSatVb} sat/vB (the relay minimum)`, {
        minimumSatVb: this.config.minFeeRateSatVb,
      });
    }
    if (rate > feeRateFromSatPerVb(this.config.maxFeeRateSatVb)) {
      throw new WalletError('wallet.fee_rate_too_high', `the fee rate must be at most ${this.config.maxFeeRateSatVb} sat/vB`, {
        maximumSatVb: this.config.maxFeeRateSatVb,
      });
    }
    return rate;
  }

  /** Coins a send may use: not locked, mature, confirmed (enough) or trusted; only confirmed ones for a replacement (BIP 125 rule 2). */
  #spendable(confirmedOnly: boolean): WalletCoin[] {
    return [...this.#derived.utxos.values()].filter((coin) => {
      const status = this.#status(coin);
      if (status === 'locked' || status === 'immature') return false;
      if (status === 'confirmed') return coin.trusted || this.#confirmations(coin.height) >= this.config.minDepositConfirmations;
      return !confirmedOnly && (coin.trusted || this.config.minDepositConfirmations === 0);
    });
  }

  #status(coin: WalletCoin): UtxoStatus {
    if (coin.lockedBy) return 'locked';
    if (coin.coinbase && this.#confirmations(coin.height) < COINBASE_MATURITY) return 'immature';
    return coin.height === null ? 'unconfirmed' : 'confirmed';
  }

  #confirmations(height: number | null): number {
    if (height === null) return 0;
    const best = this.#meta.bestHeight;
    return best === null || best < height ? 1 : best - height + 1;
  }

  #insufficient(amount: bigint, coins: readonly WalletCoin[], fee: (w: number) => bigint, script: Uint8Array): WalletError {
    const max = sweepCoins({
      required: [], candidates: coins.map(toCoin), outputSizes: [], otherOutputsSat: 0n, payeeOutputSize: outputSize(script),
      keepSat: this.anchorReserveSat(), changeOutputSize: P2WPKH_OUTPUT_SIZE, fee,
    }).payeeSat;
    const maxSendable = max > 0n ? max : 0n;
    return new WalletError('wallet.insufficient_funds', `${amount} sat and its fee need more than the ${sum(coins)} sat spendable (at most ${maxSendable} sat can be sent at this fee rate, the anchor reserve kept)`, {
      spendableSat: sum(coins).toString(), maxSendableSat: maxSendable.toString(),
    });
  }

  #reserveError(reserve: bigint, coins: readonly WalletCoin[]): WalletError {
    return new WalletError(
      'wallet.reserve_required',
      `${reserve} sat stay in the wallet to fee-bump ${this.#anchorChannels} anchor channel(s); send less (spendable: ${sum(coins)} sat)`,
      { reserveSat: reserve.toString(), spendableSat: sum(coins).toString() },
    );
  }

  #view(entry: TxEntry): WalletTxView {
    const { record, tx } = entry;
    let ourIn = 0n;
    for (const i of tx.inputs) ourIn += this.#derived.ownOutputs.get(inputKey(i))?.valueSat ?? 0n;
    let ourOut = 0n, otherOut = 0n;
    for (const o of tx.outputs) {
      if (this.#scripts.has(scriptKey(o.scriptPubKey))) ourOut += o.value;
      else otherOut += o.value;
    }
    const direction: TxDirection = ourIn === 0n ? 'incoming' : otherOut > 0n ? 'outgoing' : 'self';
    const amountSat = direction === 'incoming' ? ourOut : direction === 'outgoing' ? otherOut : 0n;
    return {
      txid: record.txid, label: record.label, state: record.state, direction, amountSat, netSat: ourOut - ourIn, feeSat: record.feeSat,
      confirmations: record.state === 'confirmed' ? this.#confirmations(record.blockHeight) : 0, blockHeight: record.blockHeight,
      blockHash: record.blockHash, replacedBy: record.replacedBy, createdAt: record.createdAt,
    };
  }
}

function walletInput(coin: WalletCoin, sequence: number): BuildInput {
  return {
    txid: coin.txid, vout: coin.vout, valueSat: coin.valueSat, scriptPubKey: coin.script, sequence,
    signer: { kind: 'wallet', chain: coin.chain, index: coin.index },
  };
}

function toCoin(coin: WalletCoin): Coin {
  return { key: coin.key, valueSat: coin.valueSat, weight: P2WPKH_INPUT_WEIGHT };
}

function sum(coins: readonly { valueSat: bigint }[]): bigint {
  return coins.reduce((s, c) => s + c.valueSat, 0n);
}

function checkAmount(amount: bigint, dust: bigint): void {
  if (typeof amount !== 'bigint' || amount <= 0n || amount > MAX_MONEY) {
    throw new WalletError('wallet.bad_amount', 'the amount must be a positive number of sat, at most 21 million BTC');
  }
  if (amount < dust) {
    throw new WalletError('wallet.amount_below_dust', `${amount} sat is below the dust threshold of that output (${dust} sat)`, { dustSat: dust.toString() });
  }
}

function checkBlock(block: BlockRef): void {
  if (!Number.isSafeInteger(block.height) || block.height < 0 || typeof block.hash !== 'string' || !/^[0-9a-f]{64}$/.test(block.hash)) {
    throw new WalletError('wallet.bad_block', 'a block is a height ≥ 0 and a 64-hex-digit hash');
  }
}

function checkConfig(config: WalletConfig): WalletConfig {
  const positiveInt = (n: number): boolean => Number.isSafeInteger(n) && n > 0;
  if (!positiveInt(config.gapLimit) || config.gapLimit > 10_000) throw new RangeError('gapLimit must be an integer in 1..10000');
  if (!(config.minFeeRateSatVb > 0) || !(config.maxFeeRateSatVb >= config.minFeeRateSatVb) || !(config.incrementalRelayFeeSatVb > 0)) {
    throw new RangeError('fee rate limits must be positive, min ≤ max');
  }
  if (config.anchorReservePerChannelSat < 0n || config.anchorReserveMaxSat < 0n) throw new RangeError('anchor reserve must be ≥ 0');
  if (!Number.isSafeInteger(config.minDepositConfirmations) || config.minDepositConfirmations < 0) {
    throw new RangeError('minDepositConfirmations must be an integer ≥ 0');
  }
  return Object.freeze({ ...config });
}

function sameBalance(a: Balance, b: Balance): boolean {
  return (Object.keys(a) as (keyof Balance)[]).every((k) => a[k] === b[k]);
}

export function balanceView(b: Balance): BalanceView {
  return {
    confirmedSat: b.confirmedSat.toString(), unconfirmedSat: b.unconfirmedSat.toString(), immatureSat: b.immatureSat.toString(),
    lockedSat: b.lockedSat.toString(), reservedSat: b.reservedSat.toString(), availableSat: b.availableSat.toString(),
    totalSat: b.totalSat.toString(),
  };
}
