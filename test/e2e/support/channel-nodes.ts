/**
 * Channel nodes for the browser: test/support/channel-node.ts processes started with `--ui`, so
 * the renderer can be opened on a node that has channels. Speaks the harness's stdin protocol
 * (see its header) and opens a channel between two of them on an agreed outpoint, as
 * test/support/channel-harness.ts does for the channel tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { REPO_ROOT } from '../../support/vectors';
import { tempDir } from '../../support/tmp';
import { specToJson, testChannelSpec, type Json } from '../../support/channel-open';
import { connectToDaemon } from '../../../main/cli/daemon-client';
import type { NodeApi } from '../../../core/api';

const HARNESS = join(REPO_ROOT, 'test', 'support', 'channel-node.ts');
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
});

export interface HarnessState {
  phase: string;
  localCtn: number;
  remoteCtn: number;
  remoteNextCtn: number | null;
  changes: number;
  signable: boolean;
  localHtlcs: { offerer: string; id: string; amountMsat: string }[];
}

export class UiChannelNode {
  readonly datadir = tempDir('glasswing-e2e-channel-');
  nodeId = '';
  listen = '';
  /** The one-time login address of the served UI. */
  ui = '';
  readonly logs: string[] = [];
  #child: ChildProcess | undefined;
  #next = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  /** `payments`: run the node's payments (`--payments`: invoices, paying, automatic commits). */
  constructor(readonly name: string, readonly opts: { payments?: boolean } = {}) {}

  get address(): string {
    return `${this.nodeId}@${this.listen}`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', HARNESS, '--datadir', this.datadir, '--listen', '127.0.0.1:0', '--ui', ...(this.opts.payments ? ['--payments'] : [])], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child = child;
    running.add(child);
    child.once('exit', () => {
      running.delete(child);
      for (const p of this.#pending.values()) p.reject(new Error(`${this.name} exited`));
      this.#pending.clear();
    });
    createInterface({ input: child.stderr! }).on('line', (l) => this.logs.push(l));
    const ready = await new Promise<Record<string, string>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start: ${this.logs.slice(-10).join('\n')}`)), 60_000);
      child.once('exit', () => reject(new Error(`${this.name} exited before ready: ${this.logs.slice(-10).join('\n')}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        if (msg.event === 'ready') {
          clearTimeout(timer);
          resolve(msg as Record<string, string>);
          return;
        }
        const p = this.#pending.get(msg.id as number);
        if (!p) return;
        this.#pending.delete(msg.id as number);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new Error(`${this.name}: ${JSON.stringify(msg.error)}`));
      });
    });
    this.nodeId = ready.nodeId!;
    this.listen = ready.listen!;
    this.ui = ready.ui!;
  }

  control<T = unknown>(cmd: string, args: Record<string, Json> = {}): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child!.stdin!.write(JSON.stringify({ id, cmd, ...args }) + '\n');
    });
  }

  state(channelId: string): Promise<HarnessState> {
    return this.control<HarnessState>('state', { channelId });
  }

  async stop(): Promise<void> {
    if (!this.#child || this.#child.exitCode !== null) return;
    const exited = new Promise((r) => this.#child!.once('exit', r));
    await this.control('shutdown').catch(() => undefined);
    await exited;
  }
}

/** Opens a channel (funder first) on an agreed outpoint; returns its id. */
export async function openChannel(funder: UiChannelNode, fundee: UiChannelNode): Promise<string> {
  const s = specToJson(testChannelSpec());
  const [kf, ke] = await Promise.all([funder.control<Record<string, Json>>('reserve_keys'), fundee.control<Record<string, Json>>('reserve_keys')]);
  const [sf, se] = await Promise.all([
    funder.control<{ signature: string }>('sign_initial', { role: 'funder', spec: s, keyIndex: kf.keyIndex!, remoteKeys: ke }),
    fundee.control<{ signature: string }>('sign_initial', { role: 'fundee', spec: s, keyIndex: ke.keyIndex!, remoteKeys: kf }),
  ]);
  const opened = await funder.control<{ channelId: string }>('open', { role: 'funder', spec: s, keyIndex: kf.keyIndex!, remoteKeys: ke, peer: fundee.nodeId, remoteSignature: se.signature });
  await fundee.control('open', { role: 'fundee', spec: s, keyIndex: ke.keyIndex!, remoteKeys: kf, peer: funder.nodeId, remoteSignature: sf.signature });
  return opened.channelId;
}

/** Waits until `check` holds (polling the harness, never the page). */
export async function eventually<T>(check: () => Promise<T | false | null | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Writes a node's async payments role into its config.json before it starts (taken at start). */
export function configureAsync(node: UiChannelNode, async: Record<string, unknown>): void {
  writeFileSync(join(node.datadir, 'config.json'), JSON.stringify({ async }) + '\n', { mode: 0o600 });
}

/** Runs `fn` with a fresh API connection to the node's daemon, closed after. */
export async function withNodeApi<T>(node: UiChannelNode, fn: (api: NodeApi) => Promise<T>): Promise<T> {
  const client = await connectToDaemon(node.datadir);
  try {
    return await fn(client.api);
  } finally {
    client.close();
  }
}
