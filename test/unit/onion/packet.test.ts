import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ecdh, hmacSha256, concatBytes, publicKeyFromPrivate, toHex } from '../../../core/crypto';
import type { OnionHop, OnionPacket } from '../../../core/onion';
import {
  OnionError, createOnionPacket, decodeOnionPacket, encodeOnionPacket, generateCipherStream, generateKey, peelOnionPacket,
} from '../../../core/onion';
import { keyFromSeed, nodesFromSeed, seedArb, thrown } from './support';

const AD = new Uint8Array(32).fill(0x42);

/** Random hop payload lengths for `n` hops that fit `size` bytes (BigSize prefix + payload + 32-byte HMAC each). */
function payloadLengthsArb(n: number, size: number, min: number): fc.Arbitrary<number[]> {
  const budget = Math.floor(size / n) - 32 - 3;
  return fc.array(fc.integer({ min, max: Math.max(min, Math.min(budget, 600)) }), { minLength: n, maxLength: n });
}

const routeArb = (size: number, minPayload: number, maxHops = 20) =>
  fc
    .record({ seed: seedArb, n: fc.integer({ min: 1, max: maxHops }) })
    .chain(({ seed, n }) =>
      fc.record({
        seed: fc.constant(seed),
        payloads: payloadLengthsArb(n, size, minPayload).chain((lens) =>
          fc.tuple(...lens.map((len) => fc.uint8Array({ minLength: len, maxLength: len }))),
        ),
      }),
    );

function build(seed: number, payloads: Uint8Array[], size = 1300, associatedData: Uint8Array = AD) {
  const nodes = nodesFromSeed(seed, payloads.length);
  const hops: OnionHop[] = nodes.map((n, i) => ({ nodeId: n.nodeId, payload: payloads[i]! }));
  const created = createOnionPacket({ sessionKey: keyFromSeed(seed, 1000), hops, associatedData, payloadSize: size });
  return { nodes, hops, ...created };
}

/** A packet for `privateKey`'s node whose decrypted hop_payloads start with `plaintextHead` and whose HMAC is valid. */
function authenticatedPacket(privateKey: Uint8Array, plaintextHead: Uint8Array, size = 1300): Uint8Array {
  const ephemeral = keyFromSeed(7, 7);
  const ss = ecdh(ephemeral, publicKeyFromPrivate(privateKey));
  const plain = new Uint8Array(size);
  plain.set(plaintextHead);
  const stream = generateCipherStream(generateKey('rho', ss), size);
  const hopPayloads = plain.map((b, i) => b ^ stream[i]!);
  const hmac = hmacSha256(generateKey('mu', ss), concatBytes(hopPayloads, AD));
  return encodeOnionPacket({ version: 0, publicKey: publicKeyFromPrivate(ephemeral), hopPayloads, hmac });
}

function codeOf(e: unknown): string {
  expect(e).toBeInstanceOf(OnionError);
  return (e as OnionError).code;
}

