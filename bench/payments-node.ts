/**
 * Payments through running nodes: two Nodes in this process over loopback TCP (real PeerManagers,
 * BOLT 8, SQLite with synchronous=FULL), one channel opened on an agreed outpoint (the tests'
 * path), the payments adapters signing on their own. Measures an invoice issued and paid end to end
 * (createInvoice on B, pay on A until `succeeded`), one at a time (latency) and ten at a time
 * (throughput). Absolute numbers on the shared VM are noisy: compare runs on one machine.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../core/crypto';
import { Node } from '../core/node';
import { createNodeApi } from '../core/api/node-api';
import type { NodeApi } from '../core/api';
import { openTestChannel, testChannelSpec } from '../test/support/channel-open';
import { percentile, printTable } from './harness';

async function startNode(name: string): Promise<{ node: Node; api: NodeApi; id: string; address: string }> {
  const datadir = mkdtempSync(join(tmpdir(), `glasswing-bench-pay-${name}-`));
  const node = await Node.open({ datadir, alias: name, network: 'regtest', listen: { host: '127.0.0.1', port: 0 }, version: 'bench' });
  const { listen } = await node.start();
  return { node, api: createNodeApi(node), id: toHex(node.nodeId), address: `${toHex(node.nodeId)}@${listen[0]}` };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

export async function run(): Promise<void> {
  const a = await startNode('a');
  const b = await startNode('b');
  await a.api.connect({ address: b.address, reconnect: true });
  await until(() => b.node.peers.isConnected(a.id));
  openTestChannel({ service: a.node.channels, nodeId: a.id }, { service: b.node.channels, nodeId: b.id }, testChannelSpec());

  const payOne = async () => {
    const inv = await b.api.createInvoice({ amountMsat: '10000', description: 'bench' });
    const paid = await a.api.pay({ invoice: inv.bolt11 });
    if (paid.status !== 'succeeded') throw new Error(`payment ${paid.status}: ${JSON.stringify(paid.failure)}`);
  };
  for (let i = 0; i < 5; i++) await payOne();

  const latencies: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < 40; i++) {
    const s = performance.now();
    await payOne();
    latencies.push(performance.now() - s);
  }
  const sequential = 40 / ((performance.now() - t0) / 1000);

  const t1 = performance.now();
  for (let round = 0; round < 4; round++) await Promise.all(Array.from({ length: 10 }, () => payOne()));
  const concurrent = 40 / ((performance.now() - t1) / 1000);

  printTable(['what', 'payments/s', 'p50 ms', 'p90 ms'], [
    ['invoice + pay, one at a time', sequential, percentile(latencies, 50), percentile(latencies, 90)],
    ['invoice + pay, ten at a time', concurrent, NaN, NaN],
  ]);
  await a.node.stop();
  await b.node.stop();
}
