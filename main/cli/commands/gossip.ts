/** Gossip commands: listnodes, listgraphchannels, gossipinfo (the BOLT 7 graph the node learned from its peers), forwardingpolicy (what our channel_updates say). */
import type { CliCommand } from '../command';
import { NODE_ID, UsageError } from '../command';
import { withDaemon } from '../daemon-client';
import { integer } from './offers';

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

export const forwardingpolicy: CliCommand = {
  name: 'forwardingpolicy',
  summary: 'our forwarding fee and CLTV delta (what our channel_updates announce); with options, change them at once (saved)',
  usage: 'forwardingpolicy [--base-msat N] [--ppm N] [--cltv-delta BLOCKS]',
  options: {
    'base-msat': { type: 'string', value: 'N', describe: 'the fee per forward, in msat (0..4294967295)' },
    ppm: { type: 'string', value: 'N', describe: 'the proportional fee, in millionths of the forwarded amount' },
    'cltv-delta': { type: 'string', value: 'BLOCKS', describe: 'blocks between the incoming and outgoing HTLC expiries (18..2016)' },
  },
  examples: ['forwardingpolicy', 'forwardingpolicy --base-msat 2000 --ppm 500'],
  run: (ctx, { values, positionals }) => {
    if (positionals.length > 0) throw new UsageError('forwardingpolicy takes options only');
    const u32 = (name: string): string | undefined => {
      const v = values[name];
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,9})$/.test(v) || BigInt(v) > 0xffffffffn) throw new UsageError(`--${name} must be a whole number 0..4294967295`);
      return v;
    };
    const feeBaseMsat = u32('base-msat');
    const feeProportionalMillionths = u32('ppm');
    const cltvExpiryDelta = integer(values, 'cltv-delta', 18, 2016);
    const change = {
      ...(feeBaseMsat !== undefined ? { feeBaseMsat } : {}),
      ...(feeProportionalMillionths !== undefined ? { feeProportionalMillionths } : {}),
      ...(cltvExpiryDelta !== undefined ? { cltvExpiryDelta } : {}),
    };
    return withDaemon(ctx.datadir, ({ api }) => (Object.keys(change).length === 0 ? api.getForwardingPolicy({}) : api.setForwardingPolicy(change)));
  },
};
