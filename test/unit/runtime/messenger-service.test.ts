/**
 * The messenger adapter inside real Nodes in this process (real PeerManagers over loopback TCP,
 * real SQLite files): dialling a destination from the address book, and failed dials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyFromPrivate, randomPrivateKey, toHex } from '../../../core/crypto';
import type { NodeApi, NodeEvent } from '../../../core/api';
import { Node } from '../../../core/node';
import { createNodeApi } from '../../../core/api/node-api';
import { tempDir } from '../../support/tmp';

async function startNode(alias: string): Promise<{ node: Node; api: NodeApi; address: string; events: NodeEvent[] }> {
  const node = await Node.open({ datadir: tempDir('glasswing-messenger-'), alias, network: 'regtest', listen: { host: '127.0.0.1', port: 0 }, version: 'test' });
  const { listen } = await node.start();
  const events: NodeEvent[] = [];
  node.events.subscribe((e) => events.push(e));
  return { node, api: createNodeApi(node), address: `${toHex(node.nodeId)}@${listen[0]}`, events };
}

async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('MessengerService in two in-process nodes', () => {
  let a: Awaited<ReturnType<typeof startNode>>;
  let b: Awaited<ReturnType<typeof startNode>>;
  let bId: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([startNode('a'), startNode('b')]);
    bId = toHex(b.node.nodeId);
    await b.api.registerMessageHandler({ tlvType: '65537' });
  });

  afterAll(async () => {
    await Promise.all([a.node.stop(), b.node.stop()]);
  });

  it('dials a destination the address book knows, then delivers', async () => {
    await a.api.connect({ address: b.address, reconnect: false });
    await a.api.disconnect({ nodeId: bId });
    await until(() => !a.node.peers.isConnected(bId), 'the disconnect');
    const sent = await a.api.sendOnionMessage({ destination: bId, tlvs: [{ type: '65537', value: '0a' }] });
    expect(sent).toMatchObject({ route: 'connect_first', firstHop: bId });
    const delivered = await until(() => b.events.find((e) => e.type === 'onion.delivered' && e.records?.[0]?.value === '0a'), 'the delivery');
    expect(delivered).toMatchObject({ handler: 'application', from: toHex(a.node.nodeId) });
  });

  it('fails with messenger.connect_failed when the dial fails and reports the drop', async () => {
    const ghost = toHex(publicKeyFromPrivate(randomPrivateKey()));
    await a.api.connect({ address: `${ghost}@127.0.0.1:1`, reconnect: false }).catch(() => undefined);
    await expect(a.api.sendOnionMessage({ destination: ghost, tlvs: [{ type: '65537', value: '0b' }] })).rejects.toMatchObject({ code: 'messenger.connect_failed' });
    expect(a.events.find((e) => e.type === 'onion.dropped' && e.to === ghost)).toMatchObject({ reason: 'connect_failed' });
  });
});
