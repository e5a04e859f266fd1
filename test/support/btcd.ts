/**
 * A real btcd on regtest for a test file: `const btcd = await startBtcd()` in `beforeAll`; it is
 * stopped and its directory removed after the file. btcd must be built (node scripts/peers/btcd.mjs,
 * which `.ci/run` runs): a missing binary fails the test with that instruction, never a skip.
 */
import { afterAll } from 'vitest';
import { Btcd, type BtcdOptions } from '../../scripts/regtest/btcd';
import { tempDir } from './tmp';

export { Btcd, REGTEST, faucetKey, BtcdRpcError } from '../../scripts/regtest/btcd';

const running: Btcd[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
});

export async function startBtcd(opts: Partial<BtcdOptions> = {}): Promise<Btcd> {
  const btcd = await Btcd.start({ dir: opts.dir ?? tempDir('glasswing-btcd-'), ...opts });
  running.push(btcd);
  return btcd;
}

/** Polls `check` until it returns a value other than undefined (never a fixed sleep). */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
