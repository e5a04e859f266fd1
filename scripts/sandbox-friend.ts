/**
 * The sandbox's "friend" (issue 16): a third sandbox daemon that is an often-offline async
 * recipient, the sandbox lsp its LSP (L2: it serves the friend's static invoice and keeps its
 * mailbox) — and, for your node, L1: the lsp holds your HTLC until the friend comes back. Your app
 * switches the friend offline and online: `npm start` serves a tiny control endpoint on 127.0.0.1
 * (a random port, a random token, both in DATADIR/sandbox/control.json, mode 0600), and your
 * daemon's UI server passes the app's `POST /sandbox/friend` to it (main/daemon/ui-server.ts; only
 * for a signed-in page of its own origin). Requests are checked whole, at most 256 bytes:
 * `{ "action": "status" | "offline" | "online" }`, or
 * `{ "action": "steps", "paymentHash": HEX64, "offerId": HEX64 | null, "since": UNIX_MS }` — what the
 * lsp (L1, L2) and the friend (R) did for one of your async payments (scripts/sandbox-steps.ts), for
 * the app's timeline across the roles.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { NodeApi } from '../core/api';
import { RoleStepsCollector, within, type RoleStepsQuery } from './sandbox-steps';

/** What the friend's offer says it is for. */
export const FRIEND_DESCRIPTION = 'Sandbox friend: pay me while I am offline';

export type FriendState = 'online' | 'offline' | 'starting' | 'stopping';

export interface FriendStatus {
  readonly state: FriendState;
  readonly nodeId: string;
  /** The friend's offer served by the lsp (null until the lsp confirmed it keeps the static invoice). */
  readonly offer: string | null;
  /** What the friend has received (msat, decimal), counted while it is online. */
  readonly receivedMsat: string | null;
  readonly error: string | null;
}

export interface FriendProcess {
  readonly nodeId: string;
  readonly api: NodeApi;
  /** Stops the friend's node; resolves once it exited: 'stopped' (cleanly) or 'killed' (it did not stop in time). */
  stop(): Promise<'stopped' | 'killed'>;
  /** Resolves when the node exits (stopped, or on its own). */
  readonly exited: Promise<void>;
}

/** How long the friend's daemon has to stop cleanly before it is killed (a switch must end). */
export const FRIEND_STOP_GRACE_MS = 20_000;

/** How long a status waits for the friend's own API before answering with what is known. */
export const FRIEND_STATUS_WAIT_MS = 3_000;

/** The friend's switches remembered for the timeline. */
const HISTORY_MAX = 200;

/**
 * A daemon child process as a FriendProcess: SIGTERM (its clean shutdown), then SIGKILL if it has
 * not exited after `graceMs`.
 */
export function friendProcess(nodeId: string, api: NodeApi, child: ChildProcess, graceMs = FRIEND_STOP_GRACE_MS): FriendProcess {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    nodeId, api, exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return 'stopped';
      child.kill('SIGTERM');
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
      const how = await Promise.race([exited.then(() => 'exited' as const), late]);
      clearTimeout(timer);
      if (how === 'exited') return 'stopped';
      child.kill('SIGKILL');
      await exited;
      return 'killed';
    },
  };
}

/**
 * The friend as a process that can be stopped and started again on its data directory. `launch`
 * starts its daemon (the sandbox's startNode); the offer is remembered across stops (the lsp
 * serves it while the friend is away).
 */
export class FriendControl {
  #state: FriendState = 'offline';
  #proc: FriendProcess | null = null;
  #offer: string | null = null;
  #receivedMsat: string | null = null;
  #error: string | null = null;
  #busy: Promise<unknown> = Promise.resolve();
  /** When the friend went offline and came online (the timeline's R steps), the newest HISTORY_MAX. */
  #history: { state: 'offline' | 'online'; at: number }[] = [];

  constructor(readonly nodeId: string, private readonly launch: () => Promise<FriendProcess>) {}

  /** Adopts the running process the sandbox started. */
  adopt(proc: FriendProcess): void {
    this.#proc = proc;
    this.#state = 'online';
    this.#record('online');
    this.#watch(proc);
  }

