/**
 * The daemon's HTTP side (API + browser UI on one port) against hostile requests: no request may
 * end the process, and the UI session cookie only counts when sent by the UI's own page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type DaemonProcess } from '../support/daemon';
import { httpGet, openSocket } from '../support/http';

const get = (origin: string, path: string, headers: Record<string, string> = {}) => httpGet(`${origin}${path}`, headers);

/** Sends `head` byte for byte (no client-side URL checks) and returns the status line. */
function raw(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('end', () => resolve(data.split('\r\n')[0] ?? ''));
    socket.on('close', () => resolve(data.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

describe('daemon HTTP hardening', () => {
  let d: DaemonProcess;
  let origin: string;
  let port: number;

  beforeAll(async () => {
    d = await startDaemon(['--ui']);
    origin = new URL(d.ready!.ui!).origin;
    port = Number(new URL(origin).port);
  }, 60_000);

  afterAll(() => {
    d.child?.kill('SIGKILL');
  });

  it('answers a malformed percent-escape in the path with 400 and keeps serving', async () => {
    const bad = await get(origin, '/%E0%A4%A');
    expect(bad.status).toBe(400);
    const again = await get(origin, '/%');
    expect(again.status).toBe(400);
    expect(d.child!.exitCode).toBeNull();
    const page = await get(origin, '/');
    expect([200, 503]).toContain(page.status); // 503 only when the renderer is not built
    expect(page.headers['content-security-policy']).toBeDefined();
  });

  it('answers an absolute-form request target with a malformed host with 400 and keeps serving', async () => {
    const status = await raw(port, `GET http://[/ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    expect(status).toMatch(/^HTTP\/1\.1 400 /);
    expect(d.child!.exitCode).toBeNull();
    expect((await get(origin, '/')).headers['content-security-policy']).toBeDefined();
  });

  it('accepts the session cookie only with our own Origin, never with none (a replay by another local server)', async () => {
    const login = await get(origin, new URL(d.ready!.ui!).pathname + new URL(d.ready!.ui!).search);
    expect(login.status).toBe(303);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const api = `ws://127.0.0.1:${port}/api`;
    expect(await openSocket(api, { cookie, origin })).toBe(101);
    expect(await openSocket(api, { cookie })).toBe(401);
    expect(await openSocket(api, { cookie, origin: `http://127.0.0.1:${port + 1}` })).toBe(401);
    expect(await openSocket(api, { cookie, origin: 'null' })).toBe(401);
    // The CLI and other token holders need no Origin.
    const token = readFileSync(join(d.datadir, 'api-token'), 'utf8').trim();
    expect(await openSocket(api, { authorization: `Bearer ${token}` })).toBe(101);
  });

  it('answers only to 127.0.0.1 and localhost on its own port in Host (DNS rebinding)', async () => {
    const rebound = await get(origin, '/', { host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain('<script');
    expect((await get(origin, '/', { host: `127.0.0.1:${port + 1}` })).status).toBe(403);
    expect([200, 503]).toContain((await get(origin, '/', { host: `localhost:${port}` })).status);
    const token = readFileSync(join(d.datadir, 'api-token'), 'utf8').trim();
    const api = `ws://127.0.0.1:${port}/api`;
    expect(await openSocket(api, { authorization: `Bearer ${token}`, host: `attacker.example:${port}` })).toBe(403);
  });
});
