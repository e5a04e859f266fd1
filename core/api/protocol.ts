/**
 * The frames that carry the NodeApi over a message channel (WebSocket, Electron IPC):
 * requests with an id, responses with the same id, and pushed events.
 */
import type { NodeEvent } from './events';
import { ApiError, validate } from './schema';
import { METHOD_SCHEMAS, isMethodName, type MethodName, type NodeApi, type Params, type Result } from './methods';
import { GlasswingError } from '../errors';

export interface RequestFrame {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type ResponseFrame =
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: ErrorBody };

export interface EventFrame {
  readonly event: NodeEvent;
}

export type ServerFrame = ResponseFrame | EventFrame;

/** Turns any thrown value into an error body safe to send to a client (no stack traces). */
export function toErrorBody(e: unknown): ErrorBody {
  if (e instanceof GlasswingError) return { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
  return { code: 'internal', message: 'internal error' };
}

/** Validates a raw request (method name and params) and returns the typed call. */
export function parseRequest(raw: unknown): { id: number; method: MethodName; params: unknown } {
  if (raw === null || typeof raw !== 'object') throw new ApiError('api.bad_request', 'a request must be a JSON object');
  const { id, method, params } = raw as Partial<RequestFrame>;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new ApiError('api.bad_request', 'request id must be an integer');
  // A non-string is described by its type: String() of a client's object can itself throw.
  if (!isMethodName(method)) {
    throw new ApiError('api.unknown_method', typeof method === 'string' ? `unknown method "${method}"` : `method must be a string, not ${typeOfJson(method)}`);
  }
  const p = params ?? {};
  validate(METHOD_SCHEMAS[method], p);
  return { id, method, params: p };
}

/** What a JSON value is, for error messages that must not call its toString. */
export function typeOfJson(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Dispatches a validated call to an implementation of the NodeApi. */
export async function dispatch<M extends MethodName>(api: NodeApi, method: M, params: Params<M>): Promise<Result<M>> {
  const fn = api[method] as (p: Params<M>) => Promise<Result<M>>;
  return fn.call(api, params);
}

/**
 * Builds a NodeApi from a `call` function and an event source (used by the CLI, the renderer's
 * WebSocket client and the Electron preload).
 */
export function createApiProxy(
  call: (method: MethodName, params: unknown) => Promise<unknown>,
  subscribe: (listener: (e: NodeEvent) => void) => () => void,
): NodeApi {
  const api: Record<string, unknown> = { subscribe };
  for (const name of Object.keys(METHOD_SCHEMAS) as MethodName[]) {
    api[name] = (params: unknown) => call(name, params ?? {});
  }
  return api as NodeApi;
}

/**
 * Calls whose effect lasts only as long as the client connection that made them, with the call
 * that undoes each (e.g. a `listen` CLI that is killed must not leave its handler behind).
 */
export const CONNECTION_SCOPED_CALLS: Partial<Readonly<Record<MethodName, MethodName>>> = {
  registerMessageHandler: 'unregisterMessageHandler',
};

/** Tracks one client connection's scoped calls, and undoes those still held when it ends. */
export class ConnectionScope {
  readonly #held: { release: MethodName; params: unknown; key: string }[] = [];

  /** Record a call that succeeded. */
  record(method: MethodName, params: unknown): void {
    const release = CONNECTION_SCOPED_CALLS[method];
    const key = JSON.stringify(params);
    if (release) {
      this.#held.push({ release, params, key });
      return;
    }
    // An explicit release cancels one matching held call.
    const i = this.#held.findIndex((h) => h.release === method && h.key === key);
    if (i >= 0) this.#held.splice(i, 1);
  }

  get size(): number {
    return this.#held.length;
  }

  /** The connection ended: undo everything it still holds. Errors are ignored. */
  async releaseAll(api: NodeApi): Promise<void> {
    const held = this.#held.splice(0);
    for (const h of held) await dispatch(api, h.release, h.params as never).catch(() => undefined);
  }
}
