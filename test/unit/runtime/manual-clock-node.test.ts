/**
 * Adapters driven by the node's one clock: a Node on a ManualClock (real TCP on 127.0.0.1, real
 * SQLite files) sets every timer on it, lists them, and does what they are for only when the
 * test moves time — a reconnection after a dropped connection, a reply that never came.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../core/crypto';
import type { NodeApi, NodeEvent } from '../../../core/api';
import { createNodeApi } from '../../../core/api/node-api';
import { Node } from '../../../core/node';
import { ManualClock } from '../../../core/runtime/clock';
import { tempDir } from '../../support/tmp';

const T0 = 1_760_000_000_000;

interface Started {
  node: Node;
  api: NodeApi;
  id: string;
  address: string;
  events: NodeEvent[];
}

async function start(alias: string, clock?: ManualClock): Promise<Started> {
  const node = await Node.open({
    datadir: tempDir('glasswing-clock-'), alias, network: 'regtest', listen: { host: '127.0.0.1', port: 0 }, version: 'test', ...(clock ? { clock } : {}),
  });
  const events: NodeEvent[] = [];
  node.events.subscribe((e) => events.push(e));
  const { listen } = await node.start();
  return { node, api: createNodeApi(node), id: toHex(node.nodeId), address: `${toHex(node.nodeId)}@${listen[0]}`, events };
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

describe('a node on a ManualClock', () => {
  const clock = new ManualClock(T0);
  let a: Started;
  let b: Started;

  beforeAll(async () => {
    [a, b] = await Promise.all([start('manual', clock), start('system')]);
  });
  afterAll(async () => {
    await Promise.all([a.node.stop(), b.node.stop()]);
  });

  it('lists its adapters\' timers in one place, on its own time', () => {
    expect(a.node.clock).toBe(clock);
    const names = clock.timers().map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['peer.tick', 'messenger.tick', 'messenger.log_flush']));
    expect(clock.timers().find((t) => t.name === 'peer.tick')).toEqual({ name: 'peer.tick', kind: 'interval', periodMs: 1_000, nextRunAt: T0 + 1_000 });
    expect(a.events.every((e) => e.time === T0)).toBe(true);
  });

  it('reconnects to a peer that dropped it only when the clock reaches the scheduled attempt', async () => {
    await a.api.connect({ address: b.address, reconnect: true });
    await until(() => b.node.peers.isConnected(a.id), 'B to see A');
    // B drops A (and forgets it, so only A dials back).
    await b.api.disconnect({ nodeId: a.id, forget: true });
    const scheduled = await until(() => a.events.find((e) => e.type === 'peer.reconnect_scheduled' && e.nodeId === b.id), 'the reconnection to be scheduled');
    const inMs = (scheduled as { inMs: number }).inMs;
    expect(inMs).toBeGreaterThanOrEqual(800); // the first backoff step: 1 s ± 20%
    expect(clock.timers()).toContainEqual({ name: `peer.reconnect ${b.id}`, kind: 'timeout', periodMs: inMs, nextRunAt: clock.now() + inMs });
    expect(a.node.peers.isConnected(b.id)).toBe(false);
    const connectedBefore = a.events.filter((e) => e.type === 'peer.connected').length;
    clock.advance(inMs);
    expect(clock.timers().some((t) => t.name === `peer.reconnect ${b.id}`)).toBe(false);
    await until(() => a.events.filter((e) => e.type === 'peer.connected').length > connectedBefore, 'A to dial B again');
    expect(a.node.peers.isConnected(b.id)).toBe(true);
  });

  it('times a reply out when the clock passes the wait, not before', async () => {
    await until(() => a.node.peers.isConnected(b.id), 'the connection');
    let settled: unknown;
    // B has no handler for this type: it drops the message and no reply ever comes.
    const sent = a.api.sendOnionMessage({ destination: b.id, tlvs: [{ type: '65601', value: '01' }], waitReplySeconds: 5 });
    sent.then((r) => (settled = r), (e: unknown) => (settled = e));
    await until(() => b.events.find((e) => e.type === 'onion.dropped' && e.reason === 'no_handler'), 'B to drop the message');
    clock.advance(4_000);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBeUndefined();
    clock.advance(1_250); // past the 5 s wait, and one messenger.tick (250 ms) later
    await expect(sent).rejects.toMatchObject({ code: 'messenger.reply_timeout' });
  });
});
