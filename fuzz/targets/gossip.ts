/**
 * Gossip target: the BOLT 7 manager fed what peers send — any bytes that decode as a message go to
 * `receive` (announcements, updates, queries, replies, filters, and every non-gossip type), with
 * time passing and the channel_update of payment failures checked — and what it sends back must
 * itself decode.
 */
import { publicKeyFromPrivate } from '../../core/crypto';
import { GossipManager } from '../../core/gossip';
import type { GossipOutput } from '../../core/gossip';
import { chainHash, decodeMessage } from '../../core/wire';
import { Finding, REJECTED, decodeOrReject, mustSucceed } from '../harness';
import type { FuzzTarget } from '../harness';

export const GOSSIP_CHAIN = chainHash('regtest');
export const GOSSIP_NOW_MS = 1_700_000_000_000;
const LOCAL_ID = publicKeyFromPrivate(new Uint8Array(32).fill(0x51));
const PEERS = ['peer-a', 'peer-b'] as const;

function checkOutput(what: string, out: GossipOutput): void {
  for (const a of out.actions) {
    if (a.kind === 'warn' && typeof a.text !== 'string') throw new Finding(`${what}: a warning without text`);
  }
}

/**
 * Script ops (op byte % 4): 0/1 a message from peer A/B (u16 length, then its bytes, decoded as
 * received); 2 time passes (u16 seconds) and `tick` runs; 3 `checkFailureUpdate` on the next
 * u16-length bytes (a channel_update out of an onion failure).
 */
export const gossipManager: FuzzTarget = {
  name: 'gossip-manager',
  description: 'GossipManager.receive on a script of messages from two peers, ticks and failure updates; what it sends must decode',
  maxLen: 8192,
  check(data) {
    const g = new GossipManager({ chainHash: GOSSIP_CHAIN, nowMs: GOSSIP_NOW_MS, localNodeId: LOCAL_ID, fundingCheck: 'skip' });
    let now = GOSSIP_NOW_MS;
    // Byte 0 bit 0: peer A offers gossip_queries (so replies and queries have a session to run in).
    const queries = (data[0] ?? 0) & 1 ? true : false;
    for (const p of PEERS) g.peerConnected(p, { gossipQueries: queries, gossipQueriesEx: queries }, now);
    let at = 1;
    const u8 = (): number => data[at++] ?? 0;
    const u16 = (): number => (u8() << 8) | u8();
    while (at < data.length) {
      const op = u8() % 4;
      if (op <= 1) {
        const raw = data.slice(at, at + u16());
        at += raw.length;
        const m = decodeOrReject('decodeMessage', () => decodeMessage(raw));
        if (m === REJECTED) continue;
        const r = mustSucceed('GossipManager.receive', () => g.receive(PEERS[op]!, m, now, raw));
        checkOutput('receive', r);
      } else if (op === 2) {
        now += u16() * 1000;
        checkOutput('tick', mustSucceed('GossipManager.tick', () => g.tick(now)));
      } else {
        const bytes = data.slice(at, at + u16());
        at += bytes.length;
        mustSucceed('checkFailureUpdate', () => g.checkFailureUpdate(bytes));
      }
    }
    for (const p of PEERS) {
      for (const bytes of mustSucceed('nextMessagesFor', () => g.nextMessagesFor(p, 1000))) {
        if (decodeOrReject('decode what we send', () => decodeMessage(bytes)) === REJECTED) throw new Finding('the manager queued a message that does not decode');
      }
    }
    const stats = mustSucceed('stats', () => g.stats());
    for (const [k, v] of Object.entries(stats)) {
      if (typeof v === 'number' && !(v >= 0)) throw new Finding(`stats.${k} = ${v}`);
    }
  },
};
