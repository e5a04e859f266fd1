/**
 * Real `glasswing daemon` processes for integration tests: each in its own temporary data
 * directory, listening on 127.0.0.1 with OS-assigned ports. Talk to them through the CLI
 * (`cli`) or an API client over the daemon's WebSocket (`api`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { REPO_ROOT } from './vectors';
import { tempDir } from './tmp';
import { connectToDaemon } from '../../main/cli/daemon-client';
import type { NodeApi, NodeEvent } from '../../core/api';

export const GLASSWING_BIN = join(REPO_ROOT, 'bin', 'glasswing.mjs');

export interface ReadyLine {
  event: 'ready';
  nodeId: string;
  listen: string | null;
  api: string;
  network: string;
  /** --ui: the app's address, and a one-time login address. */
  app?: string;
  ui?: string;
  /** The saved listen address (or API port) was taken: what was wanted and why. */
  listenFallback?: { wanted: string; reason: string };
  uiFallback?: { wanted: number; reason: string };
}

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
});

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: unknown;
}

/** Runs `glasswing ARGS` as a real process. */
export function runCli(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GLASSWING_BIN, ...args], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`glasswing ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: unknown;
      try {
        json = JSON.parse(stdout || stderr);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

export class DaemonProcess {
  readonly datadir: string;
  readonly extraArgs: string[];
  child: ChildProcess | undefined;
  ready: ReadyLine | undefined;
  /** Everything the daemon logged on stderr (JSON lines). */
  logs: string[] = [];

  constructor(datadir: string, extraArgs: string[] = []) {
    this.datadir = datadir;
    this.extraArgs = extraArgs;
  }

  /**
   * Starts the daemon and waits for its ready line. `listen` null passes no --listen: the daemon
   * then uses its saved address, else its default (`env` may set GLASSWING_DEFAULT_LISTEN).
   */
  async start(listen: string | null = '127.0.0.1:0', env: NodeJS.ProcessEnv = {}): Promise<ReadyLine> {
    const args = [GLASSWING_BIN, 'daemon', '--datadir', this.datadir, ...(listen === null ? [] : ['--listen', listen]), ...this.extraArgs];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.child = child;
    running.add(child);
    child.on('exit', () => running.delete(child));
    createInterface({ input: child.stderr! }).on('line', (l) => this.logs.push(l));
    const ready = await new Promise<ReadyLine>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`daemon did not become ready; logs:\n${this.logs.join('\n')}`)), 60_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        try {
          const parsed = JSON.parse(line) as ReadyLine;
          if (parsed.event === 'ready') {
            clearTimeout(timer);
            resolve(parsed);
          }
        } catch {
          /* not JSON */
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`daemon exited with ${code} before ready; logs:\n${this.logs.join('\n')}`));
      });
    });
    this.ready = ready;
    return ready;
  }

  get nodeId(): string {
    return this.ready!.nodeId;
  }

  /** `nodeid@127.0.0.1:port` of its Lightning listener. */
  get address(): string {
    return `${this.ready!.nodeId}@${this.ready!.listen}`;
  }

  get listenPort(): number {
    return Number(this.ready!.listen!.split(':').pop());
  }

  cli(...args: string[]): Promise<CliResult> {
    return runCli(['--datadir', this.datadir, ...args]);
  }

  /** An API client over the daemon's WebSocket (closed after the test file). */
  async api(): Promise<NodeApi> {
    const client = await connectToDaemon(this.datadir);
    afterAll(() => client.close());
    return client.api;
  }

  /** Collects events from the daemon as they arrive. */
  async events(): Promise<{ list: NodeEvent[]; waitFor: (pred: (e: NodeEvent) => boolean, timeoutMs?: number) => Promise<NodeEvent> }> {
    const api = await this.api();
    const list: NodeEvent[] = [];
    const waiters: { pred: (e: NodeEvent) => boolean; resolve: (e: NodeEvent) => void }[] = [];
    api.subscribe((e) => {
      list.push(e);
      for (const w of [...waiters]) if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    });
    const waitFor = (pred: (e: NodeEvent) => boolean, timeoutMs = 20_000) =>
      new Promise<NodeEvent>((resolve, reject) => {
        const found = list.find(pred);
        if (found) return resolve(found);
        const timer = setTimeout(() => reject(new Error('timed out waiting for an event')), timeoutMs);
        waiters.push({ pred, resolve: (e) => { clearTimeout(timer); resolve(e); } });
      });
    return { list, waitFor };
  }

  /** Stops with a signal and waits for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    return new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.kill(signal);
    });
  }
}

/** A daemon in a fresh temporary data directory. */
export async function startDaemon(extraArgs: string[] = []): Promise<DaemonProcess> {
  const d = new DaemonProcess(tempDir('glasswing-node-'), extraArgs);
  await d.start();
  return d;
}

/** Polls `check` until it returns a truthy value (for state that has no event). */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
