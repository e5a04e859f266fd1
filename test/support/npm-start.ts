/**
 * `npm start` (scripts/start.ts) run by a test as a user would, in browser mode on a fresh data
 * directory, its own process group so its daemons and the sandbox chain go with it; every line it
 * prints collected. `stopNpmStart` asks it to stop (SIGTERM: it stops its children and the chain)
 * and kills the group if it did not exit within 20 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface NpmStart {
  readonly child: ChildProcess;
  /** stdout and stderr, line by line, as they come. */
  readonly lines: string[];
}

export function startNpmStart(repoRoot: string, datadir: string): NpmStart {
  const child = spawn(process.execPath, [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), join(repoRoot, 'scripts/start.ts'), '--browser', '--datadir', datadir], {
    cwd: repoRoot,
    // A first start tries a free port, not 9735 (other nodes on this machine may use it).
    env: { ...process.env, GLASSWING_DEFAULT_LISTEN: '127.0.0.1:0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
  return { child, lines };
}

export async function stopNpmStart(child: ChildProcess | undefined): Promise<void> {
  if (!child) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000).unref())]);
  }
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    /* all gone */
  }
}
