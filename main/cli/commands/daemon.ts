/** `glasswing daemon`: runs a headless node (see main/daemon). */
import type { CliCommand } from '../command';

export const daemon: CliCommand = {
  name: 'daemon',
  summary: 'run a headless node serving the API on 127.0.0.1',
  usage: 'daemon [--datadir DIR] [--listen HOST:PORT|--no-listen] [--api-port PORT] [--alias NAME] [--network regtest|signet|testnet|mainnet] [--ui] [--passphrase-file F] [--onion-rate N/s] [--onion-burst N] [--onion-queue-bytes N] [--onion-memory-cap N] [--mailbox-peer-messages N] [--mailbox-peer-bytes N] [--mailbox-total-bytes N] [--mailbox-expiry-hours H] [--chain none|bitcoind-rpc|esplora] [--rpc-url http://USER:PASS@HOST:PORT] [--rpc-cookie FILE] [--esplora-url URL] [--chain-poll-ms MS] [--restore-words-file F [--restore-birthday HEIGHT]]',
  // The daemon parses its own options (main/daemon/options.ts); pass everything through.
  passThrough: true,
  run: async (ctx, { positionals }) => {
    const { runDaemon } = await import('../../daemon/run');
    await runDaemon(positionals, ctx.datadir);
    return undefined;
  },
};
