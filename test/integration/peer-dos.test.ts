/**
 * Remote-peer denial of service: what one peer can make a real daemon hold, log or compute stays
 * bounded, and the node keeps serving its other peers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DaemonProcess } from '../support/daemon';
import { startDaemon } from '../support/daemon';
import { RawPeer } from '../support/raw-peer';
import type { NodeApi, NodeEvent } from '../../core/api';

describe('a node bounds what one remote peer can cost it', () => {
  let node: DaemonProcess;
  let friend: DaemonProcess;
  let api: NodeApi;
  let events: Awaited<ReturnType<DaemonProcess['events']>>;

  beforeAll(async () => {
    [node, friend] = await Promise.all([startDaemon(), startDaemon()]);
    api = await node.api();
    events = await node.events();
    expect((await friend.cli('connect', node.address)).code).toBe(0);
  }, 120_000);

  async function friendStillServed(): Promise<void> {
    const r = await api.ping({ nodeId: friend.nodeId });
    expect(r.rttMs).toBeGreaterThanOrEqual(0);
  }

  it('a flood of 65 KB non-printable warnings: each is reported cut to 512 bytes with its length', async () => {
    const raw = await RawPeer.open(node.listenPort);
    await raw.handshake(node.nodeId);
    const count = 200;
    for (let i = 0; i < count; i++) raw.sendMessage({ type: 'warning', channelId: new Uint8Array(32), data: new Uint8Array(65_499).fill(0xff) });
    // A ping after the flood: its pong means every warning before it was handled.
    raw.sendMessage({ type: 'ping', numPongBytes: 1, ignored: new Uint8Array(0) });
    await raw.waitFor((m) => m.type === 'pong', 60_000);
    const fromRaw = (e: NodeEvent): e is Extract<NodeEvent, { type: 'peer.protocol_message' }> =>
      e.type === 'peer.protocol_message' && e.direction === 'in' && e.kind === 'warning' && e.nodeId !== friend.nodeId;
    const first = await events.waitFor(fromRaw);
    expect(first).toMatchObject({ text: `hex:${'ff'.repeat(512)}… (65499 bytes)` });
    const { events: history } = await api.recentEvents({ limit: 10_000, types: ['peer.protocol_message'] });
    const kept = history.filter(fromRaw);
    expect(kept.length).toBe(count);
    expect(JSON.stringify(kept).length).toBeLessThan(count * 2_000);
    raw.destroy();
    await friendStillServed();
  }, 120_000);
});
