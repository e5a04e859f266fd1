/**
 * The options of `glasswing daemon` with their help lines: parsed by options.ts, printed by
 * `glasswing daemon --help`. Kept apart from options.ts so the CLI's help loads nothing else.
 */
import type { CliOptions } from '../cli/command';

/** Every option of `glasswing daemon`, with its help line (`glasswing daemon --help`). */
export const DAEMON_OPTIONS = {
  datadir: { type: 'string', value: 'DIR', describe: 'the data directory (seed, database, settings)' },
  listen: { type: 'string', value: 'HOST:PORT', describe: 'accept Lightning peers here for this run (default: the saved address, else $GLASSWING_DEFAULT_LISTEN or 127.0.0.1:9735 — a free port if taken — then saved)' },
  'no-listen': { type: 'boolean', describe: 'do not accept peers' },
  'announce-addr': { type: 'string', value: 'HOST:PORT,…', describe: 'the addresses our node_announcement gives for this run (IPv4, [IPv6], Tor v3 .onion, one DNS name; at most 8), instead of the listen address (default: config.json announceAddresses, else the listen address)' },
  'api-port': { type: 'string', value: 'PORT', describe: 'the API (and --ui app) port on 127.0.0.1 for this run (default: with --ui the saved one, else a free port)' },
  alias: { type: 'string', value: 'NAME', describe: 'the node\'s name for this run (at most 32 bytes; "glasswing settings --alias" saves one)' },
  network: { type: 'string', value: 'regtest|signet|testnet|mainnet', describe: 'the chain (default: the one saved at the first start, else regtest)' },
  crypto: { type: 'string', value: 'libsecp|native|wasm|noble|auto', describe: 'the crypto backend (default: $GLASSWING_CRYPTO, else auto: the first of libsecp, native, wasm, noble that works)' },
  ui: { type: 'boolean', describe: 'also serve the app to a browser (prints a one-time login address)' },
  'passphrase-file': { type: 'string', value: 'FILE', describe: 'read the seed passphrase from FILE (or $GLASSWING_PASSPHRASE); on the first run it encrypts the seed' },
  'onion-rate': { type: 'string', value: 'N', describe: 'onion messages accepted per second from one peer' },
  'onion-burst': { type: 'string', value: 'N', describe: 'onion messages a peer may send at once' },
  'onion-queue-bytes': { type: 'string', value: 'N', describe: 'bytes of onion messages queued for one peer' },
  'onion-message-budget': { type: 'string', value: 'N/s', describe: 'onion messages accepted per second from all peers together (the node-wide budget; default 50/s, never below --onion-rate; its burst is twice this)' },
  'onion-memory-cap': { type: 'string', value: 'N', describe: 'bytes of onion messages held for all peers' },
  'mailbox-peer-messages': { type: 'string', value: 'N', describe: 'messages stored for one offline peer' },
  'mailbox-peer-bytes': { type: 'string', value: 'N', describe: 'bytes stored for one offline peer' },
  'mailbox-total-bytes': { type: 'string', value: 'N', describe: 'bytes stored for all offline peers' },
  'mailbox-expiry-hours': { type: 'string', value: 'H', describe: 'how long a stored message is kept' },
  chain: { type: 'string', value: 'none|bitcoind-rpc|esplora', describe: 'the chain source (default: the saved one, else none; implied by --rpc-url or --esplora-url)' },
  'rpc-url': { type: 'string', value: 'http://USER:PASS@HOST:PORT', describe: 'bitcoind\'s JSON-RPC address (never printed with its credentials)' },
  'rpc-cookie': { type: 'string', value: 'FILE', describe: 'bitcoind\'s .cookie file, instead of USER:PASS in --rpc-url' },
  'esplora-url': { type: 'string', value: 'URL', describe: 'an Esplora server (default: Blockstream\'s for the network)' },
  'fee-url': { type: 'string', value: 'URL|none', describe: 'fee estimates from this web service for this run (LND\'s fee.url answer: {"fee_by_block_target": {"2": SAT_PER_KVB, …}}) instead of the chain source; none: the chain source\'s (default: config.json feeUrl, set with "glasswing settings --fee-url")' },
  'fee-poll-ms': { type: 'string', value: 'MS', describe: 'with --fee-url URL: time between its polls, 1000 to 86400000 (default: config.json feePollMs, else 300000)' },
  'chain-poll-ms': { type: 'string', value: 'MS', describe: 'time between chain polls (default: 1000 on regtest, 10000 elsewhere)' },
  'gossip-flush-ms': { type: 'string', value: 'MS', describe: 'time between relays of accepted gossip to peers (default: 60000, as BOLT 7 says)' },
  'restore-words-file': { type: 'string', value: 'FILE', describe: 'restore the node from its 24 backup words, into an empty data directory (channels are not restored)' },
  'async-role': { type: 'string', value: 'none|recipient|lsp|payer', describe: 'async payments role for this run: an often-offline recipient, an LSP (holds HTLCs, serves static invoices), an often-offline payer (default: config.json async.role, else none)' },
  'async-lsp': { type: 'string', value: 'NODEID@HOST:PORT', describe: 'async payments: the LSP of a recipient or payer' },
  'async-profile': { type: 'string', value: 'ldk|bolts1149', describe: 'async payments wire numbers: LDK 0.2\'s (default) or lightning/bolts#1149\'s' },
  'async-release-window-seconds': { type: 'string', value: 'S', describe: 'async payments: how long a held payment waits for its recipient\'s release, 10 to 604800 (default: config.json async.releaseWindowSeconds — set by Settings or glasswing settings —, else 86400); wins over the saved window' },
  'async-server-paths': { type: 'string', value: 'HEX[,HEX…]', describe: 'async payments, a recipient: the blinded paths its LSP\'s static invoice server takes requests over, as that LSP hands them out (LDK: blinded_paths_for_async_recipient); without them it asks the LSP over its connection (default: config.json async.serverPaths)' },
  'restore-birthday': { type: 'string', value: 'HEIGHT', describe: 'with --restore-words-file: scan the chain from this block height (default: genesis)' },
} as const satisfies CliOptions;
