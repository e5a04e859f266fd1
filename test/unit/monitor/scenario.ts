/**
 * A simulated chain for the monitor's unit tests (no consensus checks: the btcd tests do those):
 * blocks of transactions at heights, reorgs, and a mempool that confirms every handed-out
 * transaction whose inputs exist. CPFP and HTLC fee requests are completed with a stand-in wallet coin.
 */
import { sha256, utf8 } from '../../../core/crypto';
import type { Transaction } from '../../../core/bitcoin';
import { txid, txidToHex } from '../../../core/bitcoin';
import { ChannelMonitor, completeCpfp, completeHtlcFeeRequest, outpointKey } from '../../../core/monitor';
import type { ForeignInput, MonitorPolicy, MonitorStep, WalletFunds } from '../../../core/monitor';
import { MonitoredPair, fakeFunding } from '../../support/monitor-channel';
import type { Party } from '../../support/monitor-channel';

export const BASE_HEIGHT = 1000;

let coinCounter = 0;
/** A stand-in wallet coin (its signature is not real: nothing here checks it). */
export function fakeFunds(): WalletFunds {
  const outpoint = { txid: sha256(utf8.encode(`fake wallet coin ${coinCounter++}`)), vout: 0 };
  const input: ForeignInput = {
    outpoint,
    valueSat: 1_000_000n,
    sequence: 0xfffffffd,
    maxWitnessSize: 108,
    sign: () => [new Uint8Array(72), new Uint8Array(33)],
  };
  return { inputs: [input], changeScript: Uint8Array.of(0, 20, ...new Uint8Array(20)) };
}

export class SimChain {
  /** blocks[i] is the block at height BASE_HEIGHT + 1 + i. */
  readonly blocks: Transaction[][] = [];
  /** Handed out, not confirmed yet (by txid). */
  readonly mempool = new Map<string, Transaction>();
  /** Outpoints that exist outside the simulation (the funding output, wallet coins). */
  readonly external = new Set<string>();

  get tip(): number {
    return BASE_HEIGHT + this.blocks.length;
  }

  confirmed(): Map<string, number> {
    const m = new Map<string, number>();
    this.blocks.forEach((b, i) => b.forEach((tx) => m.set(txidToHex(txid(tx)), BASE_HEIGHT + 1 + i)));
    return m;
  }

  /** Takes the step's broadcasts and completed requests into the mempool. */
  absorb(step: MonitorStep): void {
    for (const a of step.actions) {
      if (a.type === 'broadcast') this.mempool.set(a.txid, a.tx);
      else if (a.type === 'request_cpfp' || a.type === 'request_htlc_fee') {
        const funds = fakeFunds();
        for (const i of funds.inputs) this.external.add(outpointKey(i.outpoint));
        const tx = a.type === 'request_cpfp' ? completeCpfp(a.request, funds) : completeHtlcFeeRequest(a.request, funds);
        this.mempool.set(txidToHex(txid(tx)), tx);
      }
    }
  }

  /** A block with the given transactions (default: every mempool transaction whose inputs exist, parents first). */
  mine(txs?: Transaction[]): Transaction[] {
    let block: Transaction[] = txs ?? [];
    if (!txs) {
      const confirmed = this.confirmed();
      const spent = new Set(this.blocks.flat().flatMap((t) => t.inputs.map((i) => outpointKey(i.prevout))));
      const available = (tx: Transaction, inBlock: Set<string>) =>
        tx.inputs.every((i) => {
          const k = outpointKey(i.prevout);
          const parent = k.split(':')[0]!;
          return !spent.has(k) && (this.external.has(k) || confirmed.has(parent) || inBlock.has(parent));
        });
      const inBlock = new Set<string>();
      for (let progress = true; progress; ) {
        progress = false;
        for (const [id, tx] of this.mempool) {
          if (inBlock.has(id) || confirmed.has(id) || !available(tx, inBlock)) continue;
          if (tx.inputs.some((i) => block.some((b) => b.inputs.some((j) => outpointKey(j.prevout) === outpointKey(i.prevout))))) continue;
          block.push(tx);
          inBlock.add(id);
          progress = true;
        }
      }
      block = block.slice();
    }
    for (const tx of block) this.mempool.delete(txidToHex(txid(tx)));
    this.blocks.push(block);
    return block;
  }

  /** Drops the top `n` blocks; their transactions go back to the mempool. */
  reorg(n: number): number {
    for (let i = 0; i < n && this.blocks.length > 0; i++) for (const tx of this.blocks.pop()!) this.mempool.set(txidToHex(txid(tx)), tx);
    return this.tip;
  }
}

export interface Fed {
  monitor: ChannelMonitor;
  fedHeight: number;
}

/** Feeds the blocks the monitor has not seen, one step per block; the steps' transactions go to the mempool. */
export function feed(chain: SimChain, f: Fed, sink: MonitorStep[] = []): MonitorStep[] {
  for (let h = f.fedHeight + 1; h <= chain.tip; h++) {
    const step = f.monitor.transactionsConfirmed(chain.blocks[h - BASE_HEIGHT - 1]!, h);
    chain.absorb(step);
    sink.push(step);
    f.fedHeight = h;
  }
  return sink;
}

export function monitorFor(p: Party, policy: Partial<MonitorPolicy> = { finalityDepth: 10 }): ChannelMonitor {
  return ChannelMonitor.open(p.updates, p.monitorSigner, { policy });
}

/** A static_remotekey channel whose funder force-closed with one outgoing HTLC (timed out on chain). */
export function forceClosedPair(channelType: 'anchors' | 'static_remotekey' = 'static_remotekey') {
  const funding = fakeFunding(`scenario ${channelType}`);
  const pair = new MonitoredPair({ fundingOutpoint: funding, channelType, toSelfDelay: 12 });
  pair.add(pair.a, 40_000_000n, 'out', BASE_HEIGHT + 20);
  pair.commit(pair.a);
  const chain = new SimChain();
  chain.external.add(outpointKey(funding));
  const A: Fed = { monitor: monitorFor(pair.a), fedHeight: BASE_HEIGHT };
  A.monitor.bestBlock(BASE_HEIGHT);
  const step = A.monitor.forceClose();
  chain.absorb(step);
  return { pair, chain, A, step };
}

/** A monitor that has seen its whole close through to `closed`. */
export function closedMonitor(): ChannelMonitor {
  const { chain, A } = forceClosedPair();
  for (let i = 0; i < 80 && A.monitor.view().state !== 'closed'; i++) {
    chain.mine();
    feed(chain, A);
  }
  if (A.monitor.view().state !== 'closed') throw new Error(`the scenario did not close: ${JSON.stringify(A.monitor.view().outputs.map((o) => o.status))}`);
  return A.monitor;
}
