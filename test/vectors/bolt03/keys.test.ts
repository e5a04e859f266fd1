import { describe, expect, it } from 'vitest';
import { fromHex, pointMultiply, scalarFromHash, scalarMultiply, toHex } from '../../../core/crypto';
import {
  derivePrivkey, derivePubkey, deriveRevocationPrivkey, deriveRevocationPubkey, keyTweak, perCommitmentPoint, revocationTweaks,
} from '../../../core/channel';
import { loadVectors } from '../../support/vectors';

interface KeyCase {
  name: string;
  function: 'derive_pubkey' | 'derive_privkey' | 'derive_revocation_pubkey' | 'derive_revocation_privkey';
  inputs: Record<string, string>;
  output: string;
  intermediate: Record<string, string>;
}
interface KeyVectors {
  common: { base_secret: string; per_commitment_secret: string; base_point: string; per_commitment_point: string };
  cases: KeyCase[];
}

const v = loadVectors<KeyVectors>('bolt03/keys.json');
const h = (s: string) => fromHex(s);

describe('BOLT 3 Appendix E: key derivation', () => {
  it('the common secrets give the common points', () => {
    expect(toHex(perCommitmentPoint(h(v.common.base_secret)))).toBe(v.common.base_point);
    expect(toHex(perCommitmentPoint(h(v.common.per_commitment_secret)))).toBe(v.common.per_commitment_point);
  });

  it('has the four cases', () => {
    expect(v.cases.map((c) => c.function).sort()).toEqual(
      ['derive_privkey', 'derive_pubkey', 'derive_revocation_privkey', 'derive_revocation_pubkey'],
    );
  });

  for (const c of v.cases) {
    it(`${c.name}`, () => {
      const i = c.inputs;
      const mid = c.intermediate;
      switch (c.function) {
        case 'derive_pubkey':
          expect(toHex(keyTweak(h(i.per_commitment_point!), h(i.basepoint!)))).toBe(mid['SHA256(per_commitment_point || basepoint)']);
          expect(toHex(derivePubkey(h(i.basepoint!), h(i.per_commitment_point!)))).toBe(c.output);
          break;
        case 'derive_privkey':
          expect(toHex(keyTweak(h(i.per_commitment_point!), h(i.basepoint!)))).toBe(mid['SHA256(per_commitment_point || basepoint)']);
          expect(toHex(derivePrivkey(h(i.basepoint_secret!), h(i.per_commitment_point!)))).toBe(c.output);
          // The private key matches the derived public key.
          expect(toHex(perCommitmentPoint(derivePrivkey(h(i.basepoint_secret!), h(i.per_commitment_point!))))).toBe(
            toHex(derivePubkey(h(i.basepoint!), h(i.per_commitment_point!))),
          );
          break;
        case 'derive_revocation_pubkey': {
          const t = revocationTweaks(h(i.revocation_basepoint!), h(i.per_commitment_point!));
          expect(toHex(t.basepointTweak)).toBe(mid['SHA256(revocation_basepoint || per_commitment_point)']);
          expect(toHex(t.pointTweak)).toBe(mid['SHA256(per_commitment_point || revocation_basepoint)']);
          expect(toHex(pointMultiply(h(i.revocation_basepoint!), scalarFromHash(t.basepointTweak)))).toBe(
            mid['revocation_basepoint * SHA256(revocation_basepoint || per_commitment_point)'],
          );
          expect(toHex(pointMultiply(h(i.per_commitment_point!), scalarFromHash(t.pointTweak)))).toBe(
            mid['per_commitment_point * SHA256(per_commitment_point || revocation_basepoint)'],
          );
          expect(toHex(deriveRevocationPubkey(h(i.revocation_basepoint!), h(i.per_commitment_point!)))).toBe(c.output);
          break;
        }
        case 'derive_revocation_privkey': {
          const t = revocationTweaks(h(i.revocation_basepoint!), h(i.per_commitment_point!));
          expect(toHex(t.basepointTweak)).toBe(mid['SHA256(revocation_basepoint || per_commitment_point)']);
          expect(toHex(t.pointTweak)).toBe(mid['SHA256(per_commitment_point || revocation_basepoint)']);
          expect(toHex(scalarMultiply(h(i.revocation_basepoint_secret!), scalarFromHash(t.basepointTweak)))).toBe(
            mid['revocation_basepoint_secret * SHA256(revocation_basepoint || per_commitment_point)'],
          );
          expect(toHex(scalarMultiply(h(i.per_commitment_secret!), scalarFromHash(t.pointTweak)))).toBe(
            mid['per_commitment_secret * SHA256(per_commitment_point || revocation_basepoint)'],
          );
          const priv = deriveRevocationPrivkey(h(i.revocation_basepoint_secret!), h(i.per_commitment_secret!));
          expect(toHex(priv)).toBe(c.output);
          // ... and it is the private key of the revocation pubkey derived from the public halves.
          expect(toHex(perCommitmentPoint(priv))).toBe(
            toHex(deriveRevocationPubkey(h(i.revocation_basepoint!), h(i.per_commitment_point!))),
          );
          break;
        }
      }
    });
  }
});
