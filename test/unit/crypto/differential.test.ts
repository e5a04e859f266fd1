/**
 * Differential test of the crypto backends: the same random inputs, edge cases included (invalid
 * points, x-only keys off the curve, x >= p, uncompressed and hybrid encodings, high S, zero and
 * out-of-range scalars and signature halves, the group order, 0xff…, wrong lengths, AEAD tampering,
 * ChaCha20 counters at the limit, raw ChaCha20 inputs on both sides of the libsecp backend's switch
 * from its addon to node:crypto), go through every public crypto function on every backend that
 * loads here, and every backend must give the identical answer, or throw the identical typed error
 * (class, code and message).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as crypto from '../../../core/crypto';
import { CURVE_ORDER, CryptoError, bigintToBytes, bytesToBigint, toHex } from '../../../core/crypto';
import { ADDON_CHACHA20_MAX_BYTES } from '../../../core/crypto/backend-addon-ciphers';
import { BACKENDS, onBackend } from './backends';

const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const b32 = (n: bigint) => bigintToBytes(n, 32);
const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

type Outcome = string;

/** The answer of `f` as text: the value (hex for bytes) or the error's class, code and message. */
function outcome(f: () => unknown): Outcome {
  try {
    return `ok ${show(f())}`;
  } catch (e) {
    if (!(e instanceof CryptoError)) return `UNTYPED ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    return `${e.name} ${e.code}: ${e.message}`;
  }
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return `[${v.map(show).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${k}:${show(x)}`).join(',')}}`;
  return String(v);
}

/** Runs `f` on every backend; all answers must be identical and none an untyped exception. */
function same(label: string, f: () => unknown): Outcome {
  const answers = BACKENDS.map((name) => [name, onBackend(name, () => outcome(f))] as const);
  const [first] = answers;
  for (const [name, answer] of answers) {
    expect(answer, `${label} on ${name}`).not.toMatch(/^UNTYPED/);
    expect(answer, `${label}: ${name} differs from ${first![0]}`).toBe(first![1]);
  }
  return first![1];
}

// ---- inputs ----

const edgeScalars = [0n, 1n, 2n, (CURVE_ORDER - 1n) / 2n, (CURVE_ORDER + 1n) / 2n, CURVE_ORDER - 1n, CURVE_ORDER, CURVE_ORDER + 1n, P, 2n ** 256n - 1n].map(b32);
const scalarArb = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }) },
  { weight: 2, arbitrary: fc.constantFrom(...edgeScalars) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
);
const digestArb = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }) },
  { weight: 1, arbitrary: fc.constantFrom(new Uint8Array(32), b32(CURVE_ORDER), b32(2n ** 256n - 1n)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
);
/** A valid key for building points and signatures. */
const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => b32((bytesToBigint(b) % (CURVE_ORDER - 1n)) + 1n));

type PointSpec =
  | { kind: 'valid'; key: Uint8Array; form: 'compressed' | 'uncompressed' | 'uncompressed-wrong-y' | 'hybrid' | 'wrong-prefix' }
  | { kind: 'bytes'; bytes: Uint8Array };

const pointArb: fc.Arbitrary<PointSpec> = fc.oneof(
  { weight: 5, arbitrary: keyArb.map((key): PointSpec => ({ kind: 'valid', key, form: 'compressed' })) },
  {
    weight: 2,
    arbitrary: fc.record({ key: keyArb, form: fc.constantFrom('uncompressed', 'uncompressed-wrong-y', 'hybrid', 'wrong-prefix') as fc.Arbitrary<'uncompressed'> })
      .map((r): PointSpec => ({ kind: 'valid', ...r })),
  },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(2, 3), fc.uint8Array({ minLength: 32, maxLength: 32 })).map(([p, x]): PointSpec => ({ kind: 'bytes', bytes: cat([p], x) })) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      cat([2], b32(P)), cat([3], b32(P + 1n)), cat([2], new Uint8Array(32).fill(0xff)), cat([2], new Uint8Array(32)), cat([3], new Uint8Array(32)),
      cat([2], b32(7n)), new Uint8Array(33), cat([4], new Uint8Array(64)), new Uint8Array(0),
    ).map((bytes): PointSpec => ({ kind: 'bytes', bytes })),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 66 }).map((bytes): PointSpec => ({ kind: 'bytes', bytes })) },
);

