/**
 * bench/forward (`npm run bench -- forward`): the CPU one forwarded onion message costs the node in
 * the middle, side by side in the same run — an LDK node (rust-lightning 0.1 in WebAssembly, alone
 * in its process: bench/support/ldk-forwarder.ts) versus a Glasswing daemon (`glasswing daemon`, its
 * onion-message rate limits lifted for the benchmark only), each between two LDK nodes of its own
 * (in this process) over real TCP on 127.0.0.1. A sends custom onion messages to C through the
 * forwarder F (A → F → C); the forwarder's process CPU (every thread's run time, from
 * /proc/PID/task/TID/schedstat, in ns) over each round, less its idle CPU over the same time, divided
 * by the messages C received.
 *
 * Messages go in bursts of BURST, the next burst once C has all but one burst (no queue grows
 * without bound, none is dropped). All forwarders are up at once and their rounds alternate (LDK,
 * Glasswing, …, LDK, Glasswing, …), so a change in the machine's load weighs on each alike; the
 * table gives each one's median and the median of its per-round ratios to LDK's round.
 * A second Glasswing row has an API client subscribed to the daemon's events, as the app's UI is
 * (every event pushed over the WebSocket). Linux only (/proc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connectToDaemon } from '../main/cli/daemon-client';
import { LdkNode, loadLdk } from '../test/interop/support/ldk-node';
import { percentile, printTable } from './harness';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** GLASSWING_BENCH_ROUNDS / GLASSWING_BENCH_MESSAGES: more or longer rounds (defaults 3 × 600). */
const ROUNDS = Number(process.env.GLASSWING_BENCH_ROUNDS ?? 3);
const MESSAGES = Number(process.env.GLASSWING_BENCH_MESSAGES ?? 600);
const BURST = 25;
const TYPE = 65603n; // a custom type the LDK nodes accept and do not answer
const IDLE_MS = 4000;
const TICKS = 100; // USER_HZ: /proc/PID/stat counts CPU time in 1/100 s on Linux

interface Forwarder {
  readonly name: string;
  readonly nodeId: string;
  readonly port: number;
  readonly pid: number;
  /** Where the forwarder's messages stand (for a stalled run): its peers' counters and the messenger's. */
  diagnose?(): Promise<unknown>;
  stop(): Promise<void>;
}

/** User and system CPU seconds of a process so far. */
function cpuTimes(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // field 3 onwards
  return { user: Number(fields[11]) / TICKS, system: Number(fields[12]) / TICKS }; // utime, stime (fields 14, 15)
}

/**
 * CPU seconds of a process so far, every thread (the main thread, libuv's pool, V8's GC helpers):
 * the sum of its threads' run time from /proc/PID/task/TID/schedstat, in nanoseconds — /proc/PID/stat
 * counts in 1/100 s, a few percent of a round's CPU. Threads that ended are missed (none here: node
 * keeps its threads). Falls back to /proc/PID/stat where schedstat is missing.
 */
