/**
 * The per-commitment shortcuts of commitment_signed: HTLC scripts assembled from parts built once
 * per commitment, the htlc key derived once for all HTLC signatures with the public basepoint the
 * signer already holds. Each is checked against the plain construction it replaces (the BOLT 3
 * scripts written out with buildScript, derivePrivkey recomputing the basepoint) on random input.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  concatBytes, ecdsaSign, ecdsaVerify, publicKeyFromPrivate, ripemd160, scalarFromHash, sha256, toHex, utf8,
} from '../../../core/crypto';
import { OP, buildScript } from '../../../core/bitcoin';
import {
  InMemoryChannelSigner, derivePrivkey, derivePrivkeyWithBasepoint, derivePubkey, htlcScriptBuilder, offeredHtlcScript,
  receivedHtlcScript,
} from '../../../core/channel';
import type { ChannelType, HtlcScriptKeys } from '../../../core/channel';

/** BOLT 3 "Offered HTLC Outputs", written out as the spec prints it. */
function refOffered(k: HtlcScriptKeys, paymentHash: Uint8Array, type: ChannelType): Uint8Array {
  return buildScript(
    OP.OP_DUP, OP.OP_HASH160, ripemd160(sha256(k.revocationPubkey)), OP.OP_EQUAL,
    OP.OP_IF, OP.OP_CHECKSIG,
    OP.OP_ELSE, k.remoteHtlcPubkey, OP.OP_SWAP, OP.OP_SIZE, { num: 32 }, OP.OP_EQUAL,
    OP.OP_NOTIF, OP.OP_DROP, { num: 2 }, OP.OP_SWAP, k.localHtlcPubkey, { num: 2 }, OP.OP_CHECKMULTISIG,
    OP.OP_ELSE, OP.OP_HASH160, ripemd160(paymentHash), OP.OP_EQUALVERIFY, OP.OP_CHECKSIG,
    OP.OP_ENDIF,
    ...(type === 'anchors' ? [{ num: 1 }, OP.OP_CHECKSEQUENCEVERIFY, OP.OP_DROP] : []),
    OP.OP_ENDIF,
  );
}

/** BOLT 3 "Received HTLC Outputs", written out as the spec prints it. */
function refReceived(k: HtlcScriptKeys, paymentHash: Uint8Array, cltvExpiry: number, type: ChannelType): Uint8Array {
  return buildScript(
    OP.OP_DUP, OP.OP_HASH160, ripemd160(sha256(k.revocationPubkey)), OP.OP_EQUAL,
    OP.OP_IF, OP.OP_CHECKSIG,
    OP.OP_ELSE, k.remoteHtlcPubkey, OP.OP_SWAP, OP.OP_SIZE, { num: 32 }, OP.OP_EQUAL,
    OP.OP_IF, OP.OP_HASH160, ripemd160(paymentHash), OP.OP_EQUALVERIFY, { num: 2 }, OP.OP_SWAP, k.localHtlcPubkey, { num: 2 }, OP.OP_CHECKMULTISIG,
    OP.OP_ELSE, OP.OP_DROP, { num: cltvExpiry }, OP.OP_CHECKLOCKTIMEVERIFY, OP.OP_DROP, OP.OP_CHECKSIG,
    OP.OP_ENDIF,
    ...(type === 'anchors' ? [{ num: 1 }, OP.OP_CHECKSEQUENCEVERIFY, OP.OP_DROP] : []),
    OP.OP_ENDIF,
  );
}

const seed32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
/** A valid compressed public key from 32 random bytes (hashed into a scalar). */
const pubkey = seed32.map((s) => publicKeyFromPrivate(scalarFromHash(sha256(s))));
const keys: fc.Arbitrary<HtlcScriptKeys> = fc.record({ revocationPubkey: pubkey, localHtlcPubkey: pubkey, remoteHtlcPubkey: pubkey });
const channelType = fc.constantFrom<ChannelType>('static_remotekey', 'anchors');
const cltv = fc.oneof(fc.integer({ min: 0, max: 0x7fffffff }), fc.constantFrom(0, 1, 16, 17, 127, 128, 255, 256, 32767, 32768, 500_000_000));

describe('HTLC scripts built once per commitment', () => {
  it('offered and received scripts equal the BOLT 3 scripts written out in full', () => {
    fc.assert(
      fc.property(keys, channelType, fc.array(fc.tuple(seed32, cltv), { minLength: 1, maxLength: 5 }), (k, type, htlcs) => {
        const builder = htlcScriptBuilder(k, type);
        for (const [paymentHash, expiry] of htlcs) {
          expect(toHex(builder.offered(paymentHash))).toBe(toHex(refOffered(k, paymentHash, type)));
          expect(toHex(builder.received(paymentHash, expiry))).toBe(toHex(refReceived(k, paymentHash, expiry, type)));
          expect(toHex(offeredHtlcScript(k, paymentHash, type))).toBe(toHex(refOffered(k, paymentHash, type)));
          expect(toHex(receivedHtlcScript(k, paymentHash, expiry, type))).toBe(toHex(refReceived(k, paymentHash, expiry, type)));
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('the htlc key derived once per commitment', () => {
  it('derivePrivkeyWithBasepoint equals derivePrivkey, and its public key is derivePubkey', () => {
    fc.assert(
      fc.property(seed32, seed32, (a, b) => {
        const secret = scalarFromHash(sha256(a));
        const point = publicKeyFromPrivate(scalarFromHash(sha256(b)));
        const basepoint = publicKeyFromPrivate(secret);
        const key = derivePrivkeyWithBasepoint(secret, basepoint, point);
        expect(toHex(key)).toBe(toHex(derivePrivkey(secret, point)));
        expect(toHex(publicKeyFromPrivate(key))).toBe(toHex(derivePubkey(basepoint, point)));
      }),
      { numRuns: 50 },
    );
  });

  it('signAllWithHtlcKey gives, in order, the signatures of the htlc privkey BOLT 3 derives', () => {
    fc.assert(
      fc.property(seed32, seed32, fc.array(seed32, { maxLength: 6 }), (seed, pointSeed, digests) => {
        const signer = new InMemoryChannelSigner(seed);
        const point = publicKeyFromPrivate(scalarFromHash(sha256(pointSeed)));
        // The htlc basepoint secret as InMemoryChannelSigner derives it from its seed.
        const basepointSecret = scalarFromHash(sha256(concatBytes(seed, utf8.encode('glasswing channel htlc'))));
        expect(toHex(publicKeyFromPrivate(basepointSecret))).toBe(toHex(signer.basepoints.htlcBasepoint));
        const htlcPrivkey = derivePrivkey(basepointSecret, point);
        const htlcPubkey = derivePubkey(signer.basepoints.htlcBasepoint, point);
        const all = signer.signAllWithHtlcKey(digests, point);
        expect(all.map(toHex)).toEqual(digests.map((d) => toHex(ecdsaSign(d, htlcPrivkey))));
        expect(all.map(toHex)).toEqual(digests.map((d) => toHex(signer.signWithHtlcKey(d, point))));
        all.forEach((sig, i) => expect(ecdsaVerify(sig, digests[i]!, htlcPubkey)).toBe(true));
      }),
      { numRuns: 30 },
    );
  });
});
