/** Node and peer commands: getinfo, connect, disconnect, forgetpeer, listpeers, ping. */
import type { CliCommand } from '../command';
import { NODE_ID, UsageError, integer } from '../command';
import { withDaemon } from '../daemon-client';
import { PEER_ADDRESS_PATTERN } from '../../../core/api';

const EXAMPLE_ID = '02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619';

function nodeIdArg(positionals: string[], usage: string): string {
  const id = positionals[0]?.toLowerCase();
  if (!id || !NODE_ID.test(id)) throw new UsageError(`expected a node id (66 hex characters): ${usage}`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}": ${usage}`);
  return id;
}

const NODE_ID_ARGUMENT = { name: 'NODEID', describe: 'the peer\'s node id: 66 hex characters (listpeers --all shows them)' };

export const getinfo: CliCommand = {
  name: 'getinfo',
  summary: 'node id, alias, network, features, listen addresses, peers, version, crypto backend, async role (and a recipient\'s LSP policy state)',
  usage: 'getinfo',
  examples: ['getinfo', '--datadir ~/gw getinfo'],
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.getInfo({})),
};

export const connect: CliCommand = {
  name: 'connect',
  summary: 'connect to a peer (and reconnect to it when the connection drops)',
  usage: 'connect NODEID@HOST:PORT [--no-reconnect]',
  arguments: [{ name: 'NODEID@HOST:PORT', describe: 'the peer\'s node id and address (IPv6 in brackets: 02…@[::1]:9735)' }],
  options: { 'no-reconnect': { type: 'boolean', describe: 'do not save the peer for reconnection (by default it is redialled with backoff when the connection drops)' } },
  examples: [`connect ${EXAMPLE_ID}@127.0.0.1:9735`],
  details: [
    'A peer that has never answered is retried a bounded number of times, then left alone with the reason',
    '(see "listpeers --all"); "forgetpeer NODEID" removes a saved peer.',
  ],
  run: (ctx, { positionals, values }) => {
    const address = positionals[0];
    if (!address) throw new UsageError('expected NODEID@HOST:PORT');
    const normalized = address.replace(/^[0-9A-F]{66}/i, (id) => id.toLowerCase());
    if (!PEER_ADDRESS_PATTERN.test(normalized)) throw new UsageError(`"${address}" is not NODEID@HOST:PORT`);
    return withDaemon(ctx.datadir, ({ api }) => api.connect({ address: normalized, reconnect: values['no-reconnect'] !== true }));
  },
};

export const disconnect: CliCommand = {
  name: 'disconnect',
  summary: 'close the connection to a peer and stop reconnecting to it (it stays saved)',
  usage: 'disconnect NODEID',
  arguments: [NODE_ID_ARGUMENT],
  examples: [`disconnect ${EXAMPLE_ID}`],
  run: (ctx, { positionals }) => {
    const nodeId = nodeIdArg(positionals, 'disconnect NODEID');
    return withDaemon(ctx.datadir, ({ api }) => api.disconnect({ nodeId }));
  },
};

export const forgetpeer: CliCommand = {
  name: 'forgetpeer',
  summary: 'disconnect a peer, stop reconnecting and remove it from the saved peers (its name too)',
  usage: 'forgetpeer NODEID',
  arguments: [NODE_ID_ARGUMENT],
  examples: [`forgetpeer ${EXAMPLE_ID}`],
  details: ['A peer we have channels with is not forgotten (error peer.has_channels).'],
  run: (ctx, { positionals }) => {
    const nodeId = nodeIdArg(positionals, 'forgetpeer NODEID');
    return withDaemon(ctx.datadir, ({ api }) => api.forgetPeer({ nodeId }));
  },
};

export const listpeers: CliCommand = {
  name: 'listpeers',
  summary: 'connected peers (address, direction, features, ping); --all: every saved peer with its reconnection state',
  usage: 'listpeers [--all]',
  options: {
    all: {
      type: 'boolean',
      describe: 'every saved peer, connected or not: addresses, reconnect state (connected, waiting, connecting, stopped, gave_up), attempts, next attempt, last error',
    },
  },
  examples: ['listpeers', 'listpeers --all'],
  run: (ctx, { values }) => withDaemon(ctx.datadir, async ({ api }): Promise<unknown> => (values.all === true ? api.listSavedPeers({}) : api.listPeers({}))),
};

export const ping: CliCommand = {
  name: 'ping',
  summary: 'send a ping to a connected peer and report the round trip',
  usage: 'ping NODEID [--bytes N]',
  arguments: [NODE_ID_ARGUMENT],
  options: { bytes: { type: 'string', value: 'N', describe: 'bytes the peer should answer with (0..65531, default 0)' } },
  examples: [`ping ${EXAMPLE_ID}`, `ping ${EXAMPLE_ID} --bytes 1000`],
  run: (ctx, { positionals, values }) => {
    const nodeId = nodeIdArg(positionals, 'ping NODEID');
    const bytes = integer(values, 'bytes', 0, 65531);
    return withDaemon(ctx.datadir, ({ api }) => api.ping({ nodeId, ...(bytes !== undefined ? { numPongBytes: bytes } : {}) }));
  },
};
