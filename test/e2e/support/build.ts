/**
 * Builds the renderer with Vite when dist/renderer is missing or older than its sources (the
 * renderer and the NodeApi contract it imports). Several test files may ask at once: a lock
 * directory makes them build once and wait for each other.
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../../support/vectors';

// core/node/settings-info.ts: the settings data core/api re-exports, with the bounds the app checks against (RELEASE_WINDOW_SECONDS).
export const RENDERER_SOURCES = [join(REPO_ROOT, 'renderer'), join(REPO_ROOT, 'core/api'), join(REPO_ROOT, 'core/node/settings-info.ts')];
export const RENDERER_INDEX = join(REPO_ROOT, 'dist/renderer/index.html');
const LOCK = join(REPO_ROOT, 'dist/.renderer-build.lock');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

export function rendererIsStale(): boolean {
  if (!existsSync(RENDERER_INDEX)) return true;
  const built = statSync(RENDERER_INDEX).mtimeMs;
  return RENDERER_SOURCES.some((dir) => newestMtime(dir) > built);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Builds if needed; throws with Vite's output if the build fails. */
export function ensureRendererBuilt(): void {
  if (!rendererIsStale()) return;
  mkdirSync(join(REPO_ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Someone else is building: wait for them, then check again.
      if (Date.now() > deadline) throw new Error(`renderer build lock ${LOCK} held for 3 minutes; remove it if no build is running`);
      sleep(250);
      if (!existsSync(LOCK) && !rendererIsStale()) return;
    }
  }
  try {
    if (!rendererIsStale()) return;
    const vite = join(REPO_ROOT, 'node_modules/vite/bin/vite.js');
    const r = spawnSync(process.execPath, [vite, 'build', '--config', join(REPO_ROOT, 'renderer/vite.config.ts'), '--logLevel', 'warn'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 170_000,
    });
    if (r.status !== 0) throw new Error(`vite build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmdirSync(LOCK);
  }
}
