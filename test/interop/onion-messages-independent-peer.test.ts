/**
 * Issue 5 "Done when": onion messages flow both ways, and through us, with a Lightning
 * implementation written by others. The other peer "X" runs in this test process and is built
 * only from independent code: node-lightning's BOLT 8 socket and init codec, bolt04's onion
 * construction, peeling and blinded paths, bolt01's TLV decoding, and tiny-secp256k1 for ECDH.
 * Two real glasswing daemons: G (X's peer) and H (G's peer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import * as noise from '@node-lightning/noise';
import { InitMessage } from '@node-lightning/wire';
import { BitField } from '@node-lightning/core';
import * as tiny from 'tiny-secp256k1';
import { startDaemon, eventually, type DaemonProcess } from '../support/daemon';
import { chainHash, decodeBlindedPath, encodeBlindedPath } from '../../core/wire';
import { fromHex, toHex } from '../../core/crypto';
import type { NodeEvent } from '../../core/api';

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any -- bolt01/bolt04 ship no types */
const bolt04 = require('bolt04') as any;
const bolt04Packets = require('bolt04/packets') as any;
const bolt01 = require('bolt01') as any;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();

/** The independent peer X: its own transport, its own onion code. */
class IndependentPeer {
  readonly priv: Buffer;
  readonly pub: Buffer;
  socket!: noise.NoiseSocket;
  readonly received: { records: { type: string; value: string }[]; pathId: string | undefined }[] = [];

  constructor() {
    let priv: Buffer;
    do priv = randomBytes(32);
    while (!tiny.isPrivate(priv));
    this.priv = priv;
    this.pub = Buffer.from(tiny.pointFromScalar(priv, true)!);
  }

  ecdh(pub: Uint8Array): Buffer {
    return sha256(tiny.pointMultiply(pub, this.priv, true)!);
  }

  async connect(nodeId: string, port: number): Promise<void> {
    this.socket = noise.connect({ ls: this.priv, rpk: Buffer.from(nodeId, 'hex'), host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      this.socket.once('ready', () => resolve());
      this.socket.once('error', reject);
    });
    const init = new InitMessage();
    const features = new BitField<number>();
    for (const bit of [1, 9, 13, 15, 39]) features.set(bit); // …, option_onion_messages (optional)
    init.features = features;
    init.chainHashes = [Buffer.from(chainHash('regtest'))];
    this.socket.write(init.serialize());
    this.socket.on('data', (buf: Buffer) => {
      if (buf.readUInt16BE(0) === 513) this.#onOnionMessage(buf);
    });
  }

  /** BOLT 4 onion_message framing: type 513, path_key, u16 length, packet. */
  sendOnionMessage(pathKeyHex: string, onionHex: string): void {
    const packet = Buffer.from(onionHex, 'hex');
    const header = Buffer.alloc(2 + 33 + 2);
    header.writeUInt16BE(513, 0);
    Buffer.from(pathKeyHex, 'hex').copy(header, 2);
    header.writeUInt16BE(packet.length, 35);
    this.socket.write(Buffer.concat([header, packet]));
  }

  /** Peels with bolt04 until the message is for X (X is the last hop of its own paths). */
  #onOnionMessage(buf: Buffer): void {
    const pathKey = buf.subarray(2, 35);
    const packet = buf.subarray(37, 37 + buf.readUInt16BE(35));
    const pathSecret = this.ecdh(pathKey);
    const { public_key: ephemeral } = bolt04Packets.deriveEphemeralKey({ onion: packet, secret: pathSecret });
    const peeled = bolt04Packets.decodeOnionPacket({ onion: packet, secret: this.ecdh(ephemeral) });
    const { records } = bolt01.decodeTlvStream({ encoded: peeled.payload.toString('hex') });
    const encrypted = records.find((r: { type: string }) => r.type === '4'); // encrypted_recipient_data
    const data = bolt04.decryptBlindedPath({ encrypted: encrypted.value, key: pathKey.toString('hex'), secret: pathSecret.toString('hex') });
    this.received.push({ records: records.filter((r: { type: string }) => Number(r.type) >= 64), pathId: data.id });
  }
}

