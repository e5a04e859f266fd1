/**
 * The headers of our best chain that the tracker keeps: a contiguous run ending at the tip, at
 * most `keep` long, persisted. Enough to find where any chain the source switches to forks from
 * ours, as long as the fork is no deeper than `keep - 1` blocks. Internal to core/chain.
 */
import { ChainError } from './errors';
import type { ChainStore } from './store';
import type { HeaderRecord } from './types';

export class HeaderChain {
  readonly #store: ChainStore;
  readonly #keep: number;
  /** Lowest first; heights are contiguous. */
  #headers: HeaderRecord[] = [];

  constructor(store: ChainStore, keep: number) {
    this.#store = store;
    this.#keep = keep;
  }

  load(): void {
    const loaded = this.#store.loadHeaders();
    // Keep the contiguous run that ends at the highest stored header (a torn write cannot leave
    // gaps, since each step is one transaction, but do not trust that blindly).
    const run: HeaderRecord[] = [];
    for (let i = loaded.length - 1; i >= 0; i--) {
      const h = loaded[i]!;
      const above = run[0];
      if (above && (h.height !== above.height - 1 || h.hash !== above.prevHash)) break;
      run.unshift(h);
    }
    this.#headers = run;
  }

  get tip(): HeaderRecord | null {
    return this.#headers[this.#headers.length - 1] ?? null;
  }

  get lowest(): HeaderRecord | null {
    return this.#headers[0] ?? null;
  }

  get length(): number {
    return this.#headers.length;
  }

  at(height: number): HeaderRecord | undefined {
    const low = this.#headers[0];
    if (!low) return undefined;
    return this.#headers[height - low.height];
  }

  /** True while the run is shorter than it should be and does not reach genesis. */
  needsBackfill(): boolean {
    const low = this.#headers[0];
    return low !== undefined && low.height > 0 && this.#headers.length < this.#keep;
  }

  /** The first header, when we have none. */
  anchor(h: HeaderRecord): void {
    if (this.#headers.length) throw new ChainError('chain.bad_argument', 'the header chain is already anchored');
    this.#headers = [h];
    this.#store.putHeader(h);
  }

  /** A header below the lowest one (its hash is the lowest's prevHash). */
  prepend(h: HeaderRecord): void {
    const low = this.#headers[0];
    if (!low || h.height !== low.height - 1 || h.hash !== low.prevHash) throw new ChainError('chain.bad_argument', 'header does not fit below the lowest');
    this.#headers.unshift(h);
    this.#store.putHeader(h);
  }

  /** A header on top of the tip; prunes below the window. */
  connect(h: HeaderRecord): void {
    const tip = this.tip;
    if (!tip || h.height !== tip.height + 1 || h.prevHash !== tip.hash) throw new ChainError('chain.bad_argument', 'header does not extend the tip');
    this.#headers.push(h);
    this.#store.putHeader(h);
    if (this.#headers.length > this.#keep) {
      const drop = this.#headers.length - this.#keep;
      this.#headers.splice(0, drop);
      this.#store.deleteHeadersBelow(this.#headers[0]!.height);
    }
  }

  /** Removes the tip and returns it. */
  disconnectTip(): HeaderRecord {
    const tip = this.#headers.pop();
    if (!tip) throw new ChainError('chain.bad_argument', 'no header to disconnect');
    this.#store.deleteHeadersFrom(tip.height);
    return tip;
  }
}
