/**
 * Setup file of the per-backend vitest projects (vitest.config.ts): each test file there must run
 * on the backend GLASSWING_CRYPTO names, not on a fallback, or every test in it fails.
 */
import { beforeAll, expect } from 'vitest';
import { cryptoBackendInfo } from '../../../core/crypto';

beforeAll(() => {
  const wanted = process.env.GLASSWING_CRYPTO;
  const info = cryptoBackendInfo();
  expect(info.backend, `GLASSWING_CRYPTO=${wanted} did not load: ${info.fallback ?? ''}`).toBe(wanted);
});
