/**
 * Published test vectors, run against every crypto backend that loads here:
 * BIP340 (bitcoin/bips bip-0340/test-vectors.csv, copied in data/), the BOLT 11 example signatures
 * (ECDSA signing and public-key recovery, high S included), BOLT 8's ECDH, RFC 8439 (ChaCha20
 * §2.4.2, ChaCha20-Poly1305 §2.8.2), RFC 5869 (HKDF case 3), RFC 4231 (HMAC case 2), FIPS 180-2
 * (SHA-256 examples).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  aeadDecrypt, aeadEncrypt, chacha20Xor, ecdh, ecdsaRecoverPublicKey, ecdsaSign, ecdsaSignRecoverable, ecdsaVerify, fromHex, hkdfTwoKeys,
  hmacSha256, publicKeyFromPrivate, schnorrSign, schnorrVerify, sha256, sha256Hasher, toHex, utf8, xOnlyPublicKey,
} from '../../../core/crypto';
import { loadVectors } from '../../support/vectors';
import { BACKENDS, useBackendInBlock } from './backends';

interface Bip340Row {
  index: number;
  secretKey: string;
  publicKey: string;
  auxRand: string;
  message: string;
  signature: string;
  result: boolean;
  comment: string;
}

const BIP340: Bip340Row[] = readFileSync(join(import.meta.dirname, 'data/bip340-test-vectors.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [index, secretKey, publicKey, auxRand, message, signature, result, ...comment] = line.trim().split(',');
    return {
      index: Number(index), secretKey: secretKey!.toLowerCase(), publicKey: publicKey!.toLowerCase(), auxRand: auxRand!.toLowerCase(),
      message: message!.toLowerCase(), signature: signature!.toLowerCase(), result: result === 'TRUE', comment: comment.join(','),
    };
  });

interface Bolt11Vectors {
  private_key: string;
  signer_pubkey: string;
  valid: { name: string; payee_pubkey: string; signature: { rs: string; recovery_id: number; high_s: boolean }; signing_hash?: string }[];
}
const BOLT11 = loadVectors<Bolt11Vectors>('bolt11/invoices.json');
/** The examples whose signed hash the spec publishes (the others give only the invoice string). */
const BOLT11_SIGNED = BOLT11.valid.filter((v): v is typeof v & { signing_hash: string } => v.signing_hash !== undefined);

const SUNSCREEN = utf8.encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");