/** Builds the point bytes (with the first backend: the fastest). */
function pointOf(spec: PointSpec): Uint8Array {
  if (spec.kind === 'bytes') return spec.bytes;
  const compressed = onBackend(BACKENDS[0]!, () => crypto.publicKeyFromPrivate(spec.key));
  if (spec.form === 'compressed') return compressed;
  if (spec.form === 'wrong-prefix') return cat([compressed[0]! ^ 1], compressed.subarray(1));
  // Uncompressed: y from the x-only key's even y, negated when the prefix says odd.
  const y = liftY(bytesToBigint(compressed.subarray(1)), compressed[0] === 3);
  const yBytes = b32(spec.form === 'uncompressed-wrong-y' ? P - y : y);
  const prefix = spec.form === 'hybrid' ? 6 + (compressed[0]! & 1) : 4;
  return cat([prefix], compressed.subarray(1), yBytes);
}

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}

function liftY(x: bigint, odd: boolean): bigint {
  const y = modPow((x * x * x + 7n) % P, (P + 1n) / 4n, P);
  return (y & 1n) === (odd ? 1n : 0n) ? y : P - y;
}

const xOnlyArb = fc.oneof(
  { weight: 4, arbitrary: keyArb.map((k) => ({ valid: k })) },
  { weight: 3, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => ({ bytes: b })) },
  { weight: 1, arbitrary: fc.constantFrom(b32(P), b32(P + 1n), new Uint8Array(32), new Uint8Array(32).fill(0xff), b32(7n)).map((b) => ({ bytes: b })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => ({ bytes: b })) },
);

type SigVariant = 'same' | 'high-s' | 'r0' | 's0' | 'r=n' | 's=n' | 'r=p' | 'small-r' | 'ff' | 'random' | 'short' | 'flip';
const sigVariantArb = fc.constantFrom<SigVariant>('same', 'same', 'high-s', 'r0', 's0', 'r=n', 's=n', 'r=p', 'small-r', 'ff', 'random', 'short', 'flip');

function vary(sig: Uint8Array, v: SigVariant, random: Uint8Array): Uint8Array {
  const r = sig.subarray(0, 32);
  const s = sig.subarray(32);
  switch (v) {
    case 'same': return sig;
    case 'high-s': return cat(r, b32(CURVE_ORDER - bytesToBigint(s)));
    case 'r0': return cat(new Uint8Array(32), s);
    case 's0': return cat(r, new Uint8Array(32));
    case 'r=n': return cat(b32(CURVE_ORDER), s);
    case 's=n': return cat(r, b32(CURVE_ORDER));
    case 'r=p': return cat(b32(P), s);
    // r below p - n: recovery ids 2 and 3 (R.x = r + n) can apply.
    case 'small-r': return cat(b32(BigInt(random[0]!) + 1n), s);
    case 'ff': return new Uint8Array(64).fill(0xff);
    case 'random': return random;
    case 'short': return sig.subarray(0, 63);
    case 'flip': return cat(r.subarray(0, 31), [r[31]! ^ 1], s);
  }
}

// @noble costs milliseconds per operation; 120 runs keep this file to seconds. Set GLASSWING_DIFFERENTIAL_RUNS for a longer search.
const RUNS = Number(process.env.GLASSWING_DIFFERENTIAL_RUNS ?? 120);

