import { describe, expect, it } from 'vitest';
import { fromHex, scalarFromHash, scalarMultiply, toHex } from '../../../core/crypto';
import type { BlindedPath } from '../../../core/wire';
import { ByteReader, ByteWriter } from '../../../core/wire';
import {
  computeBlindedHopKeys, createBlindedPath, createOnionMessage, decodeOnionMessagePayload, encodeEncryptedDataTlv,
  encodeOnionMessagePayload, encodeOnionPacket, joinBlindedPath, peelOnionMessage,
} from '../../../core/onion';
import { loadVectors } from '../../support/vectors';
import { encryptedDataFromJson, privateKey } from './helpers';

interface GenerateHop {
  alias: string;
  path_key_secret: string;
  tlvs: Parameters<typeof encryptedDataFromJson>[0] & { path_key_override_secret?: string };
  encrypted_data_tlv: string;
  ss: string;
  "HMAC256('blinded_node_id', ss)": string;
  blinded_node_id: string;
  E: string;
  'H(E || ss)': string;
  next_e: string;
  rho: string;
  encrypted_recipient_data: string;
}
interface Vector {
  generate: { session_key: string; hops: GenerateHop[] };
  route: { first_node_id: string; first_path_key: string; hops: { blinded_node_id: string; encrypted_recipient_data: string }[] };
  onionmessage: { unknown_tag_1: string; onion_message_packet: string };
  decrypt: {
    hops: { alias: string; privkey: string; onion_message: string; next_node_id?: string; tlvs?: { unknown_tag_1: string; encrypted_recipient_data: string } }[];
  };
}

const v = loadVectors<Vector>('bolt04/blinded-onion-message-onion-test.json');
const gen = v.generate.hops;
const NODE_IDS: Record<string, string> = {
  Alice: '02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619',
  Bob: '0324653eac434488002cc06bbfb7f10fe18991e35f9fe4302dbea6d2353dc0ab1c',
  Carol: '027f31ebc5462c1fdce1b737ecff52d37d75dea43ce11c74d25aa297165faa2007',
  Dave: '032c0b7cf95324a07d05398b240174dc0c2be444d96b159aa6c7f7b1e668680991',
};
const nodeId = (alias: string): Uint8Array => fromHex(NODE_IDS[alias]!);

/** BOLT 4 `onion_message` (type 513): path_key, u16 len, onion_message_packet. */
function onionMessageBytes(pathKey: Uint8Array, packet: Uint8Array): string {
  return toHex(new ByteWriter().writeU16(513).writeBytes(pathKey).writeU16(packet.length).writeBytes(packet).finish());
}
function parseOnionMessage(hex: string): { pathKey: Uint8Array; packet: Uint8Array } {
  const r = new ByteReader(fromHex(hex));
  expect(r.readU16()).toBe(513);
  const pathKey = r.readBytes(33).slice();
  const packet = r.readBytes(r.readU16()).slice();
  r.expectEnd();
  return { pathKey, packet };
}

/** Dave's path Bob -> Carol -> Dave, built with auto-padding from the tlvs minus their padding. */
function davePath(): BlindedPath {
  return createBlindedPath({
    sessionKey: fromHex(gen[1]!.path_key_secret),
    hops: gen.slice(1).map((h) => {
      const { padding: _p, ...data } = encryptedDataFromJson(h.tlvs);
      return { nodeId: nodeId(h.alias), data };
    }),
  }).path;
}

