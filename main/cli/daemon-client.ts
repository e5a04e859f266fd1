/** Connects the CLI to a running `glasswing daemon` through the files it leaves in the data directory. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ApiError, NETWORKS, connectSocketClient, type Network, type SocketApiClient, type SocketLike } from '../../core/api';
import { readSavedSettings } from '../../core/node/settings';

export const API_INFO_FILE = 'api.json';
export const API_TOKEN_FILE = 'api-token';

export interface ApiInfo {
  readonly url: string;
  readonly pid: number;
  /** The running node's network (daemons from before it was written leave it out). */
  readonly network?: Network;
}

/**
 * The network of the node in `datadir`, without asking it: a running daemon's api.json, else the
 * network saved in its config.json at its first start; undefined when neither says.
 */
export function nodeNetwork(datadir: string): { network: Network; from: 'api.json' | 'config.json' } | undefined {
  try {
    const info = JSON.parse(readFileSync(join(datadir, API_INFO_FILE), 'utf8')) as Partial<ApiInfo>;
    if (NETWORKS.includes(info.network as Network)) return { network: info.network!, from: 'api.json' };
  } catch {
    // no daemon running there (or a damaged file): look at the saved settings
  }
  try {
    const saved = readSavedSettings(datadir).network;
    return saved ? { network: saved, from: 'config.json' } : undefined;
  } catch {
    return undefined;
  }
}

export function readApiInfo(datadir: string): { info: ApiInfo; token: string } {
  let info: ApiInfo;
  let token: string;
  try {
    info = JSON.parse(readFileSync(join(datadir, API_INFO_FILE), 'utf8')) as ApiInfo;
    token = readFileSync(join(datadir, API_TOKEN_FILE), 'utf8').trim();
  } catch {
    throw new ApiError(
      'cli.daemon_not_running',
      `no daemon is running for ${datadir} (start one with: glasswing daemon --datadir ${datadir})`,
    );
  }
  return { info, token };
}

export async function connectToDaemon(datadir: string): Promise<SocketApiClient> {
  const { info, token } = readApiInfo(datadir);
  const socket = new WebSocket(info.url, { headers: { authorization: `Bearer ${token}` } });
  try {
    return await connectSocketClient(socket as unknown as SocketLike);
  } catch {
    throw new ApiError(
      'cli.daemon_unreachable',
      `the daemon for ${datadir} does not answer at ${info.url} (is it running? start it with: glasswing daemon --datadir ${datadir})`,
    );
  }
}

/** Runs `fn` with a connected client and closes it afterwards. */
export async function withDaemon<T>(datadir: string, fn: (client: SocketApiClient) => Promise<T>): Promise<T> {
  const client = await connectToDaemon(datadir);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