describe('Sphinx packets', () => {
  it('for random payment routes of 1-20 hops every hop peels its own payload and only the last one is final', () => {
    fc.assert(
      fc.property(routeArb(1300, 2), ({ seed, payloads }) => {
        const { nodes, packet, sharedSecrets } = build(seed, payloads);
        let current: OnionPacket = decodeOnionPacket(encodeOnionPacket(packet));
        nodes.forEach((node, i) => {
          const peeled = peelOnionPacket({ packet: current, privateKey: node.privateKey, associatedData: AD });
          expect(toHex(peeled.payload)).toBe(toHex(payloads[i]!));
          expect(toHex(peeled.sharedSecret)).toBe(toHex(sharedSecrets[i]!));
          expect(peeled.next === null).toBe(i === nodes.length - 1);
          if (peeled.next) current = peeled.next.packet;
        });
      }),
      { numRuns: 10 },
    );
  });

  it('onion messages of 1,300 and 32,768 bytes peel hop by hop, empty payloads included', () => {
    fc.assert(
      fc.property(fc.constantFrom(1300, 32768), routeArb(1300, 0, 6), (size, { seed, payloads }) => {
        const { nodes, packet } = build(seed, payloads, size, new Uint8Array(0));
        let bytes = encodeOnionPacket(packet);
        expect(bytes.length).toBe(size + 66);
        nodes.forEach((node, i) => {
          const peeled = peelOnionPacket({ packet: bytes, privateKey: node.privateKey, kind: 'message' });
          expect(toHex(peeled.payload)).toBe(toHex(payloads[i]!));
          expect(peeled.next === null).toBe(i === nodes.length - 1);
          if (peeled.next) bytes = encodeOnionPacket(peeled.next.packet);
        });
      }),
      { numRuns: 8 },
    );
  });

  it('flipping any byte of a packet makes the next hop reject it (HMAC, or version/key when those bytes change)', () => {
    fc.assert(
      fc.property(
        routeArb(1300, 2, 8),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        ({ seed, payloads }, hopPick, posPick, mask) => {
          const { nodes, packet } = build(seed, payloads);
          const at = hopPick % nodes.length;
          let current = packet;
          for (let i = 0; i < at; i++) current = peelOnionPacket({ packet: current, privateKey: nodes[i]!.privateKey, associatedData: AD }).next!.packet;
          const bytes = encodeOnionPacket(current);
          const pos = posPick % bytes.length;
          bytes[pos]! ^= mask;
          const code = codeOf(thrown(() => peelOnionPacket({ packet: bytes, privateKey: nodes[at]!.privateKey, associatedData: AD })));
          if (pos === 0) expect(code).toBe('onion.bad_version');
          else if (pos < 34) expect(['onion.hmac_mismatch', 'onion.invalid_key']).toContain(code);
          else expect(code).toBe('onion.hmac_mismatch');
        },
      ),
      { numRuns: 20 },
    );
  });

  it('random or truncated bytes give an OnionError, never an untyped exception', () => {
    const node = nodesFromSeed(3, 1)[0]!;
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 1400 }), fc.uint8Array({ minLength: 1366, maxLength: 1366 })), fc.boolean(), (bytes, message) => {
        const e = thrown(() => peelOnionPacket({ packet: bytes, privateKey: node.privateKey, associatedData: AD, kind: message ? 'message' : 'payment' }));
        expect(e).toBeInstanceOf(OnionError);
      }),
      { numRuns: 60 },
    );
  });

  describe('bad input has distinct error codes', () => {
    const [alice, bob] = nodesFromSeed(11, 2);
    const good = (): Uint8Array =>
      encodeOnionPacket(
        createOnionPacket({ sessionKey: keyFromSeed(11, 99), hops: [{ nodeId: alice!.nodeId, payload: new Uint8Array([2, 1, 1]) }], associatedData: AD }).packet,
      );
    const peel = (packet: Uint8Array, opts: { privateKey?: Uint8Array; associatedData?: Uint8Array } = {}) =>
      codeOf(thrown(() => peelOnionPacket({ packet, privateKey: opts.privateKey ?? alice!.privateKey, associatedData: opts.associatedData ?? AD })));

    it('rejects version 1 with onion.bad_version', () => {
      const p = good();
      p[0] = 1;
      expect(peel(p)).toBe('onion.bad_version');
    });

    it('rejects a public key that is not on the curve with onion.invalid_key', () => {
      const p = good();
      p.set(new Uint8Array(33).fill(0xff), 1);
      p[1] = 2;
      expect(peel(p)).toBe('onion.invalid_key');
    });

    it('rejects the wrong node key or associated data with onion.hmac_mismatch', () => {
      expect(peel(good(), { privateKey: bob!.privateKey })).toBe('onion.hmac_mismatch');
      expect(peel(good(), { associatedData: new Uint8Array(32) })).toBe('onion.hmac_mismatch');
    });

    it('rejects a truncated or overlong payment packet with onion.bad_length', () => {
      expect(peel(good().subarray(0, 1365))).toBe('onion.bad_length');
      expect(peel(concatBytes(good(), new Uint8Array(1)))).toBe('onion.bad_length');
      expect(codeOf(thrown(() => decodeOnionPacket(new Uint8Array(65), 'message')))).toBe('onion.bad_length');
    });

    it('rejects an authenticated payload whose length runs past the end with onion.payload_length_exceeds', () => {
      expect(peel(authenticatedPacket(alice!.privateKey, new Uint8Array([0xfe, 0x00, 0x01, 0x00, 0x00])))).toBe('onion.payload_length_exceeds');
      // 3-byte prefix + 1,266 + 32 = 1,301: one byte too many.
      expect(peel(authenticatedPacket(alice!.privateKey, new Uint8Array([0xfd, 0x04, 0xf2])))).toBe('onion.payload_length_exceeds');
    });

    it('accepts a payload that exactly fills the packet', () => {
      const peeled = peelOnionPacket({ packet: authenticatedPacket(alice!.privateKey, new Uint8Array([0xfd, 0x04, 0xf1])), privateKey: alice!.privateKey, associatedData: AD });
      expect(peeled.payload.length).toBe(1265);
      expect(peeled.next).toBeNull();
    });

    it('rejects payment payload lengths 0 and 1 with onion.payload_too_short, and a non-canonical length with onion.bad_payload_length', () => {
      expect(peel(authenticatedPacket(alice!.privateKey, new Uint8Array([0x00])))).toBe('onion.payload_too_short');
      expect(peel(authenticatedPacket(alice!.privateKey, new Uint8Array([0x01, 0x00])))).toBe('onion.payload_too_short');
      expect(peel(authenticatedPacket(alice!.privateKey, new Uint8Array([0xfd, 0x00, 0x10])))).toBe('onion.bad_payload_length');
    });

    it('the codes are all different', () => {
      const codes = ['onion.bad_version', 'onion.invalid_key', 'onion.hmac_mismatch', 'onion.bad_length', 'onion.payload_length_exceeds', 'onion.payload_too_short', 'onion.bad_payload_length'];
      expect(new Set(codes).size).toBe(codes.length);
    });
  });

  it('refuses to build a route whose payloads do not fit, and one without hops', () => {
    const nodes = nodesFromSeed(5, 3);
    const hops = nodes.map((n) => ({ nodeId: n.nodeId, payload: new Uint8Array(420) }));
    expect(codeOf(thrown(() => createOnionPacket({ sessionKey: keyFromSeed(5, 9), hops, associatedData: AD })))).toBe('onion.route_too_long');
    expect(createOnionPacket({ sessionKey: keyFromSeed(5, 9), hops, payloadSize: 32768 }).packet.hopPayloads.length).toBe(32768);
    expect(codeOf(thrown(() => createOnionPacket({ sessionKey: keyFromSeed(5, 9), hops: [] })))).toBe('onion.bad_argument');
    const badNode = [{ nodeId: new Uint8Array(33).fill(9), payload: new Uint8Array(2) }];
    expect(codeOf(thrown(() => createOnionPacket({ sessionKey: keyFromSeed(5, 9), hops: badNode })))).toBe('onion.bad_argument');
  });

  it('peeling with a precomputed shared secret gives the same result as with the private key', () => {
    const [node] = nodesFromSeed(8, 1);
    const { packet, sharedSecrets } = createOnionPacket({ sessionKey: keyFromSeed(8, 9), hops: [{ nodeId: node!.nodeId, payload: new Uint8Array([2, 0]) }] });
    const a = peelOnionPacket({ packet, privateKey: node!.privateKey });
    const b = peelOnionPacket({ packet, sharedSecret: sharedSecrets[0]! });
    expect(toHex(b.payload)).toBe(toHex(a.payload));
    expect(b.next).toBeNull();
  });

  it('a payment packet encodes and decodes unchanged, and an onion message takes its size from its length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1366, maxLength: 1366 }), (bytes) => {
        expect(toHex(encodeOnionPacket(decodeOnionPacket(bytes)))).toBe(toHex(bytes));
      }),
      { numRuns: 30 },
    );
    expect(decodeOnionPacket(new Uint8Array(32834), 'message').hopPayloads.length).toBe(32768);
    expect(decodeOnionPacket(new Uint8Array(566), 'message').hopPayloads.length).toBe(500);
    expect(codeOf(thrown(() => decodeOnionPacket(new Uint8Array(32834))))).toBe('onion.bad_length');
  });
});
