/**
 * The two files a running node leaves in its data directory for the CLI (and `npm start`) to find
 * its API: api.json (address, process id, network) and api-token (the bearer token, mode 0600).
 * Written by the daemon and by the desktop app's main process; removed when either stops.
 */
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Network } from '../../core/api';
import { API_INFO_FILE, API_TOKEN_FILE, type ApiInfo } from '../cli/daemon-client';

/** Writes a small file readable only by this user (created fresh each time). */
export function writePrivateFile(path: string, text: string): void {
  rmSync(path, { force: true });
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

/** Publishes a listening API: the token first, so a reader that finds api.json finds the token too. */
export function publishApiFiles(datadir: string, api: { url: string; token: string; network: Network; pid?: number }): void {
  writePrivateFile(join(datadir, API_TOKEN_FILE), api.token + '\n');
  const info: ApiInfo = { url: api.url, pid: api.pid ?? process.pid, network: api.network };
  writePrivateFile(join(datadir, API_INFO_FILE), JSON.stringify(info) + '\n');
}

/** Removes what publishApiFiles wrote (nothing to do when already gone). */
export function withdrawApiFiles(datadir: string): void {
  rmSync(join(datadir, API_INFO_FILE), { force: true });
  rmSync(join(datadir, API_TOKEN_FILE), { force: true });
}
