/**
 * Blocks mode's memory of the source's mempool (internal to core/chain): which transactions were
 * already fetched and looked at, and which outpoints each spends — so a transaction that became
 * relevant after we saw it (it spends an output we only now know pays a watched script, or an
 * outpoint watched late) is fetched again, without fetching the whole mempool each round.
 * Mainnet-sized mempools cost some tens of megabytes here; only txids and outpoints are kept.
 */
export class MempoolMemory {
  /** txid → the outpoints it spends. */
  readonly #seen = new Map<string, readonly string[]>();
  /** outpoint → the seen mempool transaction spending it (the latest, if several). */
  readonly #spenders = new Map<string, string>();
  readonly #refetch = new Set<string>();
  #interesting = new Set<string>();

  /** Forgets everything: the next round fetches the whole mempool again. */
  clear(): void {
    this.#seen.clear();
    this.#spenders.clear();
    this.#refetch.clear();
  }

  has(txid: string): boolean {
    return this.#seen.has(txid);
  }

  /** A transaction left the mempool (confirmed, or gone). */
  forget(txid: string): void {
    const spends = this.#seen.get(txid);
    if (!spends) return;
    this.#seen.delete(txid);
    for (const key of spends) if (this.#spenders.get(key) === txid) this.#spenders.delete(key);
  }

  record(txid: string, spends: readonly string[]): void {
    this.#seen.set(txid, spends);
    for (const key of spends) this.#spenders.set(key, txid);
    this.#refetch.delete(txid);
  }

  /** Marks a seen transaction for fetching again. */
  refetch(txid: string): void {
    if (this.#seen.has(txid)) this.#refetch.add(txid);
  }

  /**
   * Takes the source's current mempool: forgets what left it and returns what to fetch — the
   * transactions not seen yet, and those marked for fetching again.
   */
  reconcile(current: readonly string[]): string[] {
    const now = new Set(current);
    for (const id of [...this.#seen.keys()]) if (!now.has(id)) this.forget(id);
    for (const id of [...this.#refetch]) if (!now.has(id)) this.#refetch.delete(id);
    return current.filter((id) => !this.#seen.has(id) || this.#refetch.has(id));
  }

  /**
   * Given every outpoint that matters now (watched outpoints, outputs paying watched scripts),
   * returns the seen mempool transactions spending outpoints that did not matter before; they are
   * also marked for fetching again.
   */
  noticeInteresting(keys: Iterable<string>): string[] {
    const next = new Set(keys);
    const out: string[] = [];
    for (const key of next) {
      if (this.#interesting.has(key)) continue;
      const spender = this.#spenders.get(key);
      if (spender) {
        this.#refetch.add(spender);
        out.push(spender);
      }
    }
    this.#interesting = next;
    return out;
  }
}
