/**
 * Channels funded on a real btcd with a monitor on each side (test/support/monitor-channel.ts for
 * the state machines, monitor-chain.ts for the chain and wallet work).
 */
import { join } from 'node:path';
import { fromHex, toHex } from '../../core/crypto';
import { decodeTx, p2wsh, txidFromHex } from '../../core/bitcoin';
import { fundingScript } from '../../core/channel/scripts';
import { ChannelMonitor } from '../../core/monitor';
import type { MonitorPolicy, MonitorUpdate } from '../../core/monitor';
import { DATABASE_FILE, MonitorRepository, openDatabase } from '../../core/store';
import type { Database } from '../../core/store';
import type { Btcd } from '../support/btcd';
import { ChainDriver, DrivenMonitor, TestWallet, addressOf } from '../support/monitor-chain';
import { MonitoredPair, partyKeys } from '../support/monitor-channel';
import type { Party } from '../support/monitor-channel';
import { tempDir } from '../support/tmp';

export const POLICY: Partial<MonitorPolicy> = { finalityDepth: 10 };

export interface OnChainChannel {
  readonly pair: MonitoredPair;
  readonly A: DrivenMonitor;
  readonly B: DrivenMonitor;
  readonly fundingTxid: string;
  /** The SQLite files of each side's monitor, when asked for. */
  readonly dbs: { A?: { path: string; db: Database }; B?: { path: string; db: Database } };
}

/** A database file with the monitor repository. */
export function monitorDb(path = join(tempDir('glasswing-monitor-'), DATABASE_FILE)): { path: string; db: Database; repo: MonitorRepository } {
  const db = openDatabase(path);
  return { path, db, repo: new MonitorRepository(db) };
}

export async function openOnChain(
  btcd: Btcd,
  driver: ChainDriver,
  name: string,
  opts: { channelType: 'anchors' | 'static_remotekey'; fundingSat?: bigint; toSelfDelay?: number; storeA?: boolean },
): Promise<OnChainChannel> {
  const keysA = partyKeys(`${name} A`);
  const keysB = partyKeys(`${name} B`);
  const spk = p2wsh(fundingScript(keysA.signer.basepoints.fundingPubkey, keysB.signer.basepoints.fundingPubkey));
  const fundingSat = opts.fundingSat ?? 1_000_000n;
  const id = await btcd.fund(addressOf(spk), fundingSat);
  const ftx = decodeTx(fromHex(await btcd.rpc<string>('getrawtransaction', [id, 0])));
  const vout = ftx.outputs.findIndex((o) => toHex(o.scriptPubKey) === toHex(spk));
  await btcd.mine(1);
  const pair = new MonitoredPair({ fundingOutpoint: { txid: txidFromHex(id), vout }, keysA, keysB, channelType: opts.channelType, fundingSat, toSelfDelay: opts.toSelfDelay ?? 30 });
  const height = await btcd.height();
  const dbs: OnChainChannel['dbs'] = {};
  const make = (p: Party, store: boolean): DrivenMonitor => {
    let repo: MonitorRepository | null = null;
    if (store) {
      const d = monitorDb();
      repo = d.repo;
      dbs[p.name] = { path: d.path, db: d.db };
      repo.appendMonitorUpdates(toHex(p.channel.state.params.channelId), p.updates);
    }
    return new DrivenMonitor(ChannelMonitor.open(p.updates, p.monitorSigner, { policy: POLICY }), height, repo);
  };
  const A = make(pair.a, opts.storeA ?? false);
  const B = make(pair.b, false);
  // The channel layer's feed point: store the updates, then hand them to the monitor.
  pair.onUpdates = (p: Party, u: MonitorUpdate[]) => {
    const d = p === pair.a ? A : B;
    d.store?.appendMonitorUpdates(d.monitor.channelId, u);
    d.pending.push(d.monitor.applyUpdates(u));
  };
  for (const d of [A, B]) {
    await driver.handle(d, d.monitor.start());
    await driver.handle(d, d.monitor.bestBlock(height));
  }
  return { pair, A, B, fundingTxid: id, dbs };
}

/** Hands a preimage to a side's monitor, as the payment layer will (a `preimage` update). */
export function givePreimage(c: OnChainChannel, side: 'A' | 'B', preimage: Uint8Array): void {
  const d = side === 'A' ? c.A : c.B;
  const u: MonitorUpdate[] = [{ kind: 'preimage', preimage }];
  d.store?.appendMonitorUpdates(d.monitor.channelId, u);
  d.pending.push(d.monitor.applyUpdates(u));
}

export { ChainDriver, TestWallet };
