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

describe('a forwarded onion message in the node that forwards it (issue 17: one event per wire message)', () => {
  let a: Awaited<ReturnType<typeof startNode>>;
  let b: Awaited<ReturnType<typeof startNode>>;
  let c: Awaited<ReturnType<typeof startNode>>;

  beforeAll(async () => {
    [a, b, c] = await Promise.all([startNode('a'), startNode('b'), startNode('c')]);
    await c.api.registerMessageHandler({ tlvType: '65537' });
    await a.api.connect({ address: b.address, reconnect: false });
    await b.api.connect({ address: c.address, reconnect: false });
  });

  afterAll(async () => {
    await Promise.all([a.node.stop(), b.node.stop(), c.node.stop()]);
  });

  it('is one event per wire message (onion.received in, onion.forwarded out), one log row, and both peer counters', async () => {
    const [aId, bId, cId] = [a, b, c].map((n) => toHex(n.node.nodeId)) as [string, string, string];
    const counters = async () => {
      const { peers } = await b.api.listPeers({});
      return { fromA: peers.find((p) => p.nodeId === aId)!, toC: peers.find((p) => p.nodeId === cId)! };
    };
    const before = await counters();
    const [bFrom, aFrom] = [b.events.length, a.events.length];
    const sent = await a.api.sendOnionMessage({ destination: cId, via: [bId], tlvs: [{ type: '65537', value: '0c' }] });
    expect(sent.firstHop).toBe(bId);
    await until(() => c.events.find((e) => e.type === 'onion.delivered' && e.records?.[0]?.value === '0c'), 'the delivery at c');
    const forwarded = await until(() => b.events.slice(bFrom).find((e) => e.type === 'onion.forwarded'), 'the forward at b');
    // At b: the onion_message in is its onion.received, the one out its onion.forwarded; no wire.message for either.
    const atB = b.events.slice(bFrom).filter((e) => e.type.startsWith('onion.') || (e.type === 'wire.message' && e.messageType === 'onion_message'));
    expect(atB.map((e) => e.type)).toEqual(['onion.received', 'onion.forwarded']);
    expect(atB[0]).toMatchObject({ from: aId, messageId: forwarded.messageId });
    expect(forwarded).toMatchObject({ from: aId, to: cId });
    // At a: the message it sent is its onion.sent alone.
    const atA = a.events.slice(aFrom).filter((e) => e.type === 'onion.sent' || (e.type === 'wire.message' && e.messageType === 'onion_message'));
    expect(atA.map((e) => e.type)).toEqual(['onion.sent']);
    // The stored log keeps the forward as one row; the received step is live only.
    const rows = (await b.api.listMessages({ limit: 100 })).messages.filter((r) => r.messageId === forwarded.messageId);
    expect(rows.map((r) => r.outcome)).toEqual(['forwarded']);
    expect(rows[0]).toMatchObject({ peer: cId, event: expect.objectContaining({ from: aId, to: cId }) });
    // The peers' counters still count both wire messages.
    const after = await counters();
    expect(after.fromA.messagesIn - before.fromA.messagesIn).toBeGreaterThanOrEqual(1);
    expect(after.toC.messagesOut - before.toC.messagesOut).toBeGreaterThanOrEqual(1);
    // Other messages still have their wire.message (init, pings): the peer layer only leaves out what the messenger reports.
    expect(b.events.some((e) => e.type === 'wire.message' && e.messageType === 'init')).toBe(true);
  });
});
