/** Node and peer commands: getinfo, connect, disconnect, listpeers, ping. */
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { withDaemon } from '../daemon-client';
import { PEER_ADDRESS_PATTERN } from '../../../core/api';

const NODE_ID = /^0[23][0-9a-f]{64}$/;

function nodeIdArg(positionals: string[], usage: string): string {
  const id = positionals[0]?.toLowerCase();
  if (!id || !NODE_ID.test(id)) throw new UsageError(`expected a node id (66 hex characters): ${usage}`);
  return id;
}

export const getinfo: CliCommand = {
  name: 'getinfo',
  summary: 'node id, alias, network, features, listen addresses, peers, version',
  usage: 'getinfo',
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.getInfo({})),
};

export const connect: CliCommand = {
  name: 'connect',
  summary: 'connect to a peer (and reconnect to it when the connection drops)',
  usage: 'connect NODEID@HOST:PORT [--no-reconnect]',
  options: { 'no-reconnect': { type: 'boolean' } },
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
  summary: 'close the connection to a peer and stop reconnecting to it',
  usage: 'disconnect NODEID',
  run: (ctx, { positionals }) => {
    const nodeId = nodeIdArg(positionals, 'disconnect NODEID');
    return withDaemon(ctx.datadir, ({ api }) => api.disconnect({ nodeId }));
  },
};

export const listpeers: CliCommand = {
  name: 'listpeers',
  summary: 'connected peers: address, direction, features, connected since, last ping',
  usage: 'listpeers',
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.listPeers({})),
};

export const ping: CliCommand = {
  name: 'ping',
  summary: 'send a ping to a connected peer and report the round trip',
  usage: 'ping NODEID [--bytes N]',
  options: { bytes: { type: 'string' } },
  run: (ctx, { positionals, values }) => {
    const nodeId = nodeIdArg(positionals, 'ping NODEID');
    const bytes = values.bytes === undefined ? undefined : Number(values.bytes);
    if (bytes !== undefined && (!Number.isInteger(bytes) || bytes < 0 || bytes > 65531)) throw new UsageError('--bytes must be 0..65531');
    return withDaemon(ctx.datadir, ({ api }) => api.ping({ nodeId, ...(bytes !== undefined ? { numPongBytes: bytes } : {}) }));
  },
};
