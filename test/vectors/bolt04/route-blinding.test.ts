import { describe, expect, it } from 'vitest';
import { fromHex, publicKeyFromPrivate, toHex } from '../../../core/crypto';
import {
  computeBlindedHopKeys, createBlindedPath, decodeEncryptedDataTlv, deriveBlindedPrivateKey, deriveNextPathKey,
  encodeEncryptedDataTlv, processBlindedHop,
} from '../../../core/onion';
import { decodeBlindedPath, encodeBlindedPath } from '../../../core/wire';
import { loadVectors } from '../../support/vectors';
import { encryptedDataFromJson, privateKey } from './helpers';

interface GenerateHop {
  session_key?: string;
  alias: string;
  node_id: string;
  tlvs: Parameters<typeof encryptedDataFromJson>[0];
  encoded_tlvs: string;
  path_privkey: string;
  path_key: string;
  shared_secret: string;
  rho: string;
  encrypted_data: string;
  blinded_node_id: string;
}
interface UnblindHop {
  alias: string;
  node_privkey: string;
  path_key: string;
  blinded_privkey: string;
  decrypted_data: string;
  next_path_key: string;
  next_path_key_override?: string;
}
interface RouteBlindingVector {
  generate: { hops: GenerateHop[] };
  route: { first_node_id: string; first_path_key: string; hops: { blinded_node_id: string; encrypted_data: string }[] };
  unblind: { hops: UnblindHop[] };
}

const v = loadVectors<RouteBlindingVector>('bolt04/route-blinding-test.json');
const gen = v.generate.hops;
// Bob creates Bob -> Carol with his session key; Eve creates Dave -> Eve with hers.
const segments = [gen.slice(0, 2), gen.slice(2, 4)];

describe('BOLT 4 route-blinding-test.json', () => {
  it('encodes every encrypted_data_tlv exactly, unknown odd records included, and decodes it back', () => {
    for (const hop of gen) {
      const data = encryptedDataFromJson(hop.tlvs);
      expect(toHex(encodeEncryptedDataTlv(data)), hop.alias).toBe(hop.encoded_tlvs);
      expect(toHex(encodeEncryptedDataTlv(decodeEncryptedDataTlv(fromHex(hop.encoded_tlvs)))), hop.alias).toBe(hop.encoded_tlvs);
    }
    expect(decodeEncryptedDataTlv(fromHex(gen[0]!.encoded_tlvs)).unknownRecords).toEqual([{ type: 561n, value: fromHex('123456') }]);
  });

  it('derives each hop path private key, path key, shared secret, rho and blinded node id', () => {
    for (const segment of segments) {
      const keys = computeBlindedHopKeys(fromHex(segment[0]!.session_key!), segment.map((h) => fromHex(h.node_id)));
      segment.forEach((hop, i) => {
        const k = keys[i]!;
        expect(toHex(k.pathPrivateKey), hop.alias).toBe(toHex(privateKey(hop.path_privkey)));
        expect(toHex(k.pathKey), hop.alias).toBe(hop.path_key);
        expect(toHex(k.sharedSecret), hop.alias).toBe(hop.shared_secret);
        expect(toHex(k.rho), hop.alias).toBe(hop.rho);
        expect(toHex(k.blindedNodeId), hop.alias).toBe(hop.blinded_node_id);
      });
    }
  });

  it('creates both segments with the vector encrypted data, and their concatenation is the vector route', () => {
    const created = segments.map((segment) =>
      createBlindedPath({
        sessionKey: fromHex(segment[0]!.session_key!),
        hops: segment.map((h) => ({ nodeId: fromHex(h.node_id), data: encryptedDataFromJson(h.tlvs) })),
        pad: false, // the vector's padding is given explicitly
      }),
    );
    const hops = created.flatMap((c) => c.path.hops);
    expect(hops.map((h) => ({ blinded_node_id: toHex(h.blindedNodeId), encrypted_data: toHex(h.encryptedRecipientData) }))).toEqual(v.route.hops);
    expect(toHex(created[0]!.path.firstPathKey)).toBe(v.route.first_path_key);
    expect(created[0]!.path.firstNodeId).toEqual({ kind: 'node_id', nodeId: fromHex(v.route.first_node_id) });
    // Carol's override points at the second segment's first path key.
    expect(toHex(created[1]!.path.firstPathKey)).toBe(gen[1]!.tlvs.next_path_key_override);
    const route = { ...created[0]!.path, hops };
    expect(decodeBlindedPath(encodeBlindedPath(route))).toEqual(route);
  });

  it('every hop unblinds its data, its private key and the next path key (override for Carol)', () => {
    v.unblind.hops.forEach((hop, i) => {
      const nodeKey = fromHex(hop.node_privkey);
      const pathKey = fromHex(hop.path_key);
      const blindedKey = deriveBlindedPrivateKey(nodeKey, pathKey);
      expect(toHex(blindedKey), hop.alias).toBe(hop.blinded_privkey);
      expect(toHex(publicKeyFromPrivate(blindedKey)), hop.alias).toBe(v.route.hops[i]!.blinded_node_id);
      const out = processBlindedHop({ privateKey: nodeKey, pathKey, encryptedRecipientData: fromHex(v.route.hops[i]!.encrypted_data) });
      expect(toHex(out.plaintext), hop.alias).toBe(hop.decrypted_data);
      expect(toHex(deriveNextPathKey(pathKey, out.sharedSecret)), hop.alias).toBe(hop.next_path_key);
      expect(toHex(out.nextPathKey), hop.alias).toBe(hop.next_path_key_override ?? hop.next_path_key);
      expect(out.nextPathKeyOverridden, hop.alias).toBe(hop.next_path_key_override !== undefined);
    });
  });

  it('a hop given the wrong path key cannot decrypt its data', () => {
    const bob = v.unblind.hops[0]!;
    expect(() =>
      processBlindedHop({
        privateKey: fromHex(bob.node_privkey),
        pathKey: fromHex(v.unblind.hops[1]!.path_key),
        encryptedRecipientData: fromHex(v.route.hops[0]!.encrypted_data),
      }),
    ).toThrow(expect.objectContaining({ code: 'onion.blinding_failed' }));
  });
});
