/**
 * Issue 18 item 1, a node that stays itself (real daemon processes, real files): what the first
 * start chose — listen address, the app's port, the network — is saved and reused; a saved port
 * that is taken falls back to a free one for that run with a clear line and is tried again next
 * time; a port given on the command line that is taken is an error. A browser session survives
 * restarts (only its hash is on disk, mode 0600) until it is revoked. And item 7: --crypto.
 */
import { createServer, type Server } from 'node:net';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { DaemonProcess, runCli } from '../support/daemon';
import { httpGet, openSocket } from '../support/http';
import { tempDir } from '../support/tmp';

/** A first start tries a free port here, not 9735 (other nodes on this machine may use it). */
const ENV = { GLASSWING_DEFAULT_LISTEN: '127.0.0.1:0' };

const blockers: Server[] = [];
afterAll(() => blockers.forEach((s) => s.close()));

/** Holds a port on 127.0.0.1 (as another program would). */
async function hold(port: number): Promise<Server> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve());
  });
  blockers.push(s);
  return s;
}

const portOf = (address: string) => Number(address.split(':').pop());
const config = (d: DaemonProcess) => JSON.parse(readFileSync(join(d.datadir, 'config.json'), 'utf8')) as Record<string, unknown>;

describe('a node that stays itself across restarts', () => {
  const d = new DaemonProcess(tempDir('glasswing-identity-'), ['--ui']);
  let listen: string;
  let app: string;
  let cookie: string;

  it('the first start picks free ports and saves them with the network', async () => {
    const ready = await d.start(null, ENV);
    listen = ready.listen!;
    app = ready.app!;
    expect(app).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(ready.listenFallback).toBeUndefined();
    expect(config(d)).toEqual({ network: 'regtest', listen, uiPort: Number(new URL(app).port) });
    // Signed in once: the one-time address gives a 30-day session cookie.
    const login = await httpGet(ready.ui!);
    expect(login.status).toBe(303);
    cookie = String(login.headers['set-cookie']).split(';')[0]!;
  });

  it('later starts reuse the listen address, the app\'s port and the browser\'s session; the alias set in Settings stays', async () => {
    const api = await d.api();
    await api.updateSettings({ alias: 'kept' });
    await d.stop();
    const ready = await d.start(null, ENV);
    expect(ready.listen).toBe(listen);
    expect(ready.app).toBe(app);
    expect((await (await d.api()).getInfo({})).alias).toBe('kept');
    const origin = new URL(app).origin;
    expect(await openSocket(`${origin.replace('http', 'ws')}/api`, { cookie, origin })).toBe(101);
    // On disk: the hash of the session, never the cookie's secret, readable by us only.
    const file = join(d.datadir, 'ui-sessions.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(cookie.split('=')[1]);
    expect((JSON.parse(text) as { sessions: unknown[] }).sessions).toHaveLength(1);
  });

  it('a saved port that is taken falls back to a free one for that run, says so, and is tried again next time', async () => {
    await d.stop();
    const held = [await hold(portOf(listen)), await hold(Number(new URL(app).port))];
    const ready = await d.start(null, ENV);
    expect(ready.listen).not.toBe(listen);
    expect(ready.listenFallback).toEqual({ wanted: listen, reason: `cannot listen on ${listen}: EADDRINUSE` });
    expect(ready.uiFallback).toMatchObject({ wanted: Number(new URL(app).port), reason: expect.stringContaining('EADDRINUSE') });
    expect(d.logs.some((l) => l.includes('"listen_fallback"'))).toBe(true);
    expect(config(d)).toMatchObject({ listen, uiPort: Number(new URL(app).port) }); // not overwritten
    await d.stop();
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
    const back = await d.start(null, ENV);
    expect(back.listen).toBe(listen);
    expect(back.app).toBe(app);
  });

  it('sessions can be listed and revoked: a revoked one is refused and its open page disconnected', async () => {
    const origin = new URL(app).origin;
    const socket = new WebSocket(`${origin.replace('http', 'ws')}/api`, { headers: { cookie, origin } });
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const list = await d.cli('uilogin', '--sessions');
    expect(list.json).toMatchObject({ sessions: [{ id: expect.stringMatching(/^[0-9a-f]{12}$/), createdAt: expect.any(Number), expiresAt: expect.any(Number) }] });
    const id = (list.json as { sessions: { id: string }[] }).sessions[0]!.id;
    expect((await d.cli('uilogin', '--revoke', id)).json).toEqual({ revoked: [id] });
    expect(await closed).toBe(4001);
    expect(await openSocket(`${origin.replace('http', 'ws')}/api`, { cookie, origin })).toBe(401);
    expect((await d.cli('uilogin', '--revoke', 'nonsense')).code).toBe(2);
  });

  it('a listen address given on the command line that is taken is an error, not a fallback', async () => {
    await d.stop();
    const other = new DaemonProcess(d.datadir);
    await hold(portOf(listen));
    await expect(other.start(listen)).rejects.toThrow(/peer\.listen_failed/);
  });
});

describe('--crypto', () => {
  it('chooses the backend before anything else, and getinfo reports it with the implementation of each primitive', async () => {
    const d = new DaemonProcess(tempDir('glasswing-crypto-'), ['--crypto', 'noble']);
    await d.start();
    const info = await (await d.api()).getInfo({});
    expect(info.crypto).toMatchObject({ backend: 'noble', requested: 'noble', requestedBy: 'option', fallback: null });
    expect(info.crypto.primitives.ecdh).toMatch(/@noble\/secp256k1/);
    expect(Object.keys(info.crypto.primitives)).toEqual(['ecdh', 'ecdsa', 'ecdsaRecovery', 'schnorr', 'points', 'sha256', 'hmacSha256', 'hkdf', 'chacha20Poly1305', 'chacha20']);
    await d.stop();
    const bad = await runCli(['daemon', '--datadir', d.datadir, '--crypto', 'fast']);
    expect(bad.code).not.toBe(0);
    expect(JSON.parse(bad.stderr.trim().split('\n').pop()!)).toMatchObject({ error: { code: 'config.bad_crypto', message: expect.stringContaining('native, wasm, noble, auto') } });
  });
});

describe('--onion-message-budget', () => {
  it('sets the node-wide onion-message budget (over config.json), which getinfo and getSettings report; bad values are refused', async () => {
    const dir = tempDir('glasswing-budget-');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ onion: { messageBudgetPerSecond: 80 } }));
    const saved = new DaemonProcess(dir, ['--listen', '127.0.0.1:0']);
    await saved.start();
    expect((await (await saved.api()).getInfo({})).onionMessageBudget).toEqual({ perSecond: 80, burst: 160 });
    await saved.stop();
    const flagged = new DaemonProcess(dir, ['--listen', '127.0.0.1:0', '--onion-message-budget', '300/s']);
    await flagged.start();
    const api = await flagged.api();
    expect((await api.getInfo({})).onionMessageBudget).toEqual({ perSecond: 300, burst: 600 });
    expect((await api.getSettings({})).onion.messageBudgetPerSecond).toBe(300);
    await flagged.stop();
    const bad = await runCli(['daemon', '--datadir', dir, '--onion-message-budget', 'lots']);
    expect(bad.code).not.toBe(0);
    expect(JSON.parse(bad.stderr.trim().split('\n').pop()!)).toMatchObject({ error: { code: 'config.bad_number', message: expect.stringContaining('--onion-message-budget') } });
  });

  it('defaults to 50 messages a second, burst 100', async () => {
    const d = new DaemonProcess(tempDir('glasswing-budget-'), ['--listen', '127.0.0.1:0']);
    await d.start();
    expect((await (await d.api()).getInfo({})).onionMessageBudget).toEqual({ perSecond: 50, burst: 100 });
    await d.stop();
  });
});
