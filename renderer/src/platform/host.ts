/**
 * Where the node is, decided once at start-up and only here:
 * - Electron: the preload exposes `window.glasswing`, an object with exactly the NodeApi
 *   method names and `subscribe` (no transport is visible to the page);
 * - browser mode: the daemon that served this page also serves the API as a WebSocket at
 *   `/api` on the same origin (authorised by the session cookie set at `/login`).
 */
import { METHOD_NAMES, type NodeApi } from '../../../core/api/methods';

export type Host =
  | { readonly kind: 'electron'; readonly api: NodeApi }
  | { readonly kind: 'browser'; readonly origin: string; readonly apiUrl: string };

function isNodeApi(value: unknown): value is NodeApi {
  if (value === null || typeof value !== 'object') return false;
  const api = value as Record<string, unknown>;
  return typeof api.subscribe === 'function' && METHOD_NAMES.every((m) => typeof api[m] === 'function');
}

export function detectHost(): Host {
  const bridge = (window as unknown as { glasswing?: unknown }).glasswing;
  if (isNodeApi(bridge)) return { kind: 'electron', api: bridge };
  const origin = window.location.origin;
  return { kind: 'browser', origin, apiUrl: `${origin.replace(/^http/, 'ws')}/api` };
}

/** Whether the page's own server answers HTTP (the daemon is up, even if it refused our socket). */
export async function originAnswers(origin: string): Promise<boolean> {
  try {
    await fetch(`${origin}/`, { method: 'HEAD', cache: 'no-store', credentials: 'same-origin' });
    return true;
  } catch {
    return false;
  }
}
