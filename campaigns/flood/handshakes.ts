/**
 * Bursts of bad BOLT 8 handshakes from a few addresses, so the node's per-address limits
 * (core/peer/inbound-limits.ts: 4 in the handshake at once, 10 new connections refilling 2/s)
 * meet them. Every connection first waits a moment without writing: a refused connection is closed
 * by the node at once, before any byte of ours, which is how the driver tells "refused" from
 * "failed its handshake" without reading the node's counters.
 */
import { connect, type Socket } from 'node:net';
import { randomBytes, randomPrivateKey } from '../../core/crypto';
import { NoiseInitiator } from '../../core/transport';

/** What a bad connection does after connecting. */
export const BAD_HANDSHAKE_KINDS = ['garbage_act_one', 'truncated_act_one', 'truncated_act_three', 'open_and_drop'] as const;
export type BadHandshakeKind = (typeof BAD_HANDSHAKE_KINDS)[number];

/**
 * How it ended: `refused` (closed by the node before we wrote), `closed` (by the node after our
 * bad bytes, within the handshake timeout), `timed_out` (closed by the node after 4 s or more: its
 * 5 s handshake timeout), `dropped` (we closed it), `left_open` (still open after 10 s: the
 * node did not close a dead handshake), `connect_failed`.
 */
export type BadHandshakeOutcome = 'refused' | 'closed' | 'timed_out' | 'dropped' | 'left_open' | 'connect_failed';

/** How long a connection waits before writing: a refusal comes well within it. */
const PROBE_MS = 150;
const GIVE_UP_MS = 10_000;

function open(port: number, localAddress: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(s));
    s.once('error', () => resolve(null));
  });
}

/** One bad connection of `kind` to the node at `port`, whose node id is `remote`. */
export async function badHandshake(kind: BadHandshakeKind, port: number, remote: Uint8Array, localAddress: string): Promise<BadHandshakeOutcome> {
  const socket = await open(port, localAddress);
  if (!socket) return 'connect_failed';
  socket.on('error', () => undefined);
  if (kind === 'open_and_drop') {
    socket.destroy();
    return 'dropped';
  }
  let closedAt = 0;
  const closed = new Promise<void>((resolve) => socket.once('close', () => ((closedAt = Date.now()), resolve())));
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  const wait = (ms: number) => Promise.race([closed, new Promise<void>((r) => setTimeout(r, ms))]);
  await wait(PROBE_MS);
  if (closedAt) return 'refused';
  const wroteAt = Date.now();
  if (kind === 'garbage_act_one') {
    socket.write(randomBytes(50));
  } else {
    const initiator = new NoiseInitiator({ localStatic: randomPrivateKey(), remoteStatic: remote });
    const act1 = initiator.actOne();
    if (kind === 'truncated_act_one') socket.write(act1.subarray(0, 20));
    else {
      socket.write(act1);
      const deadline = Date.now() + GIVE_UP_MS;
      while (Buffer.concat(received).length < 50 && !closedAt && Date.now() < deadline) await wait(10);
      if (!closedAt) {
        const { act3 } = initiator.actThree(new Uint8Array(Buffer.concat(received).subarray(0, 50)));
        socket.write(act3.subarray(0, 30)); // truncated_act_three: 30 of its 66 bytes, then silence
      }
    }
  }
  await wait(GIVE_UP_MS);
  if (!closedAt) {
    socket.destroy();
    return 'left_open';
  }
  return closedAt - wroteAt >= 4_000 ? 'timed_out' : 'closed';
}
