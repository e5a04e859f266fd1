/**
 * The layer order of core/, the one table lint reads (eslint/layer-order.js) — docs/ARCHITECTURE.md
 * draws it. Bottom to top; a folder may import only from folders below it, its own files, and the
 * shared files core/errors.ts and core/token-bucket.ts. Folders on the same level do not know each
 * other unless `SIBLINGS` says so. A folder of core/ that is not in this table fails lint: a new
 * layer is placed here first.
 */

/** Level by level, bottom first. Folders listed before they exist keep the plan in one place. */
export const LAYERS = [
  { level: 1, folders: ['crypto'], role: 'the one importer of @noble/*: a backend seam' },
  { level: 2, folders: ['wire', 'bitcoin'], role: 'codecs: BOLT messages, TLV, features; transactions and scripts' },
  { level: 3, folders: ['transport', 'onion'], role: 'BOLT 8; BOLT 4 Sphinx, route blinding, onion errors' },
  { level: 4, folders: ['invoices', 'offers', 'channel', 'chain'], role: 'BOLT 11; BOLT 12 and the offers manager; BOLT 2/3 channels; the chain tracker' },
  { level: 5, folders: ['wallet', 'monitor', 'gossip', 'routing'], role: 'on-chain wallet; channel monitors; BOLT 7 graph; pathfinding' },
  { level: 6, folders: ['payments', 'messenger', 'peer'], role: 'sans-I/O cores: payments, the onion messenger, BOLT 1 sessions' },
  { level: 7, folders: ['simulator'], role: 'the channel lab, a tool built on the channel core' },
  { level: 8, folders: ['store'], role: 'SQLite: repositories implementing the ports the domains declare' },
  { level: 9, folders: ['runtime'], role: 'adapters that own sockets, timers and clients, on ports; the one clock' },
  { level: 10, folders: ['node'], role: 'the composition root: wires repositories and adapters, the clock, the event bus' },
  { level: 11, folders: ['api'], role: 'the NodeApi contract: methods, schema, protocol, socket client, createNodeApi' },
];

/** Files directly in core/ that every layer may import. */
export const SHARED_FILES = ['errors.ts', 'token-bucket.ts'];

/** Same-level imports that are allowed: [importer, imported]. */
export const SIBLINGS = [
  ['bitcoin', 'wire'], // transactions are read and written with core/wire's ByteReader/ByteWriter
  ['routing', 'gossip'], // pathfinding runs over the gossip graph
];

/** The only part of core/ the renderer may import (its bundle runs in the browser), and what of it is node-only. */
export const RENDERER_MAY_IMPORT = 'core/api/';
export const NODE_ONLY_API = ['core/api/node-api.ts'];

/** Packages core/ never imports (hosts do). */
export const CORE_FORBIDDEN_PACKAGES = ['electron'];

const byFolder = new Map(LAYERS.flatMap((l) => l.folders.map((f) => [f, l.level])));

/** The level of a core folder, or undefined when the table does not list it. */
export function levelOf(folder) {
  return byFolder.get(folder);
}

/** Whether core/<from> may import core/<to>. */
export function mayImport(from, to) {
  if (from === to) return true;
  const a = levelOf(from);
  const b = levelOf(to);
  if (a === undefined || b === undefined) return false;
  if (b < a) return true;
  return b === a && SIBLINGS.some(([x, y]) => x === from && y === to);
}
