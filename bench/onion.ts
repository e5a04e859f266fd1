/**
 * bench/onion: Sphinx build and peel, for payments and onion messages, per hop, next to the
 * cost of one ECDH of the crypto backend. ECDH is measured right before and after each
 * operation and averaged, so the ratio survives a machine whose load drifts.
 * "ECDH per hop" is the cost of one hop in ECDHs; "EC bound" is the elliptic-curve work a hop
 * cannot avoid, in ECDHs (a k·P multiplication costs one ECDH; k·G is measured); "of bound"
 * = bound / actual, i.e. how close the onion code gets to the crypto backend's limit.
 */
import { ecdh, pointFromScalar, pointMultiply, publicKeyFromPrivate, scalarFromHash, sha256 } from '../core/crypto';
import type { OnionHop } from '../core/onion';
import {
  createBlindedPath, createOnionMessage, createOnionPacket, encodeOnionPacket, encodePaymentHopPayload, peelOnionMessage, peelOnionPacket,
} from '../core/onion';
import { measure, printTable } from './harness';

const key = (i: number): Uint8Array => scalarFromHash(sha256(new TextEncoder().encode(`bench/onion/${i}`)));
const nodes = Array.from({ length: 20 }, (_, i) => ({ privateKey: key(i), nodeId: publicKeyFromPrivate(key(i)) }));
const sessionKey = key(1000);
const AD = new Uint8Array(32).fill(0x42);

function paymentHops(n: number): OnionHop[] {
  return nodes.slice(0, n).map((node, i) => ({
    nodeId: node.nodeId,
    payload: encodePaymentHopPayload({ amtToForward: 100_000n + BigInt(i), outgoingCltvValue: 800_000 + i, shortChannelId: BigInt(i + 1) }),
  }));
}

function blindedPath(n: number) {
  return createBlindedPath({
    sessionKey: key(2000),
    hops: nodes.slice(0, n).map((node, i) => ({ nodeId: node.nodeId, data: i < n - 1 ? { nextNodeId: nodes[i + 1]!.nodeId } : { pathId: new Uint8Array(32) } })),
  }).path;
}

export async function run(): Promise<void> {
  const k = key(1);
  const p = nodes[1]!.nodeId;
  const ecdhOps = (): number => measure('ecdh', () => void ecdh(k, p), 0.4).opsPerSec;
  const e0 = ecdhOps();
  const baseOps = measure('k·G', () => void pointFromScalar(k), 0.4).opsPerSec;
  const mulOps = measure('k·P', () => void pointMultiply(p, k), 0.4).opsPerSec;
  const e1 = ecdhOps();
  const base = (e0 + e1) / 2 / baseOps; // k·G in ECDHs

  const rows: (string | number)[][] = [];
  const row = (name: string, hops: number, fn: () => void, boundEcdhPerHop: number, seconds = 1.2) => {
    const before = ecdhOps();
    const m = measure(name, fn, seconds);
    const ecdhPerSec = (before + ecdhOps()) / 2;
    const perHop = m.opsPerSec * hops;
    const ecdhPerHop = ecdhPerSec / perHop;
    rows.push([name, m.opsPerSec, perHop, ecdhPerSec, ecdhPerHop, boundEcdhPerHop, `${((100 * boundEcdhPerHop) / ecdhPerHop).toFixed(0)}%`]);
  };

  // Payments (1,300-byte payload area, associated data = payment hash).
  for (const n of [5, 20]) {
    const hops = paymentHops(n);
    // Per hop the sender does ECDH(ek, N) and ek·G.
    row(`payment build, ${n} hops`, n, () => void createOnionPacket({ sessionKey, hops, associatedData: AD }), 1 + base);
  }
  const payment = encodeOnionPacket(createOnionPacket({ sessionKey, hops: paymentHops(5), associatedData: AD }).packet);
  // A hop does ECDH(k, epk) and blinds epk for the next hop (k·P).
  row('payment peel (1 hop)', 1, () => void peelOnionPacket({ packet: payment, privateKey: nodes[0]!.privateKey, associatedData: AD }), 2);

  // Onion messages over blinded paths.
  for (const n of [5, 20]) {
    const path = blindedPath(n);
    const size = n <= 10 ? 1300 : 32768;
    row(`message build, ${n} blinded hops (${size})`, n, () => void createOnionMessage({ sessionKey, path, contents: {}, payloadSize: size }), 1 + base);
  }
  for (const size of [1300, 32768]) {
    const msg = createOnionMessage({ sessionKey, path: blindedPath(5), contents: {}, payloadSize: size });
    const packet = encodeOnionPacket(msg.packet);
    // ECDH with the path key, ECDH with the tweaked key, next onion key, next path key.
    row(
      `message peel (1 blinded hop, ${size})`,
      1,
      () => void peelOnionMessage({ packet, pathKey: msg.pathKey, privateKey: nodes[0]!.privateKey, ourNodeId: nodes[0]!.nodeId }),
      4,
    );
  }
  // Per hop: ECDH(e, N), the blinded id HMAC·N (k·P), and e·G for the next path key.
  row('blinded path create, 5 hops', 5, () => void blindedPath(5), 2 + base);

  printTable(['primitive', 'ops/s'], [
    ['ecdh (SHA256 of k·P)', (e0 + e1) / 2],
    ['k·G (base point)', baseOps],
    ['k·P (point multiply)', mulOps],
  ]);
  console.log('');
  printTable(['operation', 'ops/s', 'hops/s', 'ECDH/s (same time)', 'ECDH per hop', 'EC bound', 'of bound'], rows);
}
