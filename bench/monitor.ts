/**
 * The channel monitor's costs, side by side in one run:
 * - what the channel layer pays before each commitment_signed / revoke_and_ack leaves: encoding a
 *   monitor update, and appending it to SQLite (synchronous=FULL, one transaction per update);
 * - a restart: folding a long update log back (one commitment each way and a revocation per step);
 * - a block while a close resolves (one step of an idle closing monitor);
 * - a revoked commitment with 100 HTLCs: classification and the first justice step.
 *
 *   npm run bench -- monitor
 */
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { publicKeyFromPrivate, sha256, utf8 } from '../core/crypto';
import { commitmentSecret } from '../core/channel/shachain';
import type { CommitmentSpec, Htlc } from '../core/channel/state';
import { ChannelData, ChannelMonitor, encodeMonitorUpdate } from '../core/monitor';
import type { MonitorUpdate } from '../core/monitor';
import { DATABASE_FILE, MonitorRepository, openDatabase } from '../core/store';
import { MonitoredPair, fakeFunding, signedLocalCommitment } from '../test/support/monitor-channel';
import { measure, printTable } from './harness';

function spec(n: number): CommitmentSpec {
  const htlcs: Htlc[] = [];
  for (let i = 0; i < n; i++) {
    htlcs.push({ offerer: i % 2 === 0 ? 'local' : 'remote', id: BigInt(i), amountMsat: 1_000_000n + BigInt(i), paymentHash: sha256(utf8.encode(`b${i}`)), cltvExpiry: 800_000 + i });
  }
  return { feeratePerKw: 253, localMsat: 400_000_000n, remoteMsat: 400_000_000n, htlcs };
}

export async function run(): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const n of [0, 10, 483]) {
    const u: MonitorUpdate = { kind: 'remote_commitment', commitment: { ctn: 7, spec: spec(n), perCommitmentPoint: publicKeyFromPrivate(sha256(utf8.encode('p'))) } };
    const m = measure(`encode remote_commitment, ${n} HTLCs`, () => void encodeMonitorUpdate(u), 0.5);
    rows.push([m.name, m.opsPerSec, `${encodeMonitorUpdate(u).length} B`]);
  }

  const dir = mkdtempSync(join(tmpdir(), 'glasswing-bench-monitor-'));
  try {
    const pair = new MonitoredPair({ fundingOutpoint: fakeFunding('bench') });
    const db = openDatabase(join(dir, DATABASE_FILE));
    const repo = new MonitorRepository(db);
    const id = '11'.repeat(32);
    repo.appendMonitorUpdates(id, pair.a.updates);
    const u: MonitorUpdate = { kind: 'remote_commitment', commitment: { ctn: 1, spec: spec(10), perCommitmentPoint: publicKeyFromPrivate(sha256(utf8.encode('p'))) } };
    const m = measure('append one update to SQLite (10 HTLCs, synchronous=FULL)', () => repo.appendMonitorUpdates(id, [u]), 1);
    rows.push([m.name, m.opsPerSec, '']);
    db.close();

    const steps = 5_000;
    const seed = sha256(utf8.encode('peer shachain'));
    // Matching points (the check a revocation makes: its secret must give the commitment's point).
    const real: MonitorUpdate[] = [...pair.a.updates.filter((x) => !(x.kind === 'remote_commitment'))];
    for (let n = 0; n <= steps; n++) {
      const secret = commitmentSecret(seed, n);
      real.push({ kind: 'remote_commitment', commitment: { ctn: n, spec: spec(0), perCommitmentPoint: publicKeyFromPrivate(secret) } });
      if (n > 0) real.push({ kind: 'remote_secret', ctn: n - 1, secret: commitmentSecret(seed, n - 1) });
    }
    for (const trusted of [false, true]) {
      const s1 = performance.now();
      const data = ChannelData.fromUpdates(real, { trusted });
      const foldMs = performance.now() - s1;
      rows.push([`fold a log of ${real.length} updates (${steps} revocations${trusted ? ', restore' : ', checked'})`, 1000 / foldMs, `${foldMs.toFixed(0)} ms, revoked up to ${data.revokedUpTo}`]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // A revoked commitment with 100 HTLCs, classified and punished.
  const big = new MonitoredPair({ fundingOutpoint: fakeFunding('bench big'), fundingSat: 16_000_000n, toSelfDelay: 144 });
  for (let i = 0; i < 100; i++) big.add(i % 2 ? big.a : big.b, 20_000_000n + BigInt(i), `big${i}`, 900_000 + i);
  big.commit(big.a);
  const old = signedLocalCommitment(big.b);
  big.fulfill(big.b, 0n, 'big1');
  big.commit(big.b);
  const monitor = ChannelMonitor.open(big.a.updates, big.a.monitorSigner);
  monitor.bestBlock(800_000);
  const s2 = performance.now();
  const step = monitor.transactionsConfirmed([old.tx], 800_001);
  const justiceMs = performance.now() - s2;
  const inputs = step.actions.flatMap((a) => (a.type === 'broadcast' && a.label === 'justice' ? [a.tx.inputs.length] : []));
  rows.push([`revoked commitment with ${old.built.commitment.htlcOutputs.length} HTLCs: classify + justice`, 1000 / justiceMs, `${justiceMs.toFixed(0)} ms, penalty inputs ${inputs.join('+')}`]);
  const rebid = measure('one block with the penalty unconfirmed (re-bid, 101 inputs re-signed)', () => void monitor.bestBlock(monitor.bestHeight + 1), 1);
  rows.push([rebid.name, rebid.opsPerSec, '']);
  // Once the penalty confirmed, a block changes nothing but depths.
  const penalty = step.actions.find((a) => a.type === 'broadcast' && a.label === 'justice');
  if (penalty?.type === 'broadcast') monitor.transactionsConfirmed([penalty.tx], monitor.bestHeight + 1);
  const idle = measure('one block after the penalty confirmed', () => void monitor.bestBlock(monitor.bestHeight + 1), 1);
  rows.push([idle.name, idle.opsPerSec, '']);
  printTable(['operation', 'ops/s', 'note'], rows);
}
