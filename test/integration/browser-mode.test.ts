/**
 * Issue 8, browser mode: `glasswing daemon --ui` logs a browser in with a single-use address,
 * an HttpOnly cookie and a redirect to a clean URL; the API token never appears in a URL.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type DaemonProcess } from '../support/daemon';
import { httpGet, openSocket } from '../support/http';

const get = httpGet;

describe('browser mode login', () => {
  let d: DaemonProcess;
  let origin: string;
  let cookie: string;

  beforeAll(async () => {
    d = await startDaemon(['--ui']);
    origin = new URL(d.ready!.ui!).origin;
  }, 60_000);

  it('the ready line carries a one-time login address, without the API token', () => {
    expect(d.ready!.ui).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\?code=[0-9a-f]{48}$/);
    const token = readFileSync(join(d.datadir, 'api-token'), 'utf8').trim();
    expect(d.ready!.ui).not.toContain(token);
  });

  it('exchanges the code for an HttpOnly SameSite=Strict cookie and redirects to a clean URL', async () => {
    const r = await get(d.ready!.ui!);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const setCookie = String(r.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`glasswing_session_${new URL(origin).port}=[0-9a-f]{64}`));
    expect(setCookie).toContain('Max-Age=2592000');
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    cookie = setCookie.split(';')[0]!;
  });

  it('refuses the same code a second time', async () => {
    const again = await get(d.ready!.ui!);
    expect(again.status).toBe(403);
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('accepts the API socket with the session cookie from our origin only', async () => {
    const api = `${origin.replace('http', 'ws')}/api`;
    expect(await openSocket(api, { cookie, origin })).toBe(101);
    expect(await openSocket(api, { cookie, origin: 'http://evil.example' })).toBe(401);
    expect(await openSocket(api, { origin })).toBe(401);
    expect(await openSocket(api, { cookie: `glasswing_session_${new URL(origin).port}=` + '0'.repeat(64), origin })).toBe(401);
  });

  it('serves pages with a strict Content-Security-Policy and refuses path traversal', async () => {
    const page = await get(`${origin}/`);
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(page.headers['content-security-policy'])).not.toContain('unsafe-inline');
    const traversal = await get(`${origin}/..%2f..%2fpackage.json`);
    expect(traversal.body).not.toContain('"name": "glasswing"');
  });

  it('`glasswing uilogin` mints a new single-use address that works', async () => {
    const r = await d.cli('uilogin');
    expect(r.code).toBe(0);
    const url = (r.json as { url: string }).url;
    expect(url).toMatch(/\/login\?code=/);
    expect(url).not.toBe(d.ready!.ui);
    expect((await get(url)).status).toBe(303);
  });
});
