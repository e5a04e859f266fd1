/**
 * The preload (runs sandboxed, with contextIsolation). It exposes `window.glasswing`: exactly the
 * NodeApi method names, each a named function taking one params object, plus `subscribe`. No
 * generic invoke, no ipcRenderer, and never an Electron event object reaches the page.
 */
import { METHOD_NAMES } from '../../core/api/methods';
import { IPC_EVENT, IPC_SUBSCRIBE, channelFor, type IpcReply } from './ipc-bridge';

interface PreloadElectron {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    send(channel: string, ...args: unknown[]): void;
    on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): void;
  };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { contextBridge, ipcRenderer } = require('electron') as PreloadElectron;

class NodeApiCallError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const api: Record<string, unknown> = {};
for (const method of METHOD_NAMES) {
  api[method] = async (params?: unknown) => {
    const reply = (await ipcRenderer.invoke(channelFor(method), params ?? {})) as IpcReply;
    if (reply.ok) return reply.result;
    throw new NodeApiCallError(reply.error.code, reply.error.message);
  };
}

const listeners = new Set<(e: unknown) => void>();
let subscribed = false;
api.subscribe = (listener: (e: unknown) => void) => {
  if (typeof listener !== 'function') throw new TypeError('subscribe expects a function');
  listeners.add(listener);
  if (!subscribed) {
    subscribed = true;
    ipcRenderer.on(IPC_EVENT, (_event, payload) => {
      for (const l of listeners) l(payload); // the Electron event object stays here
    });
    ipcRenderer.send(IPC_SUBSCRIBE);
  }
  return () => void listeners.delete(listener);
};

contextBridge.exposeInMainWorld('glasswing', Object.freeze(api));
