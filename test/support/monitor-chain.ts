/**
 * TEST ONLY: drives ChannelMonitors against a real btcd — the work the chain layer and the wallet
 * will do for real. Each block's transactions are fed to the monitor with its height; every
 * transaction the monitor hands out (its claims, and the CPFP children / funded HTLC transactions
 * a test wallet builds for its requests) is checked with `testmempoolaccept` and then sent.
 * Rejections are recorded, never swallowed: tests assert there are none.
 */
import { Address, OutScript } from '@scure/btc-signer';
import { ecdsaSign, fromHex, publicKeyFromPrivate, sha256, toHex, utf8 } from '../../core/crypto';
import type { OutPoint, Transaction } from '../../core/bitcoin';
import { SIGHASH_ALL, decodeTx, encodeTx, encodeWitnessSignature, p2pkh, p2wpkh, segwitV0Sighash, txid, txidFromHex, txidToHex } from '../../core/bitcoin';
import type { ChannelMonitor, ForeignInput, MonitorAction, MonitorStep, MonitorStore, WalletFunds } from '../../core/monitor';
import { MAX_WITNESS_SIGNATURE, completeCpfp, completeHtlcFeeRequest, witnessSize } from '../../core/monitor';
import type { Btcd } from './btcd';
import { REGTEST } from './btcd';

export function addressOf(script: Uint8Array): string {
  return Address(REGTEST).encode(OutScript.decode(script));
}

/** A one-key P2WPKH wallet funded by the faucet: its coins pay fees for CPFP and anchors HTLC transactions. */
export class TestWallet {
  readonly #secret: Uint8Array;
  readonly pubkey: Uint8Array;
  readonly script: Uint8Array;
  readonly #coins: { outpoint: OutPoint; valueSat: bigint }[] = [];
  /** Coins a request key already used: a new bid for the same key spends them again (a replacement). */
  readonly #byKey = new Map<string, { outpoint: OutPoint; valueSat: bigint }[]>();

  constructor(name: string) {
    this.#secret = sha256(utf8.encode(`monitor test wallet ${name}`));
    this.pubkey = publicKeyFromPrivate(this.#secret);
    this.script = p2wpkh(this.pubkey);
  }

  /** Pays `count` coins of `valueSat` to the wallet (confirmed by the caller's next mine). */
  async fund(btcd: Btcd, count: number, valueSat: bigint): Promise<void> {
    for (let i = 0; i < count; i++) {
      const id = await btcd.fund(addressOf(this.script), valueSat);
      const tx = decodeTx(fromHex(await btcd.rpc<string>('getrawtransaction', [id, 0])));
      const vout = tx.outputs.findIndex((o) => toHex(o.scriptPubKey) === toHex(this.script) && o.value === valueSat);
      this.#coins.push({ outpoint: { txid: txidFromHex(id), vout }, valueSat });
    }
  }

  input(coin: { outpoint: OutPoint; valueSat: bigint }): ForeignInput {
    const secret = this.#secret;
    const pubkey = this.pubkey;
    return {
      outpoint: coin.outpoint,
      valueSat: coin.valueSat,
      sequence: 0xfffffffd,
      maxWitnessSize: witnessSize([MAX_WITNESS_SIGNATURE, pubkey]),
      sign(tx, index) {
        const digest = segwitV0Sighash(tx, index, p2pkh(pubkey), coin.valueSat, SIGHASH_ALL);
        return [encodeWitnessSignature(ecdsaSign(digest, secret), SIGHASH_ALL), pubkey];
      },
    };
  }

  /** One coin for request `key` (the same one again for a later bid on the same key). */
  funds(key: string): WalletFunds {
    let coins = this.#byKey.get(key);
    if (!coins) {
      const coin = this.#coins.shift();
      if (!coin) throw new Error('the test wallet has no coin left');
      coins = [coin];
      this.#byKey.set(key, coins);
    }
    return { inputs: coins.map((c) => this.input(c)), changeScript: this.script };
  }
}

export async function blockTransactions(btcd: Btcd, height: number): Promise<Transaction[]> {
  const hash = await btcd.rpc<string>('getblockhash', [height]);
  const block = await btcd.rpc<{ tx: string[] }>('getblock', [hash, 1]);
  const out: Transaction[] = [];
  for (const id of block.tx) out.push(decodeTx(fromHex(await btcd.rpc<string>('getrawtransaction', [id, 0]))));
  return out;
}

export interface Rejection {
  readonly what: string;
  readonly txid: string;
  readonly reason: string;
}

/** A monitor under test with its store (optional) and everything it asked for. */
export class DrivenMonitor {
  monitor: ChannelMonitor;
  /** The height fed last. */
  fedHeight: number;
  readonly broadcasts: { txid: string; label: string; key: string; tx: Transaction }[] = [];
  readonly requests: { kind: 'cpfp' | 'htlc_fee'; key: string; txid: string; feeratePerKw: number }[] = [];
  readonly preimages: string[] = [];
  readonly failed: string[] = [];
  readonly actions: MonitorAction[] = [];
  /** Steps produced outside the driver (channel updates), carried out at the next feed. */
  readonly pending: MonitorStep[] = [];

