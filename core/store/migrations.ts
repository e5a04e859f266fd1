/**
 * Versioned schema migrations, applied in order at start-up inside one transaction each.
 * Append new migrations at the end; never edit one that has shipped.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'address book',
    sql: `
      CREATE TABLE peers (
        node_id      TEXT PRIMARY KEY,          -- 33-byte compressed key, hex
        addresses    TEXT NOT NULL DEFAULT '[]', -- JSON list of "host:port"
        last_seen    INTEGER,                   -- unix ms of the last completed init exchange
        reconnect    INTEGER NOT NULL DEFAULT 0,-- 1: reconnect with backoff when the connection drops
        created_at   INTEGER NOT NULL
      );
    `,
  },
];
