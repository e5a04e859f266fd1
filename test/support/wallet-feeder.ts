/**
 * Feeds a wallet core from a real btcd over RPC, the way the chain layer will (until it replaces
 * this): blocks in order through `transactionsConfirmed` + `bestBlockUpdated`, only transactions
 * paying a watched script or spending a watched outpoint (outputs of matches earlier in the same
 * block count); reorgs found LDK-style by checking `relevantTxids()` against the best chain and by
 * walking back to the fork point; a block fed again whenever it made the wallet watch new scripts;
 * then the mempool, parents first.
 */
import { decodeTx, txid as computeTxid, txidToHex } from '../../core/bitcoin';
import { fromHex, toHex } from '../../core/crypto';
import type { Wallet } from '../../core/wallet';
import type { Btcd } from './btcd';

interface VerboseBlock {
  readonly hash: string;
  readonly height: number;
  /** Header time, unix seconds. */
  readonly time: number;
  readonly rawtx: readonly { readonly hex: string; readonly txid: string }[];
}

export class WalletFeeder {
  wallet: Wallet;
  readonly #btcd: Btcd;
  /** Hashes of the blocks fed, by height (from the start height on). */
  readonly #fed = new Map<number, string>();
  #height: number;
  readonly #mempoolSeen = new Set<string>();

  /** Feeds blocks after `fromHeight` (the wallet's birthday) on the next `sync`. */
  constructor(btcd: Btcd, wallet: Wallet, fromHeight: number) {
    this.#btcd = btcd;
    this.wallet = wallet;
    this.#height = fromHeight;
  }

  /** Starts at btcd's current tip (a new wallet has nothing older). */
  static async atTip(btcd: Btcd, wallet: Wallet): Promise<WalletFeeder> {
    const height = await btcd.height();
    const feeder = new WalletFeeder(btcd, wallet, height);
    feeder.#fed.set(height, await btcd.rpc<string>('getblockhash', [height]));
    wallet.bestBlockUpdated(height, feeder.#fed.get(height)!);
    return feeder;
  }

  /** Brings the wallet to btcd's best chain and mempool. */
  async sync(): Promise<void> {
    const tip = await this.#btcd.height();
    // LDK `Confirm`: every transaction the wallet holds confirmed must still be in the best chain.
    for (const r of this.wallet.relevantTxids()) {
      const hash = r.blockHeight <= tip ? await this.#btcd.rpc<string>('getblockhash', [r.blockHeight]) : null;
      if (hash !== r.blockHash) this.wallet.transactionUnconfirmed(r.txid);
    }
    // Back to the fork point of what we fed.
    while (this.#fed.size > 0 && this.#height > 0) {
      const ours = this.#fed.get(this.#height);
      if (ours === undefined) break;
      const theirs = this.#height <= tip ? await this.#btcd.rpc<string>('getblockhash', [this.#height]) : null;
      if (theirs === ours) break;
      this.#fed.delete(this.#height);
      this.#height--;
    }
    const start = this.#height;
    if (this.#fed.has(start)) this.wallet.bestBlockUpdated(start, this.#fed.get(start)!);
    for (let h = start + 1; h <= tip; h++) await this.#feedBlock(h);
    await this.#feedMempool();
  }

  async #feedBlock(height: number): Promise<void> {
    const hash = await this.#btcd.rpc<string>('getblockhash', [height]);
    const block = await this.#btcd.rpc<VerboseBlock>('getblock', [hash, 2]);
    for (;;) {
      const matches = this.#filter(block.rawtx.map((t) => t.hex));
      const update = this.wallet.transactionsConfirmed({ height, hash, time: block.time }, matches);
      // New scripts (the look-ahead grew): this block may pay them too.
      if (update.newScripts.length === 0) break;
    }
    this.wallet.bestBlockUpdated(height, hash);
    this.#fed.set(height, hash);
    this.#height = height;
  }

  async #feedMempool(): Promise<void> {
    const entries = await this.#btcd.rpc<Record<string, { depends: string[] }>>('getrawmempool', [true]);
    const order: string[] = [];
    const visit = (txid: string): void => {
      if (order.includes(txid) || !entries[txid]) return;
      for (const parent of entries[txid]!.depends) visit(parent);
      order.push(txid);
    };
    Object.keys(entries).forEach(visit);
    const raws: Uint8Array[] = [];
    for (const txid of order) {
      if (this.#mempoolSeen.has(txid)) continue;
      raws.push(fromHex(await this.#btcd.rpc<string>('getrawtransaction', [txid, 0])));
    }
    for (;;) {
      let grew = false;
      for (const raw of this.#filter(raws.map(toHex))) {
        const update = this.wallet.mempoolTransaction(raw, Date.now());
        if (update.newScripts.length > 0) grew = true;
      }
      if (!grew) break;
    }
    for (const txid of order) this.#mempoolSeen.add(txid);
  }

  /** Transactions paying a watched script or spending a watched outpoint, in order. */
  #filter(hexes: readonly string[]): Uint8Array[] {
    const scripts = new Set(this.wallet.watchedScripts().map(toHex));
    const outpoints = new Set(this.wallet.watchedOutpoints().map((o) => `${o.txid}:${o.vout}`));
    const out: Uint8Array[] = [];
    for (const hex of hexes) {
      const raw = fromHex(hex);
      const tx = decodeTx(raw);
      const spends = tx.inputs.some((i) => outpoints.has(`${txidToHex(i.prevout.txid)}:${i.prevout.vout}`));
      const pays = tx.outputs.some((o) => scripts.has(toHex(o.scriptPubKey)));
      if (!spends && !pays) continue;
      out.push(raw);
      // Its outputs to us are watched for the rest of the block.
      const txid = txidToHex(computeTxid(tx));
      tx.outputs.forEach((o, vout) => {
        if (scripts.has(toHex(o.scriptPubKey))) outpoints.add(`${txid}:${vout}`);
      });
    }
    return out;
  }
}