describe('BOLT 4 blinded-onion-message-onion-test.json', () => {
  it('encodes each hop encrypted_data_tlv as the vector does', () => {
    for (const hop of gen) {
      const { path_key_override_secret: _s, ...tlvs } = hop.tlvs;
      expect(toHex(encodeEncryptedDataTlv(encryptedDataFromJson(tlvs))), hop.alias).toBe(hop.encrypted_data_tlv);
    }
  });

  it('derives e, E, ss, the blinding tweak, the blinded id, H(E || ss), the next e and rho for every hop', () => {
    const segments = [gen.slice(0, 1), gen.slice(1)];
    for (const segment of segments) {
      const keys = computeBlindedHopKeys(fromHex(segment[0]!.path_key_secret), segment.map((h) => nodeId(h.alias)));
      segment.forEach((hop, i) => {
        const k = keys[i]!;
        expect(toHex(k.pathPrivateKey), hop.alias).toBe(hop.path_key_secret);
        expect(toHex(k.pathKey), hop.alias).toBe(hop.E);
        expect(toHex(k.sharedSecret), hop.alias).toBe(hop.ss);
        expect(toHex(k.blindingTweak), hop.alias).toBe(hop["HMAC256('blinded_node_id', ss)"]);
        expect(toHex(k.blindedNodeId), hop.alias).toBe(hop.blinded_node_id);
        expect(toHex(k.nextKeyFactor), hop.alias).toBe(hop['H(E || ss)']);
        expect(toHex(k.rho), hop.alias).toBe(hop.rho);
        const nextE = scalarMultiply(k.pathPrivateKey, scalarFromHash(k.nextKeyFactor));
        expect(toHex(nextE), hop.alias).toBe(toHex(privateKey(hop.next_e)));
      });
    }
    // Alice's override secret is the key Dave's path starts from.
    expect(gen[0]!.tlvs.path_key_override_secret).toBe(gen[1]!.path_key_secret);
  });

  it('pads Dave path to equal lengths exactly as the vector (empty padding for Dave, 5 bytes for Carol)', () => {
    const path = davePath();
    expect(path.hops.map((h) => toHex(h.encryptedRecipientData))).toEqual(gen.slice(1).map((h) => h.encrypted_recipient_data));
    expect(new Set(path.hops.map((h) => h.encryptedRecipientData.length)).size).toBe(1);
  });

  it('joins the sender prefix through Alice to Dave path, giving the vector route', () => {
    const route = joinBlindedPath({ sessionKey: fromHex(gen[0]!.path_key_secret), intermediateNodeIds: [nodeId('Alice')], path: davePath() });
    expect(route.firstNodeId).toEqual({ kind: 'node_id', nodeId: fromHex(v.route.first_node_id) });
    expect(toHex(route.firstPathKey)).toBe(v.route.first_path_key);
    expect(route.hops.map((h) => ({ blinded_node_id: toHex(h.blindedNodeId), encrypted_recipient_data: toHex(h.encryptedRecipientData) }))).toEqual(
      v.route.hops,
    );
  });

  it('builds the exact onion message saying hello to Dave', () => {
    const route = joinBlindedPath({ sessionKey: fromHex(gen[0]!.path_key_secret), intermediateNodeIds: [nodeId('Alice')], path: davePath() });
    const msg = createOnionMessage({
      sessionKey: fromHex(v.generate.session_key),
      path: route,
      contents: { unknownRecords: [{ type: 1n, value: fromHex(v.onionmessage.unknown_tag_1) }] },
    });
    const packet = encodeOnionPacket(msg.packet);
    expect(toHex(packet)).toBe(v.onionmessage.onion_message_packet);
    expect(packet.length).toBe(1366);
    expect(onionMessageBytes(msg.pathKey, packet)).toBe(v.decrypt.hops[0]!.onion_message);
  });

  it('each hop peels the message and forwards exactly the next onion_message; Dave receives hello', () => {
    const hops = v.decrypt.hops;
    hops.forEach((hop, i) => {
      const { pathKey, packet } = parseOnionMessage(hop.onion_message);
      const action = peelOnionMessage({ packet, pathKey, privateKey: fromHex(hop.privkey) });
      if (i < hops.length - 1) {
        expect(action.kind, hop.alias).toBe('forward');
        if (action.kind !== 'forward') return;
        expect(action.next).toEqual({ nodeId: fromHex(hop.next_node_id!) });
        expect(onionMessageBytes(action.pathKey, encodeOnionPacket(action.packet)), hop.alias).toBe(hops[i + 1]!.onion_message);
      } else {
        expect(action.kind).toBe('receive');
        if (action.kind !== 'receive') return;
        expect(action.payload.unknownRecords).toEqual([{ type: 1n, value: fromHex(hop.tlvs!.unknown_tag_1) }]);
        expect(toHex(action.payload.encryptedRecipientData!)).toBe(hop.tlvs!.encrypted_recipient_data);
        expect(toHex(action.encryptedData.pathId!)).toBe(gen[3]!.tlvs.path_id);
        expect(action.encryptedData.unknownRecords).toEqual([{ type: 65535n, value: fromHex('06c1') }]);
      }
    });
  });

  it('the final onionmsg_tlv round-trips with its odd unknown record kept apart from message records', () => {
    const dave = v.decrypt.hops[3]!;
    const payload = {
      encryptedRecipientData: fromHex(dave.tlvs!.encrypted_recipient_data),
      unknownRecords: [{ type: 1n, value: fromHex(dave.tlvs!.unknown_tag_1) }],
    };
    const decoded = decodeOnionMessagePayload(encodeOnionMessagePayload(payload));
    expect(decoded).toEqual(payload);
    expect(decoded.messageRecords).toBeUndefined();
  });
});
