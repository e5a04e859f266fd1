/**
 * The Electron host's wiring that does not need the Electron binary: window options, navigation
 * and link rules, the IPC bridge (against a real Node), the preload's exposed surface, window state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { Node } from '../../../core/node';
import { createNodeApi } from '../../../core/api/node-api';
import { METHOD_NAMES } from '../../../core/api';
import { installIpcBridge, handleCall, channelFor, IPC_EVENT, IPC_SUBSCRIBE, type IpcReply } from '../../../main/electron/ipc-bridge';
import { isAllowedExternal, isAllowedNavigation, isTrustedSenderUrl, mainWindowOptions, APP_ORIGIN, ELECTRON_CSP } from '../../../main/electron/security';
import { loadWindowBounds, saveWindowBounds, WINDOW_STATE_FILE } from '../../../main/electron/window-state';
import type { IpcMainInvokeEventLike, IpcMainLike, WebContentsLike } from '../../../main/electron/electron-types';
import { tempDir } from '../../support/tmp';
import { publicKeyFromPrivate, toHex } from '../../../core/crypto';

/** A valid node id nobody listens for. */
const STRANGER_ID = toHex(publicKeyFromPrivate(new Uint8Array(32).fill(9)));
import { REPO_ROOT } from '../../support/vectors';

describe('window options', () => {
  it('turn sandbox and context isolation on and every kind of node integration off', () => {
    const o = mainWindowOptions('/x/preload.cjs');
    expect(o.webPreferences).toMatchObject({
      sandbox: true, contextIsolation: true, nodeIntegration: false, nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false,
      preload: '/x/preload.cjs',
    });
    expect(o.show).toBe(false);
  });

  it('the CSP allows only our own scripts and styles', () => {
    expect(ELECTRON_CSP).toContain("default-src 'none'");
    expect(ELECTRON_CSP).toContain("script-src 'self'");
    expect(ELECTRON_CSP).not.toContain('unsafe-inline');
    expect(ELECTRON_CSP).not.toContain('unsafe-eval');
  });
});

describe('navigation and external links', () => {
  it('allows navigation only within the app origin', () => {
    expect(isAllowedNavigation(`${APP_ORIGIN}/index.html`)).toBe(true);
    expect(isAllowedNavigation(`${APP_ORIGIN}/peers`)).toBe(true);
    for (const bad of ['https://example.com', 'file:///etc/passwd', 'app://other/index.html', 'javascript:alert(1)', 'nonsense']) {
      expect(isAllowedNavigation(bad)).toBe(false);
    }
  });

  it('opens only https links to allow-listed hosts externally', () => {
    expect(isAllowedExternal('https://github.com/lightning/bolts')).toBe(true);
    for (const bad of ['http://github.com/', 'https://evil.example/', 'file:///x', 'https://user:pw@github.com/', 'smb://github.com/x', 'https://github.com.evil.example/']) {
      expect(isAllowedExternal(bad)).toBe(false);
    }
  });

  it('trusts IPC only from frames of the app origin', () => {
    expect(isTrustedSenderUrl(`${APP_ORIGIN}/index.html`)).toBe(true);
    expect(isTrustedSenderUrl('https://example.com/')).toBe(false);
    expect(isTrustedSenderUrl(undefined)).toBe(false);
    expect(isTrustedSenderUrl(null)).toBe(false);
  });
});

