import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/crypto';
import {
  computeHopKeys, createFailure, createOnionPacket, decodeFailure, decodeOnionPacket, encodeOnionPacket, generateKey,
  peelOnionPacket, wrapFailure,
} from '../../../core/onion';
import { loadVectors } from '../../support/vectors';
import { withoutLengthPrefix } from './helpers';

interface OnionVector {
  generate: { session_key: string; associated_data: string; hops: { pubkey: string; payload: string }[] };
  onion: string;
  decode: string[];
}
interface ErrorVector {
  generate: {
    session_key: string;
    failure_message: string;
    hops: { version: number; pubkey: string; hop_shared_secret: string; ammag_key: string; um_key?: string; payload?: string }[];
  };
  errorpacket: string;
}

const onion = loadVectors<OnionVector>('bolt04/onion-test.json');
const errors = loadVectors<ErrorVector>('bolt04/onion-error-test.json');
const sessionKey = fromHex(onion.generate.session_key);
const associatedData = fromHex(onion.generate.associated_data);
const hops = onion.generate.hops.map((h) => ({ nodeId: fromHex(h.pubkey), payload: withoutLengthPrefix(h.payload) }));

describe('BOLT 4 onion-test.json', () => {
  it('derives the per-hop shared secrets listed in onion-error-test.json (same session key and route)', () => {
    expect(errors.generate.session_key).toBe(onion.generate.session_key);
    expect(errors.generate.hops.map((h) => h.pubkey)).toEqual(onion.generate.hops.map((h) => h.pubkey));
    const keys = computeHopKeys(fromHex(errors.generate.session_key), errors.generate.hops.map((h) => fromHex(h.pubkey)));
    expect(keys.map((k) => toHex(k.sharedSecret))).toEqual(errors.generate.hops.map((h) => h.hop_shared_secret));
    // The first ephemeral key is the session key's public key, which the packet carries.
    expect(toHex(keys[0]!.ephemeralPublicKey)).toBe(onion.onion.slice(2, 68));
  });

  it('builds the exact onion of the vector, with its 275-byte third-from-last payload', () => {
    const { packet, sharedSecrets } = createOnionPacket({ sessionKey, hops, associatedData });
    expect(toHex(encodeOnionPacket(packet))).toBe(onion.onion);
    expect(sharedSecrets.map(toHex)).toEqual(errors.generate.hops.map((h) => h.hop_shared_secret));
    expect(hops[1]!.payload.length).toBe(0x52);
    expect(hops[4]!.payload.length).toBe(0x110);
  });

  it('each hop peels its own payload, sees the next ephemeral key, and only the last is final', () => {
    const keys = computeHopKeys(sessionKey, hops.map((h) => h.nodeId));
    let packet = decodeOnionPacket(fromHex(onion.onion));
    onion.decode.forEach((privHex, i) => {
      expect(toHex(packet.publicKey)).toBe(toHex(keys[i]!.ephemeralPublicKey));
      expect(packet.version).toBe(errors.generate.hops[i]!.version);
      const peeled = peelOnionPacket({ packet, privateKey: fromHex(privHex), associatedData });
      expect(toHex(peeled.payload)).toBe(toHex(hops[i]!.payload));
      expect(toHex(peeled.sharedSecret)).toBe(errors.generate.hops[i]!.hop_shared_secret);
      if (i < onion.decode.length - 1) {
        expect(peeled.next).not.toBeNull();
        packet = peeled.next!.packet;
      } else {
        expect(peeled.next).toBeNull();
      }
    });
  });

  it('the first hop rejects the onion under different associated data', () => {
    const other = associatedData.slice();
    other[0]! ^= 1;
    expect(() => peelOnionPacket({ packet: fromHex(onion.onion), privateKey: fromHex(onion.decode[0]!), associatedData: other })).toThrow(
      expect.objectContaining({ code: 'onion.hmac_mismatch' }),
    );
  });
});

describe('BOLT 4 onion-error-test.json', () => {
  const secrets = errors.generate.hops.map((h) => fromHex(h.hop_shared_secret));
  const erring = errors.generate.hops[4]!;

  it('derives every hop ammag key and the erring hop um key', () => {
    for (const h of errors.generate.hops) expect(toHex(generateKey('ammag', fromHex(h.hop_shared_secret)))).toBe(h.ammag_key);
    expect(toHex(generateKey('um', secrets[4]!))).toBe(erring.um_key);
  });

  it('the erring hop pads the failure to 256 bytes behind an um HMAC', () => {
    const packet = createFailure({ sharedSecret: secrets[4]!, failureMessage: fromHex(errors.generate.failure_message) });
    const plain = wrapFailure(secrets[4]!, packet); // undo the erring hop's own obfuscation
    expect(toHex(plain.subarray(32))).toBe(erring.payload);
    expect(plain.length).toBe(32 + 2 + 2 + 2 + 254);
  });

  it('wrapping back through hops 3..0 gives the vector error packet', () => {
    let packet = createFailure({ sharedSecret: secrets[4]!, failureMessage: fromHex(errors.generate.failure_message) });
    for (let i = 3; i >= 0; i--) packet = wrapFailure(secrets[i]!, packet);
    expect(toHex(packet)).toBe(errors.errorpacket);
  });

  it('the origin attributes the vector error packet to hop 4 as temporary_node_failure', () => {
    const decoded = decodeFailure({ sharedSecrets: secrets, packet: fromHex(errors.errorpacket) });
    expect(decoded.hopIndex).toBe(4);
    expect(toHex(decoded.failureMessage)).toBe(errors.generate.failure_message);
    expect(decoded.failure).toMatchObject({ name: 'temporary_node_failure', code: 0x2002 });
    expect(decoded.parseError).toBeNull();
  });
});
