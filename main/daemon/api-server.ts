/**
 * Serves the NodeApi over a WebSocket on 127.0.0.1. Every connection must present the API token
 * (an `Authorization: Bearer <token>` header, or — for the browser UI — the session cookie set
 * by the one-time login, from our own Origin). Every request and upgrade must name us in Host
 * (127.0.0.1 or localhost on our port), against DNS rebinding. Requests are validated against the API schemas before dispatch.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ConnectionScope, dispatch, parseRequest, toErrorBody, type NodeApi, type NodeEvent } from '../../core/api';
import { equalBytes, utf8 } from '../../core/crypto';

/** Maximum size of one request frame. */
const MAX_FRAME_BYTES = 1 << 20;

/** At close, how long a request in progress has to be answered before its connection is ended. */
const CLOSE_GRACE_MS = 2_000;

/** Default cap on what one client may leave unread (events and replies) before we drop it. */
export const DEFAULT_MAX_UNREAD_BYTES = 16 << 20;

/**
 * Close code for a client dropped for not reading (1013 "try again later"): the clients
 * reconnect and take a fresh snapshot.
 */
export const SLOW_CLIENT_CLOSE_CODE = 1013;

export interface ApiServerOptions {
  readonly api: NodeApi;
  readonly token: string;
  readonly host?: string;
  readonly port?: number;
  /** Extra HTTP handling (the browser UI); return true when the request was answered. */
  readonly http?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /**
   * Extra authentication for upgrades (the UI session cookie): a session id (it tags the
   * connection, see `closeSession`), or null/false to refuse.
   */
  readonly authorize?: (req: IncomingMessage) => string | boolean | null;
  readonly log?: (line: Record<string, unknown>) => void;
  /** Browser mode: mints a one-time login address (POST /ui-login with the bearer token). */
  readonly createUiLogin?: () => string;
  /**
   * Browser mode: the app's sessions, for the bearer token's holder — GET /ui-sessions lists them,
   * POST /ui-sessions/revoke?id=ID|all revokes (and closes their connections).
   */
  readonly uiSessions?: { list(): unknown[]; revoke(id: string): string[] };
  /** A client with more than this many bytes sent to it but unread is closed (default 16 MiB). */
  readonly maxUnreadBytes?: number;
}

export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (presented === undefined) return false;
  return equalBytes(utf8.encode(presented), utf8.encode(token));
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer ([A-Za-z0-9_-]+)$/.exec(h.trim());
  return m?.[1];
}

export class ApiServer {
  readonly #opts: ApiServerOptions;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #clients = new Set<WebSocket>();
  /** Events waiting for the end of this turn of the event loop, per subscribed client (see #queueEvent). */
  readonly #pending = new Map<WebSocket, NodeEvent[]>();
  /** The UI session each browser connection was opened with. */
  readonly #sessionOf = new Map<WebSocket, string>();

