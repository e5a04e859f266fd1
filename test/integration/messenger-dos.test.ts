/**
 * Issue 5, DoS policy and bad input against a real daemon: a raw peer floods onion messages at
 * ten times the per-peer rate limit while a well-behaved daemon keeps getting through, and
 * malformed onion packets are dropped with a reason while the connection stays up. Assertions
 * use the node's own counters (messengerstats), not timings.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from '../../core/crypto';
import { encodeMessage } from '../../core/wire';
import type { MessageLogEntry, MessengerStatsInfo } from '../../core/api';
import type { DaemonProcess } from '../support/daemon';
import { eventually, startDaemon } from '../support/daemon';
import { RawPeer } from '../support/raw-peer';
import { onionMessageTo } from './messenger-support';

const FLOOD_TYPE = 65539n;
const GOOD_TYPE = 65541n;

describe('the messenger under a flood and bad input', () => {
  let node: DaemonProcess;
  let good: DaemonProcess;

  beforeAll(async () => {
    [node, good] = await Promise.all([startDaemon(['--alias', 'target']), startDaemon(['--alias', 'good'])]);
    expect((await good.cli('connect', node.address)).code).toBe(0);
    const api = await node.api();
    await api.registerMessageHandler({ tlvType: FLOOD_TYPE.toString() });
    await api.registerMessageHandler({ tlvType: GOOD_TYPE.toString() });
  }, 120_000);

  async function stats(): Promise<MessengerStatsInfo> {
    return (await (await node.api()).messengerStats({}));
  }

  async function delivered(tlvType: bigint): Promise<MessageLogEntry[]> {
    return (await (await node.api()).listMessages({ outcome: 'delivered', tlvType: tlvType.toString(), limit: 10_000 })).messages;
  }

  it('drops a flooding peer’s excess (10× the rate limit) while another peer’s messages get through, with memory bounded', async () => {
    const before = await stats();
    const { perSecond, burst } = before.inbound;
    const flooder = await RawPeer.open(node.listenPort);
    await flooder.handshake(node.nodeId);
    const goodApi = await good.api();

    const floodRate = 10 * perSecond;
    const floodCount = floodRate * 5;
    const goodCount = 8;
    const started = Date.now();
    const flood = (async () => {
      for (let i = 0; i < floodCount; i++) {
        flooder.sendMessage(onionMessageTo(node.nodeId, [{ type: FLOOD_TYPE, value: new Uint8Array([i & 0xff]) }]));
        await new Promise((r) => setTimeout(r, 1000 / floodRate));
      }
    })();
    const polite = (async () => {
      for (let i = 0; i < goodCount; i++) {
        await goodApi.sendOnionMessage({ destination: node.nodeId, tlvs: [{ type: GOOD_TYPE.toString(), value: '00' }] });
        await new Promise((r) => setTimeout(r, 2000 / perSecond)); // half the allowed rate
      }
    })();
    await Promise.all([flood, polite]);
    const elapsedSeconds = (Date.now() - started) / 1000;

    // Every flooded message is accounted for: delivered or dropped as rate_limited.
    const after = await eventually(async () => {
      const s = await stats();
      const seen = (s.counters.received ?? 0) - (before.counters.received ?? 0);
      return seen >= floodCount + goodCount ? s : undefined;
    }, 30_000, 'every message to be counted');
    const floodDelivered = (await delivered(FLOOD_TYPE)).length;
    const rateLimited = (after.drops.rate_limited ?? 0) - (before.drops.rate_limited ?? 0);
    expect(floodDelivered + rateLimited).toBe(floodCount);
    // The token bucket admits at most its burst plus its rate over the time the flood lasted.
    expect(floodDelivered).toBeLessThanOrEqual(burst + Math.ceil(perSecond * (elapsedSeconds + 1)));
    expect(rateLimited).toBeGreaterThanOrEqual(floodCount / 2);
    // The well-behaved peer lost nothing.
    expect((await delivered(GOOD_TYPE)).filter((m) => m.peer === good.nodeId)).toHaveLength(goodCount);
    expect(after.queues.peakBytes).toBeLessThanOrEqual(after.queues.memoryCapBytes);
    expect(after.queues.totalBytes).toBe(0);
    // The flooder is throttled, not disconnected.
    flooder.sendMessage({ type: 'ping', numPongBytes: 4, ignored: new Uint8Array(0) });
    await flooder.waitFor((m) => m.type === 'pong');
    flooder.destroy();
  }, 180_000);

  it('drops malformed onion packets with a reason and keeps the connection up', async () => {
    const raw = await RawPeer.open(node.listenPort);
    await raw.handshake(node.nodeId);
    const before = await stats();
    const valid = onionMessageTo(node.nodeId, [{ type: GOOD_TYPE, value: new Uint8Array([1]) }]);
    const forSomeoneElse = onionMessageTo(good.nodeId, [{ type: GOOD_TYPE, value: new Uint8Array([2]) }]);
    const packet = (mutate: (p: Uint8Array) => Uint8Array) => ({ ...valid, onionMessagePacket: mutate(valid.onionMessagePacket.slice()) });
    const bad = [
      packet((p) => ((p[0] = 1), p)), // version 1
      packet((p) => ((p[1] = 0x05), p)), // public_key not a point
      packet((p) => ((p[100] = p[100]! ^ 1), p)), // a flipped payload bit: HMAC mismatch
      packet((p) => p.subarray(0, 40)), // shorter than a header
      packet(() => randomBytes(1366)),
      { ...valid, pathKey: forSomeoneElse.pathKey, onionMessagePacket: forSomeoneElse.onionMessagePacket }, // another node's onion
    ];
    for (const m of bad) raw.sendMessage(m);
    raw.sendMessage(valid);
    const after = await eventually(async () => {
      const s = await stats();
      return (s.counters.received ?? 0) - (before.counters.received ?? 0) >= bad.length + 1 ? s : undefined;
    }, 20_000, 'all packets to be processed');
    const dropped = (reason: string) => (after.drops[reason] ?? 0) - (before.drops[reason] ?? 0);
    expect(dropped('bad_onion')).toBe(bad.length);
    const codes = (await (await node.api()).listMessages({ outcome: 'dropped', limit: bad.length })).messages.map((m) => m.event.code);
    expect(new Set(codes)).toEqual(new Set(['onion.bad_version', 'onion.invalid_key', 'onion.hmac_mismatch', 'onion.bad_length']));
    // The valid message after the garbage still arrives, and the peer is still connected.
    expect((await delivered(GOOD_TYPE)).some((m) => (m.event.records as { value: string }[])[0]!.value === '01')).toBe(true);
    raw.sendMessage({ type: 'ping', numPongBytes: 2, ignored: new Uint8Array(0) });
    await raw.waitFor((m) => m.type === 'pong');
    expect(raw.socket.destroyed).toBe(false);

    // An onion_message whose path_key has the shape of a point but is not on the curve decodes on
    // the wire (the curve check is the peel's, after the rate limit): it is dropped as bad_onion,
    // and the connection still stays up. One with a bad prefix does not decode: malformed_message.
    const wire = encodeMessage(valid);
    wire.fill(0xff, 3, 35); // path_key = 02 ff…ff: x is not a field element
    raw.sendPlaintext(wire);
    await eventually(async () => ((await stats()).drops.bad_onion ?? 0) - (before.drops.bad_onion ?? 0) === bad.length + 1, 20_000, 'the off-curve path_key to be dropped');
    const prefix = encodeMessage(valid);
    prefix[2] = 0x05; // path_key prefix 05: not a compressed point
    raw.sendPlaintext(prefix);
    await eventually(async () => ((await stats()).drops.malformed_message ?? 0) - (before.drops.malformed_message ?? 0) === 1, 20_000, 'the malformed message to be dropped');
    raw.sendMessage({ type: 'ping', numPongBytes: 3, ignored: new Uint8Array(0) });
    await raw.waitFor((m) => m.type === 'pong' && m.ignored.length === 3);
    expect(raw.socket.destroyed).toBe(false);
    raw.destroy();
  }, 120_000);
});