describe(`the crypto backends give identical answers (${BACKENDS.join(', ')})`, () => {
  it('loads more than one backend here, so this test compares something', () => {
    expect(BACKENDS.length).toBeGreaterThan(1);
  });

  it('keys, ECDH, point multiplication, tweaks and negation', () => {
    fc.assert(fc.property(scalarArb, pointArb, (k, spec) => {
      const p = pointOf(spec);
      same('isValidPrivateKey', () => crypto.isValidPrivateKey(k));
      same('publicKeyFromPrivate', () => crypto.publicKeyFromPrivate(k));
      same('pointFromScalar', () => crypto.pointFromScalar(k));
      same('xOnlyPublicKey', () => crypto.xOnlyPublicKey(k));
      same('isValidPublicKey', () => crypto.isValidPublicKey(p));
      same('assertPublicKey', () => crypto.assertPublicKey(p));
      same('ecdh', () => crypto.ecdh(k, p));
      same('pointMultiply', () => crypto.pointMultiply(p, k));
      same('pointAddScalar', () => crypto.pointAddScalar(p, k));
      same('pointNegate', () => crypto.pointNegate(p));
    }), { numRuns: RUNS });
  });

  it('point addition, including P + P, P + (-P) and invalid operands', () => {
    fc.assert(fc.property(pointArb, pointArb, fc.constantFrom('other', 'self', 'negation'), (sa, sb, relation) => {
      const a = pointOf(sa);
      const b = relation === 'other' ? pointOf(sb) : relation === 'self' ? a : a.length === 33 ? cat([a[0]! ^ 1], a.subarray(1)) : pointOf(sb);
      same('pointAdd', () => crypto.pointAdd(a, b));
      same('pointAdd swapped', () => crypto.pointAdd(b, a));
    }), { numRuns: RUNS });
  });

  it('ECDSA signing, verification (low-S only) and public-key recovery (any S)', () => {
    fc.assert(fc.property(keyArb, scalarArb, digestArb, sigVariantArb, fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.integer({ min: -1, max: 4 }), pointArb,
      (key, k, d, variant, random, recoveryId, otherKey) => {
        same('ecdsaSign', () => crypto.ecdsaSign(d, k));
        same('ecdsaSignRecoverable', () => crypto.ecdsaSignRecoverable(d, k));
        const digest = d.length === 32 ? d : new Uint8Array(32).fill(d.length);
        const { signature, recoveryId: id } = onBackend(BACKENDS[0]!, () => crypto.ecdsaSignRecoverable(digest, key));
        const sig = vary(signature, variant, random);
        const pub = onBackend(BACKENDS[0]!, () => crypto.publicKeyFromPrivate(key));
        same('ecdsaVerify (signer)', () => crypto.ecdsaVerify(sig, d, pub));
        same('ecdsaVerify (other key)', () => crypto.ecdsaVerify(sig, digest, pointOf(otherKey)));
        same('ecdsaRecoverPublicKey (signer id)', () => crypto.ecdsaRecoverPublicKey(sig, id, digest));
        same('ecdsaRecoverPublicKey (any id)', () => crypto.ecdsaRecoverPublicKey(sig, recoveryId, d));
      }), { numRuns: RUNS });
  });

  it('BIP340 signing and verification, with keys off the curve and r/s out of range', () => {
    fc.assert(fc.property(keyArb, scalarArb, digestArb, fc.uint8Array({ maxLength: 33 }), sigVariantArb, fc.uint8Array({ minLength: 64, maxLength: 64 }), xOnlyArb,
      (key, k, m, aux, variant, random, x) => {
        same('schnorrSign', () => crypto.schnorrSign(m, k, aux));
        const message = m.length === 32 ? m : new Uint8Array(32).fill(m.length);
        const sig = vary(onBackend(BACKENDS[0]!, () => crypto.schnorrSign(message, key, new Uint8Array(32))), variant, random);
        const signer = onBackend(BACKENDS[0]!, () => crypto.xOnlyPublicKey(key));
        const xOnly = 'valid' in x ? onBackend(BACKENDS[0]!, () => crypto.xOnlyPublicKey(x.valid)) : x.bytes;
        same('schnorrVerify (signer)', () => crypto.schnorrVerify(sig, m, signer));
        same('schnorrVerify (other key)', () => crypto.schnorrVerify(sig, message, xOnly));
      }), { numRuns: RUNS });
  });

  it('SHA-256 (around the 64-byte switch between implementations), HMAC, HKDF and tagged hashes', () => {
    const data = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 60, max: 68 }).map((n) => new Uint8Array(n).fill(n)));
    fc.assert(fc.property(data, fc.uint8Array({ maxLength: 100 }), fc.string({ maxLength: 12 }), (d, key, tag) => {
      same('sha256', () => crypto.sha256(d));
      same('sha256d', () => crypto.sha256d(d));
      same('hash160', () => crypto.hash160(d));
      same('hmacSha256', () => crypto.hmacSha256(key, d));
      same('hkdfTwoKeys', () => crypto.hkdfTwoKeys(key, d));
      same('taggedHash', () => crypto.taggedHash(tag, d, key));
      same('sha256Hasher', () => {
        const h = crypto.sha256Hasher();
        h.update(key);
        h.update(d);
        return h.digest();
      });
    }), { numRuns: RUNS * 2.5 });
  });

  it('ChaCha20-Poly1305 and ChaCha20: the same output, the same refusals (tampering, lengths, counters)', () => {
    const arb = fc.record({
      key: fc.uint8Array({ minLength: 31, maxLength: 33 }), nonce: fc.uint8Array({ minLength: 11, maxLength: 13 }), ad: fc.uint8Array({ maxLength: 40 }),
      // Short inputs, lengths at the libsecp backend's switch of raw ChaCha20 from its addon to
      // node:crypto, and a largest Lightning message (65,535 bytes).
      plaintext: fc.oneof(
        { weight: 8, arbitrary: fc.uint8Array({ maxLength: 300 }) },
        { weight: 2, arbitrary: fc.tuple(fc.integer({ min: -2, max: 2 }), fc.nat(255)).map(([d, fill]) => new Uint8Array(ADDON_CHACHA20_MAX_BYTES + d).fill(fill)) },
        { weight: 1, arbitrary: fc.nat(255).map((fill) => new Uint8Array(65_535).fill(fill)) },
      ),
      flip: fc.integer({ min: -1, max: 400 }),
      counter: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(-1, 2 ** 32 - 3, 2 ** 32 - 2, 2 ** 32 - 1, 2 ** 32, 0.5)),
    });
    fc.assert(fc.property(arb, ({ key, nonce, ad, plaintext, flip, counter }) => {
      const sealedText = same('aeadEncrypt', () => crypto.aeadEncrypt(key, nonce, ad, plaintext));
      same('aeadEncryptDetached', () => {
        const { ciphertext, tag } = crypto.aeadEncryptDetached(key, nonce, ad, plaintext);
        return crypto.concatBytes(ciphertext, tag);
      });
      const sealed = sealedText.startsWith('ok ') ? crypto.fromHex(sealedText.slice(3)) : plaintext;
      if (flip >= 0 && sealed.length > 0) sealed[flip % sealed.length]! ^= 1;
      same('aeadDecrypt', () => crypto.aeadDecrypt(key, nonce, ad, sealed));
      // The tag apart, cut where the sealed bytes end (16 bytes) or one byte off (a wrong length).
      const cut = Math.max(0, sealed.length - (flip % 5 === 0 ? 15 : 16));
      same('aeadDecryptDetached', () => crypto.aeadDecryptDetached(key, nonce, ad, sealed.subarray(0, cut), sealed.subarray(cut)));
      same('chacha20Xor', () => crypto.chacha20Xor(key, nonce, plaintext, counter));
    }), { numRuns: RUNS * 2.5 });
  });
});
