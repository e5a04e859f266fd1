/**
 * Issue 18 in a real browser (Debian's Chromium) against real processes:
 * - item 1: `npm start` (scripts/start.ts, browser mode) twice on one data directory — the alias
 *   changed in Settings, the listen port, the app's address and the browser's sign-in are kept;
 * - item 5: saved peers on the Peers page — one that is being retried, stopped, forgotten;
 * - item 7: the crypto backend on the Settings page (a daemon started with --crypto wasm);
 * - item 4: the Offers → Decode tab reads BOLT 11 invoices against the node's network.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { NodeApi } from '../../core/api';
import { buildBolt11Invoice } from '../../core/invoices';
import { publicKeyFromPrivate, sha256 } from '../../core/crypto';
import { startDaemon, type DaemonProcess } from '../support/daemon';
import { REPO_ROOT, loadVectors } from '../support/vectors';
import { tempDir } from '../support/tmp';
import { launchBrowser, screenshot, until, watchProblems } from './support/browser';
import { ensureRendererBuilt } from './support/build';
import { WAIT, goTo, logIn, text } from './support/app';

interface Started {
  child: ChildProcess;
  lines: string[];
  login: string;
  app: string;
  listen: string;
}

/** `npm start -- --browser --no-sandbox --datadir D`, as a user runs it (tsx scripts/start.ts). */
async function npmStart(datadir: string): Promise<Started> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), join(REPO_ROOT, 'scripts/start.ts'), '--browser', '--no-sandbox', '--datadir', datadir], {
    cwd: REPO_ROOT,
    // A first start tries a free port, not 9735 (other nodes on this machine may use it).
    env: { ...process.env, GLASSWING_DEFAULT_LISTEN: '127.0.0.1:0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
  return new Promise<Started>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no login address:\n${lines.join('\n')}`)), 90_000);
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${lines.join('\n')}`)));
    let app = '';
    let listen = '';
    createInterface({ input: child.stdout! }).on('line', (l) => {
      lines.push(l);
      listen ||= /listens on (\S+) /.exec(l)?.[1] ?? '';
      app ||= /the app is at (http:\/\/\S+\/) /.exec(l)?.[1] ?? '';
      const login = /^\s+(http:\/\/127\.0\.0\.1:\d+\/login\?code=[0-9a-f]+)$/.exec(l)?.[1];
      if (login) {
        clearTimeout(timer);
        resolve({ child, lines, login, app, listen });
      }
    });
  });
}

async function stop(s: Started): Promise<void> {
  if (s.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    s.child.once('exit', () => resolve());
    s.child.kill('SIGTERM');
  });
}

