/** Gossip commands: listnodes, listgraphchannels, gossipinfo (the BOLT 7 graph the node learned from its peers). */
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { withDaemon } from '../daemon-client';
import { integer } from './offers';

const NODE_ID = /^0[23][0-9a-f]{64}$/;

export const listnodes: CliCommand = {
  name: 'listnodes',
  summary: 'nodes of the public graph (most channels first): alias, color, addresses, channel count',
  usage: 'listnodes [--limit N]',
  options: { limit: { type: 'string', value: 'N', describe: 'at most N nodes (1..100000, default 1000)' } },
  examples: ['listnodes --limit 20'],
  run: (ctx, { values }) => {
    const limit = integer(values, 'limit', 1, 100_000);
    return withDaemon(ctx.datadir, ({ api }) => api.listNodes(limit === undefined ? {} : { limit }));
  },
};

export const listgraphchannels: CliCommand = {
  name: 'listgraphchannels',
  summary: 'public channels of the graph: short channel id, ends, capacity, both directions\' fees and CLTV deltas',
  usage: 'listgraphchannels [NODEID] [--limit N]',
  arguments: [{ name: 'NODEID', describe: 'optional: only the channels of this node (66 hex characters)' }],
  options: { limit: { type: 'string', value: 'N', describe: 'at most N channels (1..100000, default 1000)' } },
  examples: ['listgraphchannels', 'listgraphchannels 02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619'],
  run: (ctx, { values, positionals }) => {
    const [nodeIdArg, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError('expected at most one NODEID');
    const nodeId = nodeIdArg?.toLowerCase();
    if (nodeId !== undefined && !NODE_ID.test(nodeId)) throw new UsageError('NODEID must be a node id (66 hex characters, starting 02 or 03)');
    const limit = integer(values, 'limit', 1, 100_000);
    return withDaemon(ctx.datadir, ({ api }) => api.listGraphChannels({ ...(nodeId ? { nodeId } : {}), ...(limit === undefined ? {} : { limit }) }));
  },
};

export const gossipinfo: CliCommand = {
  name: 'gossipinfo',
  summary: 'the graph\'s size and what peers\' gossip became (accepted, ignored and why, rejected)',
  usage: 'gossipinfo',
  examples: ['gossipinfo'],
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.gossipInfo({})),
};
