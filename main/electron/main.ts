/**
 * Electron main process: hosts the node, serves the renderer from a privileged `app://` scheme,
 * and bridges the NodeApi over IPC. Everything security-relevant is decided in security.ts and
 * ipc-bridge.ts (tested in Node); this file only wires Electron to them.
 */
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join, normalize, extname, sep, dirname } from 'node:path';
import { parseCryptoBackendName, selectCryptoBackend, type CryptoBackendRequest } from '../../core/crypto';
import { defaultDataDir } from '../datadir';
import { installIpcBridge } from './ipc-bridge';
import { openDesktopNode, type DesktopNode } from './desktop-node';
import { APP_ORIGIN, APP_SCHEME, ELECTRON_CSP, isAllowedExternal, isAllowedNavigation, isTrustedSenderUrl, mainWindowOptions } from './security';
import { loadWindowBounds, saveWindowBounds } from './window-state';
import type { IpcMainLike } from './electron-types';

/* eslint-disable @typescript-eslint/no-explicit-any -- the Electron module is typed loosely on purpose (optional dependency) */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const electron = require('electron') as any;
const { app, BrowserWindow, ipcMain, protocol, shell, Menu } = electron;

const here = dirname(__filename);
const rendererDir = join(here, '..', 'renderer');
const preloadPath = join(here, 'preload.cjs');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2',
};

function log(line: Record<string, unknown>): void {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), ...line }) + '\n');
}

/** `--crypto libsecp|native|wasm|noble|auto` on Electron's command line (after the app's path), if given. */
function cryptoOption(argv: readonly string[]): CryptoBackendRequest | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = a === '--crypto' ? argv[i + 1] : a.startsWith('--crypto=') ? a.slice('--crypto='.length) : undefined;
    if (value !== undefined) return parseCryptoBackendName(value);
  }
  return undefined;
}

// Before any other cryptography: the backend is chosen once (--crypto, else GLASSWING_CRYPTO, else auto).
{
  let backend: CryptoBackendRequest | undefined;
  try {
    backend = cryptoOption(process.argv.slice(2));
  } catch (e) {
    log({ event: 'crypto', message: `${e instanceof Error ? e.message : String(e)}; using auto` });
  }
  const crypto = selectCryptoBackend({ ...(backend ? { backend } : {}), log: (message) => log({ event: 'crypto', message }) });
  log({ event: 'crypto_backend', backend: crypto.backend, requested: crypto.requested, requestedBy: crypto.requestedBy, fallback: crypto.fallback });
}

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let desktop: DesktopNode | undefined;
  let win: any;
  const datadir = process.env.GLASSWING_DATADIR ?? defaultDataDir();

  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });

  app.on('web-contents-created', (_e: unknown, contents: any) => {
    contents.on('will-navigate', (event: any, url: string) => {
      if (!isAllowedNavigation(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event: any) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }: { url: string }) => {
      if (isAllowedExternal(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });

  app.whenReady().then(async () => {
    mkdirSync(datadir, { recursive: true, mode: 0o700 });
    protocol.handle(APP_SCHEME, (request: { url: string }) => {
      const url = new URL(request.url);
      const rel = url.pathname === '/' || !extname(url.pathname) ? '/index.html' : decodeURIComponent(url.pathname);
      const file = normalize(join(rendererDir, rel));
      if (!file.startsWith(rendererDir + sep) || !existsSync(file)) return new Response('not found', { status: 404 });
      return new Response(readFileSync(file), {
        headers: { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'content-security-policy': ELECTRON_CSP },
      });
    });

    // The node, its settings and the command line's endpoint (desktop-node.ts).
    desktop = await openDesktopNode({ datadir, env: process.env, log });
    const api = desktop.api;
    installIpcBridge({ ipcMain: ipcMain as IpcMainLike, api, isTrustedSender: isTrustedSenderUrl, log });

    Menu.setApplicationMenu(Menu.buildFromTemplate([
      ...(process.platform === 'darwin' ? [{ role: 'appMenu' }] : []),
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
      { role: 'windowMenu' },
    ]));

    win = new BrowserWindow(mainWindowOptions(preloadPath, loadWindowBounds(datadir)));
    win.once('ready-to-show', () => win.show());
    win.on('close', () => saveWindowBounds(datadir, win.getBounds()));
    await win.loadURL(`${APP_ORIGIN}/index.html`);
  }).catch((e: unknown) => {
    log({ event: 'start_failed', message: e instanceof Error ? e.message : String(e) });
    app.exit(1);
  });

  let quitting = false;
  app.on('before-quit', (event: any) => {
    if (quitting || !desktop) return;
    event.preventDefault();
    quitting = true;
    void desktop.stop().finally(() => app.quit());
  });
  app.on('window-all-closed', () => app.quit());
}
