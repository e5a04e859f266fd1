/**
 * Issue 3, bad input: each misbehaving connection is closed with a reason in the log and in the
 * event stream, while the node keeps serving its other peers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DaemonProcess} from '../support/daemon';
import { eventually, startDaemon } from '../support/daemon';
import { RawPeer } from '../support/raw-peer';
import type { NodeEvent } from '../../core/api';

describe('a node closes misbehaving connections and keeps serving the others', () => {
  let node: DaemonProcess;
  let friend: DaemonProcess;
  let events: Awaited<ReturnType<DaemonProcess['events']>>;

  beforeAll(async () => {
    [node, friend] = await Promise.all([startDaemon(), startDaemon()]);
    events = await node.events();
    expect((await friend.cli('connect', node.address)).code).toBe(0);
  }, 120_000);

  /** The friend is still connected and answers a ping. */
  async function friendStillServed(): Promise<void> {
    const api = await node.api();
    const r = await api.ping({ nodeId: friend.nodeId });
    expect(r.rttMs).toBeGreaterThanOrEqual(0);
  }

  function logged(code: string): Promise<string> {
    return eventually(() => node.logs.find((l) => l.includes(code)), 10_000, `a log line with ${code}`);
  }

  async function failure(code: string): Promise<NodeEvent> {
    return events.waitFor((e) => (e.type === 'peer.connection_failed' || e.type === 'peer.disconnected') && e.code === code);
  }

  it('garbage instead of act one: closed with transport.act1_bad_version', async () => {
    const raw = await RawPeer.open(node.listenPort);
    raw.write(new Uint8Array(50).fill(0x42));
    await raw.closed();
    const e = await failure('transport.act1_bad_version');
    expect(e).toMatchObject({ type: 'peer.connection_failed', direction: 'inbound' });
    await logged('transport.act1_bad_version');
    await friendStillServed();
  });

  it('a short act one followed by a close: peer.handshake_truncated names the byte count', async () => {
    const raw = await RawPeer.open(node.listenPort);
    raw.write(new Uint8Array(49));
    raw.socket.end();
    await raw.closed();
    const e = await failure('peer.handshake_truncated');
    expect(e).toMatchObject({ reason: expect.stringContaining('49 of the 50 bytes') });
    await friendStillServed();
  });

  it('a valid handshake followed by an unknown even message type: warning, then closed', async () => {
    const raw = await RawPeer.open(node.listenPort);
    await raw.handshake(node.nodeId);
    raw.sendPlaintext(new Uint8Array([0x7f, 0xfe, 1, 2, 3])); // type 32766: even, unknown
    await raw.closed();
    expect(raw.received.some((m) => m.type === 'warning')).toBe(true);
    const e = await failure('peer.unknown_even_message');
    expect(e.type).toBe('peer.disconnected');
    await logged('peer.unknown_even_message');
    await friendStillServed();
  });

  it('an unknown odd message type is ignored and the connection stays up', async () => {
    const raw = await RawPeer.open(node.listenPort);
    await raw.handshake(node.nodeId);
    raw.sendPlaintext(new Uint8Array([0x7f, 0xff, 9, 9])); // type 32767: odd, unknown
    raw.sendMessage({ type: 'ping', numPongBytes: 3, ignored: new Uint8Array(0) });
    const pong = await raw.waitFor((m) => m.type === 'pong');
    expect(pong).toMatchObject({ type: 'pong', ignored: new Uint8Array(3) });
    raw.destroy();
  });

  it('an oversized frame (a 65,535-byte length with a forged body): closed on the bad MAC', async () => {
    const raw = await RawPeer.open(node.listenPort);
    await raw.handshake(node.nodeId);
    // A correctly encrypted header announcing the largest frame, then a body that is not ours:
    const frame = raw.session!.encrypt(new Uint8Array(65535));
    frame.fill(0xaa, 18);
    raw.write(frame);
    await raw.closed();
    await failure('transport.message_bad_tag');
    await friendStillServed();
  });

  it('a frame with a flipped bit in its length MAC: closed with transport.length_bad_tag', async () => {
    const raw = await RawPeer.open(node.listenPort);
    await raw.handshake(node.nodeId);
    const frame = raw.session!.encrypt(new Uint8Array([0, 18, 0, 0, 0, 0]));
    frame[5]! ^= 0x01;
    raw.write(frame);
    await raw.closed();
    await failure('transport.length_bad_tag');
    await logged('transport.length_bad_tag');
    await friendStillServed();
  });

  it('a first message that is not init: closed with peer.first_message_not_init', async () => {
    const raw = await RawPeer.open(node.listenPort);
    await raw.handshake(node.nodeId, false);
    raw.sendMessage({ type: 'ping', numPongBytes: 0, ignored: new Uint8Array(0) });
    await raw.closed();
    await failure('peer.first_message_not_init');
    await friendStillServed();
  });

  it('a peer requiring a feature we do not know: closed with peer.unknown_required_features', async () => {
    const raw = await RawPeer.open(node.listenPort);
    await raw.handshake(node.nodeId, false);
    const { FeatureVector } = await import('../../core/wire');
    raw.sendMessage({ type: 'init', globalFeatures: FeatureVector.EMPTY, features: FeatureVector.fromBits([8, 14, 100]), tlvs: {} });
    await raw.closed();
    const e = await failure('peer.unknown_required_features');
    expect(e).toMatchObject({ reason: expect.stringContaining('100') });
    await friendStillServed();
  });
});
