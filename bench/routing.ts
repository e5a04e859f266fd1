/**
 * bench/routing: findRoute on a synthetic graph the size of today's public network (~12,000
 * nodes, ~50,000 channels), built by preferential attachment so a few hubs hold many channels, as
 * on mainnet; policies drawn from a fixed seed. Reports how long a search takes (p50/p90/max over
 * 40 random pairs), for a small and a large payment, with one label per node (plain Dijkstra) and with the
 * default four (fee/CLTV trade-offs kept), over the gossip layer's routing view.
 */
import { sha256 } from '../core/crypto';
import { ChannelGraph } from '../core/gossip';
import type { ChannelPolicy } from '../core/gossip';
import { RoutingError, findRoute } from '../core/routing';
import { shortChannelIdFromParts } from '../core/wire';
import { percentile, printTable } from './harness';

/** A small deterministic PRNG (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const NODES = 12_000;
const CHANNELS = 50_000;

function nodeId(i: number): string {
  const h = sha256(new TextEncoder().encode(`bench/routing/${i}`));
  return '02' + Array.from(h, (b) => b.toString(16).padStart(2, '0')).join('');
}

function build(): { graph: ChannelGraph; ids: string[] } {
  const r = rng(42);
  const ids = Array.from({ length: NODES }, (_, i) => nodeId(i));
  const graph = new ChannelGraph();
  const ends: number[] = [0, 1];
  const policy = (cap: bigint): ChannelPolicy => ({
    timestamp: 1, messageFlags: 1, channelFlags: 0, disabled: r() < 0.05, dontForward: false, cltvExpiryDelta: [40, 80, 144][Math.floor(r() * 3)]!,
    htlcMinimumMsat: 1000n, htlcMaximumMsat: cap * 1000n, feeBaseMsat: BigInt(Math.floor(r() * 1000)), feeProportionalMillionths: BigInt(Math.floor(r() * 500)),
    message: new Uint8Array(), checksum: 0,
  });
  for (let c = 0; c < CHANNELS; c++) {
    // Preferential attachment: one end new-ish (uniform), the other picked in proportion to degree.
    const a = c < NODES ? c : Math.floor(r() * NODES);
    let b = ends[Math.floor(r() * ends.length)]!;
    if (b === a) b = (a + 1) % NODES;
    ends.push(a, b);
    const [x, y] = ids[a]! < ids[b]! ? [ids[a]!, ids[b]!] : [ids[b]!, ids[a]!];
    const cap = BigInt(100_000 + Math.floor(r() * 10_000_000));
    const scid = shortChannelIdFromParts(600_000 + Math.floor(c / 50), c % 50, 0);
    graph.addChannel({ shortChannelId: scid, nodeId1: x, nodeId2: y, capacitySat: cap, features: new Uint8Array(), unknownRequiredFeatures: false, announcement: new Uint8Array(), receivedAtMs: 0 });
    graph.setPolicy(scid, 0, policy(cap));
    graph.setPolicy(scid, 1, policy(cap));
  }
  return { graph, ids };
}

export async function run(): Promise<void> {
  const t0 = performance.now();
  const { graph, ids } = build();
  const buildMs = performance.now() - t0;
  const view = graph.routingView();
  const rows: (string | number)[][] = [];
  for (const [amountMsat, maxLabelsPerNode] of [[10_000n, 1], [10_000n, 4], [5_000_000_000n, 1], [5_000_000_000n, 4]] as const) {
    const times: number[] = [];
    let found = 0;
    let failed = 0;
    const runs = 40;
    const r = rng(7); // the same pairs for every row
    for (let i = 0; i < runs; i++) {
      const source = ids[Math.floor(r() * NODES)]!;
      let destination = ids[Math.floor(r() * NODES)]!;
      if (destination === source) destination = ids[(ids.indexOf(source) + 1) % NODES]!;
      const start = performance.now();
      try {
        findRoute({ graph: view, source: hexBytes(source), destination: hexBytes(destination), amountMsat, maxFeeMsat: amountMsat / 20n + 10_000n, maxLabelsPerNode });
        found++;
      } catch (e) {
        if (!(e instanceof RoutingError)) throw e;
        failed++;
      }
      times.push(performance.now() - start);
    }
    rows.push([`${amountMsat} msat`, maxLabelsPerNode, found, failed, percentile(times, 50), percentile(times, 90), percentile(times, 100)]);
  }
  console.log(`graph: ${graph.nodeCount} nodes, ${graph.channelCount} channels (built in ${buildMs.toFixed(0)} ms)`);
  printTable(['amount', 'labels/node', 'found', 'no route', 'p50 ms', 'p90 ms', 'max ms'], rows);
}

function hexBytes(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}