  /** The friend's switches so far (offline: its node had stopped; online: its node had started), oldest first. */
  history(): readonly { readonly state: 'offline' | 'online'; readonly at: number }[] {
    return this.#history;
  }

  #record(state: 'offline' | 'online'): void {
    this.#history.push({ state, at: Date.now() });
    if (this.#history.length > HISTORY_MAX) this.#history.splice(0, this.#history.length - HISTORY_MAX);
  }

  get api(): NodeApi | null {
    return this.#state === 'online' ? (this.#proc?.api ?? null) : null;
  }

  /**
   * The friend's state as it is now, with its offer and what it received asked of its node when it
   * is online. The app polls this: it always answers within FRIEND_STATUS_WAIT_MS per question
   * (a friend that is stopping, starting or stuck keeps what was known), and the state is read
   * after those questions, so an answer is never older than its own sending.
   */
  async status(): Promise<FriendStatus> {
    const api = this.api;
    if (api) {
      const [offer, received] = await Promise.all([
        within(api.asyncOffer({}), FRIEND_STATUS_WAIT_MS),
        within(api.listReceived({}), FRIEND_STATUS_WAIT_MS),
      ]);
      if (offer?.offer) this.#offer = offer.offer;
      if (received) this.#receivedMsat = received.received.reduce((s, r) => s + BigInt(r.amountMsat), 0n).toString();
    }
    return { state: this.#state, nodeId: this.nodeId, offer: this.#offer, receivedMsat: this.#receivedMsat, error: this.#error };
  }

  /**
   * Stops the friend's daemon (SIGTERM, its clean shutdown; killed if it does not stop within
   * FRIEND_STOP_GRACE_MS); resolves once it exited. A kill is said in `error`; a stop that threw
   * leaves it online with the reason in `error` (and rejects).
   */
  offline(): Promise<void> {
    return this.#queue(async () => {
      const proc = this.#proc;
      if (!proc || this.#state === 'offline') return;
      this.#state = 'stopping';
      this.#error = null;
      let how: 'stopped' | 'killed';
      try {
        how = await proc.stop();
      } catch (e) {
        // Still running as far as we know (#watch sees it if it exits after all).
        this.#state = 'online';
        this.#error = `stopping the friend's node failed: ${e instanceof Error ? e.message : String(e)}`;
        throw e;
      }
      if (how === 'killed') this.#error = `the friend's node did not stop within ${FRIEND_STOP_GRACE_MS / 1000} s and was killed`;
      this.#proc = null;
      this.#state = 'offline';
      this.#record('offline');
    });
  }

  /** Starts the friend's daemon again; it reconnects to the lsp and finds what waits in its mailbox. */
  online(): Promise<void> {
    return this.#queue(async () => {
      if (this.#state === 'online') return;
      this.#state = 'starting';
      this.#error = null;
      try {
        const proc = await this.launch();
        this.#proc = proc;
        this.#state = 'online';
        this.#record('online');
        this.#watch(proc);
      } catch (e) {
        this.#state = 'offline';
        this.#error = e instanceof Error ? e.message : String(e);
      }
    });
  }

  #watch(proc: FriendProcess): void {
    void proc.exited.then(() => {
      if (this.#proc === proc && this.#state === 'online') {
        this.#proc = null;
        this.#state = 'offline';
        this.#record('offline');
        this.#error = 'the friend\'s node stopped on its own';
      }
    });
  }

  #queue(fn: () => Promise<void>): Promise<void> {
    const next = this.#busy.then(fn, fn);
    this.#busy = next.catch(() => undefined);
    return next;
  }
}

const MAX_BODY = 256;
const ACTIONS = ['status', 'offline', 'online', 'steps'] as const;
const HEX32 = /^[0-9a-f]{64}$/;

export type FriendRequest = { readonly action: 'status' | 'offline' | 'online' } | ({ readonly action: 'steps' } & RoleStepsQuery);

/**
 * Checks a control request's body: exactly `{ "action": "status" | "offline" | "online" }`, or
 * `{ "action": "steps", "paymentHash", "offerId", "since" }` (hex, hex or null, unix ms); else the reason.
 */
