/** `glasswing daemon`: runs a headless node (see main/daemon). */
import type { CliCommand } from '../command';
import { DAEMON_OPTIONS } from '../../daemon/flags';

export const daemon: CliCommand = {
  name: 'daemon',
  summary: 'run a headless node serving the API on 127.0.0.1',
  usage: 'daemon [--datadir DIR] [--listen HOST:PORT|--no-listen] [--announce-addr HOST:PORT,…] [--api-port PORT] [--alias NAME] [--network regtest|signet|testnet|mainnet] [--crypto libsecp|native|wasm|noble|auto] [--ui] [--passphrase-file F] [--onion-rate N/s] [--onion-burst N] [--onion-message-budget N/s] [--onion-queue-bytes N] [--onion-memory-cap N] [--mailbox-peer-messages N] [--mailbox-peer-bytes N] [--mailbox-total-bytes N] [--mailbox-expiry-hours H] [--chain none|bitcoind-rpc|esplora] [--rpc-url http://USER:PASS@HOST:PORT] [--rpc-cookie FILE] [--esplora-url URL] [--chain-poll-ms MS] [--fee-url URL|none [--fee-poll-ms MS]] [--restore-words-file F [--restore-birthday HEIGHT]]',
  options: DAEMON_OPTIONS,
  examples: ['daemon --datadir ~/gw', 'daemon --datadir ~/gw --ui --alias shop --crypto wasm', 'daemon --network signet --chain esplora'],
  details: [
    'Prints one JSON ready line (node id, listen address, API address, and with --ui a one-time login address),',
    'logs JSON lines on stderr, and stops cleanly on SIGINT or SIGTERM. The listen address, the app\'s port and',
    'the network chosen at the first start are saved in DATADIR/config.json and reused; a saved port that is',
    'taken falls back to a free one for that run (said in the log and the ready line).',
  ],
  // The daemon parses its own options (main/daemon/options.ts); pass everything through.
  passThrough: true,
  run: async (ctx, { positionals }) => {
    const { runDaemon } = await import('../../daemon/run');
    await runDaemon(positionals, ctx.datadir);
    return undefined;
  },
};
