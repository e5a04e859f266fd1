/** `glasswing labelpeer NODEID LABEL`: name a peer (shown instead of its node id). */
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { withDaemon } from '../daemon-client';

export const labelpeer: CliCommand = {
  name: 'labelpeer',
  summary: 'give a peer a name, shown instead of its node id ("" removes it)',
  usage: 'labelpeer NODEID LABEL',
  run: (ctx, { positionals }) => {
    const [nodeId, label] = positionals;
    if (!nodeId || !/^0[23][0-9a-f]{64}$/i.test(nodeId) || label === undefined) throw new UsageError('expected NODEID LABEL');
    return withDaemon(ctx.datadir, ({ api }) => api.labelPeer({ nodeId: nodeId.toLowerCase(), label }));
  },
};
