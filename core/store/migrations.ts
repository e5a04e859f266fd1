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
  {
    version: 3,
    name: 'channels: state snapshots, updates log, HTLCs, revealed secrets',
    sql: `
      CREATE TABLE channels (
        channel_id    TEXT PRIMARY KEY,          -- BOLT 2 channel_id, hex
        peer_id       TEXT NOT NULL,             -- the peer's node id, hex
        key_index     INTEGER NOT NULL UNIQUE,   -- channel keys derived from the node key with this index
        funder        TEXT NOT NULL,             -- local | remote
        capacity_sat  INTEGER NOT NULL,
        status        TEXT NOT NULL,             -- normal | failed
        local_ctn     INTEGER NOT NULL,          -- newest commitment of ours the peer signed
        remote_ctn    INTEGER NOT NULL,          -- newest commitment of the peer's we signed
        state         TEXT NOT NULL,             -- core/channel state codec JSON, without remoteSecrets (see channel_shachain)
        last_sent     TEXT NOT NULL,             -- none | commitment_signed | revoke_and_ack: which went out last
        data_loss     TEXT,                      -- JSON, when channel_reestablish showed a side lost state
        revision      INTEGER NOT NULL,          -- increases with every write
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
      );
      CREATE INDEX channels_by_peer ON channels (peer_id);
      -- Our update_* messages the peer has not acknowledged: retransmitted with the commitment_signed that covers them.
      CREATE TABLE channel_updates (
        channel_id    TEXT NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
        seq           INTEGER NOT NULL,          -- the change's seq in the state
        message       TEXT NOT NULL,             -- BOLT 1 message, hex
        PRIMARY KEY (channel_id, seq)
      );
      -- HTLCs of the newest local and remote commitments (derived from the state at every write, for queries).
      CREATE TABLE channel_htlcs (
        channel_id    TEXT NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
        offerer       TEXT NOT NULL,             -- local | remote
        htlc_id       TEXT NOT NULL,             -- decimal
        amount_msat   TEXT NOT NULL,             -- decimal
        payment_hash  TEXT NOT NULL,             -- hex
        cltv_expiry   INTEGER NOT NULL,
        in_local      INTEGER NOT NULL,          -- 1: in our newest commitment
        in_remote     INTEGER NOT NULL,          -- 1: in the peer's newest commitment we signed
        PRIMARY KEY (channel_id, offerer, htlc_id)
      );
      CREATE INDEX channel_htlcs_by_hash ON channel_htlcs (payment_hash);
      -- The peer's revealed per-commitment secrets, BOLT 3 compact storage (at most 49 buckets).
      CREATE TABLE channel_shachain (
        channel_id    TEXT NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
        bucket        INTEGER NOT NULL,
        secret_index  INTEGER NOT NULL,
        secret        TEXT NOT NULL,             -- hex
        PRIMARY KEY (channel_id, bucket)
      );
    `,
  },
  {
    version: 4,
    name: 'offers: our offers, published paths, invoice requests, invoices',
    sql: `
      CREATE TABLE offers (
        offer_id        TEXT PRIMARY KEY,        -- Merkle root of the offer's TLV records, hex
        bolt12          TEXT NOT NULL,           -- the lno string
        status          TEXT NOT NULL,           -- active | disabled
        description     TEXT,
        amount_msat     TEXT,                    -- decimal; NULL: any amount
        issuer          TEXT,
        quantity_max    TEXT,                    -- decimal; NULL: one item
        absolute_expiry INTEGER,                 -- seconds since the epoch
        issuer_id       TEXT,                    -- our node id when the offer names it
        created_at      INTEGER NOT NULL,
        disabled_at     INTEGER
      );
      -- Blinded message paths to us published in our offers and refunds (public data only).
      CREATE TABLE offer_paths (
        path_id         TEXT PRIMARY KEY,        -- our path_id in the final hop, hex
        owner_id        TEXT NOT NULL,           -- offer_id or refund id
        owner_kind      TEXT NOT NULL,           -- offer | refund
        path_index      INTEGER NOT NULL,
        introduction_node_id TEXT NOT NULL,
        final_path_key  TEXT NOT NULL,           -- E of our final hop
        final_blinded_node_id TEXT NOT NULL      -- B of our final hop
      );
      CREATE INDEX offer_paths_by_owner ON offer_paths (owner_id, path_index);
      CREATE TABLE invoice_requests (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id      TEXT NOT NULL,           -- Merkle root of the non-signature records, hex
        role            TEXT NOT NULL,           -- received | sent | refund
        offer_id        TEXT,                    -- the offer answered (ours or theirs); a refund's own id
        bolt12          TEXT NOT NULL,           -- the lnr string
        status          TEXT NOT NULL,
        amount_msat     TEXT,
        quantity        TEXT,
        payer_note      TEXT,
        payer_id        TEXT,
        description     TEXT,
        issuer          TEXT,
        invoice_id      TEXT,
        error_code      TEXT,
        error_message   TEXT,
        erroneous_field TEXT,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
      );
      CREATE INDEX invoice_requests_by_offer ON invoice_requests (offer_id, id);
      CREATE INDEX invoice_requests_by_request ON invoice_requests (request_id);
      CREATE TABLE invoices (
        invoice_id      TEXT PRIMARY KEY,        -- Merkle root of the non-signature records, hex
        role            TEXT NOT NULL,           -- issued | received
        offer_id        TEXT,
        request_id      TEXT,
        bolt12          TEXT NOT NULL,           -- the lni string
        payment_hash    TEXT NOT NULL,
        preimage_nonce  TEXT,                    -- issued: the preimage is derived from the node seed and this nonce
        amount_msat     TEXT NOT NULL,
        created_at      INTEGER NOT NULL,        -- invoice_created_at, seconds
        expires_at      INTEGER NOT NULL,        -- seconds
        node_id         TEXT NOT NULL,
        description     TEXT,
        quantity        TEXT,
        payer_note      TEXT,
        stored_at       INTEGER NOT NULL
      );
      CREATE INDEX invoices_by_offer ON invoices (offer_id, stored_at);
      CREATE INDEX invoices_by_payment_hash ON invoices (payment_hash);
    `,
  },
  {
    version: 5,
    name: 'peer labels',
    sql: `
      -- A name the user gives a peer (we have no gossip, so no node_announcement alias to show).
      ALTER TABLE peers ADD COLUMN label TEXT;
    `,
  },
  {
    version: 6,
    name: 'offers: indexes for pruning what strangers can make us store',
    sql: `
      CREATE INDEX invoice_requests_by_invoice ON invoice_requests (invoice_id);
      CREATE INDEX invoices_by_offer_expiry ON invoices (offer_id, role, expires_at);
    `,
  },
  {
    version: 7,
    name: 'gossip: the BOLT 7 channel graph',
    sql: `
      -- Public channels as received: the messages are kept whole (they are relayed and re-verified as bytes).
      CREATE TABLE gossip_channels (
        scid          INTEGER PRIMARY KEY,       -- short_channel_id, the u64 stored as a signed 64-bit integer
        node_id_1     TEXT NOT NULL,             -- hex, beside the announcement so loading needs no point checks
        node_id_2     TEXT NOT NULL,
        announcement  BLOB NOT NULL,             -- channel_announcement, type included
        capacity_sat  INTEGER,                   -- the funding output's value; NULL when not looked up
        received_at   INTEGER NOT NULL,          -- unix ms we accepted it
        spent_height  INTEGER,                   -- block height the funding output was spent at
        update_1      BLOB,                      -- latest channel_update from node_id_1 (direction 0)
        update_2      BLOB                       -- latest channel_update from node_id_2 (direction 1)
      );
      CREATE TABLE gossip_nodes (
        node_id       TEXT PRIMARY KEY,          -- hex
        announcement  BLOB NOT NULL              -- latest node_announcement, type included
      );
      -- BOLT 7: nodes whose funding keys announced one output for different node ids.
      CREATE TABLE gossip_blacklist (
        node_id       TEXT PRIMARY KEY,
        added_at      INTEGER NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: 'channel monitors: update logs and on-chain snapshots',
    sql: `
      -- What each channel told its monitor (core/monitor/updates.ts binary encoding), append-only:
      -- written before the commitment_signed / revoke_and_ack that depends on it leaves.
      CREATE TABLE monitor_updates (
        channel_id   TEXT NOT NULL,             -- BOLT 2 channel_id, hex
        seq          INTEGER NOT NULL,          -- 0, 1, 2, ... per channel
        kind         TEXT NOT NULL,             -- open, local_commitment, remote_commitment, remote_secret, preimage, ...
        data         BLOB NOT NULL,
        PRIMARY KEY (channel_id, seq)
      );
      -- The monitor's own facts (core/monitor/snapshot.ts JSON): confirmed spends, claims, learned preimages.
      CREATE TABLE monitors (
        channel_id   TEXT PRIMARY KEY,
        snapshot     TEXT NOT NULL,
        state        TEXT NOT NULL DEFAULT 'open', -- open | force_closing | closing | closed (for listings)
        updated_at   INTEGER NOT NULL
      );
    `,
  },
  {
    version: 9,
    name: 'wallet: keychains and transactions (the UTXO set is derived from them)',
    sql: `
      CREATE TABLE wallet_meta (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        account_id   TEXT NOT NULL,             -- network:HASH160(BIP84 account public key), hex: refuses other keys
        best_height  INTEGER,                   -- the best block the wallet was told about
        best_hash    TEXT                       -- display-order hex
      );
      CREATE TABLE wallet_keychains (
        chain        TEXT PRIMARY KEY,          -- receive | change (BIP 44 change level 0 | 1)
        next_index   INTEGER NOT NULL,          -- next address to hand out
        used_index   INTEGER NOT NULL           -- highest index paid on chain, -1 for none
      );
      -- Every transaction that pays or spends the wallet, and our own sends. What is spent, locked or
      -- unspent is derived from these rows: writing a send's row is what marks its coins spent.
      CREATE TABLE wallet_txs (
        txid         TEXT PRIMARY KEY,          -- display-order hex
        raw          TEXT NOT NULL,             -- the signed transaction, hex
        label        TEXT NOT NULL,             -- deposit | withdraw | funding | sweep | cpfp | bump
        ours         INTEGER NOT NULL,          -- 1: built and signed by this wallet
        state        TEXT NOT NULL,             -- prepared | unconfirmed | confirmed | replaced | conflicted | abandoned
        block_height INTEGER,
        block_hash   TEXT,
        replaced_by  TEXT,                      -- the txid that replaced or conflicted it
        fee_sat      INTEGER,                   -- inputs - outputs when known
        created_at   INTEGER NOT NULL,          -- unix ms, built or first seen
        meta         TEXT                       -- JSON: sendAll, fundingOutput, replaces, parent, foreignInputs
      );
      CREATE INDEX wallet_txs_by_state ON wallet_txs (state);
    `,
  },
  {
    version: 10,
    name: 'chain: recent headers, watches, matched transactions, our own transactions',
    sql: `
      -- The best chain's recent headers (core/chain keeps maxReorgDepth + 1 of them).
      CREATE TABLE chain_headers (
        height        INTEGER PRIMARY KEY,
        hash          TEXT NOT NULL,             -- display hex
        prev_hash     TEXT NOT NULL,
        time          INTEGER NOT NULL           -- header timestamp, unix seconds
      );
      CREATE TABLE chain_watches (
        id            TEXT PRIMARY KEY,          -- tx:<txid>:<depth> | outpoint:<txid>:<vout> | script:<hex>
        kind          TEXT NOT NULL,             -- transaction | outpoint | script
        txid          TEXT,
        vout          INTEGER,
        script        TEXT,
        depth         INTEGER,
        height_hint   INTEGER NOT NULL,
        owners        TEXT NOT NULL              -- JSON list of owner names
      );
      -- Transactions that matched a watch, and where each is (height and block_hash NULL: mempool).
      CREATE TABLE chain_txs (
        txid          TEXT PRIMARY KEY,
        raw           TEXT NOT NULL,             -- serialized, hex
        height        INTEGER,
        block_hash    TEXT,
        seq           INTEGER NOT NULL           -- order of arrival
      );
      CREATE INDEX chain_txs_by_block ON chain_txs (block_hash);
      CREATE TABLE chain_meta (
        key           TEXT PRIMARY KEY,          -- 'rescan'
        value         TEXT NOT NULL              -- JSON
      );
      -- Our own transactions, rebroadcast until settled.
      CREATE TABLE chain_own_txs (
        txid            TEXT PRIMARY KEY,
        raw             TEXT NOT NULL,
        added_at        INTEGER NOT NULL,
        last_attempt_at INTEGER,
        attempts        INTEGER NOT NULL,
        last_outcome    TEXT                     -- JSON BroadcastOutcome
      );
    `,
  },
  {
    version: 11,
    name: 'payments: outbound payments and their parts, BOLT 11 invoices we issued, payments received, forwards',
    sql: `
      -- Our payments (core/payments OutboundPayments). Amounts are decimal msat, times unix ms.
      CREATE TABLE payments (
        payment_id      TEXT PRIMARY KEY,        -- the caller's idempotency key
        kind            TEXT NOT NULL,           -- bolt11 | bolt12
        payment_hash    TEXT NOT NULL,           -- hex
        destination     TEXT,                    -- payee node id (BOLT 11); NULL behind blinded paths
        amount_msat     TEXT NOT NULL,           -- total_msat: what the recipient gets
        max_fee_msat    TEXT NOT NULL,
        max_cltv_delta  INTEGER NOT NULL,
        request         TEXT NOT NULL,           -- the invoice string (lnbc.../lni...)
        description     TEXT,
        status          TEXT NOT NULL,           -- pending | succeeded | failed
        created_at      INTEGER NOT NULL,
        deadline        INTEGER NOT NULL,
        completed_at    INTEGER,
        preimage        TEXT,                    -- hex, once succeeded (proof of payment)
        fee_msat        TEXT,
        failure         TEXT,                    -- JSON {code, message}
        attempts        INTEGER NOT NULL
      );
      CREATE INDEX payments_by_hash ON payments (payment_hash);
      CREATE INDEX payments_by_status ON payments (status);
      -- One HTLC (over one route) of a payment.
      CREATE TABLE payment_parts (
        payment_id      TEXT NOT NULL REFERENCES payments (payment_id),
        part_id         INTEGER NOT NULL,
        status          TEXT NOT NULL,           -- adding | inflight | failing | succeeded | failed
        channel_id      TEXT NOT NULL,
        htlc_id         TEXT,                    -- decimal
        amount_msat     TEXT NOT NULL,           -- delivered to the recipient
        sent_msat       TEXT NOT NULL,           -- first HTLC
        fee_msat        TEXT NOT NULL,
        cltv_expiry     INTEGER NOT NULL,
        hops            TEXT NOT NULL,           -- JSON route
        blinded         TEXT,                    -- JSON {pathIndex, feeMsat, blindedHops}
        onion_node_ids  TEXT NOT NULL,           -- JSON list of hex keys
        session_key     TEXT,                    -- hex, secret; cleared once the part is final
        fail_reason     TEXT,                    -- hex update_fail_htlc reason
        fail_malformed  INTEGER,                 -- update_fail_malformed_htlc failure_code
        failure         TEXT,                    -- JSON PartFailure
        created_at      INTEGER NOT NULL,
        resolved_at     INTEGER,
        PRIMARY KEY (payment_id, part_id)
      );
      -- BOLT 11 invoices we issued (BOLT 12 invoices are the offers layer's).
      CREATE TABLE bolt11_invoices (
        payment_hash    TEXT PRIMARY KEY,
        preimage        TEXT NOT NULL,           -- hex, secret until paid
        payment_secret  TEXT NOT NULL,           -- hex, secret
        bolt11          TEXT NOT NULL,
        amount_msat     TEXT,                    -- NULL: any amount
        description     TEXT,
        description_hash TEXT,
        created_at      INTEGER NOT NULL,        -- unix seconds
        expires_at      INTEGER NOT NULL,        -- unix seconds
        min_final_cltv_delta INTEGER NOT NULL,
        status          TEXT NOT NULL,           -- unpaid | paid
        paid_msat       TEXT,
        paid_at         INTEGER
      );
      -- Payments we claimed (written before the first update_fulfill_htlc leaves).
      CREATE TABLE received_payments (
        payment_hash    TEXT PRIMARY KEY,
        kind            TEXT NOT NULL,           -- bolt11 | bolt12
        amount_msat     TEXT NOT NULL,
        invoice_amount_msat TEXT,
        offer_id        TEXT,
        preimage        TEXT NOT NULL,           -- hex
        htlcs           TEXT NOT NULL,           -- JSON [{channelId, htlcId, amountMsat}]
        claimed_at      INTEGER NOT NULL
      );
      -- HTLCs we forwarded (or refused to): the forwarding history with fees earned.
      CREATE TABLE forwards (
        forward_id      TEXT PRIMARY KEY,        -- <in channel id>:<in htlc id>
        in_channel_id   TEXT NOT NULL,
        in_htlc_id      TEXT NOT NULL,
        in_amount_msat  TEXT NOT NULL,
        in_cltv_expiry  INTEGER NOT NULL,
        payment_hash    TEXT NOT NULL,
        out_channel_id  TEXT,
        out_htlc_id     TEXT,
        out_amount_msat TEXT NOT NULL,
        out_cltv_expiry INTEGER NOT NULL,
        out_onion       TEXT,                    -- hex, until offered
        out_path_key    TEXT,
        status          TEXT NOT NULL,           -- held | offered | failing | fulfilled | failed | refused
        fee_msat        TEXT NOT NULL,
        blinded         TEXT NOT NULL,           -- none | introduction | inside
        shared_secret   TEXT,                    -- hex, secret; cleared once final
        onion_hash      TEXT NOT NULL,
        preimage        TEXT,
        fail_reason     TEXT,
        fail_malformed  INTEGER,
        failure         TEXT,                    -- the BOLT 4 failure returned upstream, or downstream
        upstream        TEXT,                    -- JSON: the upstream removal as sent
        hold            TEXT,                    -- JSON {key, deadlineHeight}
        received_at     INTEGER NOT NULL,
        resolved_at     INTEGER
      );
      CREATE INDEX forwards_by_status ON forwards (status);
    `,
  },
  {
    version: 12,
    name: 'peers: why reconnection stopped by itself',
    sql: `
      -- Set when a saved peer that never answered is no longer retried (core/peer/reconnect.ts);
      -- cleared when the user connects to it again or turns reconnection on or off.
      ALTER TABLE peers ADD COLUMN gave_up_reason TEXT;
      ALTER TABLE peers ADD COLUMN gave_up_at INTEGER;
    `,
  },
  {
    version: 13,
    name: 'async payments: the static invoices a static invoice server keeps per recipient and slot; an async recipient\'s offers per slot',
    sql: `
      -- core/payments/async StaticInvoiceServer (L2). Times: created_at/expires_at unix s, stored_at unix ms.
      CREATE TABLE static_invoices (
        recipient       TEXT NOT NULL,           -- hex node id of the often-offline client
        slot            INTEGER NOT NULL,        -- LDK invoice_slot (u16)
        invoice         TEXT NOT NULL,           -- hex static invoice TLV stream
        offer_id        TEXT NOT NULL,           -- hex merkle root of its offer records
        forward_path    TEXT NOT NULL,           -- hex blinded_path: invoice_requests go to the recipient over it
        created_at      INTEGER NOT NULL,
        expires_at      INTEGER NOT NULL,
        stored_at       INTEGER NOT NULL,
        PRIMARY KEY (recipient, slot)
      );
      CREATE INDEX static_invoices_by_expiry ON static_invoices (expires_at);
      -- core/payments/async AsyncRecipient (R): its offers at its static invoice server, one per slot.
      CREATE TABLE async_offers (
        slot            INTEGER PRIMARY KEY,
        status          TEXT NOT NULL,           -- requested | serving | ready
        offer           TEXT,                    -- bech32 offer, once built
        offer_id        TEXT,
        offer_paths_expires_at INTEGER,          -- unix s
        invoice_created_at INTEGER,              -- unix s
        invoice_expires_at INTEGER,              -- unix s
        update_path     TEXT,                    -- hex blinded_path: the server's path for fresh invoices
        updated_at      INTEGER NOT NULL         -- unix ms
      );
    `,
  },
  {
    version: 14,
    name: 'channel openings (BOLT 2 establishment records, from funding_signed on)',
    sql: `
      -- One row per channel being opened, from funding_signed on (before it nothing is kept: BOLT 2
      -- "SHOULD NOT remember the channel" before funding_signed). Kept after channel_ready (handed_off)
      -- while the opening follows the funding transaction's confirmations for the real short_channel_id.
      CREATE TABLE channel_openings (
        peer_id              TEXT NOT NULL,          -- the peer's node id, hex
        temporary_channel_id TEXT NOT NULL,          -- hex
        channel_id           TEXT NOT NULL UNIQUE,   -- BOLT 2 channel_id, hex
        key_index            INTEGER NOT NULL,       -- the channel keys (counted when reserving the next index)
        role                 TEXT NOT NULL,          -- funder | fundee
        record               TEXT NOT NULL,          -- core/channel/establish OpeningRecord as JSON
        handed_off           INTEGER NOT NULL,       -- 1: both channel_ready exchanged, the channel row exists
        revision             INTEGER NOT NULL,
        updated_at           INTEGER NOT NULL,       -- unix ms
        PRIMARY KEY (peer_id, temporary_channel_id)
      );
    `,
  },
  {
    version: 15,
    name: 'the funding txid of graph channels (their spend is watched)',
    sql: `
      -- hex, as block explorers show it; NULL when the funding check did not give it (rows from
      -- before this migration, or a node without a chain).
      ALTER TABLE gossip_channels ADD COLUMN funding_txid TEXT;
    `,
  },
  {
    version: 16,
    name: 'async payments: releases an HTLC holder (L1) accepted but could not forward yet',
    sql: `
      -- core/node/async.ts: a release_held_htlc for a held HTLC whose next channel was not active yet; asked again every
      -- tick until forwarded or no longer held, and after a restart (the recipient sends its release only once).
      CREATE TABLE async_releases (
        hold_key        TEXT PRIMARY KEY,        -- HtlcSwitch hold key '<hold id>:<release expiry>'
        requested_at    INTEGER NOT NULL         -- unix ms
      );
    `,
  },
  {
    version: 17,
    name: 'async payments: the payer\'s payments to static invoices (P), kept from the preimage on',
    sql: `
      -- core/payments/async AsyncPayer (P): one row per payment to a static invoice, written before the HTLC with
      -- hold_htlc (lsp mode) or the held_htlc_available that promises it (self mode) leaves P, so a payment waiting for
      -- its release is listed and survives a restart. Times unix ms.
      CREATE TABLE async_payer_payments (
        payment_id       TEXT PRIMARY KEY,
        mode             TEXT NOT NULL,           -- lsp | self
        status           TEXT NOT NULL,           -- awaiting_release_paths | awaiting_release | htlc_sent | failed
        offer            TEXT NOT NULL,           -- bech32 offer
        offer_id         TEXT NOT NULL,
        amount_msat      TEXT NOT NULL,           -- decimal
        invoice_request  TEXT NOT NULL,           -- hex TLV stream
        static_invoice   TEXT NOT NULL,           -- hex TLV stream
        preimage         TEXT NOT NULL,           -- hex, ours (picked by P)
        hold_id          TEXT NOT NULL,
        payment_hash     TEXT NOT NULL,
        release_deadline INTEGER NOT NULL,
        failure          TEXT,
        created_at       INTEGER NOT NULL
      );
    `,
  },
  {
    version: 18,
    name: 'async payments: the payer keeps L1\'s release paths and whether held_htlc_available went out',
    sql: `
      -- core/payments/async AsyncPayer (P, lsp mode): L1's release paths from its revoke_and_ack are kept before
      -- held_htlc_available relies on them, and announced_at says it went out: a restart in between announces again.
      ALTER TABLE async_payer_payments ADD COLUMN release_paths TEXT NOT NULL DEFAULT '';  -- hex blinded paths, comma-separated
      ALTER TABLE async_payer_payments ADD COLUMN announced_at INTEGER;                    -- unix ms; null: not announced yet
    `,
  },
  {
    version: 19,
    name: 'gossip: where the spend checks\' rotation stopped, kept across restarts',
    sql: `
      -- core/gossip/spend-check.ts (filtered mode, Esplora): the rotation over graph channels' funding outputs goes on
      -- after a restart from the last short_channel_id it handed out, instead of from the lowest (a node restarted
      -- more often than a pass takes would never reach the tail of a big graph). key 'spend_check_cursor': the scid
      -- as a signed 64-bit integer (as gossip_channels.scid); no row: a pass starts from the lowest.
      CREATE TABLE gossip_meta (
        key   TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      );
    `,
  },
  {
    version: 20,
    name: 'channel monitors: checkpoints, and the HTLCs of the peer\'s commitments by number',
    sql: `
      -- A monitor's folded state as a short update log (core/monitor ChannelData.compact(), each update
      -- length-prefixed), covering monitor_updates up to seq: a restart reads it and the updates after it,
      -- not the whole history of the channel.
      CREATE TABLE monitor_checkpoints (
        channel_id   TEXT PRIMARY KEY,
        seq          INTEGER NOT NULL,          -- the last monitor_updates seq folded in
        data         BLOB NOT NULL
      );
      -- Every remote_commitment update that had HTLCs (its core/monitor/updates.ts encoding), by commitment
      -- number: read only when that commitment appears on chain revoked (BOLT 5: its HTLC outputs' scripts).
      CREATE TABLE monitor_remote_htlcs (
        channel_id   TEXT NOT NULL,
        ctn          INTEGER NOT NULL,
        data         BLOB NOT NULL,
        PRIMARY KEY (channel_id, ctn)
      );
    `,
  },
  {
    version: 21,
    name: 'start-up without history: wallet scripts stored, closed monitors summarised, checkpointed log rows pruned',
    sql: `
      -- Every P2WPKH script the wallet derived (core/wallet/keys.ts), by chain and index, so a start reads
      -- them instead of deriving each again; per chain the count and a running SHA-256 over the scripts in
      -- index order (digest = sha256(digest || script), from 32 zero bytes), so a changed row is noticed.
      CREATE TABLE wallet_scripts (
        chain        TEXT NOT NULL,             -- receive | change
        idx          INTEGER NOT NULL,
        script       BLOB NOT NULL,
        PRIMARY KEY (chain, idx)
      ) WITHOUT ROWID;
      CREATE TABLE wallet_script_chains (
        chain        TEXT PRIMARY KEY,
        count        INTEGER NOT NULL,
        digest       BLOB NOT NULL
      );
      -- A closed monitor with every output irrevocably resolved (core/monitor/retired.ts): its final view,
      -- JSON. A start serves it as the channel's on-chain view and restores no ChannelMonitor for it.
      ALTER TABLE monitors ADD COLUMN retired TEXT;
      -- Log rows a checkpoint covers are read by nothing: only the last one stays (it carries the seq).
      DELETE FROM monitor_updates WHERE seq < (SELECT c.seq FROM monitor_checkpoints c WHERE c.channel_id = monitor_updates.channel_id);
    `,
  },
  {
    version: 22,
    name: 'async payments: what the recipient\'s served static invoice asks, and the request or serve it waits an answer to',
    sql: `
      -- core/payments/async AsyncRecipient (R), per slot. served_pay_info: JSON {feeBaseMsat, feeProportionalMillionths,
      -- cltvExpiryDelta}, the blinded_payinfo of the invoice L2 confirmed keeping (null: not known) — a restarted R
      -- compares it with its LSP's policy and serves again an invoice built with stand-in values. awaiting: JSON {kind
      -- (paths | invoice), since (unix ms), attempts, payInfo}, the offer_paths_request or serve_static_invoice not
      -- answered yet, sent again with backoff (null: none).
      ALTER TABLE async_offers ADD COLUMN served_pay_info TEXT;
      ALTER TABLE async_offers ADD COLUMN awaiting TEXT;
    `,
  },
  {
    version: 23,
    name: 'route memory: what the payer learned of channels and nodes, kept across restarts',
    sql: `
      -- core/routing FailureMemory.snapshot() as JSON (liquidity bounds, outages, exclusions, failure policies;
      -- times in unix ms), saved by core/runtime/payments at most every 10 s when it changed and at close. One row.
      CREATE TABLE route_memory (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        snapshot TEXT NOT NULL,
        saved_at INTEGER NOT NULL
      );
    `,
  },
];
