/**
 * A live LDK node (rust-lightning 0.1 in WebAssembly, see support/ldk-node.ts) and real glasswing
 * daemons over TCP on 127.0.0.1:
 * - issue 3: BOLT 8 handshake and init in both directions, ping → pong;
 * - issue 5: onion messages both ways (with replies over reply paths) and through glasswing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { LdkNode, loadLdk } from './support/ldk-node';
import { eventually, startDaemon, type DaemonProcess } from '../support/daemon';
import { fromHex, toHex } from '../../core/crypto';
import type { NodeEvent } from '../../core/api';

describe('interop with a live LDK node', () => {
  let ldkNode: LdkNode;
  let g: DaemonProcess;
  let h: DaemonProcess;
  let gEvents: NodeEvent[];

  beforeAll(async () => {
    await loadLdk();
    ldkNode = new LdkNode();
    [g, h] = await Promise.all([startDaemon(['--alias', 'G']), startDaemon(['--alias', 'H'])]);
    expect((await h.cli('connect', g.address)).code).toBe(0);
    gEvents = [];
    (await g.api()).subscribe((e) => gEvents.push(e));
  }, 120_000);
  afterAll(() => ldkNode?.close());

  it('LDK dials glasswing: both complete BOLT 8 and init, and glasswing gets pong for its ping', async () => {
    await ldkNode.connect(g.nodeId, g.listenPort);
    await eventually(() => ldkNode.peerIds().includes(g.nodeId), 15_000, 'LDK to list G');
    const gApi = await g.api();
    const peer = await eventually(async () => (await gApi.listPeers({})).peers.find((p) => p.nodeId === ldkNode.nodeId), 15_000, 'G to list LDK');
    expect(peer.direction).toBe('inbound');
    expect(peer.features.map((f) => f.name)).toContain('option_onion_messages');
    const ping = await g.cli('ping', ldkNode.nodeId, '--bytes', '7');
    expect(ping.code).toBe(0);
    expect(ping.json).toMatchObject({ nodeId: ldkNode.nodeId, rttMs: expect.any(Number) });
  });

  it('glasswing dials LDK: both complete BOLT 8 and init', async () => {
    const port = await ldkNode.listen();
    const r = await h.cli('connect', `${ldkNode.nodeId}@127.0.0.1:${port}`, '--no-reconnect');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ nodeId: ldkNode.nodeId, direction: 'outbound' });
    await eventually(() => ldkNode.peerIds().includes(h.nodeId), 15_000, 'LDK to list H');
    expect((await h.cli('ping', ldkNode.nodeId)).code).toBe(0);
  });

  it('glasswing → LDK with a reply path: LDK peels it, answers over the reply path, glasswing gets the answer', async () => {
    const value = randomBytes(16);
    const r = await g.cli('sendonionmessage', ldkNode.nodeId, '--tlv', `65601=${value.toString('hex')}`, '--reply-path', '--wait-reply', '20');
    expect(r.code).toBe(0);
    expect(ldkNode.received.some((m) => m.type === 65601n && toHex(m.value) === value.toString('hex') && m.hadReplyPath)).toBe(true);
    const reply = (r.json as { reply?: { records: { type: string; value: string }[] } }).reply;
    expect(reply?.records).toEqual([{ type: '65603', value: Buffer.from(value).reverse().toString('hex') }]);
  });

  it('LDK → glasswing with a reply path: glasswing delivers it, and its reply reaches LDK', async () => {
    const gApi = await g.api();
    await gApi.registerMessageHandler({ tlvType: '65605' });
    const value = new Uint8Array(randomBytes(12));
    ldkNode.customTypes.add(65607n);
    ldkNode.sendCustom({ nodeId: g.nodeId }, 65605n, value, true);
    const delivered = await eventually(() => gEvents.find((e) => e.type === 'onion.delivered' && e.tlvType === '65605') as Extract<NodeEvent, { type: 'onion.delivered' }> | undefined, 15_000, 'G to deliver');
    expect(delivered.records?.[0]?.value).toBe(toHex(value));
    expect(delivered.hasReplyPath).toBe(true);
    await gApi.sendOnionMessage({ destination: delivered.replyPath!, tlvs: [{ type: '65607', value: 'c0ffee' }], inReplyTo: delivered.messageId });
    await eventually(() => ldkNode.received.find((m) => m.type === 65607n && toHex(m.value) === 'c0ffee'), 15_000, 'LDK to receive the reply');
  });

  it('LDK → G → H: glasswing forwards LDK\'s message into H\'s blinded path', async () => {
    const hApi = await h.api();
    await hApi.registerMessageHandler({ tlvType: '65609' });
    const hEvents: NodeEvent[] = [];
    hApi.subscribe((e) => hEvents.push(e));
    const path = fromHex((await hApi.createMessagePath({ via: [g.nodeId] })).path);
    const value = new Uint8Array(randomBytes(10));
    ldkNode.sendCustom({ blindedPath: path }, 65609n, value);
    await eventually(() => hEvents.find((e) => e.type === 'onion.delivered' && e.records?.[0]?.value === toHex(value)), 20_000, 'H to deliver');
    expect(gEvents.some((e) => e.type === 'onion.forwarded' && e.from === ldkNode.nodeId && e.to === h.nodeId)).toBe(true);
  });
});
