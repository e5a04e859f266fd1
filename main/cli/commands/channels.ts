/** Channel commands: listchannels, getchannel ID. */
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { withDaemon } from '../daemon-client';

const CHANNEL_ID = /^[0-9a-f]{64}$/;

export const listchannels: CliCommand = {
  name: 'listchannels',
  summary: 'channels: id, peer, state, capacity, balances, commitment numbers, HTLC count',
  usage: 'listchannels',
  examples: ['listchannels'],
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.listChannels({})),
};

export const getchannel: CliCommand = {
  name: 'getchannel',
  summary: 'one channel in full: both commitments, HTLC tables, the four change lists, recent messages',
  usage: 'getchannel CHANNEL_ID',
  arguments: [{ name: 'CHANNEL_ID', describe: 'the channel id (64 hex characters, from listchannels)' }],
  examples: ['getchannel 6f1c…e2a0'],
  run: (ctx, { positionals }) => {
    const channelId = positionals[0]?.toLowerCase();
    if (!channelId || positionals.length > 1 || !CHANNEL_ID.test(channelId)) throw new UsageError('expected a channel id (64 hex characters): getchannel CHANNEL_ID');
    return withDaemon(ctx.datadir, ({ api }) => api.getChannel({ channelId }));
  },
};
