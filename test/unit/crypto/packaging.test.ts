/**
 * The desktop package and the native crypto module: electron-builder keeps libsecp256k1's addon
 * outside the asar, and core/crypto, bundled the way scripts/build-electron.mjs bundles the main
 * process (CommonJS, import.meta.url undefined), still finds and loads the packages at run time.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { availableCryptoBackends } from '../../../core/crypto';
import { REPO_ROOT } from '../../support/vectors';
import { tempDir } from '../../support/tmp';

describe('packaging the crypto backends', () => {
  it('electron-builder ships our libsecp256k1 addon and the npm secp256k1 addon (with its loader) outside the asar', () => {
    const config = readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8');
    const unpacked = config.slice(config.indexOf('asarUnpack:'));
    expect(unpacked).toContain('- "dist/native/**"'); // our libsecp256k1 addon
    expect(config.slice(config.indexOf('files:'), config.indexOf('asarUnpack:'))).toContain('- dist/native/*.node');
    expect(unpacked).toContain('- "**/node_modules/secp256k1/**"');
    expect(unpacked).toContain('- "**/node_modules/node-gyp-build/**"');
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg.optionalDependencies!['secp256k1']).toMatch(/^\^5\./);
    expect(pkg.dependencies!['tiny-secp256k1']).toMatch(/^\^2\./); // shipped: the fallback must be in the app
  });

  it('core/crypto bundled as CommonJS (as in the Electron main bundle) loads the same backend from node_modules as the sources', async () => {
    const dir = tempDir('glasswing-bundle-');
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, [
      `import { cryptoBackendInfo, ecdh, publicKeyFromPrivate, toHex } from ${JSON.stringify(join(REPO_ROOT, 'core/crypto/index.ts'))};`,
      'const k = new Uint8Array(32).fill(1);',
      'console.log(JSON.stringify({ info: cryptoBackendInfo(), ecdh: toHex(ecdh(k, publicKeyFromPrivate(k))) }));',
    ].join('\n'));
    const outfile = join(REPO_ROOT, 'dist', 'test-crypto-bundle', 'main.cjs'); // beside node_modules, as dist/electron/main.cjs is
    await build({
      entryPoints: [entry], outfile, bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'silent',
      external: ['electron', 'better-sqlite3'], define: { 'import.meta.url': 'undefined' },
    });
    const bundle = readFileSync(outfile, 'utf8');
    expect(bundle).not.toContain('secp256k1_context'); // the packages are not inlined
    const r = spawnSync(process.execPath, [outfile], { encoding: 'utf8', env: { ...process.env, GLASSWING_CRYPTO: '' } });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { info: { backend: string; primitives: Record<string, string> }; ecdh: string };
    expect(out.info.backend).toBe(availableCryptoBackends()[0]);
    // Our libsecp256k1 addon (found from dist/<bundle>/ as dist/electron/ finds it) has BIP340; the npm one takes it from WebAssembly.
    expect(out.info.primitives.schnorr).toMatch(out.info.backend === 'libsecp' ? /^libsecp256k1 0\.8/ : /WebAssembly/);
    rmSync(join(REPO_ROOT, 'dist', 'test-crypto-bundle'), { recursive: true, force: true });
    expect(out.ecdh).toMatch(/^[0-9a-f]{64}$/);
  });
});
