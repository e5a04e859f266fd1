/**
 * A NodeApi client over any browser-style WebSocket (the `ws` package in Node, the global
 * WebSocket in the renderer). Requests are matched to responses by id; events are fanned out to
 * subscribers, and the server is asked for events only once somebody subscribes.
 */
import type { NodeEvent } from './events';
import type { MethodName, NodeApi } from './methods';
import { createApiProxy, type ErrorBody } from './protocol';
import { ApiError } from './schema';

/** The subset of the WebSocket interface the client needs. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (e: { code: number; reason: string }) => void): void;
  addEventListener(type: 'open' | 'error', listener: (e: unknown) => void): void;
}

const OPEN = 1;

export interface SocketApiClient {
  readonly api: NodeApi;
  /** Resolves when the socket closes (with the close reason). */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Waits for `socket` to open, then returns a client. Rejects if it closes first. */
export function connectSocketClient(socket: SocketLike): Promise<SocketApiClient> {
  return new Promise((resolve, reject) => {
    let nextId = 1;
    const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
    const listeners = new Set<(e: NodeEvent) => void>();
    let subscribed = false;
    let opened = false;
    let resolveClosed!: (v: { code: number; reason: string }) => void;
    const closed = new Promise<{ code: number; reason: string }>((r) => (resolveClosed = r));

    socket.addEventListener('message', (e) => {
      let frame: { id?: number; result?: unknown; error?: ErrorBody; event?: NodeEvent; events?: NodeEvent[] };
      try {
        frame = JSON.parse(String(e.data));
      } catch {
        return;
      }
      if (frame.event) {
        for (const l of listeners) l(frame.event);
        return;
      }
      // Events of one turn of the daemon's event loop, oldest first (main/daemon/api-server.ts).
      if (Array.isArray(frame.events)) {
        for (const event of frame.events) for (const l of listeners) l(event);
        return;
      }
      if (typeof frame.id !== 'number') return;
      const p = pending.get(frame.id);
      if (!p) return;
      pending.delete(frame.id);
      if (frame.error) p.reject(new ApiError(frame.error.code, frame.error.message, frame.error.details as Record<string, unknown>));
      else p.resolve(frame.result);
    });
    socket.addEventListener('close', (e) => {
      for (const p of pending.values()) p.reject(new ApiError('api.disconnected', `connection to the node closed${e.reason ? `: ${e.reason}` : ''}`));
      pending.clear();
      resolveClosed({ code: e.code, reason: e.reason });
      if (!opened) reject(new ApiError('api.unreachable', `could not connect to the node${e.reason ? `: ${e.reason}` : ''}`));
    });
    socket.addEventListener('error', () => {
      /* a close event follows */
    });

    const call = (method: MethodName, params: unknown): Promise<unknown> =>
      new Promise((res, rej) => {
        if (socket.readyState !== OPEN) return rej(new ApiError('api.disconnected', 'not connected to the node'));
        const id = nextId++;
        pending.set(id, { resolve: res, reject: rej });
        socket.send(JSON.stringify({ id, method, params }));
      });
    const subscribe = (listener: (e: NodeEvent) => void): (() => void) => {
      listeners.add(listener);
      if (!subscribed && socket.readyState === OPEN) {
        subscribed = true;
        socket.send(JSON.stringify({ subscribe: true }));
      }
      return () => listeners.delete(listener);
    };
    const client: SocketApiClient = { api: createApiProxy(call, subscribe), closed, close: () => socket.close(1000, 'bye') };
    const onOpen = () => {
      opened = true;
      resolve(client);
    };
    if (socket.readyState === OPEN) onOpen();
    else socket.addEventListener('open', onOpen);
  });
}
