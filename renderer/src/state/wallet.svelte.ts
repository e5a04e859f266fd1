/**
 * The on-chain wallet and the chain as the Wallet page and the Overview show them: balances (kept
 * by `wallet.balance_changed`), the transaction history (reloaded shortly after the `wallet.tx_*`
 * events that change it, since they carry only ids), the chain's source, tip and sync state (moved
 * by `chain.*` events: confirmations count up from the tip without asking the node), and the last
 * receive address handed out here. No polling.
 */
import type { NodeApi } from '../../../core/api/methods';
import type { NodeEvent } from '../../../core/api/events';
import type { BalanceView, ChainInfo, ChainStatus, ChainSyncInfo, WalletSendInfo, WalletTxInfo } from '../../../core/api/wallet';
import { LiveState } from './live.svelte';

const FLUSH_MS = 100;
const RELOAD_AFTER_MS = 200;

/** Wallet events after which the history is read again. */
const TX_EVENTS = new Set([
  'wallet.tx_seen', 'wallet.tx_sent', 'wallet.tx_confirmed', 'wallet.tx_unconfirmed', 'wallet.tx_replaced', 'wallet.tx_conflicted',
  'wallet.tx_abandoned', 'wallet.funding_prepared', 'wallet.funding_released',
]);

export function isWalletOrChainEvent(event: NodeEvent): boolean {
  return event.type.startsWith('wallet.') || event.type.startsWith('chain.');
}

/** The tip after a chain event (a block connected or disconnected), else as it was. */
export function tipAfter(tip: ChainInfo['tip'], event: NodeEvent): ChainInfo['tip'] {
  if (event.type === 'chain.block_connected') return { height: event.height, hash: event.hash, time: event.time };
  if (event.type === 'chain.block_disconnected' && tip && tip.hash === event.hash) return null;
  return tip;
}

export class WalletState extends LiveState {
  #balance = $state.raw<BalanceView | null>(null);
  #transactions = $state.raw<readonly WalletTxInfo[]>([]);
  #chain = $state.raw<ChainInfo | null>(null);
  #address = $state.raw<string | null>(null);
  #lastSend = $state.raw<WalletSendInfo | null>(null);
  #reloadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super(FLUSH_MS);
  }

  get balance(): BalanceView | null {
    return this.#balance;
  }

  /** Newest first. */
  get transactions(): readonly WalletTxInfo[] {
    return this.#transactions;
  }

  get chain(): ChainInfo | null {
    return this.#chain;
  }

  /** The chain's tip height as the events moved it (for confirmations). */
  get tipHeight(): number | null {
    return this.#chain?.tip?.height ?? null;
  }

  get sync(): ChainSyncInfo | null {
    return this.#chain?.sync ?? null;
  }

  /** The short chain status (as getInfo's), live; null before the first load. */
  get status(): ChainStatus | null {
    const c = this.#chain;
    return c ? { source: c.source.kind, state: c.sync.state, height: c.tip?.height ?? null } : null;
  }

  /** The receive address handed out on this page (a new one on request). */
  get address(): string | null {
    return this.#address;
  }

  /** The last send made on this page (its txid and what the chain source said). */
  get lastSend(): WalletSendInfo | null {
    return this.#lastSend;
  }

  set lastSend(send: WalletSendInfo | null) {
    this.#lastSend = send;
  }

  protected accepts(event: NodeEvent): boolean {
    return isWalletOrChainEvent(event);
  }

  protected async load(api: NodeApi): Promise<(early: readonly NodeEvent[]) => void> {
    const [balance, { transactions }, chain] = await Promise.all([api.getBalance({}), api.listTransactions({}), api.chainInfo({})]);
    return (early) => {
      this.#balance = balance;
      this.#transactions = transactions;
      this.#chain = chain;
      // Events older than the snapshot change nothing it did not already show, except the tip and sync state.
      this.#applyChain(early);
    };
  }

  protected apply(batch: readonly NodeEvent[]): void {
    for (const event of batch) if (event.type === 'wallet.balance_changed') this.#balance = event.balance;
    this.#applyChain(batch);
    if (batch.some((e) => TX_EVENTS.has(e.type))) this.#scheduleReload();
  }

  protected override onDetach(): void {
    clearTimeout(this.#reloadTimer);
    this.#reloadTimer = undefined;
  }

  #applyChain(events: readonly NodeEvent[]): void {
    let chain = this.#chain;
    if (!chain) return;
    let refetch = false;
    for (const event of events) {
      if (event.type === 'chain.sync_state') chain = { ...chain, sync: event.sync };
      const tip = tipAfter(chain.tip, event);
      if (tip !== chain.tip) chain = { ...chain, tip };
      // After a reorg or a new tip, fee estimates and the rescan state are read again.
      if (event.type === 'chain.block_connected' || event.type === 'chain.reorg' || event.type === 'chain.rescan_finished') refetch = true;
    }
    this.#chain = chain;
    if (refetch) this.#scheduleReload();
  }

  #scheduleReload(): void {
    if (this.#reloadTimer !== undefined) return;
    this.#reloadTimer = setTimeout(() => {
      this.#reloadTimer = undefined;
      void this.refresh().catch(() => undefined);
    }, RELOAD_AFTER_MS);
  }

  /** Reads the history, balance and chain info again (after events that change them, or a send). */
  async refresh(): Promise<void> {
    const api = this.api;
    if (!api) return;
    const [balance, { transactions }, chain] = await Promise.all([api.getBalance({}), api.listTransactions({}), api.chainInfo({})]);
    if (!this.isCurrent(api)) return;
    this.#balance = balance;
    this.#transactions = transactions;
    // The tip from events may be newer than the answer: keep the higher one.
    const tip = this.#chain?.tip && chain.tip && this.#chain.tip.height > chain.tip.height ? this.#chain.tip : chain.tip;
    this.#chain = { ...chain, tip };
  }

  /** A fresh receive address from the node. */
  async newAddress(): Promise<string> {
    const api = this.api;
    if (!api) throw new Error('Not connected to the node.');
    const { address } = await api.newAddress({});
    if (this.isCurrent(api)) this.#address = address;
    return address;
  }
}
