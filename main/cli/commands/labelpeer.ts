/** `glasswing labelpeer NODEID LABEL`: name a peer (shown instead of its node id). */
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { withDaemon } from '../daemon-client';

export const labelpeer: CliCommand = {
  name: 'labelpeer',
  summary: 'give a peer a name, shown instead of its node id ("" removes it)',
  usage: 'labelpeer NODEID LABEL',
  arguments: [
    { name: 'NODEID', describe: 'the peer\'s node id (66 hex characters)' },
    { name: 'LABEL', describe: 'the name (at most 64 characters); "" removes it' },
  ],
  examples: ['labelpeer 02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619 "alice"'],
  run: (ctx, { positionals }) => {
    const [nodeId, label] = positionals;
    if (!nodeId || !/^0[23][0-9a-f]{64}$/i.test(nodeId) || label === undefined) throw new UsageError('expected NODEID LABEL');
    return withDaemon(ctx.datadir, ({ api }) => api.labelPeer({ nodeId: nodeId.toLowerCase(), label }));
  },
};
