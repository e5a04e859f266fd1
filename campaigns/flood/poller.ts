/**
 * The API poller process: a NodeApi client over the daemon's WebSocket (the CLI's own
 * `connectToDaemon`) that calls `getInfo` every 25 ms on a fixed schedule — not after the previous
 * answer, so a stalled node shows as a queue of slow answers — and reports each latency. Prints
 * `{"event":"ready"}`, waits for `go` on stdin, polls for the given seconds, prints
 * `{"event":"result", "latenciesMs": […], "failed": n}`. Config: POLLER_DATADIR, POLLER_SECONDS,
 * POLLER_INTERVAL_MS, and POLLER_CONTROL_DATADIR: a second daemon outside the flood, polled the
 * same way side by side, so what the machine's own load adds to a call shows apart from the flood.
 */
import { createInterface } from 'node:readline';
import type { SocketApiClient } from '../../core/api';
import { connectToDaemon } from '../../main/cli/daemon-client';

export interface PollResult {
  readonly latenciesMs: number[];
  readonly failed: number;
  /** Calls still unanswered when the poll ended (counted, not in latenciesMs). */
  readonly unanswered: number;
}

export interface PollerResult extends PollResult {
  readonly event: 'result';
  readonly control: PollResult | null;
  readonly seconds: number;
  /** This process's CPU time from `go` to the result, seconds. */
  readonly cpuSeconds: number;
}

/** Calls `getInfo` on a fixed schedule (see start) and keeps the latencies. */
class Poll {
  readonly latenciesMs: number[] = [];
  failed = 0;
  inFlight = 0;
  constructor(readonly client: SocketApiClient) {}

  fire(): void {
    this.inFlight++;
    const t0 = performance.now();
    this.client.api.getInfo({}).then(
      () => {
        this.inFlight--;
        this.latenciesMs.push(performance.now() - t0);
      },
      () => {
        this.inFlight--;
        this.failed++;
      },
    );
  }

  result(): PollResult {
    return { latenciesMs: this.latenciesMs, failed: this.failed, unanswered: this.inFlight };
  }
}

function cpuSecondsSince(at: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(at);
  return (d.user + d.system) / 1e6;
}

function log(o: object): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

async function main(): Promise<void> {
  const datadir = process.env.POLLER_DATADIR ?? '';
  const seconds = Number(process.env.POLLER_SECONDS);
  const intervalMs = Number(process.env.POLLER_INTERVAL_MS ?? 25);
  const controlDir = process.env.POLLER_CONTROL_DATADIR;
  const poll = new Poll(await connectToDaemon(datadir));
  const control = controlDir ? new Poll(await connectToDaemon(controlDir)) : null;
  await poll.client.api.getInfo({});
  await control?.client.api.getInfo({});
  log({ event: 'ready' });
  await new Promise<void>((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (l) => {
      if (l.trim() === 'go') {
        rl.close();
        resolve();
      }
    });
  });
  const started = performance.now();
  const cpuAtGo = process.cpuUsage();
  const end = started + seconds * 1000;
  let next = started;
  while (performance.now() < end) {
    poll.fire();
    control?.fire();
    next += intervalMs;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  // Answers still on their way get a moment to arrive (a slow answer is a figure, not a loss).
  const grace = performance.now() + 10_000;
  while (poll.inFlight + (control?.inFlight ?? 0) > 0 && performance.now() < grace) await new Promise((r) => setTimeout(r, 10));
  const result: PollerResult = { event: 'result', ...poll.result(), control: control?.result() ?? null, seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSecondsSince(cpuAtGo) };
  log(result);
  poll.client.close();
  control?.client.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log({ event: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) });
    process.exit(1);
  },
);
