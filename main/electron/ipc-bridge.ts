/**
 * The IPC bridge between the renderer (through the preload's named functions) and the node in
 * the main process. One channel per NodeApi method (`glasswing:<method>`), every argument
 * validated with the API schema, every sender frame checked, errors returned as plain data
 * (never an Electron event object, never a stack trace). Events go to subscribed windows.
 */
import { ConnectionScope, METHOD_NAMES, METHOD_SCHEMAS, dispatch, toErrorBody, validate, ApiError, type MethodName, type NodeApi, type NodeEvent, type ErrorBody } from '../../core/api';
import type { IpcMainInvokeEventLike, IpcMainLike, WebContentsLike } from './electron-types';

export const IPC_PREFIX = 'glasswing:';
export const IPC_SUBSCRIBE = 'glasswing-events:subscribe';
export const IPC_EVENT = 'glasswing-events:event';

export function channelFor(method: MethodName): string {
  return `${IPC_PREFIX}${method}`;
}

/** What an invoke returns: the result, or an error body (invoke rejections lose their fields). */
export type IpcReply = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: ErrorBody };

export interface IpcBridgeOptions {
  readonly ipcMain: IpcMainLike;
  readonly api: NodeApi;
  readonly isTrustedSender: (frameUrl: string | undefined) => boolean;
  readonly log?: (line: Record<string, unknown>) => void;
}

/** Handles one call (exported for tests): sender check, schema check, dispatch. */
export async function handleCall(opts: IpcBridgeOptions, method: MethodName, event: IpcMainInvokeEventLike, args: unknown[], scope?: ConnectionScope): Promise<IpcReply> {
  try {
    if (!opts.isTrustedSender(event.senderFrame?.url)) {
      opts.log?.({ event: 'ipc_refused', method, reason: 'untrusted sender frame' });
      throw new ApiError('api.untrusted_sender', 'this frame may not call the node');
    }
    if (args.length > 1) throw new ApiError('api.invalid_params', `${method} takes one parameter object`);
    const params = args[0] ?? {};
    validate(METHOD_SCHEMAS[method], params);
    const result = (await dispatch(opts.api, method, params as never)) ?? null;
    scope?.record(method, params);
    return { ok: true, result };
  } catch (e) {
    return { ok: false, error: toErrorBody(e) };
  }
}

/** Registers every method channel and the event subscription; returns an uninstall function. */
export function installIpcBridge(opts: IpcBridgeOptions): () => void {
  // Scoped calls (e.g. message handler registrations) live as long as the window that made them.
  const scopes = new Map<number, ConnectionScope>();
  const scopeOf = (contents: WebContentsLike): ConnectionScope => {
    let scope = scopes.get(contents.id);
    if (!scope) {
      const created = new ConnectionScope();
      scopes.set(contents.id, created);
      contents.once('destroyed', () => {
        scopes.delete(contents.id);
        void created.releaseAll(opts.api);
      });
      scope = created;
    }
    return scope;
  };
  for (const method of METHOD_NAMES) {
    opts.ipcMain.handle(channelFor(method), (event, ...args) => handleCall(opts, method, event, args, scopeOf(event.sender)));
  }
  const subscribers = new Map<number, { contents: WebContentsLike; unsubscribe: () => void }>();
  opts.ipcMain.on(IPC_SUBSCRIBE, (event) => {
    if (!opts.isTrustedSender(event.senderFrame?.url)) return;
    const contents = event.sender;
    if (subscribers.has(contents.id)) return;
    const unsubscribe = opts.api.subscribe((e: NodeEvent) => {
      if (!contents.isDestroyed()) contents.send(IPC_EVENT, e);
    });
    subscribers.set(contents.id, { contents, unsubscribe });
    contents.once('destroyed', () => {
      subscribers.get(contents.id)?.unsubscribe();
      subscribers.delete(contents.id);
    });
  });
  return () => {
    for (const method of METHOD_NAMES) opts.ipcMain.removeHandler(channelFor(method));
    for (const s of subscribers.values()) s.unsubscribe();
    subscribers.clear();
  };
}
