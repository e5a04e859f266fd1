/**
 * The crypto backends these tests run against: every one that loads here. On the platforms the
 * native addon ships binaries for, all three must load (a test in select.test.ts says so), so a
 * broken install cannot quietly shrink this list.
 */
import { afterAll, beforeAll } from 'vitest';
import { availableCryptoBackends, cryptoBackendInfo, useCryptoBackend } from '../../../core/crypto';
import type { CryptoBackendName } from '../../../core/crypto';

export const BACKENDS: readonly CryptoBackendName[] = availableCryptoBackends();

/** Runs `fn` with `name` as the backend in use, then restores the one that was in use. */
export function onBackend<T>(name: CryptoBackendName, fn: () => T): T {
  const before = cryptoBackendInfo().backend;
  useCryptoBackend(name);
  try {
    return fn();
  } finally {
    useCryptoBackend(before);
  }
}

/** In a describe block: use `name` for its tests, and restore the previous backend after them. */
export function useBackendInBlock(name: CryptoBackendName): void {
  let before: CryptoBackendName;
  beforeAll(() => {
    before = cryptoBackendInfo().backend;
    useCryptoBackend(name);
  });
  afterAll(() => {
    useCryptoBackend(before);
  });
}
