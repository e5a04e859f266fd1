/**
 * A fee estimation web service on 127.0.0.1 in LND's `fee.url` shape
 * (`{"fee_by_block_target": {"2": sat_per_kvB, …}}`) whose estimates a test sets: the daemon's
 * `--fee-url` and LND's `--fee.url` both poll it, so a test moves the fee market at will.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FeeService {
  readonly url: string;
  /** GET requests answered so far. */
  readonly requests: number;
  /** Answers with these rates (sat/kvB by target), or one rate for every default target. */
  set(rates: number | Readonly<Record<number, number>>): void;
  /** Answers with this status and body instead (until the next `set`). */
  setRaw(status: number, body: string): void;
  close(): Promise<void>;
}

const TARGETS = [1, 2, 3, 6, 12, 24, 72, 144, 1008];

export async function startFeeService(initial: number | Readonly<Record<number, number>>): Promise<FeeService> {
  let answer = { status: 200, body: '' };
  let requests = 0;
  const set = (rates: number | Readonly<Record<number, number>>) => {
    const byTarget = typeof rates === 'number' ? Object.fromEntries(TARGETS.map((t) => [t, rates])) : rates;
    answer = { status: 200, body: JSON.stringify({ fee_by_block_target: byTarget, min_relay_feerate: 1012 }) };
  };
  set(initial);
  const server: Server = createServer((req, res) => {
    requests++;
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/fees`,
    get requests() {
      return requests;
    },
    set,
    setRaw(status, body) {
      answer = { status, body };
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