describe.each(BACKENDS)('published vectors on the %s backend', (backendName) => {
  useBackendInBlock(backendName);

  it('BIP340: every test vector with a 32-byte message signs and verifies as published', () => {
    const fixed = BIP340.filter((r) => r.message.length === 64);
    expect(fixed.length).toBe(15);
    for (const r of fixed) {
      const sig = fromHex(r.signature);
      expect(schnorrVerify(sig, fromHex(r.message), fromHex(r.publicKey)), `vector ${r.index} ${r.comment}`).toBe(r.result);
      if (r.secretKey !== '') {
        expect(toHex(xOnlyPublicKey(fromHex(r.secretKey))), `vector ${r.index}`).toBe(r.publicKey);
        expect(toHex(schnorrSign(fromHex(r.message), fromHex(r.secretKey), fromHex(r.auxRand))), `vector ${r.index}`).toBe(r.signature);
      }
    }
  });

  it('BIP340: the vectors with other message lengths are refused (our API signs 32-byte messages only)', () => {
    const other = BIP340.filter((r) => r.message.length !== 64);
    expect(other.map((r) => r.index)).toEqual([15, 16, 17, 18]);
    for (const r of other) {
      expect(schnorrVerify(fromHex(r.signature), fromHex(r.message), fromHex(r.publicKey))).toBe(false);
      expect(() => schnorrSign(fromHex(r.message), fromHex(r.secretKey), fromHex(r.auxRand))).toThrowError(
        expect.objectContaining({ code: 'bytes.bad_length' }),
      );
    }
  });

  it('BOLT 11: every example signature recovers the payee key, high S included, and low-S ones verify', () => {
    expect(BOLT11_SIGNED.length).toBe(11);
    expect(BOLT11_SIGNED.filter((v) => v.signature.high_s).length).toBe(1);
    for (const v of BOLT11_SIGNED) {
      const sig = fromHex(v.signature.rs);
      const digest = fromHex(v.signing_hash);
      // BOLT 11: without n, MUST perform ECDSA public-key recovery and accept both high-S and low-S.
      expect(toHex(ecdsaRecoverPublicKey(sig, v.signature.recovery_id, digest)), v.name).toBe(v.payee_pubkey);
      // With n: a signature that is not low-S MUST fail.
      expect(ecdsaVerify(sig, digest, fromHex(v.payee_pubkey)), v.name).toBe(!v.signature.high_s);
    }
  });

  it('BOLT 11: signing the examples with the published key gives the published low-S signatures (RFC 6979)', () => {
    const key = fromHex(BOLT11.private_key);
    expect(toHex(publicKeyFromPrivate(key))).toBe(BOLT11.signer_pubkey);
    const signed = BOLT11_SIGNED.filter((x) => !x.signature.high_s && x.payee_pubkey === BOLT11.signer_pubkey);
    expect(signed.length).toBe(10);
    for (const v of signed) {
      const digest = fromHex(v.signing_hash);
      const { signature, recoveryId } = ecdsaSignRecoverable(digest, key);
      expect(toHex(signature), v.name).toBe(v.signature.rs);
      expect(recoveryId, v.name).toBe(v.signature.recovery_id);
      expect(toHex(ecdsaSign(digest, key)), v.name).toBe(v.signature.rs);
    }
  });

  it('BOLT 8 Appendix A: ECDH(e.priv, rs.pub) = ss', () => {
    const e = fromHex('1212121212121212121212121212121212121212121212121212121212121212');
    const rs = fromHex('028d7500dd4c12685d1f568b4c2b5048e8534b873319f3a8daa612b469132ec7f7');
    expect(toHex(ecdh(e, rs))).toBe('1e2fb3c8fe8fb9f262f649f64d26ecf0f2c0a805a767cf02dc2d77a6ef1fdcc3');
  });

  it('RFC 8439 §2.4.2: ChaCha20 encryption with counter 1', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const nonce = fromHex('000000000000004a00000000');
    const out = chacha20Xor(key, nonce, SUNSCREEN, 1);
    expect(toHex(out)).toBe(
      '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8' +
        '07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d',
    );
    expect(chacha20Xor(key, nonce, out, 1)).toEqual(SUNSCREEN);
  });

  it('RFC 8439 §2.8.2: ChaCha20-Poly1305 seals to the published ciphertext and tag, and opens', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
    const nonce = fromHex('070000004041424344454647');
    const ad = fromHex('50515253c0c1c2c3c4c5c6c7');
    const sealed = aeadEncrypt(key, nonce, ad, SUNSCREEN);
    expect(toHex(sealed)).toBe(
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36' +
        '92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116' +
        '1ae10b594f09e26a7e902ecbd0600691',
    );
    expect(aeadDecrypt(key, nonce, ad, sealed)).toEqual(SUNSCREEN);
    ad[0]! ^= 1;
    expect(() => aeadDecrypt(key, nonce, ad, sealed)).toThrowError(expect.objectContaining({ code: 'crypto.bad_mac' }));
  });

  it('RFC 5869 test case 3 (HKDF-SHA256, empty salt and info) through the BOLT 8 HKDF', () => {
    // BOLT 8's HKDF has a zero-length info and returns 64 bytes; case 3 publishes the first 42.
    const [k1, k2] = hkdfTwoKeys(new Uint8Array(0), new Uint8Array(22).fill(0x0b));
    expect(toHex(k1) + toHex(k2).slice(0, 20)).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
  });

  it('RFC 4231 test case 2 (HMAC-SHA256, key "Jefe")', () => {
    expect(toHex(hmacSha256(utf8.encode('Jefe'), utf8.encode('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('FIPS 180-2: SHA-256 of "abc", of the 448-bit message, and of a million "a" in parts', () => {
    expect(toHex(sha256(utf8.encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(sha256(utf8.encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    const h = sha256Hasher();
    const chunk = new Uint8Array(1000).fill(0x61);
    for (let i = 0; i < 1000; i++) h.update(chunk);
    expect(toHex(h.digest())).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
    expect(toHex(sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });
});
