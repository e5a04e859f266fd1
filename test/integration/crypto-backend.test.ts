/**
 * The daemon's crypto backend: `--crypto` chooses it, getinfo reports it, an unknown name is a
 * typed config error, and daemons on different backends (our libsecp256k1 binding or whatever auto
 * picks here, WebAssembly, @noble) complete BOLT 8 with each other and exchange pings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableCryptoBackends } from '../../core/crypto';
import type { CryptoBackendInfo } from '../../core/crypto';
import { runCli, startDaemon, type DaemonProcess } from '../support/daemon';
import { tempDir } from '../support/tmp';

describe('the daemon on each crypto backend', () => {
  let auto: DaemonProcess;
  let wasm: DaemonProcess;
  let noble: DaemonProcess;

  beforeAll(async () => {
    [auto, wasm, noble] = await Promise.all([startDaemon(), startDaemon(['--crypto', 'wasm']), startDaemon(['--crypto', 'NOBLE'])]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([auto?.stop(), wasm?.stop(), noble?.stop()]);
  });

  async function info(d: DaemonProcess): Promise<CryptoBackendInfo> {
    const r = await d.cli('getinfo');
    expect(r.code).toBe(0);
    return (r.json as { crypto: CryptoBackendInfo }).crypto;
  }

  it('getinfo reports the backend chosen by --crypto, or by auto, and what serves each primitive', async () => {
    expect(await info(wasm)).toMatchObject({ backend: 'wasm', requested: 'wasm', requestedBy: 'option', fallback: null });
    expect((await info(wasm)).primitives.ecdh).toMatch(/WebAssembly/);
    expect(await info(noble)).toMatchObject({ backend: 'noble', requested: 'noble', requestedBy: 'option', fallback: null });
    const a = await info(auto);
    expect(a).toMatchObject({ backend: availableCryptoBackends()[0], requested: 'auto', fallback: null });
    expect(Object.keys(a.primitives).sort()).toEqual(['chacha20', 'chacha20Poly1305', 'ecdh', 'ecdsa', 'ecdsaRecovery', 'hkdf', 'hmacSha256', 'points', 'schnorr', 'sha256']);
    for (const [d, backend] of [[auto, a.backend], [wasm, 'wasm'], [noble, 'noble']] as const) {
      expect(d.logs.filter((l) => l.includes('"event":"crypto"'))).toEqual([]); // no fallback line
      expect(d.logs.filter((l) => l.includes('"event":"crypto_backend"')).map((l) => (JSON.parse(l) as { backend: string }).backend)).toEqual([backend]);
    }
  });

  it('daemons on different backends connect over BOLT 8 and ping each other', async () => {
    for (const [from, to] of [[auto, wasm], [wasm, noble], [noble, auto]] as const) {
      const c = await from.cli('connect', to.address, '--no-reconnect');
      expect(c.code, c.stderr).toBe(0);
      const p = await from.cli('ping', to.nodeId);
      expect(p.code, p.stderr).toBe(0);
      expect(p.json).toMatchObject({ nodeId: to.nodeId, rttMs: expect.any(Number) });
    }
  });

  it('an unknown --crypto name is config.bad_crypto and the daemon does not start', async () => {
    const r = await runCli(['daemon', '--datadir', tempDir('glasswing-crypto-'), '--no-listen', '--crypto', 'turbo']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('config.bad_crypto');
  });
});