describe('onion messages with an independent implementation', () => {
  let g: DaemonProcess;
  let h: DaemonProcess;
  const x = new IndependentPeer();
  let gEvents: NodeEvent[];
  let hEvents: NodeEvent[];

  beforeAll(async () => {
    [g, h] = await Promise.all([startDaemon(['--alias', 'G']), startDaemon(['--alias', 'H'])]);
    expect((await h.cli('connect', g.address)).code).toBe(0);
    await x.connect(g.nodeId, g.listenPort);
    const gApi = await g.api();
    const hApi = await h.api();
    await eventually(async () => (await gApi.listPeers({})).peers.some((p) => p.nodeId === x.pub.toString('hex')), 10_000, 'G to list X');
    gEvents = [];
    hEvents = [];
    gApi.subscribe((e) => gEvents.push(e));
    hApi.subscribe((e) => hEvents.push(e));
    await gApi.registerMessageHandler({ tlvType: '65555' });
    await hApi.registerMessageHandler({ tlvType: '65555' });
  }, 120_000);
  afterAll(() => x.socket?.end());

  const delivered = (events: NodeEvent[], value: string) =>
    eventually(() => events.find((e) => e.type === 'onion.delivered' && e.records?.some((r) => r.value === value)) as Extract<NodeEvent, { type: 'onion.delivered' }> | undefined, 20_000, 'delivery');

  it('X → G: G delivers a message X built with bolt04 into G\'s blinded path, and G\'s reply reaches X over X\'s reply path', async () => {
    const gApi = await g.api();
    const path = decodeBlindedPath(fromHex((await gApi.createMessagePath({})).path));
    const value = randomBytes(20).toString('hex');
    const { id, key, onion } = bolt04.onionForPath({
      inbound: path.hops.map((hop) => ({ encrypted_data: toHex(hop.encryptedRecipientData), relay_key: toHex(hop.blindedNodeId) })),
      key: toHex(path.firstPathKey),
      outbound: [g.nodeId],
      records: [{ type: '65555', value }],
      reply: [g.nodeId, x.pub.toString('hex')],
    });
    x.sendOnionMessage(key, onion);
    const event = await delivered(gEvents, value);
    expect(event.hasReplyPath).toBe(true);
    const answer = randomBytes(12).toString('hex');
    await gApi.sendOnionMessage({ destination: event.replyPath!, tlvs: [{ type: '65557', value: answer }], inReplyTo: event.messageId });
    const reply = await eventually(() => x.received.find((m) => m.records.some((r) => r.value === answer)), 20_000, 'X to receive the reply');
    expect(reply.pathId).toBe(id);
    expect(reply.records.map((r) => ({ type: r.type, value: r.value }))).toEqual([{ type: '65557', value: answer }]);
  });

  it('X → G → H: G forwards X\'s message into H\'s blinded path, and H delivers it', async () => {
    const hApi = await h.api();
    const path = decodeBlindedPath(fromHex((await hApi.createMessagePath({ via: [g.nodeId] })).path));
    expect(path.firstNodeId).toEqual({ kind: 'node_id', nodeId: fromHex(g.nodeId) });
    const value = randomBytes(16).toString('hex');
    const { key, onion } = bolt04.onionForPath({
      inbound: path.hops.map((hop) => ({ encrypted_data: toHex(hop.encryptedRecipientData), relay_key: toHex(hop.blindedNodeId) })),
      key: toHex(path.firstPathKey),
      outbound: [g.nodeId],
      records: [{ type: '65555', value }],
    });
    x.sendOnionMessage(key, onion);
    await delivered(hEvents, value);
    await eventually(() => gEvents.find((e) => e.type === 'onion.forwarded' && e.to === h.nodeId), 10_000, 'G to forward');
  });

  it('H → G → X: H sends into a blinded path X built with bolt04, G forwards it, X peels it with bolt04', async () => {
    const { id, key, path } = bolt04.blindedPathFromHops({ hops: [g.nodeId, x.pub.toString('hex')] });
    const destination = toHex(encodeBlindedPath({
      firstNodeId: { kind: 'node_id', nodeId: fromHex(g.nodeId) },
      firstPathKey: fromHex(key),
      hops: path.map((hop: { relay_key: string; encrypted_data: string }) => ({ blindedNodeId: fromHex(hop.relay_key), encryptedRecipientData: fromHex(hop.encrypted_data) })),
    }));
    const value = randomBytes(24).toString('hex');
    const r = await h.cli('sendonionmessage', destination, '--tlv', `65559=${value}`);
    expect(r.code).toBe(0);
    const got = await eventually(() => x.received.find((m) => m.records.some((rec) => rec.value === value)), 20_000, 'X to receive it');
    expect(got.pathId).toBe(id);
  });
});
