/**
 * One SQLite file per node (better-sqlite3, WAL), opened with migrations applied.
 * Repositories (one per aggregate) take a Database and own their SQL.
 */
import BetterSqlite3 from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations';
import { StoreError } from './errors';

export type Database = SqliteDatabase;

export const DATABASE_FILE = 'glasswing.sqlite';

export interface OpenDatabaseOptions {
  readonly migrations?: readonly Migration[];
}

/** Opens (creating if needed) the database at `path` and runs pending migrations. */
export function openDatabase(path: string, opts: OpenDatabaseOptions = {}): Database {
  // Electron runs with its own ABI: the host points this at a better-sqlite3 build for it.
  const nativeBinding = process.env.GLASSWING_SQLITE_BINDING;
  const db = new BetterSqlite3(path, nativeBinding ? { nativeBinding } : {});
  try {
    db.pragma('journal_mode = WAL');
    // FULL: a committed transaction survives power loss; channel state depends on it.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, opts.migrations ?? MIGRATIONS);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * How a transaction's commit reaches the disk. `durable`: the connection's synchronous = FULL —
 * when the commit returns it survives a crash or power loss. `relaxed`: this commit only runs at
 * synchronous = NORMAL — in WAL mode still atomic and consistent (a crash loses it whole, never
 * half), written without waiting for the disk, and durable with the next durable commit (which
 * syncs the whole WAL before it) or checkpoint. For rows whose loss costs nothing but history: the
 * traffic log, an invoice we issued whose payment path carries everything needed to claim it.
 */
export type Durability = 'durable' | 'relaxed';

/** Runs `fn` in one transaction committed with `durability` (inside an open transaction: part of it). */
export function runTransaction<T>(db: Database, fn: () => T, durability: Durability = 'durable'): T {
  if (durability === 'durable' || db.inTransaction) return db.transaction(fn)();
  db.pragma('synchronous = NORMAL');
  try {
    return db.transaction(fn)();
  } finally {
    db.pragma('synchronous = FULL');
  }
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Database, migrations: readonly Migration[]): void {
  const current = schemaVersion(db);
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  if (current > latest) {
    throw new StoreError('store.too_new', `database schema version ${current} is newer than this Glasswing (${latest})`);
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
