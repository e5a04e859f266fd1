/// <reference types="node" />
/**
 * Loads the optional crypto packages (the native libsecp256k1 addon, the WebAssembly build)
 * synchronously at run time, so a missing or broken one is a caught error, never a failed import.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `require` for the current module format: the Electron main bundle is CommonJS (esbuild sets
 * `import.meta.url` to undefined there and provides `require`); everywhere else this is ESM.
 * Calling through a variable also keeps bundlers from inlining the packages, which must stay on
 * disk next to their .node and .wasm files.
 */
function runTimeRequire(): NodeJS.Require {
  return typeof require === 'function' ? require : createRequire(import.meta.url);
}

/**
 * The folder of this module's file: `__dirname` in the Electron main bundle (CommonJS, so
 * dist/electron/), the folder of `import.meta.url` everywhere else (core/crypto/).
 */
export function moduleDir(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}

export function requireAtRunTime(id: string): unknown {
  return runTimeRequire()(id);
}

/**
 * The `version` of an installed package (read from the package.json above its resolved entry,
 * since packages with an `exports` map do not export their package.json), or 'unknown'.
 */
export function packageVersion(name: string): string {
  try {
    let dir = dirname(runTimeRequire().resolve(name));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === name && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // no package.json here; look one level up
      }
      dir = dirname(dir);
    }
  } catch {
    // not installed
  }
  return 'unknown';
}