  constructor(monitor: ChannelMonitor, fedHeight: number, readonly store: MonitorStore | null = null) {
    this.monitor = monitor;
    this.fedHeight = fedHeight;
  }
}

export class ChainDriver {
  readonly rejections: Rejection[] = [];
  /** Claims made on a block the chain had already moved past (their inputs spent by a later block): expected, kept apart. */
  readonly stale: Rejection[] = [];
  #catchingUp = false;
  /**
   * While set, nothing is sent to btcd (the monitor's actions are still recorded). btcd v0.26 keeps
   * the sequence-locked children (1 OP_CSV) of a transaction a reorg took out of the chain in its
   * mempool, and then `generate` loops forever on "block contains transaction whose input sequence
   * locks are not met": a test that reorgs a commitment out holds the children made on its block.
   */
  hold = false;

  constructor(readonly btcd: Btcd, readonly wallet: TestWallet) {}

  /** testmempoolaccept, then sendrawtransaction; "already known" is not a rejection. */
  async send(tx: Transaction, what: string): Promise<boolean> {
    if (this.hold) return false;
    const hex = toHex(encodeTx(tx));
    const id = txidToHex(txid(tx));
    const [r] = await this.btcd.rpc<{ allowed?: boolean; 'reject-reason'?: string }[]>('testmempoolaccept', [[hex], 0]);
    const reason = r?.['reject-reason'] ?? '';
    if (!r?.allowed) {
      if (/already have transaction|already exists in blockchain/.test(reason)) return false;
      if (this.#catchingUp && /already spent|orphan|missing|not found/i.test(reason)) this.stale.push({ what, txid: id, reason });
      else this.rejections.push({ what, txid: id, reason });
      return false;
    }
    await this.btcd.rpc('sendrawtransaction', [hex]);
    return true;
  }

  /** Saves the snapshot if asked (before acting, as the node must), then carries out the actions. */
  async handle(m: DrivenMonitor, step: MonitorStep): Promise<void> {
    if (step.persist && m.store) m.store.saveMonitorSnapshot(m.monitor.channelId, m.monitor.snapshot(), m.monitor.view().state);
    for (const a of step.actions) {
      m.actions.push(a);
      switch (a.type) {
        case 'broadcast':
          m.broadcasts.push({ txid: a.txid, label: a.label, key: a.key, tx: a.tx });
          await this.send(a.tx, `${a.label} ${a.key}`);
          break;
        case 'request_cpfp': {
          const child = completeCpfp(a.request, this.wallet.funds(a.request.key));
          m.requests.push({ kind: 'cpfp', key: a.request.key, txid: txidToHex(txid(child)), feeratePerKw: a.request.targetFeeratePerKw });
          await this.send(child, `cpfp ${a.request.key}`);
          break;
        }
        case 'request_htlc_fee': {
          const tx = completeHtlcFeeRequest(a.request, this.wallet.funds(a.request.key));
          m.requests.push({ kind: 'htlc_fee', key: a.request.key, txid: txidToHex(txid(tx)), feeratePerKw: a.request.targetFeeratePerKw });
          await this.send(tx, `${a.request.kind} ${a.request.key}`);
          break;
        }
        case 'preimage_learned':
          m.preimages.push(toHex(a.preimage));
          break;
        case 'htlc_failed':
          m.failed.push(`${a.htlc.offerer}:${a.htlc.id}`);
          break;
        case 'watch':
        case 'unwatch':
          break;
      }
    }
  }

  /** Carries out the steps queued outside the driver. */
  async flush(m: DrivenMonitor): Promise<void> {
    for (const step of m.pending.splice(0)) await this.handle(m, step);
  }

  /** Feeds every block after the monitor's last one up to the tip, one step per block. */
  async feed(m: DrivenMonitor): Promise<void> {
    await this.flush(m);
    const tip = await this.btcd.height();
    for (let h = m.fedHeight + 1; h <= tip; h++) {
      const txs = await blockTransactions(this.btcd, h);
      this.#catchingUp = h < tip;
      try {
        await this.handle(m, m.monitor.transactionsConfirmed(txs, h));
      } finally {
        this.#catchingUp = false;
      }
      m.fedHeight = h;
    }
  }

  /** Mines `n` blocks one at a time, feeding every monitor after each (so claims go out as they mature). */
  async mine(n: number, ...monitors: DrivenMonitor[]): Promise<void> {
    for (let i = 0; i < n; i++) {
      await this.btcd.mine(1);
      for (const m of monitors) await this.feed(m);
    }
  }

  /** Disconnects the blocks above `height` (invalidateblock); their transactions go back to the mempool. */
  async reorgTo(height: number, ...monitors: DrivenMonitor[]): Promise<string> {
    const hash = await this.btcd.rpc<string>('getblockhash', [height + 1]);
    await this.btcd.rpc('invalidateblock', [hash]);
    for (const m of monitors) {
      await this.handle(m, m.monitor.chainReorged(height));
      m.fedHeight = height;
    }
    return hash;
  }
}

/** The value paid to `script` by the confirmed transaction `id` (display hex). */
export async function paidTo(btcd: Btcd, id: string, script: Uint8Array): Promise<bigint> {
  const tx = decodeTx(fromHex(await btcd.rpc<string>('getrawtransaction', [id, 0])));
  return tx.outputs.filter((o) => toHex(o.scriptPubKey) === toHex(script)).reduce((s, o) => s + o.value, 0n);
}

/** Confirmations of `id` (0 when unconfirmed or unknown). */
export async function confirmations(btcd: Btcd, id: string): Promise<number> {
  try {
    const r = await btcd.rpc<{ confirmations?: number }>('getrawtransaction', [id, 1]);
    return r.confirmations ?? 0;
  } catch {
    return 0;
  }
}