describe('npm start keeps the node itself across restarts', () => {
  const datadir = tempDir('glasswing-npm-start-');
  let context: BrowserContext;
  let page: Page;
  let first: Started;
  let second: Started | undefined;

  beforeAll(async () => {
    ensureRendererBuilt();
    context = await launchBrowser();
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    if (first) await stop(first);
    if (second) await stop(second);
  });

  it('a user who changes the alias and restarts keeps the alias, the port and the sign-in', async () => {
    const problems = watchProblems(page);
    first = await npmStart(datadir);
    expect(first.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(first.app).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await logIn(page, first.login);
    await goTo(page, 'Settings');
    const alias = page.getByLabel('Alias', { exact: true });
    await until(page, `document.querySelector('#settings-alias')?.value === 'you'`);
    await alias.fill('my-own-node');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('[data-testid="saved"]').waitFor({ timeout: WAIT });
    await stop(first);
    // The page notices the node is gone.
    await page.locator('[data-state="connected"]').waitFor({ state: 'detached', timeout: WAIT });

    second = await npmStart(datadir);
    expect(second.listen).toBe(first.listen);
    expect(second.app).toBe(first.app);
    expect(second.lines.join('\n')).not.toContain('listening on');
    // The same browser, without a new login address: the page reconnects on its own, signed in.
    await page.locator('[data-state="connected"]').waitFor({ timeout: 60_000 });
    await page.goto(second.app);
    await page.locator('[data-state="connected"]').waitFor({ timeout: WAIT });
    await goTo(page, 'Settings');
    await until(page, `document.querySelector('#settings-alias')?.value === 'my-own-node'`);
    await goTo(page, 'Overview');
    await page.getByText('my-own-node').first().waitFor({ timeout: WAIT });
    await screenshot(page, 'newcomer-restart-signed-in');
    expect(problems.filter((p) => !/Failed to load resource|ERR_CONNECTION_REFUSED/.test(p))).toEqual([]);
  }, 240_000);
});

describe('saved peers, the crypto backend and BOLT 11 decoding in the app', () => {
  let ui: DaemonProcess;
  let other: DaemonProcess;
  let api: NodeApi;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    ensureRendererBuilt();
    [ui, other] = await Promise.all([startDaemon(['--ui', '--crypto', 'wasm']), startDaemon()]);
    api = await ui.api();
    await api.connect({ address: other.address, reconnect: true });
    await api.labelPeer({ nodeId: other.nodeId, label: 'other' });
    context = await launchBrowser();
    page = await context.newPage();
    problems = watchProblems(page);
    await logIn(page, ui.ready!.ui!);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
  });

  it('lists saved peers with their state; a failing one can be stopped and forgotten', async () => {
    // An address where nothing answers: saved, and retried in the background.
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
    const port = (dead.address() as { port: number }).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const nobody = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
    await expect(api.connect({ address: `${nobody}@127.0.0.1:${port}`, reconnect: true })).rejects.toMatchObject({ code: 'peer.connect_failed' });

    await goTo(page, 'Peers');
    const row = page.locator(`[data-testid="saved-peer-list"] li[data-saved-peer="${nobody}"]`);
    await row.waitFor({ timeout: WAIT });
    await until(page, `document.querySelector('li[data-saved-peer="${nobody}"]')?.dataset.peerState === 'waiting'`);
    expect(await row.textContent()).toContain('Next attempt in');
    expect(await row.textContent()).toContain('ECONNREFUSED');
    const connected = page.locator(`[data-testid="saved-peer-list"] li[data-saved-peer="${other.nodeId}"]`);
    expect(await connected.getAttribute('data-peer-state')).toBe('connected');
    expect(await connected.textContent()).toContain('other');
    await screenshot(page, 'peers-saved');

    await row.getByRole('button', { name: 'Stop trying' }).click();
    await until(page, `document.querySelector('li[data-saved-peer="${nobody}"]')?.dataset.peerState === 'off'`);
    expect(await row.locator('[data-testid="saved-peer-detail"]').textContent()).toContain('Reconnection is off');
    expect((await api.listSavedPeers({})).peers.find((p) => p.nodeId === nobody)).toMatchObject({ reconnect: false, state: 'off' });

    await row.getByRole('button', { name: 'Forget' }).click();
    await row.getByRole('button', { name: 'Forget' }).click(); // the confirmation
    await row.waitFor({ state: 'detached', timeout: WAIT });
    expect((await api.listSavedPeers({})).peers.some((p) => p.nodeId === nobody)).toBe(false);
    for (const width of [1280, 800]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      await screenshot(page, `peers-saved-${width}`);
    }
    await page.setViewportSize({ width: 1360, height: 900 });
    expect(problems).toEqual([]);
  }, 120_000);

  it('shows the crypto backend, one line per family of primitives', async () => {
    await goTo(page, 'Settings');
    const card = page.locator('[data-testid="crypto-backend"]');
    await card.waitFor({ timeout: WAIT });
    expect(await card.getAttribute('data-backend')).toBe('wasm');
    expect(await page.getByText('wasm backend, asked for with --crypto wasm.').count()).toBe(1);
    const lines = await card.locator('> div').allTextContents();
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/ECDH.*WebAssembly, tiny-secp256k1@/);
    await screenshot(page, 'settings-crypto');
  }, 60_000);

  it('decodes a BOLT 11 invoice against the node\'s network in the Decode tab (BOLT 12 as before)', async () => {
    const key = sha256(new TextEncoder().encode('newcomer e2e payee'));
    const regtest = buildBolt11Invoice({
      network: 'regtest', timestamp: Math.floor(Date.now() / 1000), paymentHash: sha256(Uint8Array.of(1)), paymentSecret: sha256(Uint8Array.of(2)),
      description: 'sandbox espresso', amountMsat: 150_000n, payeeNodeId: publicKeyFromPrivate(key),
    }).sign(key).string;
    await page.goto(new URL('/#/offers/decode', ui.ready!.app!).href);
    const input = page.locator('#decode-input');
    await input.waitFor({ timeout: WAIT });
    await input.fill(regtest);
    const view = page.locator('[data-testid="bolt11-view"]');
    await view.waitFor({ timeout: WAIT });
    expect(await view.getAttribute('data-valid')).toBe('true');
    expect(await text(page, '[data-testid="bolt11-view"] tr[data-field="description"] .value')).toBe('sandbox espresso');
    expect(await text(page, '[data-testid="bolt11-view"] tr[data-field="network"] .value')).toBe('regtest');
    await screenshot(page, 'offers-decode-bolt11');

    // A mainnet invoice (the spec's example) is not for this regtest node.
    const mainnet = loadVectors<{ valid: { name: string; invoice: string }[] }>('bolt11/invoices.json').valid[0]!.invoice;
    await input.fill(mainnet);
    await page.locator('[data-testid="bolt11-errors"] li[data-code="bolt11.unsupported_network"]').waitFor({ timeout: WAIT });
    // BOLT 12 strings still show in the BOLT 12 view.
    const { offer } = await api.createOffer({ description: 'decode me' });
    await input.fill(offer.bolt12);
    await page.locator('[data-testid="bolt12-view"][data-valid="true"]').waitFor({ timeout: WAIT });
    expect(problems).toEqual([]);
  }, 60_000);
});
