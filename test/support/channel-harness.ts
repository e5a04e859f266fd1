/**
 * Drives test/support/channel-node.ts processes from a test: start (and restart on the same
 * data directory and port), send test-control commands, kill with SIGKILL, and open a channel
 * between two of them on an agreed outpoint (each side derives its terms from one description).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { REPO_ROOT } from './vectors';
import { tempDir } from './tmp';
import { COMMITMENTS_LOG, specToJson, testChannelSpec } from './channel-open';
import type { Json, TestChannelSpec } from './channel-open';

const HARNESS = join(REPO_ROOT, 'test', 'support', 'channel-node.ts');

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
});

export class HarnessError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ChannelStateSummary {
  phase: string;
  status: string;
  localCtn: number;
  remoteCtn: number;
  remoteNextCtn: number | null;
  revocationOwed: boolean;
  feeratePerKw: number;
  remoteFeeratePerKw: number;
  localMsat: string;
  remoteMsat: string;
  localHtlcs: { offerer: 'local' | 'remote'; id: string; amountMsat: string }[];
  remoteHtlcs: { offerer: 'local' | 'remote'; id: string; amountMsat: string }[];
  changes: number;
  signable: boolean;
  removable: string[];
  lastSent: string;
  signaturesValid: boolean;
  dataLoss: Record<string, unknown> | null;
}

export class HarnessNode {
  readonly name: string;
  readonly datadir: string;
  port = 0;
  nodeId = '';
  child: ChildProcess | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({ code: null, signal: null });
  /** stderr lines of every run. */
  readonly logs: string[] = [];
  #nextId = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #alive = false;

  /** `payments`: run the node's payments (`--payments`); otherwise HTLCs are driven by hand. */
  readonly payments: boolean;

  constructor(name: string, datadir = tempDir(`glasswing-harness-${name}-`), opts: { payments?: boolean } = {}) {
    this.name = name;
    this.datadir = datadir;
    this.payments = opts.payments ?? false;
  }

  get alive(): boolean {
    return this.#alive;
  }

  get address(): string {
    return `${this.nodeId}@127.0.0.1:${this.port}`;
  }

  /** Starts the process (on the port of the previous run, if any) and waits until it is ready. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', HARNESS, '--datadir', this.datadir, '--listen', `127.0.0.1:${this.port}`, ...(this.payments ? ['--payments'] : [])], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    // A child that just died (kill -9 tests) makes a pending write fail with EPIPE: the 'exit'
    // handler reports it; an unhandled stream error would end the test run instead.
    child.stdin.on('error', () => {});
    running.add(child);
    this.#alive = true;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        this.#alive = false;
        for (const p of this.#pending.values()) p.reject(new HarnessError('harness.exited', `${this.name} exited (${signal ?? code})`));
        this.#pending.clear();
        resolve({ code, signal });
      });
    });
    createInterface({ input: child.stderr! }).on('line', (l) => this.logs.push(l));
    const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start; logs:\n${this.logs.slice(-20).join('\n')}`)), 60_000);
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited before ready; logs:\n${this.logs.slice(-20).join('\n')}`));
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        if (msg.event === 'ready') {
          clearTimeout(timer);
          resolve(msg);
          return;
        }
        const p = this.#pending.get(msg.id as number);
        if (!p) return;
        this.#pending.delete(msg.id as number);
        if (msg.ok) p.resolve(msg.result);
        else {
          const err = msg.error as { code: string; message: string };
          p.reject(new HarnessError(err.code, err.message));
        }
      });
    });
    const r = await ready;
    this.nodeId = r.nodeId as string;
    this.port = Number((r.listen as string).split(':').pop());
  }

  /** Sends a test-control command and waits for its answer. */
  control<T = unknown>(cmd: string, args: Record<string, Json> = {}): Promise<T> {
    if ('id' in args || 'cmd' in args) throw new Error('"id" and "cmd" name the request itself');
    if (!this.#alive || !this.child?.stdin?.writable) return Promise.reject(new HarnessError('harness.exited', `${this.name} is not running`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child!.stdin!.write(JSON.stringify({ id, cmd, ...args }) + '\n');
    });
  }

  /** Kills the process with SIGKILL and waits for it to be gone. */
  async kill(): Promise<void> {
    if (!this.#alive) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (!this.#alive) return;
    await this.control('shutdown').catch(() => undefined);
    await this.exited;
  }

  state(channelId: string): Promise<ChannelStateSummary> {
    return this.control<ChannelStateSummary>('state', { channelId });
  }

  /** The node's log of commitments it signed and revocations it received, across runs. */
  commitmentLog(): ({ signed: number; signature: string; channelId: string } | { revoked: number; channelId: string })[] {
    let text = '';
    try {
      text = readFileSync(join(this.datadir, COMMITMENTS_LOG), 'utf8');
    } catch {
      return [];
    }
    // A line cut by a kill mid-write is dropped.
    return text.split('\n').flatMap((l) => {
      try {
        return l ? [JSON.parse(l)] : [];
      } catch {
        return [];
      }
    });
  }
}

/** Opens a channel between two running harness nodes (funder first); returns its id. */
export async function openHarnessChannel(funder: HarnessNode, fundee: HarnessNode, spec: TestChannelSpec = testChannelSpec()): Promise<string> {
  const s = specToJson(spec);
  const [kf, ke] = await Promise.all([funder.control<Record<string, Json>>('reserve_keys'), fundee.control<Record<string, Json>>('reserve_keys')]);
  const [sf, se] = await Promise.all([
    funder.control<{ signature: string }>('sign_initial', { role: 'funder', spec: s, keyIndex: kf.keyIndex!, remoteKeys: ke }),
    fundee.control<{ signature: string }>('sign_initial', { role: 'fundee', spec: s, keyIndex: ke.keyIndex!, remoteKeys: kf }),
  ]);
  const opened = await funder.control<{ channelId: string }>('open', { role: 'funder', spec: s, keyIndex: kf.keyIndex!, remoteKeys: ke, peer: fundee.nodeId, remoteSignature: se.signature });
  await fundee.control('open', { role: 'fundee', spec: s, keyIndex: ke.keyIndex!, remoteKeys: kf, peer: funder.nodeId, remoteSignature: sf.signature });
  return opened.channelId;
}

/** Polls until `check` returns a truthy value. */
export async function waitFor<T>(check: () => Promise<T | undefined | false | null> | T | undefined | false | null, what: string, timeoutMs = 30_000): Promise<T> {
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
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Both sides active, nothing pending, each side's commitments the other's. */
export function isSettled(x: ChannelStateSummary, y: ChannelStateSummary): boolean {
  return x.phase === 'active' && y.phase === 'active' && x.changes === 0 && y.changes === 0 && x.remoteNextCtn === null && y.remoteNextCtn === null &&
    x.localCtn === y.remoteCtn && y.localCtn === x.remoteCtn;
}

/** Commits on whichever side has something to sign until both sides settle. */
export async function settle(a: HarnessNode, b: HarnessNode, channelId: string, timeoutMs = 15_000): Promise<[ChannelStateSummary, ChannelStateSummary]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [sa, sb] = await Promise.all([a.state(channelId), b.state(channelId)]);
    if (isSettled(sa, sb)) return [sa, sb];
    if (Date.now() > deadline) throw new Error(`the channel did not settle: ${JSON.stringify({ a: sa, b: sb })}`);
    for (const [n, s] of [[a, sa], [b, sb]] as const) {
      if (s.phase === 'active' && s.signable && s.remoteNextCtn === null) await n.control('commit', { channelId }).catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 30));
  }
}
