/**
 * The message types this app listens for. The node counts a listener per API connection and drops
 * it when that connection closes (a reload, a reconnect): the app remembers what the person asked
 * for, per node, and registers it again on every new connection.
 */
import { checkTlvType } from './send-form';

export const LISTENING_KEY_PREFIX = 'glasswing.listening.';

/** The storage key for a node's list (one app may be pointed at different nodes). */
export function listeningKey(nodeId: string): string {
  return `${LISTENING_KEY_PREFIX}${nodeId}`;
}

/** The stored list: valid application types, each once, in numeric order; anything else is ignored. */
export function parseListening(stored: string | null): string[] {
  let value: unknown;
  try {
    value = stored === null ? [] : JSON.parse(stored);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  const types = new Set<string>();
  for (const v of value) {
    if (typeof v !== 'string') continue;
    const c = checkTlvType(v);
    if (c.ok) types.add(c.type);
  }
  return sortTypes([...types]);
}

function sortTypes(types: string[]): string[] {
  return types.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

export function withListening(list: readonly string[], type: string): string[] {
  return list.includes(type) ? [...list] : sortTypes([...list, type]);
}

export function withoutListening(list: readonly string[], type: string): string[] {
  return list.filter((t) => t !== type);
}
