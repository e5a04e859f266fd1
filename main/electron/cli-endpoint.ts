/**
 * The desktop app's node answers the command line too: the same token-checked NodeApi WebSocket a
 * `glasswing daemon` serves (main/daemon/api-server.ts), on a free port of 127.0.0.1, published in
 * the data directory (api.json, api-token — mode 0600) so that `glasswing --datadir D <command>`
 * and `npm start`'s sandbox reach the node the window shows. No browser UI is served here: the
 * window talks to the node over IPC only.
 */
import { randomBytes, toHex } from '../../core/crypto';
import type { Network, NodeApi } from '../../core/api';
import { ApiServer } from '../daemon/api-server';
import { publishApiFiles, withdrawApiFiles } from '../daemon/api-files';

export interface CliEndpoint {
  readonly url: string;
  /** Stops serving and removes the files (the CLI then says no node is running). */
  close(): Promise<void>;
}

export async function openCliEndpoint(opts: {
  readonly api: NodeApi;
  readonly datadir: string;
  readonly network: Network;
  readonly log: (line: Record<string, unknown>) => void;
}): Promise<CliEndpoint> {
  const token = toHex(randomBytes(32));
  const server = new ApiServer({ api: opts.api, token, log: opts.log });
  const url = await server.listen(0);
  publishApiFiles(opts.datadir, { url, token, network: opts.network });
  let closed: Promise<void> | undefined;
  return {
    url,
    close: () => (closed ??= (async () => {
      withdrawApiFiles(opts.datadir);
      await server.close().catch(() => undefined);
    })()),
  };
}
