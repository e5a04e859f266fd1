// Bundles the Electron main process and preload (CommonJS, as Electron loads them) into
// dist/electron/. The renderer is built separately by Vite into dist/renderer/.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
const common = {
  bundle: true,
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
};

// Main process: Node APIs available; native and Electron modules stay external.
await build({
  ...common,
  entryPoints: [`${root}/main/electron/main.ts`],
  outfile: `${root}/dist/electron/main.cjs`,
  platform: 'node',
  external: ['electron', 'better-sqlite3'],
  // main/version.ts reads import.meta.url; the bundle gets the version inlined instead.
  define: { 'import.meta.url': 'undefined', 'process.env.GLASSWING_BUNDLED_VERSION': JSON.stringify(version) },
});

// Preload: runs sandboxed, where `require` knows only a few modules — it may use 'electron' only.
await build({
  ...common,
  entryPoints: [`${root}/main/electron/preload.ts`],
  outfile: `${root}/dist/electron/preload.cjs`,
  platform: 'browser',
  external: ['electron'],
});
console.log('built dist/electron/main.cjs and dist/electron/preload.cjs');
