/**
 * Real processes for the campaigns, outside any test runner: `glasswing daemon` in its own data
 * directory, TypeScript child scripts (drivers, pollers) that talk in JSON lines, and what
 * /proc says about a process (peak RSS, CPU time). Every process started here is killed when the
 * campaign ends, whatever happens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GLASSWING_BIN = join(REPO_ROOT, 'bin', 'glasswing.mjs');

const started = new Set<ChildProcess>();
const tempDirs: string[] = [];

/** Kills every process this module started (SIGKILL) and removes its temporary directories. */
export function cleanUp(): void {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  started.clear();
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
process.once('exit', cleanUp);

export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

/** A child process whose stdout is JSON lines. */
export class LineProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  #waiters: (() => void)[] = [];

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    started.add(this.child);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => {
      started.delete(this.child);
      this.#wake();
      resolve(code);
    }));
    this.child.stderr!.on('data', (d) => {
      // Keep the tail only: a daemon logs JSON lines for as long as it runs.
      this.stderr = (this.stderr + String(d)).slice(-64_000);
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
        this.#wake();
      } catch {
        /* not JSON */
      }
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The first line (already read or still to come) that matches; fails if the process exits first. */
  async waitFor(pred: (line: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(pred);
      if (found) return found;
      const error = this.lines.find((l) => l.event === 'error');
      if (error) throw new Error(`${what}: ${String(error.message)}`);
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`${what}: the process exited (${this.child.exitCode ?? this.child.signalCode}); stderr: ${this.stderr.slice(-4000)}`);
      }
      if (Date.now() > deadline) throw new Error(`${what}: timed out; stderr: ${this.stderr.slice(-4000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}

/** A TypeScript script of the repository run in its own Node process (through tsx). */
export function startScript(relativePath: string, env: NodeJS.ProcessEnv = {}): LineProcess {
  return new LineProcess(process.execPath, ['--import', 'tsx', join(REPO_ROOT, relativePath)], env);
}

export interface DaemonReady {
  readonly nodeId: string;
  readonly listen: string;
  readonly api: string;
}

export interface StartDaemonOptions {
  /** Arguments for node itself (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  /** Run under `nice -n N` (nice execs node, so the pid stays the daemon's). */
  readonly nice?: number;
}

/** `glasswing daemon` in a fresh data directory, listening on 127.0.0.1; resolves at its ready line. */
export async function startDaemon(alias: string, extraArgs: string[] = [], opts: StartDaemonOptions = {}): Promise<{ process: LineProcess; datadir: string; ready: DaemonReady; port: number }> {
  const datadir = tempDir(`glasswing-campaign-${alias}-`);
  const args = [...(opts.nodeArgs ?? []), GLASSWING_BIN, 'daemon', '--datadir', datadir, '--listen', '127.0.0.1:0', '--alias', alias, ...extraArgs];
  const p = opts.nice === undefined
    ? new LineProcess(process.execPath, args)
    : new LineProcess('nice', ['-n', String(opts.nice), process.execPath, ...args]);
  const ready = (await p.waitFor((l) => l.event === 'ready', 120_000, `daemon ${alias}`)) as unknown as DaemonReady;
  return { process: p, datadir, ready, port: Number(ready.listen.split(':').pop()) };
}

/** What /proc says about a process now (Linux). */
export interface ProcSample {
  /** VmHWM: the peak resident set so far, bytes. */
  readonly peakRssBytes: number;
  /** VmRSS now, bytes. */
  readonly rssBytes: number;
  /** utime + stime of all its threads, seconds. */
  readonly cpuSeconds: number;
  /**
   * The main thread (where a Node process runs JavaScript) from /proc/PID/task/PID/schedstat:
   * seconds it ran on a CPU, and seconds it was ready to run but waited for one (the machine was
   * busy with other work). Ran + waited close to the wall time means the thread never idled.
   */
  readonly mainThread: { readonly ranSeconds: number; readonly waitedSeconds: number };
}

const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux the project runs on (sysconf(_SC_CLK_TCK))

export function sampleProc(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  // /proc/PID/stat: the command name may hold spaces; fields after it start at "state" (field 3).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const [ran, waited] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  return {
    peakRssBytes: kb('VmHWM'), rssBytes: kb('VmRSS'), cpuSeconds: (utime + stime) / CLOCK_TICKS,
    mainThread: { ranSeconds: ran! / 1e9, waitedSeconds: waited! / 1e9 },
  };
}

/** /proc/loadavg: the 1, 5 and 15 minute load averages. */
export function loadAverage(): [number, number, number] {
  const [a, b, c] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return [a!, b!, c!];
}
