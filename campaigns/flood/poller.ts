/**
 * The API poller process: a NodeApi client over the daemon's WebSocket (the CLI's own
 * `connectToDaemon`) that calls `getInfo` every 25 ms on a fixed schedule — not after the previous
 * answer, so a stalled node shows as a queue of slow answers — and reports each latency. Prints
 * `{"event":"ready"}`, waits for `go` on stdin, polls for the given seconds, prints
 * `{"event":"result", "latenciesMs": […], "failed": n}`. Config: POLLER_DATADIR, POLLER_SECONDS,
 * POLLER_INTERVAL_MS.
 */
import { createInterface } from 'node:readline';
import { connectToDaemon } from '../../main/cli/daemon-client';

export interface PollerResult {
  readonly event: 'result';
  readonly latenciesMs: number[];
  readonly failed: number;
  /** Calls still unanswered when the poll ended (counted, not in latenciesMs). */
  readonly unanswered: number;
  readonly seconds: number;
}

function log(o: object): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

async function main(): Promise<void> {
  const datadir = process.env.POLLER_DATADIR ?? '';
  const seconds = Number(process.env.POLLER_SECONDS);
  const intervalMs = Number(process.env.POLLER_INTERVAL_MS ?? 25);
  const client = await connectToDaemon(datadir);
  await client.api.getInfo({});
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
  const latenciesMs: number[] = [];
  let failed = 0;
  let inFlight = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  let next = started;
  while (performance.now() < end) {
    inFlight++;
    const t0 = performance.now();
    client.api.getInfo({}).then(
      () => {
        inFlight--;
        latenciesMs.push(performance.now() - t0);
      },
      () => {
        inFlight--;
        failed++;
      },
    );
    next += intervalMs;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  // Answers still on their way get a moment to arrive (a slow answer is a figure, not a loss).
  const grace = performance.now() + 10_000;
  while (inFlight > 0 && performance.now() < grace) await new Promise((r) => setTimeout(r, 10));
  const result: PollerResult = { event: 'result', latenciesMs, failed, unanswered: inFlight, seconds: (performance.now() - started) / 1000 };
  log(result);
  client.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log({ event: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) });
    process.exit(1);
  },
);
