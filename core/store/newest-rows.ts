/** The one query behind every "newest N matching rows, newest first" list (histories the API lists newest first). */
import type { Database } from './database';

/** A filter condition: SQL with one `?` and its argument, applied only when the argument is set. */
export type Condition = readonly [sql: string, arg: string | number | undefined];

/**
 * The newest `limit` rows of `table` (by `orderColumn`, which must grow with insertion) that
 * satisfy every condition whose argument is set, newest first (as the NodeApi's list methods promise).
 */
export function newestRows<Row>(db: Database, table: string, conditions: readonly Condition[], limit: number, orderColumn = 'rowid'): Row[] {
  const active = conditions.filter(([, arg]) => arg !== undefined);
  const where = active.length ? `WHERE ${active.map(([sql]) => sql).join(' AND ')}` : '';
  const sql = `SELECT * FROM ${table} ${where} ORDER BY ${orderColumn} DESC LIMIT ?`;
  return db.prepare(sql).all(...active.map(([, arg]) => arg), limit) as Row[];
}
