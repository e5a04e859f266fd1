/**
 * Browser mode: the daemon serves the built renderer on its API port and logs the browser in
 * without putting the API token in a URL. The ready line carries a one-time address
 * `/login?code=…`; opening it exchanges the single-use code for an HttpOnly, SameSite=Strict
 * session cookie (30 days) and redirects to `/`. The WebSocket at `/api` then accepts that cookie
 * only with our own Origin (against cross-site WebSocket hijacking and replay by other local
 * servers). Sessions are kept in the data directory (ui-sessions.ts), so a signed-in browser
 * stays signed in across restarts; they can be listed and revoked.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { equalBytes, randomBytes, toHex, utf8 } from '../../core/crypto';
import { SESSION_LIFETIME_MS, UiSessions } from './ui-sessions';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * The session cookie's name carries the port: cookies are not isolated by port, and two nodes'
 * apps on 127.0.0.1 (two data directories) would otherwise sign each other out.
 */
export function sessionCookieName(origin: string): string {
  return `glasswing_session_${/:(\d+)$/.exec(origin)?.[1] ?? '0'}`;
}

/** The Content-Security-Policy of every page we serve. */
export function contentSecurityPolicy(origin: string): string {
  const ws = origin.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${ws}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function sameSecret(a: string, b: string): boolean {
  return equalBytes(utf8.encode(a), utf8.encode(b));
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

export interface UiServerOptions {
  /** The built renderer (index.html and assets). */
  readonly distDir: string;
  /** Where sessions are kept (default: in memory, ending with the process). */
  readonly sessions?: UiSessions;
  /**
   * The sandbox friend's control file (`npm start` writes `{ url, token }` there: scripts/sandbox-friend.ts);
   * `POST /sandbox/friend` from a signed-in page of ours is passed to it. Absent: no such route.
   */
  readonly sandboxControl?: string;
}

/** The largest body passed on to the sandbox friend's control. */
const FRIEND_BODY_MAX = 256;

export class UiServer {
  readonly #dist: string;
  readonly #sandboxControl: string | undefined;
  readonly #codes = new Set<string>();
  readonly sessions: UiSessions;
  #origin = '';
  /** The origins our own pages load from: 127.0.0.1 and localhost on our port. */
  #ownOrigins: readonly string[] = [];

  constructor(opts: UiServerOptions) {
    this.#dist = resolve(opts.distDir);
    this.#sandboxControl = opts.sandboxControl;
    this.sessions = opts.sessions ?? new UiSessions(undefined);
  }

  /** Set once the HTTP server knows its port: `http://127.0.0.1:PORT`. */
  setOrigin(origin: string): void {
    this.#origin = origin;
    this.#ownOrigins = [origin, origin.replace('//127.0.0.1:', '//localhost:')];
  }

  get built(): boolean {
    return existsSync(join(this.#dist, 'index.html'));
  }

  /** Mints a new single-use login address. */
  createLogin(): string {
    const code = toHex(randomBytes(24));
    this.#codes.add(code);
    return `${this.#origin}/login?code=${code}`;
  }

  /**
   * WebSocket upgrade check: a live session cookie, sent by a page of our own origin. Cookies are
   * not isolated by port, so the browser also sends ours to any other server on 127.0.0.1; such a
   * server could replay it from a client that sends no Origin at all. The cookie therefore counts
   * only with an Origin header naming us (browsers always send one on WebSocket upgrades).
   */
  authorize = (req: IncomingMessage): string | null => {
    const origin = req.headers.origin;
    if (origin === undefined || !this.#ownOrigins.includes(origin)) return null;
    const secret = cookieValue(req, sessionCookieName(this.#origin));
    if (!secret) return null;
    // The session's id tags the connection, so revoking the session closes it.
    return this.sessions.check(secret);
  };

  /** Answers UI requests; returns false for paths it does not own. */
  handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.url === '/sandbox/friend' && this.#sandboxControl) {
      this.#sandboxFriend(req, res, this.#sandboxControl);
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const security = {
      'content-security-policy': contentSecurityPolicy(this.#origin),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    const badRequest = (): true => {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', ...security });
      res.end('bad request\n');
      return true;
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return badRequest(); // e.g. an absolute-form target with a malformed host
    }
    if (url.pathname === '/login') {
      const code = url.searchParams.get('code') ?? '';
      let valid = false;
      for (const c of this.#codes) {
        if (sameSecret(c, code)) {
          this.#codes.delete(c); // single use
          valid = true;
          break;
        }
      }
      if (!valid) {
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', ...security });
        res.end('This login link was already used or is not valid. Run `glasswing uilogin` for a new one.\n');
        return true;
      }
      const { secret } = this.sessions.create();
      // Redirect to a clean URL so the code is gone from the address bar.
      res.writeHead(303, {
        location: '/',
        'set-cookie': `${sessionCookieName(this.#origin)}=${secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_LIFETIME_MS / 1000}`,
        ...security,
      });
      res.end();
      return true;
    }
    if (url.pathname === '/api') return false; // WebSocket only
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return badRequest(); // a malformed percent-escape such as `/%E0%A4%A`
    }
    if (rel === '/' || !extname(rel)) rel = '/index.html'; // single-page app routes
    const file = normalize(join(this.#dist, rel));
    if (!file.startsWith(this.#dist + sep) || !existsSync(file) || !statSync(file).isFile()) {
      if (!this.built) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', ...security });
        res.end('The user interface is not built. Run `npm start` (or `npm run build:ui`) in the Glasswing folder.\n');
        return true;
      }
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...security });
      res.end('not found\n');
      return true;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', ...security });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
    return true;
  };

  /**
   * The app's switch for the sandbox friend: only a POST from a signed-in page of our own origin
   * (the WebSocket's check: session cookie and Origin), a body of at most 256 bytes, passed on to
   * the control endpoint `npm start` serves on 127.0.0.1 with its token (which checks the body).
   */
  #sandboxFriend(req: IncomingMessage, res: ServerResponse, controlFile: string): void {
    const send = (status: number, body: string): void => {
      if (res.headersSent) return;
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(body);
    };
    const error = (status: number, message: string): void => {
      req.resume(); // a body left unread would spoil the kept-alive connection
      send(status, JSON.stringify({ error: message }));
    };
    if (req.method !== 'POST') return error(405, 'POST only');
    if (this.authorize(req) === null) return error(401, 'sign in first');
    let control: { url: string; token: string };
    try {
      const v = JSON.parse(readFileSync(controlFile, 'utf8')) as Record<string, unknown>;
      if (typeof v.url !== 'string' || !/^http:\/\/127\.0\.0\.1:[0-9]{1,5}$/.test(v.url) || typeof v.token !== 'string' || !/^[0-9a-f]{64}$/.test(v.token)) throw new Error('malformed');
      control = { url: v.url, token: v.token };
    } catch {
      // Not an error for the page (a 404 would be one in its console): there is simply no friend.
      req.resume();
      return send(200, JSON.stringify({ friend: null, reason: 'no sandbox friend: it runs with the sandbox of `npm start` in browser mode' }));
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    req.on('data', (c: Uint8Array) => {
      size += c.length;
      if (size > FRIEND_BODY_MAX) {
        // Refused at once (send answers only once); the rest is read and dropped.
        error(413, `at most ${FRIEND_BODY_MAX} bytes`);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size > FRIEND_BODY_MAX) return;
      const body = Buffer.concat(chunks);
      const out = httpRequest(`${control.url}/friend`, {
        method: 'POST',
        headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/json', 'content-length': body.length },
        timeout: 120_000,
      }, (answer) => {
        const parts: Uint8Array[] = [];
        answer.on('data', (c: Uint8Array) => parts.push(c));
        answer.on('end', () => send(answer.statusCode ?? 502, Buffer.concat(parts).toString('utf8')));
      });
      out.on('timeout', () => out.destroy(new Error('timeout')));
      out.on('error', () => error(502, 'the sandbox is not running (start it with `npm start`)'));
      out.end(body);
    });
  }
}
