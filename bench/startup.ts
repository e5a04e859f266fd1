/**
 * What a start costs as history grows (issue 19): a store with CLOSED closed channels (each carried a
 * payment, then closed cooperatively more than 100 blocks ago: every output irrevocably resolved) and
 * a wallet that handed out INDEXES receive addresses; the time to restore the channels' monitors (the
 * channel service's start-up work that grows with closed channels: each live one's signer derived from
 * the node key, its log read and folded, started), the whole channel service's start (every channel's
 * link and channel signer too, no peer connected) and to open the wallet. Each start
 * opens the SQLite file again, with new keys (nothing cached), median of 5.
 *
 *   npm run bench -- startup                 (300 closed channels, 5,000 indexes)
 *   STARTUP_CLOSED=1000 STARTUP_INDEXES=20000 npm run bench -- startup
 *
 * It uses only what main had before retired monitors and stored scripts (ChannelMonitors.restore,
 * Wallet.open), so the same file run on an older tree gives the "before" figures.
 */
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { txid as txidOf, type Transaction } from '../core/bitcoin';
import { toHex } from '../core/crypto';
import { InMemoryChannelSigner } from '../core/channel';
import { channelSeed, channelSignerFromNodeKey } from '../core/channel/node-keys';
import type { ChannelPeers } from '../core/channel/ports';
import { ManualClock } from '../core/runtime/clock';
import { ChannelService } from '../core/runtime/channel/service';
import { ChannelData, ChannelMonitor, InMemoryMonitorSigner, monitorSignerFromNodeKey, type MonitorUpdate } from '../core/monitor';
import { ChannelMonitors } from '../core/runtime/channel/monitors';
import { DATABASE_FILE, MonitorRepository, OpeningsRepository, WalletRepository, openDatabase, runTransaction, type Database } from '../core/store';
import { ChannelsRepository } from '../core/store/channels-repository';
import { Wallet, WalletKeys } from '../core/wallet';
import { MonitoredPair, fakeFunding } from '../test/support/monitor-channel';
import { printTable } from './harness';

const CLOSED = Number(process.env.STARTUP_CLOSED ?? 300);
const INDEXES = Number(process.env.STARTUP_INDEXES ?? 5_000);
const RUNS = 5;
const WORDS = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The node key the channels' keys come from, as a node derives them (core/channel/node-keys.ts). */
const NODE_KEY = new Uint8Array(32).fill(7);

/** No peer connected yet: how a node starts. */
const NO_PEERS: ChannelPeers = {
  onMessage: () => () => undefined, onPeerReady: () => () => undefined, onPeerClosed: () => () => undefined,
  peer: () => undefined, peers: () => [], send: () => false, disconnect: () => false,
};

/**
 * CLOSED channels as the runtime leaves them: the channel (its state when it closed) and its monitor's
 * log and snapshot after a mutual close 120 blocks deep.
 */
