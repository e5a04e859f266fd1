/**
 * Counts the elliptic-curve operations the selected crypto backend performs while a function
 * runs: the instrument of the work-bound regression tests (issue 20), which assert how many
 * points a message makes us check and how many ECDHs it makes us compute — operations, never time.
 * The backend's methods are wrapped (they still compute), and unwrapped when `fn` returns.
 */
import { vi } from 'vitest';
import type { Secp256k1Backend } from '../../core/crypto/backend';
import { backend } from '../../core/crypto/select';

/** Calls of each curve primitive of the backend (core/crypto/backend.ts). */
export interface CurveOps {
  /** `isPoint`: a point checked on the curve (decompressed). */
  readonly pointChecks: number;
  readonly ecdh: number;
  /** k·P, P + Q, P + t·G. */
  readonly pointMultiplies: number;
  /** k·G (public keys, BIP340 x-only keys). */
  readonly baseMultiplies: number;
  /** ECDSA and BIP340 signatures. */
  readonly signatures: number;
  /** ECDSA and BIP340 verifications, ECDSA key recoveries. */
  readonly verifications: number;
}

const GROUPS: Readonly<Record<keyof CurveOps, readonly (keyof Secp256k1Backend)[]>> = {
  pointChecks: ['isPoint'],
  ecdh: ['ecdh'],
  pointMultiplies: ['pointMultiply', 'pointAdd', 'pointAddScalar'],
  baseMultiplies: ['pointFromScalar', 'xOnlyFromScalar'],
  signatures: ['ecdsaSign', 'ecdsaSignRecoverable', 'schnorrSign'],
  verifications: ['ecdsaVerify', 'ecdsaRecover', 'schnorrVerify'],
};

/** Runs `fn` and returns its value with the curve operations it made the backend perform. */
export function countCurveOps<T>(fn: () => T): { value: T; ops: CurveOps } {
  const b = backend();
  const spies = Object.entries(GROUPS).map(([group, methods]) => ({
    group: group as keyof CurveOps,
    spies: methods.map((m) => vi.spyOn(b as Secp256k1Backend, m)),
  }));
  try {
    const value = fn();
    const ops = Object.fromEntries(spies.map(({ group, spies: s }) => [group, s.reduce((n, spy) => n + spy.mock.calls.length, 0)])) as unknown as CurveOps;
    return { value, ops };
  } finally {
    for (const { spies: s } of spies) for (const spy of s) spy.mockRestore();
  }
}
