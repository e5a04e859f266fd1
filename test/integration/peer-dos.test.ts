/**
 * Remote-peer denial of service: what one peer can make a real daemon hold, log or compute stays
 * bounded, and the node keeps serving its other peers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DaemonProcess } from '../support/daemon';
import { eventually, startDaemon } from '../support/daemon';
import { RawPeer } from '../support/raw-peer';
import type { NodeApi, NodeEvent } from '../../core/api';
import { FeatureVector } from '../../core/wire';
import { connect, type Socket } from 'node:net';
import { NoiseInitiator } from '../../core/transport';
import { fromHex, randomPrivateKey } from '../../core/crypto';

/** A TCP connection that records how many bytes came back and whether it closed. */
interface Probe {
  readonly socket: Socket;
  bytesIn: number;
  closed: boolean;
  readonly whenClosed: Promise<void>;
  /** Resolves once at least `n` bytes arrived or the connection closed. */
  bytesOrClose(n: number): Promise<void>;
}

function probe(port: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      let wake: (() => void) | undefined;
      const p: Probe = {
        socket, bytesIn: 0, closed: false,
        whenClosed: new Promise((r) => socket.once('close', () => { p.closed = true; wake?.(); r(); })),
        bytesOrClose: (n) => new Promise((r) => {
          const check = () => { if (p.closed || p.bytesIn >= n) r(); else wake = check; };
          check();
        }),
      };
      socket.on('data', (chunk: Buffer) => { p.bytesIn += chunk.length; wake?.(); });
      socket.on('error', () => undefined);
      resolve(p);
    });
    socket.once('error', reject);
  });
}

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

  /** The first event after `from` (an index into the collected list) that matches. */
  async function nextEvent<T extends NodeEvent>(from: number, pred: (e: NodeEvent) => e is T): Promise<T> {
    return (await events.waitFor((e) => events.list.indexOf(e) >= from && pred(e))) as T;
  }

  it('an init with 65,529 bytes of 0xAA (~262,000 odd bits) is accepted, listed by name plus 64 unknown bits and a count', async () => {
    const from = events.list.length;
    const raw = await RawPeer.open(node.listenPort);
    await raw.handshake(node.nodeId, false);
    raw.sendMessage({ type: 'init', globalFeatures: FeatureVector.EMPTY, features: FeatureVector.decode(new Uint8Array(65_529).fill(0xaa)), tlvs: {} });
    await raw.waitFor((m) => m.type === 'init');
    const connected = await nextEvent(from, (e): e is Extract<NodeEvent, { type: 'peer.connected' }> => e.type === 'peer.connected' && e.peer.nodeId !== friend.nodeId);
    const features = connected.peer.features;
    expect(features.filter((f) => f.name.startsWith('unknown_'))).toHaveLength(64);
    expect(features.at(-1)!.name).toMatch(/^… \d+ more unknown bits$/);
    expect(features.length).toBeLessThan(120);
    const listed = (await api.listPeers({})).peers.find((p) => p.nodeId === connected.peer.nodeId)!;
    expect(listed.features).toContainEqual({ bit: 9, name: 'var_onion_optin', required: false });
    expect(listed.features.length).toBe(features.length);
    // The stderr line says who connected, not every feature.
    const line = await eventually(() => node.logs.find((l) => l.includes('peer.connected') && l.includes(connected.peer.nodeId)), 10_000, 'the connect log line');
    expect(line.length).toBeLessThan(1_000);
    raw.destroy();
    await friendStillServed();
  }, 60_000);

  it('an init requiring ~262,000 unknown even bits is refused with a reason naming only a few of them', async () => {
    const from = events.list.length;
    const raw = await RawPeer.open(node.listenPort);
    await raw.handshake(node.nodeId, false);
    raw.sendMessage({ type: 'init', globalFeatures: FeatureVector.EMPTY, features: FeatureVector.decode(new Uint8Array(65_529).fill(0x55)), tlvs: {} });
    await raw.closed();
    const refused = await nextEvent(from, (e): e is Extract<NodeEvent, { type: 'peer.connection_failed' }> =>
      e.type === 'peer.connection_failed' && e.code === 'peer.unknown_required_features');
    expect(refused.reason).toMatch(/… and \d+ more$/);
    expect(refused.reason.length).toBeLessThan(500);
    const warning = raw.received.find((m) => m.type === 'warning');
    expect(warning && warning.type === 'warning' && warning.data.length).toBeLessThan(500);
    const line = await eventually(() => node.logs.find((l) => l.includes('peer.unknown_required_features')), 10_000, 'the refusal log line');
    expect(line.length).toBeLessThan(1_000);
    await friendStillServed();
  }, 60_000);

  it('a flood of pings asking 65,531 pong bytes: a bounded number answered, then a warning and the connection closed', async () => {
    const from = events.list.length;
    const raw = await RawPeer.open(node.listenPort);
    await raw.handshake(node.nodeId);
    for (let i = 0; i < 300; i++) raw.sendMessage({ type: 'ping', numPongBytes: 65_531, ignored: new Uint8Array(0) });
    await raw.closed();
    const pongs = raw.received.filter((m) => m.type === 'pong').length;
    expect(pongs).toBeGreaterThan(0);
    expect(pongs).toBeLessThanOrEqual(20);
    expect(raw.received.some((m) => m.type === 'warning')).toBe(true);
    await events.waitFor((e) => events.list.indexOf(e) >= from && e.type === 'peer.disconnected' && e.code === 'peer.ping_flood');
    await friendStillServed();
  }, 60_000);

  // The last two tests use up this address's inbound connection budget: keep them last.
  it('a fifth connection from one address while four are in the handshake is closed before any cryptography', async () => {
    const actOne = new NoiseInitiator({ localStatic: randomPrivateKey(), remoteStatic: fromHex(node.nodeId) }).actOne();
    const stalled: Probe[] = [];
    for (let i = 0; i < 4; i++) {
      const p = await probe(node.listenPort);
      p.socket.write(actOne);
      await p.bytesOrClose(50); // act two: admitted, now waiting for act three
      expect(p.bytesIn).toBe(50);
      stalled.push(p);
    }
    const fifth = await probe(node.listenPort);
    fifth.socket.write(actOne);
    await fifth.whenClosed;
    expect(fifth.bytesIn).toBe(0);
    for (const p of stalled) p.socket.destroy();
    await Promise.all(stalled.map((p) => p.whenClosed));
    await friendStillServed();
  }, 60_000);

  it('a replayed act one, 30 times in a row: refused once over the rate, and not one event per connection', async () => {
    const from = events.list.length;
    const actOne = new NoiseInitiator({ localStatic: randomPrivateKey(), remoteStatic: fromHex(node.nodeId) }).actOne();
    let answered = 0;
    let refused = 0;
    for (let i = 0; i < 30; i++) {
      const p = await probe(node.listenPort);
      p.socket.write(actOne);
      await p.bytesOrClose(50);
      if (p.bytesIn >= 50) answered++;
      else refused++;
      p.socket.destroy();
      await p.whenClosed;
    }
    expect(refused).toBeGreaterThan(0);
    expect(answered).toBeGreaterThan(0);
    // Wait until the node has seen the last close, then count what it published.
    await friendStillServed();
    await eventually(() => events.list.slice(from).some((e) => e.type === 'peer.connection_failed' && e.code === 'peer.inbound_rate_limited'), 10_000, 'a rate-limit report');
    const unnamed = events.list.slice(from).filter((e) => e.type === 'peer.connection_failed' && e.nodeId === null);
    expect(unnamed.length).toBeLessThanOrEqual(4);
    await friendStillServed();
  }, 60_000);
});