function cpuSeconds(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e9;
  } catch {
    const t = cpuTimes(pid);
    return t.user + t.system;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`bench/forward: timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Spawns a process and resolves with the first stdout line that parses as JSON and passes `pick`. */
function firstJsonLine<T>(child: ChildProcess, pick: (v: Record<string, unknown>) => T | undefined): Promise<T> {
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in 60 s: ${stderr.slice(-5).join(' | ')}`)), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const v = pick(JSON.parse(line) as Record<string, unknown>);
        if (v !== undefined) {
          clearTimeout(timer);
          resolve(v);
        }
      } catch {
        // not JSON
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}: ${stderr.slice(-5).join(' | ')}`));
    });
  });
}

async function stopChild(child: ChildProcess, how: () => void): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  how();
  await Promise.race([exited, sleep(10_000).then(() => void child.kill('SIGKILL'))]);
}

async function startLdkForwarder(): Promise<Forwarder> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'support', 'ldk-forwarder.ts')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const ready = await firstJsonLine(child, (v) => (typeof v.nodeId === 'string' ? { nodeId: v.nodeId, port: Number(v.port) } : undefined));
  return { name: 'LDK 0.1 (WebAssembly)', ...ready, pid: child.pid!, stop: () => stopChild(child, () => child.stdin!.end()) };
}

/**
 * GLASSWING_BENCH_COMPARE=label=path[,label=path]: also runs, in the same run, a daemon from another
 * CLI build (a copy of dist/cli/build-…/ kept beside dist/, whose glasswing.mjs is `path`), so that
 * two versions are measured side by side under the same load.
 */
function compareBuilds(): { label: string; entry: string }[] {
  const spec = process.env.GLASSWING_BENCH_COMPARE;
  if (!spec) return [];
  return spec.split(',').map((item) => {
    const at = item.indexOf('=');
    if (at <= 0) throw new Error(`GLASSWING_BENCH_COMPARE: "${item}" is not label=path`);
    return { label: item.slice(0, at), entry: item.slice(at + 1) };
  });
}

async function startGlasswingDaemon(subscribed = false, build?: { label: string; entry: string }): Promise<Forwarder> {
  const datadir = mkdtempSync(join(tmpdir(), 'glasswing-bench-forward-'));
  // The onion-message rate limits (BOLT 4 recommends them; defaults in core/messenger) lifted for the benchmark only.
  const args = [build?.entry ?? join(ROOT, 'bin', 'glasswing.mjs'), 'daemon', '--datadir', datadir, '--listen', '127.0.0.1:0', '--onion-rate', '1000000', '--onion-burst', '1000000'];
  // GLASSWING_BENCH_PROFILE=<dir>: the daemon writes a V8 CPU profile there when it stops (item 2 of issue 17).
  const profile = process.env.GLASSWING_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.GLASSWING_BENCH_PROFILE] : [];
  const child = spawn(process.execPath, [...profile, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = await firstJsonLine(child, (v) => (v.event === 'ready' ? { nodeId: String(v.nodeId), port: Number(String(v.listen).split(':').pop()) } : undefined));
  let received = 0;
  const client = subscribed ? await connectToDaemon(datadir) : undefined;
  client?.api.subscribe(() => void received++);
  return {
    name: `${subscribed ? 'Glasswing daemon, with a UI subscribed' : 'Glasswing daemon'}${build ? ` (${build.label})` : ''}`, ...ready, pid: child.pid!,
    diagnose: async () => {
      const d = client ?? await connectToDaemon(datadir);
      try {
        const { peers } = await d.api.listPeers({});
        const stats = await d.api.messengerStats({});
        return {
          peers: peers.map((p) => ({ nodeId: p.nodeId.slice(0, 16), in: p.messagesIn, out: p.messagesOut, bytesIn: p.bytesIn, bytesOut: p.bytesOut, lastPingRttMs: p.lastPingRttMs })),
          messenger: { ...stats, handlers: undefined, policy: undefined },
        };
      } finally {
        if (d !== client) d.close();
      }
    },
    stop: async () => {
      if (client && received === 0) throw new Error('bench/forward: the subscribed client got no event');
      client?.close();
      await stopChild(child, () => child.kill('SIGTERM'));
      rmSync(datadir, { recursive: true, force: true });
    },
  };
}

interface Result {
  readonly name: string;
  readonly cpuMsPerMessage: number[];
  readonly rawCpuMsPerMessage: number[];
  /** The kernel's share (system time) of the CPU in the rounds. */
  readonly systemShare: number[];
  readonly messagesPerSecond: number[];
  readonly idleCpuPerSecond: number;
}

/** One forwarder between its own two LDK nodes, warmed up and with its idle CPU known: rounds are run on demand. */
interface Rig {
  round(index: number): Promise<void>;
  readonly result: Result;
  close(): Promise<void>;
}

async function prepare(f: Forwarder): Promise<Rig> {
  const a = new LdkNode({ keepLogs: false });
  const c = new LdkNode({ keepLogs: false });
  try {
    await a.connect(f.nodeId, f.port);
    await c.connect(f.nodeId, f.port);
    await until('both LDK nodes to finish init with the forwarder', () => a.peerIds().includes(f.nodeId) && c.peerIds().includes(f.nodeId));
    a.via = [f.nodeId];
    const value = new Uint8Array(32).fill(7);
    let sent = 0;
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        if (i % BURST === 0) await until('C to receive the previous burst', () => c.received.length >= sent - BURST);
        a.sendCustom({ nodeId: c.nodeId }, TYPE, value);
        sent++;
      }
      await until('C to receive every message', () => c.received.length >= sent);
    };
    // The forward path works (and is warm) before anything is timed; then the forwarder's idle cost.
    /** `send`, and on a stall an error that says where the messages stopped (A's sends, C's receipts, the forwarder's counters). */
    const sendOrExplain = async (n: number, phase: string) => {
      try {
        await send(n);
      } catch (e) {
        const state = await f.diagnose?.().catch((d: unknown) => `diagnose failed: ${String(d)}`);
        throw new Error(`${(e as Error).message} in ${phase} (${f.name}): A sent ${sent}, C received ${c.received.length}; forwarder: ${JSON.stringify(state)}`);
      }
    };
    // LDK lists the forwarder once it has the forwarder's init, which the forwarder may send before it
    // has read C's: a message that reaches the forwarder meanwhile is dropped (next hop not
    // connected) and the warm-up would wait for it forever (the stall seen under load in issue 17).
    // So one message at a time first, until one arrives.
    for (let probe = 1; ; probe++) {
      a.sendCustom({ nodeId: c.nodeId }, TYPE, value);
      const arrived = await until('a first message through the forwarder', () => c.received.length > 0, 2_000).then(() => true, () => false);
      if (arrived) break;
      if (probe === 15) throw new Error(`bench/forward: no message reached C through ${f.name} in 15 tries; forwarder: ${JSON.stringify(await f.diagnose?.())}`);
    }
    sent = c.received.length;
    await sendOrExplain(50, 'the warm-up');
    await sleep(200);
    const idleStart = performance.now();
    const idle0 = cpuSeconds(f.pid);
    await sleep(IDLE_MS);
    const idleCpuPerSecond = (cpuSeconds(f.pid) - idle0) / ((performance.now() - idleStart) / 1000);
    const result: Result = { name: f.name, cpuMsPerMessage: [], rawCpuMsPerMessage: [], systemShare: [], messagesPerSecond: [], idleCpuPerSecond };
    return {
      result,
      async round(index: number) {
        const before = c.received.length;
        const t0 = performance.now();
        const cpu0 = cpuSeconds(f.pid);
        const ticks0 = cpuTimes(f.pid);
        await sendOrExplain(MESSAGES, `round ${index + 1}`);
        const seconds = (performance.now() - t0) / 1000;
        const raw = cpuSeconds(f.pid) - cpu0;
        const ticks1 = cpuTimes(f.pid);
        const tickTotal = ticks1.user + ticks1.system - ticks0.user - ticks0.system;
        result.systemShare.push(tickTotal > 0 ? (ticks1.system - ticks0.system) / tickTotal : 0);
        const delivered = c.received.length - before;
        result.rawCpuMsPerMessage.push((raw * 1000) / delivered);
        result.cpuMsPerMessage.push(((raw - idleCpuPerSecond * seconds) * 1000) / delivered);
        result.messagesPerSecond.push(delivered / seconds);
      },
      close: async () => {
        await Promise.all([a.close(), c.close()]);
      },
    };
  } catch (e) {
    await Promise.all([a.close(), c.close()]);
    throw e;
  }
}

export async function run(): Promise<void> {
  if (process.platform !== 'linux') {
    console.log('bench/forward reads process CPU from /proc: Linux only');
    return;
  }
  await loadLdk();
  // Every forwarder is up at once and the rounds alternate between them (LDK, Glasswing, …, then
  // again): a machine whose load changes during the run weighs on each alike.
  const others = compareBuilds().map((b) => () => startGlasswingDaemon(false, b));
  const forwarders: Forwarder[] = [];
  const rigs: Rig[] = [];
  try {
    for (const start of [startLdkForwarder, () => startGlasswingDaemon(false), ...others, () => startGlasswingDaemon(true)]) {
      const f = await start();
      forwarders.push(f);
      rigs.push(await prepare(f));
    }
    for (let r = 0; r < ROUNDS; r++) for (const rig of rigs) await rig.round(r);
  } finally {
    for (const rig of rigs) await rig.close();
    for (const f of forwarders) await f.stop();
  }
  const results = rigs.map((r) => r.result);
  const ldk = percentile(results[0]!.cpuMsPerMessage, 50);
  /** Per round, this forwarder's CPU over LDK's in the same round (the rounds alternate). */
  const pairedRatio = (r: Result) => percentile(r.cpuMsPerMessage.map((v, i) => v / results[0]!.cpuMsPerMessage[i]!), 50);
  printTable(['forwarder (A → F → C, F measured)', 'CPU ms per message (median)', 'rounds', 'without idle subtracted', 'kernel share', 'messages/s', 'idle CPU ms/s', 'CPU / LDK\'s', 'per-round ratio (median)'], results.map((r) => [
    r.name,
    percentile(r.cpuMsPerMessage, 50),
    r.cpuMsPerMessage.map((v) => v.toFixed(3)).join(' '),
    percentile(r.rawCpuMsPerMessage, 50),
    `${(percentile(r.systemShare, 50) * 100).toFixed(0)}%`,
    percentile(r.messagesPerSecond, 50),
    r.idleCpuPerSecond * 1000,
    percentile(r.cpuMsPerMessage, 50) / ldk,
    pairedRatio(r),
  ]));
  console.log(`\n${ROUNDS} rounds × ${MESSAGES} messages in bursts of ${BURST}; CPU = the forwarder's threads' run time (schedstat) less its idle rate; rounds alternate between forwarders`);
  console.log(`target (issue 17): Glasswing ≤ 0.5 × LDK's CPU per forwarded message (stretch ≤ 1/3); measured ${(percentile(results[1]!.cpuMsPerMessage, 50) / ldk).toFixed(2)} (per round: ${pairedRatio(results[1]!).toFixed(2)})`);
}