export function parseFriendRequest(text: string): FriendRequest | { problem: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { problem: 'the body is not JSON' };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { problem: 'the body must be an object' };
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  const action = o.action;
  if (!(ACTIONS as readonly unknown[]).includes(action)) return { problem: `action must be one of ${ACTIONS.join(', ')}` };
  if (action !== 'steps') {
    if (keys.length !== 1) return { problem: 'the body takes exactly one field, action' };
    return { action: action as 'status' | 'offline' | 'online' };
  }
  if (keys.join(',') !== 'action,offerId,paymentHash,since') return { problem: 'steps takes exactly action, paymentHash, offerId and since' };
  if (typeof o.paymentHash !== 'string' || !HEX32.test(o.paymentHash)) return { problem: 'paymentHash must be 64 lowercase hex characters' };
  if (o.offerId !== null && (typeof o.offerId !== 'string' || !HEX32.test(o.offerId))) return { problem: 'offerId must be 64 lowercase hex characters or null' };
  if (typeof o.since !== 'number' || !Number.isSafeInteger(o.since) || o.since < 0) return { problem: 'since must be a time in unix milliseconds' };
  return { action: 'steps', paymentHash: o.paymentHash, offerId: o.offerId as string | null, since: o.since };
}

export interface FriendControlServer {
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

/** Writes `{ url, token }` where the daemon's UI server finds it (0600, atomically). */
function writeControlFile(path: string, url: string, token: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify({ url, token }) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** The path of the control file in a data directory. */
export function friendControlFile(datadir: string): string {
  return join(datadir, 'sandbox', 'control.json');
}

/**
 * Serves the friend's control on 127.0.0.1 (random port): `POST /friend` with
 * `Authorization: Bearer TOKEN` and a checked body; anything else is refused (401, 403, 404, 405,
 * 400, 413). Answers the friend's status after the action, or, for `steps`, what the lsp (when
 * given: the sandbox's, your node's L1 and the friend's L2) and the friend did for the payment.
 */
export async function startFriendControlServer(friend: FriendControl, datadir: string, opts: { lsp?: { nodeId: string; api: NodeApi } } = {}): Promise<FriendControlServer> {
  const steps = new RoleStepsCollector({ nodeId: friend.nodeId, api: () => friend.api, history: () => friend.history() }, opts.lsp ?? null, FRIEND_STATUS_WAIT_MS);
  const token = randomBytes(32).toString('hex');
  const expected = Buffer.from(`Bearer ${token}`);
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    if (res.headersSent) return;
    res.req.resume(); // a body left unread would spoil the kept-alive connection
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const port = (server.address() as { port: number }).port;
    if (req.headers.host !== `127.0.0.1:${port}`) return send(res, 403, { error: 'this endpoint answers only to 127.0.0.1 on its own port' });
    const auth = Buffer.from(req.headers.authorization ?? '');
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) return send(res, 401, { error: 'unauthorised' });
    if (req.url !== '/friend') return send(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return send(res, 405, { error: 'POST only' });
    let size = 0;
    const chunks: Buffer[] = [];
    let refused = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        // Refused at once; the rest is read and dropped (destroying the socket would lose the answer).
        if (!refused) send(res, 413, { error: `at most ${MAX_BODY} bytes` });
        refused = true;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (refused) return;
      const parsed = parseFriendRequest(Buffer.concat(chunks).toString('utf8'));
      if ('problem' in parsed) return send(res, 400, { error: parsed.problem });
      if (parsed.action === 'steps') {
        steps.collect(parsed).then((a) => send(res, 200, a), (e: unknown) => send(res, 500, { error: e instanceof Error ? e.message : String(e) }));
        return;
      }
      const act = parsed.action === 'offline' ? friend.offline() : parsed.action === 'online' ? friend.online() : Promise.resolve();
      act.then(() => friend.status()).then((s) => send(res, 200, s), (e: unknown) => send(res, 500, { error: e instanceof Error ? e.message : String(e) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const file = friendControlFile(datadir);
  writeControlFile(file, url, token);
  return {
    url,
    token,
    close: () => new Promise<void>((resolve) => {
      rmSync(file, { force: true });
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
