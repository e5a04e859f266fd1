/**
 * A flood driver process (started by campaigns/flood/campaign.ts, one or a few of them): opens
 * its share of the flood peers, each a real BOLT 8 connection from its own loopback address,
 * prints `{"event":"ready"}`, waits for `go` on stdin, floods for the given seconds, and prints
 * `{"event":"result", …}` with what it sent and what happened. The config comes as JSON in
 * FLOOD_DRIVER_CONFIG (see DriverConfig).
 */
import { createInterface } from 'node:readline';
import { fromHex, toHex } from '../../core/crypto';
import { FloodConnection } from './connection';
import { BAD_HANDSHAKE_KINDS, badHandshake, type BadHandshakeOutcome } from './handshakes';
import {
  TRAFFIC_KINDS, forwardMessage, gossipMessages, invoiceRequestMessage, junkMessages, newPeerKey, type PeerKey, type TrafficKind,
} from './traffic';

export interface DriverConfig {
  readonly driver: number;
  readonly port: number;
  /** The daemon's node id (hex). */
  readonly nodeId: string;
  /** The daemon's offer (bolt12). */
  readonly offer: string;
  readonly peers: number;
  /** Local addresses of this driver's peers (one each). */
  readonly addresses: readonly string[];
  /** Onion messages per second per peer. */
  readonly onionRate: number;
  /** Gossip messages per second per peer. */
  readonly gossipRate: number;
  readonly seconds: number;
  /** Bad-handshake bursts: addresses to send them from (none: no bursts), size and period. */
  readonly handshakes: { readonly addresses: readonly string[]; readonly burst: number; readonly everyMs: number };
}

export interface DriverResult {
  readonly event: 'result';
  readonly driver: number;
  readonly peers: number;
  readonly seconds: number;
  /** Messages written, by kind. */
  readonly sent: Readonly<Record<TrafficKind, number>>;
  /** Messages not written because the connection's socket was backed up (the node stopped reading). */
  readonly skippedBackedUp: number;
  readonly bytesSent: number;
  /** Flood connections the node closed during the flood. */
  readonly closedByNode: number;
  /** Messages the node sent the flood peers, by type number. */
  readonly received: Readonly<Record<string, number>>;
  readonly badHandshakes: Readonly<Record<BadHandshakeOutcome, number>> & { readonly attempted: number };
  /** This process's CPU time from `go` to the result, seconds (it shares the machine with the node). */
  readonly cpuSeconds: number;
}

/** Onion traffic mix per peer: the share of each kind (gossip runs at its own rate). */
const ONION_MIX: readonly [TrafficKind, number][] = [['invoice_request', 0.4], ['forward', 0.3], ['junk_onion', 0.3]];
const INVOICE_REQUESTS_PER_PEER = 2;
const FORWARDS = 64;
const GOSSIP_CHANNELS = 20;
/** Skip a write when this much is already waiting in the socket (the node is not reading). */
const MAX_BACKLOG = 1 << 20;
const TICK_MS = 20;

function cpuSecondsSince(at: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(at);
  return (d.user + d.system) / 1e6;
}

