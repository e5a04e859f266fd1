/** `glasswing chaininfo`: the chain source (no credentials), network, tip, sync state and fee estimates. */
import type { CliCommand } from '../command';
import { withDaemon } from '../daemon-client';

export const chaininfo: CliCommand = {
  name: 'chaininfo',
  summary: 'chain source and endpoint, network, tip height and hash, sync state, fee estimates',
  usage: 'chaininfo',
  examples: ['chaininfo'],
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.chainInfo({})),
};
