/**
 * `glasswing daemon`: a headless node. Serves the NodeApi over a WebSocket on 127.0.0.1 with a
 * random token written to the data directory (mode 0600), prints one JSON ready line on stdout,
 * logs JSON lines on stderr, and shuts down cleanly on SIGINT/SIGTERM.
 */
import { mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { Node } from '../../core/node';
import { createNodeApi } from '../../core/api/node-api';
import { randomBytes, toHex } from '../../core/crypto';
import { GlasswingError } from '../../core/errors';
import { ApiServer } from './api-server';
import { parseDaemonOptions, withSavedSettings } from './options';
import { readSavedSettings } from '../../core/node/settings';
import { API_INFO_FILE, API_TOKEN_FILE } from '../cli/daemon-client';
import { GLASSWING_VERSION } from '../version';
import { UiServer } from './ui-server';
import { fileURLToPath } from 'node:url';

/** Where `npm run build:ui` puts the renderer. */
export const RENDERER_DIST = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

function log(line: Record<string, unknown>): void {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), ...line }) + '\n');
}

/** Writes a small file readable only by this user (created fresh each time). */
function writePrivateFile(path: string, text: string): void {
  rmSync(path, { force: true });
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

export async function runDaemon(argv: string[], fallbackDatadir: string): Promise<void> {
  const flags = parseDaemonOptions(argv.some((a) => a === '--datadir' || a.startsWith('--datadir=')) ? argv : ['--datadir', fallbackDatadir, ...argv]);
  mkdirSync(flags.datadir, { recursive: true, mode: 0o700 });
  const opts = withSavedSettings(flags, readSavedSettings(flags.datadir));

  const node = await Node.open({
    datadir: opts.datadir,
    alias: opts.alias,
    network: opts.network,
    listen: opts.listen,
    passphrase: opts.passphrase,
    version: GLASSWING_VERSION,
    log,
    messenger: opts.messenger,
    fromCommandLine: opts.given,
    chain: opts.chain,
    ...(opts.chainPollMs !== undefined ? { chainPollMs: opts.chainPollMs } : {}),
    ...(opts.restore ? { restore: opts.restore } : {}),
  });
  // Where the chain comes from, never with credentials.
  const chainInfo = node.chainInfo();
  log({ event: 'chain_source', source: chainInfo.source.kind, endpoint: chainInfo.source.endpoint, network: chainInfo.network, ...(opts.restore ? { restoreFromHeight: opts.restore.birthday } : {}) });
  let server: ApiServer | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log({ event: 'shutdown', signal });
    rmSync(join(opts.datadir, API_INFO_FILE), { force: true });
    rmSync(join(opts.datadir, API_TOKEN_FILE), { force: true });
    await server?.close().catch(() => undefined);
    await node.stop();
    log({ event: 'stopped' });
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    const { listen } = await node.start();
    const token = toHex(randomBytes(32));
    const ui = opts.ui ? new UiServer({ distDir: RENDERER_DIST }) : undefined;
    server = new ApiServer({
      api: createNodeApi(node), token, port: opts.apiPort, log,
      ...(ui ? { http: ui.handle, authorize: ui.authorize, createUiLogin: () => ui.createLogin() } : {}),
    });
    const url = await server.listen();
    ui?.setOrigin(`http://127.0.0.1:${server.port}`);
    writePrivateFile(join(opts.datadir, API_TOKEN_FILE), token + '\n');
    writePrivateFile(join(opts.datadir, API_INFO_FILE), JSON.stringify({ url, pid: process.pid }) + '\n');
    const ready: Record<string, unknown> = {
      event: 'ready', nodeId: toHex(node.nodeId), listen: listen[0] ?? null, api: url, network: opts.network,
      chain: { source: chainInfo.source.kind, endpoint: chainInfo.source.endpoint },
    };
    if (ui) {
      ready.ui = ui.createLogin();
      if (!ui.built) log({ event: 'ui_not_built', message: `the renderer is not built (${RENDERER_DIST}); run npm run build:ui` });
    }
    process.stdout.write(JSON.stringify(ready) + '\n');
  } catch (e) {
    await node.stop().catch(() => undefined);
    throw e instanceof GlasswingError ? e : new GlasswingError('daemon.start_failed', e instanceof Error ? e.message : String(e));
  }
  // Keep running until a signal arrives.
  await new Promise<never>(() => undefined);
}