  constructor(opts: ApiServerOptions) {
    this.#opts = opts;
    // Neither callback may throw: an exception here would escape to the event loop and end the
    // daemon. A failure is a 500 (or a dropped upgrade) for that one request, and a log line.
    this.#http = createServer((req, res) => {
      try {
        this.#onRequest(req, res);
      } catch (e) {
        this.#internalError('http', e);
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(JSON.stringify({ error: { code: 'internal', message: 'internal error' } }));
        } else {
          res.destroy();
        }
      }
    });
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
    this.#http.on('upgrade', (req, socket: Duplex, head: Buffer) => {
      try {
        this.#onUpgrade(req, socket, head);
      } catch (e) {
        this.#internalError('upgrade', e);
        socket.destroy();
      }
    });
  }

  #internalError(where: string, e: unknown): void {
    this.#opts.log?.({ event: 'api_internal_error', where, message: e instanceof Error ? e.message : String(e) });
  }

  /**
   * DNS rebinding: a page of any site can have its name resolve to 127.0.0.1 and then talk to us
   * as "same origin". Its requests still carry its own name in Host, so only our own names count.
   */
  #hostAllowed(req: IncomingMessage): boolean {
    const host = req.headers.host;
    if (host === undefined) return false;
    const port = this.port;
    return [`127.0.0.1:${port}`, `localhost:${port}`, `${this.#opts.host ?? '127.0.0.1'}:${port}`].includes(host.toLowerCase());
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const opts = this.#opts;
    if (!this.#hostAllowed(req)) {
      opts.log?.({ event: 'api_refused', reason: 'unexpected Host header', remote: req.socket.remoteAddress });
      res.writeHead(403, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ error: { code: 'api.bad_host', message: 'this server answers only to 127.0.0.1 and localhost on its own port' } }));
      return;
    }
    if (req.method === 'POST' && req.url === '/ui-login') {
      const ok = tokenMatches(bearer(req), opts.token) && opts.createUiLogin;
      res.writeHead(ok ? 200 : opts.createUiLogin ? 401 : 404, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(ok ? { url: opts.createUiLogin!() } : { error: { code: opts.createUiLogin ? 'api.unauthorized' : 'api.no_ui', message: opts.createUiLogin ? 'missing or wrong API token' : 'this daemon does not serve the UI (start it with --ui)' } }));
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    if ((req.method === 'GET' && path === '/ui-sessions') || (req.method === 'POST' && path === '/ui-sessions/revoke')) {
      this.#onSessions(req, res);
      return;
    }
    if (opts.http?.(req, res)) return;
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'api.not_found', message: 'not found' } }));
  }

  /** GET /ui-sessions, POST /ui-sessions/revoke?id=ID|all — with the bearer token only. */
  #onSessions(req: IncomingMessage, res: ServerResponse): void {
    const sessions = this.#opts.uiSessions;
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (!sessions) return reply(404, { error: { code: 'api.no_ui', message: 'this daemon does not serve the UI (start it with --ui)' } });
    if (!tokenMatches(bearer(req), this.#opts.token)) return reply(401, { error: { code: 'api.unauthorized', message: 'missing or wrong API token' } });
    if (req.method === 'GET') return reply(200, { sessions: sessions.list() });
    const id = new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get('id') ?? '';
    if (!/^(all|[0-9a-f]{12})$/.test(id)) return reply(400, { error: { code: 'api.invalid_params', message: 'id: a session id (12 hex characters) or "all"' } });
    const revoked = sessions.revoke(id);
    for (const session of revoked) this.closeSession(session);
    reply(200, { revoked });
  }

  /** Closes every connection opened with this UI session (it was revoked). */
  closeSession(session: string): void {
    for (const [ws, s] of this.#sessionOf) if (s === session) ws.close(4001, 'session revoked');
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const opts = this.#opts;
    if (!this.#hostAllowed(req)) {
      opts.log?.({ event: 'api_refused', reason: 'unexpected Host header', remote: req.socket.remoteAddress });
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n' +
        JSON.stringify({ error: { code: 'api.bad_host', message: 'this server answers only to 127.0.0.1 and localhost on its own port' } }));
      return;
    }
    const session = tokenMatches(bearer(req), opts.token) ? true : (opts.authorize?.(req) ?? null);
    if (!session) {
      opts.log?.({ event: 'api_refused', reason: 'missing or wrong token', remote: req.socket.remoteAddress });
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n' +
        JSON.stringify({ error: { code: 'api.unauthorized', message: 'missing or wrong API token' } }));
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (typeof session === 'string') this.#sessionOf.set(ws, session);
      this.#onConnection(ws);
    });
  }

  /** Listens on the options' port (or `port`, e.g. 0 after that one was taken); rejects with the socket error. */
  async listen(port = this.#opts.port ?? 0): Promise<string> {
    const host = this.#opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(port, host, () => {
        this.#http.off('error', reject);
        resolve();
      });
    });
    return `ws://${host}:${this.port}`;
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port;
  }

  #onConnection(ws: WebSocket): void {
    this.#clients.add(ws);
    const scope = new ConnectionScope();
    let unsubscribe: (() => void) | undefined;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void ws.close(1003, 'text frames only');
      let raw: unknown;
      try {
        raw = JSON.parse(data.toString());
      } catch {
        return this.#send(ws, { id: null, error: { code: 'api.bad_request', message: 'not JSON' } });
      }
      // Control frame: start receiving events.
      if (raw !== null && typeof raw === 'object' && (raw as { subscribe?: unknown }).subscribe === true) {
        unsubscribe ??= this.#opts.api.subscribe((event: NodeEvent) => this.#queueEvent(ws, event));
        return;
      }
      void this.#handle(ws, raw, scope);
    });
    ws.on('close', () => {
      unsubscribe?.();
      this.#pending.delete(ws);
      void scope.releaseAll(this.#opts.api);
      this.#clients.delete(ws);
      this.#sessionOf.delete(ws);
    });
    ws.on('error', () => ws.terminate());
  }

  async #handle(ws: WebSocket, raw: unknown, scope: ConnectionScope): Promise<void> {
    const id = (raw as { id?: unknown } | null)?.id;
    let reply: unknown;
    try {
      const req = parseRequest(raw);
      const result = await dispatch(this.#opts.api, req.method, req.params as never);
      scope.record(req.method, req.params);
      reply = { id: req.id, result: result ?? null };
    } catch (e) {
      const error = toErrorBody(e);
      if (error.code === 'internal') this.#opts.log?.({ event: 'api_internal_error', message: e instanceof Error ? e.message : String(e) });
      reply = { id: typeof id === 'number' ? id : null, error };
    }
    this.#send(ws, reply);
  }

  /**
   * Events for a subscribed client wait until the current turn of the event loop ends and then go
   * in one frame (`{ event }` for one, `{ events: [...] }` for several, oldest first): a forwarded
   * onion message publishes four events, and one WebSocket frame and socket write per event cost
   * more than the JSON itself. A reply flushes the client's waiting events first, so a client sees
   * events and replies in the order the node produced them.
   */
  #queueEvent(ws: WebSocket, event: NodeEvent): void {
    let queue = this.#pending.get(ws);
    if (queue === undefined) {
      queue = [];
      this.#pending.set(ws, queue);
      setImmediate(() => this.#flushEvents(ws));
    }
    queue.push(event);
  }

  #flushEvents(ws: WebSocket): void {
    const queue = this.#pending.get(ws);
    if (queue === undefined) return;
    this.#pending.delete(ws);
    this.#send(ws, queue.length === 1 ? { event: queue[0] } : { events: queue }, true);
  }

  /**
   * Sends one frame, unless the client has stopped reading: `ws` would otherwise buffer every
   * event for it without bound. Past the cap the client is closed (it reconnects and takes a new
   * snapshot); nothing more is queued for it while the close completes (or times out).
   */
  #send(ws: WebSocket, frame: unknown, isEvents = false): void {
    if (!isEvents) this.#flushEvents(ws);
    if (ws.readyState !== ws.OPEN) return;
    const max = this.#opts.maxUnreadBytes ?? DEFAULT_MAX_UNREAD_BYTES;
    if (ws.bufferedAmount > max) {
      this.#opts.log?.({ event: 'api_slow_client', bufferedBytes: ws.bufferedAmount, maxUnreadBytes: max });
      ws.close(SLOW_CLIENT_CLOSE_CODE, `too slow: over ${max} bytes left unread`);
      return;
    }
    ws.send(JSON.stringify(frame));
  }

  async close(): Promise<void> {
    for (const ws of this.#clients) ws.close(1001, 'shutting down');
    this.#wss.close();
    const closed = new Promise<void>((resolve) => this.#http.close(() => resolve()));
    // `close()` waits for every connection, also one that never sent a request (a browser's spare
    // socket, kept about 100 s, which `closeIdleConnections` leaves open): end the idle ones now,
    // and the rest after a request in progress has had CLOSE_GRACE_MS to be answered.
    this.#http.closeIdleConnections();
    const rest = setTimeout(() => this.#http.closeAllConnections(), CLOSE_GRACE_MS);
    await closed;
    clearTimeout(rest);
  }
}