function log(o: object): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.FLOOD_DRIVER_CONFIG ?? '') as DriverConfig;
  const target = fromHex(cfg.nodeId);
  const keys: PeerKey[] = Array.from({ length: cfg.peers }, newPeerKey);

  // Everything is built before the flood, so the flood costs this process only encryption.
  const invoiceRequests = keys.map((k) => Array.from({ length: INVOICE_REQUESTS_PER_PEER }, () => invoiceRequestMessage(cfg.offer, target, k.nodeId)));
  const forwards = Array.from({ length: cfg.peers ? FORWARDS : 0 }, (_, i) => forwardMessage(target, keys[i % keys.length]!.nodeId));
  const junk = junkMessages(target);
  const gossip = gossipMessages(GOSSIP_CHANNELS);

  const conns: FloodConnection[] = [];
  for (let i = 0; i < keys.length; i += 10) {
    const batch = keys.slice(i, i + 10).map((k, j) => FloodConnection.open(cfg.port, target, k, cfg.addresses[i + j]!));
    conns.push(...(await Promise.all(batch)));
  }
  log({ event: 'ready', driver: cfg.driver, peers: keys.map((k) => toHex(k.nodeId)) });
  await new Promise<void>((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (l) => {
      if (l.trim() === 'go') {
        rl.close();
        resolve();
      }
    });
  });

  const sent: Record<TrafficKind, number> = Object.fromEntries(TRAFFIC_KINDS.map((k) => [k, 0])) as Record<TrafficKind, number>;
  let skippedBackedUp = 0;
  let bytesSent = 0;
  const started = Date.now();
  const cpuAtGo = process.cpuUsage();
  const end = started + cfg.seconds * 1000;
  const onionCredit = new Float64Array(conns.length);
  const gossipCredit = new Float64Array(conns.length);
  let cursor = 0;
  const pick = (kind: TrafficKind, peer: number): Uint8Array => {
    cursor++;
    switch (kind) {
      case 'invoice_request': {
        const own = invoiceRequests[peer]!;
        return own[cursor % own.length]!;
      }
      case 'forward':
        return forwards[cursor % forwards.length]!;
      case 'junk_onion':
        return junk[cursor % junk.length]!;
      case 'gossip':
        return gossip[cursor % gossip.length]!;
    }
  };
  const kindFor = (r: number): TrafficKind => {
    let acc = 0;
    for (const [kind, share] of ONION_MIX) if (r < (acc += share)) return kind;
    return 'junk_onion';
  };
  const write = (c: FloodConnection, kind: TrafficKind, peer: number): void => {
    if (c.closed) return;
    if (c.backlog > MAX_BACKLOG) {
      skippedBackedUp++;
      return;
    }
    const m = pick(kind, peer);
    c.send(m);
    sent[kind]++;
    bytesSent += m.length;
  };

  // Bad-handshake bursts run beside the flood.
  const hs = { attempted: 0, refused: 0, closed: 0, timed_out: 0, dropped: 0, left_open: 0, connect_failed: 0 } satisfies Record<BadHandshakeOutcome, number> & { attempted: number };
  const pendingHandshakes: Promise<void>[] = [];
  let burstTimer: NodeJS.Timeout | undefined;
  if (cfg.handshakes.addresses.length && cfg.handshakes.burst > 0) {
    let n = 0;
    const burst = () => {
      for (let i = 0; i < cfg.handshakes.burst; i++, n++) {
        const kind = BAD_HANDSHAKE_KINDS[n % BAD_HANDSHAKE_KINDS.length]!;
        const from = cfg.handshakes.addresses[n % cfg.handshakes.addresses.length]!;
        hs.attempted++;
        pendingHandshakes.push(badHandshake(kind, cfg.port, target, from).then((o) => void hs[o]++, () => void hs.connect_failed++));
      }
    };
    burst();
    burstTimer = setInterval(() => {
      if (Date.now() < end) burst();
    }, cfg.handshakes.everyMs);
  }

  let last = started;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, TICK_MS));
    const now = Date.now();
    const dt = (now - last) / 1000;
    last = now;
    for (let p = 0; p < conns.length; p++) {
      const c = conns[p]!;
      onionCredit[p]! += cfg.onionRate * dt;
      while (onionCredit[p]! >= 1) {
        onionCredit[p]! -= 1;
        write(c, kindFor(Math.random()), p);
      }
      gossipCredit[p]! += cfg.gossipRate * dt;
      while (gossipCredit[p]! >= 1) {
        gossipCredit[p]! -= 1;
        write(c, 'gossip', p);
      }
    }
  }
  const seconds = (Date.now() - started) / 1000;
  clearInterval(burstTimer);
  await Promise.all(pendingHandshakes);

  const received: Record<string, number> = {};
  for (const c of conns) for (const [t, n] of c.received) received[t] = (received[t] ?? 0) + n;
  const result: DriverResult = {
    event: 'result', driver: cfg.driver, peers: conns.length, seconds, sent, skippedBackedUp, bytesSent,
    closedByNode: conns.filter((c) => c.closed && c.closedAt <= started + seconds * 1000).length, received, badHandshakes: hs,
    cpuSeconds: cpuSecondsSince(cpuAtGo),
  };
  log(result);
  for (const c of conns) c.destroy();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log({ event: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) });
    process.exit(1);
  },
);
