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
  {
    version: 2,
    name: 'onion messenger: mailbox and traffic log',
    sql: `
      CREATE TABLE mailbox_allow (
        node_id      TEXT PRIMARY KEY,          -- peer we store onion messages for while it is offline
        added_at     INTEGER NOT NULL
      );
      CREATE TABLE mailbox_messages (
        id           INTEGER PRIMARY KEY AUTOINCREMENT, -- delivery order
        message_id   TEXT NOT NULL UNIQUE,      -- the messenger's id (events, traffic log)
        node_id      TEXT NOT NULL,             -- the offline next hop
        from_node    TEXT,                      -- the peer that handed it to us
        path_key     TEXT NOT NULL,             -- onion_message path_key, hex
        packet       TEXT NOT NULL,             -- onion_message_packet, hex
        size         INTEGER NOT NULL,          -- onion_message bytes on the wire
        stored_at    INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL
      );
      CREATE INDEX mailbox_messages_by_node ON mailbox_messages (node_id, id);
      CREATE INDEX mailbox_messages_by_expiry ON mailbox_messages (expires_at);
      CREATE TABLE message_log (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        time         INTEGER NOT NULL,
        message_id   TEXT,
        outcome      TEXT NOT NULL,             -- received, delivered, forwarded, sent, replied, dropped, mailbox_*
        peer         TEXT,                      -- the sender or next hop involved
        tlv_types    TEXT NOT NULL DEFAULT ',', -- ",64,66," for filtering by type
        size         INTEGER NOT NULL DEFAULT 0,
        event        TEXT NOT NULL              -- the event as JSON
      );
      CREATE INDEX message_log_by_peer ON message_log (peer, id);
    `,
  },
];