function buildChannels(db: Database): string[] {
  const repo = new MonitorRepository(db);
  const channels = new ChannelsRepository(db);
  const ids: string[] = [];
  for (let i = 0; i < CLOSED; i++) {
    const funding = fakeFunding(`startup ${i}`);
    const seed = channelSeed(NODE_KEY, i);
    const keysA = { seed, signer: new InMemoryChannelSigner(seed), monitorSigner: new InMemoryMonitorSigner(seed) };
    const pair = new MonitoredPair({ fundingOutpoint: funding, channelType: 'anchors', keysA });
    const h = pair.add(pair.a, 5_000_000n, `startup ${i}`, 700_000);
    pair.commit(pair.a);
    pair.fulfill(pair.b, h.id, `startup ${i}`);
    pair.commit(pair.b);
    const closing: Transaction = {
      version: 2,
      inputs: [{ prevout: funding, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }],
      outputs: [{ value: 490_000n, scriptPubKey: pair.a.sweepScript }],
      locktime: 0,
    };
    const log: MonitorUpdate[] = [...pair.a.updates, { kind: 'closing_tx', txid: txidOf(closing) }];
    const id = toHex(ChannelData.fromUpdates(log).params.channelId);
    const m = ChannelMonitor.open(log, pair.a.monitorSigner);
    m.start();
    m.transactionsConfirmed([closing], 10_000 + i);
    m.bestBlock(10_000 + CLOSED + 120);
    repo.appendMonitorUpdates(id, log);
    repo.saveMonitorSnapshot(id, m.snapshot(), m.view().state);
    channels.saveChannel({
      peerId: `02${(i % 256).toString(16).padStart(2, '0').repeat(32)}`, keyIndex: i, createdAt: 1_700_000_000_000, state: pair.a.channel.state,
      lastSent: 'none', sentUpdates: [], dataLoss: null, revision: 1,
    });
    ids.push(id);
  }
  return ids;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'glasswing-bench-startup-'));
  const path = join(dir, DATABASE_FILE);
  try {
    const db = openDatabase(path);
    const t0 = performance.now();
    const ids = buildChannels(db);
    const keys = WalletKeys.fromWords(WORDS, 'regtest');
    // A wallet that handed out INDEXES receive addresses (the keychain as newAddress leaves it).
    Wallet.open({ keys, store: new WalletRepository(db) });
    new WalletRepository(db).apply({ keychains: [{ chain: 'receive', nextIndex: INDEXES, usedIndex: -1 }, { chain: 'change', nextIndex: 0, usedIndex: -1 }] });
    db.close();
    console.log(`built ${CLOSED} closed channels and a wallet at ${INDEXES} indexes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const serviceTimes: number[] = [];
    const monitorTimes: number[] = [];
    const walletTimes: number[] = [];
    let views = 0;
    let channelSigners = 0;
    let watched = 0;
    // One start more than measured: the first after the store was built does the one-time work (retiring, storing scripts).
    for (let run = 0; run <= RUNS; run++) {
      const again = openDatabase(path);
      const stores = {
        channels: new ChannelsRepository(again), openings: new OpeningsRepository(again), monitors: new MonitorRepository(again),
        atomically: <T>(fn: () => T) => runTransaction(again, fn),
      };
      channelSigners = 0;
      const s0 = performance.now();
      const service = new ChannelService({
        stores, peers: NO_PEERS, clock: new ManualClock(), publish: () => undefined, chain: null, wallet: null,
        signerFor: (k) => {
          channelSigners++;
          return channelSignerFromNodeKey(NODE_KEY, k);
        },
        monitorSignerFor: (k) => monitorSignerFromNodeKey(NODE_KEY, k),
      });
      service.start();
      const closedListed = service.listClosed().length;
      const s1 = performance.now();
      service.close();
      if (closedListed !== CLOSED) throw new Error(`listed ${closedListed} closed channels, built ${CLOSED}`);
      const a = performance.now();
      const monitors = new ChannelMonitors({
        // Each channel's monitor signer derived as the node does (checked against its channel signer).
        stores, chain: null, wallet: null, signerFor: (k) => monitorSignerFromNodeKey(NODE_KEY, k), publish: () => undefined, log: () => undefined, upstream: () => undefined,
      });
      ids.forEach((id, k) => monitors.restore(id, k, null));
      monitors.start();
      views = monitors.views().filter((v) => v.state === 'closed').length;
      const b = performance.now();
      const freshKeys = WalletKeys.fromWords(WORDS, 'regtest');
      const c = performance.now();
      const wallet = Wallet.open({ keys: freshKeys, store: new WalletRepository(again) });
      watched = wallet.watchedScripts().length;
      const d = performance.now();
      again.close();
      if (run === 0) continue;
      serviceTimes.push(s1 - s0);
      monitorTimes.push(b - a);
      walletTimes.push(d - c);
    }
    console.log(`start-up with ${CLOSED} closed channels and ${INDEXES} address indexes (median of ${RUNS} starts)`);
    printTable(['part', 'ms', 'what it holds'], [
      [`channel service: construct, start, listClosed`, median(serviceTimes).toFixed(1), `${CLOSED} channels, ${channelSigners} channel signers derived`],
      [`channel monitors: restore ${CLOSED} closed channels`, median(monitorTimes).toFixed(1), `${views} closed views`],
      [`wallet: open at ${INDEXES} receive indexes`, median(walletTimes).toFixed(1), `${watched} watched scripts`],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