/** Electron's ipcMain, reduced to the part the bridge uses (Electron itself is not installed here). */
class InMemoryIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown>();
  readonly listeners = new Map<string, (event: IpcMainInvokeEventLike, ...args: unknown[]) => void>();
  handle(channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  on(channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => void): void {
    this.listeners.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}

let nextContentsId = 1;
class RecordingWebContents implements WebContentsLike {
  readonly id = nextContentsId++;
  readonly sent: [string, unknown][] = [];
  #destroyed: (() => void)[] = [];
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
  isDestroyed(): boolean {
    return false;
  }
  once(_event: 'destroyed', listener: () => void): void {
    this.#destroyed.push(listener);
  }
  destroy(): void {
    for (const l of this.#destroyed) l();
  }
}

describe('the IPC bridge (with a real node)', () => {
  let node: Node;
  const ipc = new InMemoryIpcMain();
  const contents = new RecordingWebContents();
  const trusted: IpcMainInvokeEventLike = { senderFrame: { url: `${APP_ORIGIN}/index.html` }, sender: contents };
  const stranger: IpcMainInvokeEventLike = { senderFrame: { url: 'https://evil.example/' }, sender: contents };

  beforeAll(async () => {
    node = await Node.open({ datadir: tempDir(), alias: 'ipc', network: 'regtest', listen: null, version: '0.0.0-test' });
    await node.start();
    installIpcBridge({ ipcMain: ipc, api: createNodeApi(node), isTrustedSender: isTrustedSenderUrl });
  });
  afterAll(() => node.stop());

  const call = (method: string, event: IpcMainInvokeEventLike, ...args: unknown[]) =>
    ipc.handlers.get(`glasswing:${method}`)!(event, ...args) as Promise<IpcReply>;

  it('registers exactly one channel per NodeApi method', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(METHOD_NAMES.map((m) => channelFor(m)).sort());
  });

  it('answers a valid call from our frame', async () => {
    const r = await call('getInfo', trusted, {});
    expect(r).toMatchObject({ ok: true, result: { alias: 'ipc', network: 'regtest', nodeId: expect.stringMatching(/^0[23]/) } });
  });

  it('refuses a call from a foreign frame', async () => {
    expect(await call('getInfo', stranger, {})).toEqual({ ok: false, error: expect.objectContaining({ code: 'api.untrusted_sender' }) });
  });

  it('validates every argument and names the bad field', async () => {
    expect(await call('connect', trusted, { address: 'x' })).toMatchObject({ ok: false, error: { code: 'api.invalid_params', message: expect.stringContaining('address') } });
    expect(await call('ping', trusted, { nodeId: '02'.padEnd(66, '0'), extra: true })).toMatchObject({ ok: false, error: { code: 'api.invalid_params' } });
    expect(await call('getInfo', trusted, {}, 'second')).toMatchObject({ ok: false, error: { code: 'api.invalid_params' } });
    expect(await call('listPeers', trusted, 'not-an-object')).toMatchObject({ ok: false, error: { code: 'api.invalid_params' } });
  });

  it('returns node errors as plain data, without stack traces', async () => {
    const r = await handleCall({ ipcMain: ipc, api: createNodeApi(node), isTrustedSender: isTrustedSenderUrl }, 'ping', trusted, [{ nodeId: '02'.padEnd(66, '1') }]);
    expect(r).toEqual({ ok: false, error: { code: 'peer.not_connected', message: expect.any(String) } });
    expect(JSON.stringify(r)).not.toContain('at ');
  });

  it('releases a window\'s handler registrations when the window is destroyed', async () => {
    const window2 = new RecordingWebContents();
    const event2: IpcMainInvokeEventLike = { senderFrame: { url: `${APP_ORIGIN}/index.html` }, sender: window2 };
    expect(await call('registerMessageHandler', event2, { tlvType: '65605' })).toMatchObject({ ok: true });
    const count = async () => (await createNodeApi(node).messengerStats({})).handlers.find((h) => h.tlvType === '65605')?.listeners ?? 0;
    expect(await count()).toBe(1);
    window2.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(await count()).toBe(0);
  });

  it('forwards events only to a subscribed, trusted renderer and stops when it is destroyed', async () => {
    ipc.listeners.get(IPC_SUBSCRIBE)!(stranger);
    expect(contents.sent).toHaveLength(0);
    ipc.listeners.get(IPC_SUBSCRIBE)!(trusted);
    await createNodeApi(node).connect({ address: `${STRANGER_ID}@127.0.0.1:1`, reconnect: false }).catch(() => undefined);
    expect(contents.sent.some(([channel, e]) => channel === IPC_EVENT && (e as { type: string }).type === 'peer.connection_failed')).toBe(true);
    const before = contents.sent.length;
    contents.destroy();
    await createNodeApi(node).connect({ address: `${STRANGER_ID}@127.0.0.1:1`, reconnect: false }).catch(() => undefined);
    expect(contents.sent.length).toBe(before);
  });
});

describe('the preload bundle', () => {
  it('exposes exactly the NodeApi methods and subscribe, as functions, and no ipcRenderer', () => {
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/build-electron.mjs')]);
    const code = readFileSync(join(REPO_ROOT, 'dist/electron/preload.cjs'), 'utf8');
    const exposed: Record<string, unknown> = {};
    const invoked: unknown[][] = [];
    const fakeElectron = {
      contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => void (exposed[key] = api) },
      ipcRenderer: { invoke: async (...a: unknown[]) => (invoked.push(a), { ok: true, result: 1 }), send: () => undefined, on: () => undefined },
    };
    vm.runInNewContext(code, { require: (m: string) => (m === 'electron' ? fakeElectron : undefined), module: {}, exports: {}, TypeError, Object, Set, Error });
    const api = exposed.glasswing as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual([...METHOD_NAMES, 'subscribe'].sort());
    for (const v of Object.values(api)) expect(typeof v).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
    void (api.getInfo as (p: unknown) => Promise<unknown>)({});
    expect(invoked[0]).toEqual(['glasswing:getInfo', {}]);
  });
});

describe('window state', () => {
  it('round-trips bounds and falls back to defaults for a corrupt file', () => {
    const dir = tempDir();
    saveWindowBounds(dir, { width: 1000, height: 700, x: 10, y: 20 });
    expect(loadWindowBounds(dir)).toEqual({ width: 1000, height: 700, x: 10, y: 20 });
    writeFileSync(join(dir, WINDOW_STATE_FILE), '{"width":-5}');
    expect(loadWindowBounds(dir).width).toBe(1280);
    writeFileSync(join(dir, WINDOW_STATE_FILE), 'nonsense');
    expect(loadWindowBounds(dir).width).toBe(1280);
  });
});
