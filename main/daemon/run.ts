/**
 * `glasswing daemon`: a headless node. Serves the NodeApi over a WebSocket on 127.0.0.1 with a
 * random token written to the data directory (mode 0600), prints one JSON ready line on stdout,
 * logs JSON lines on stderr, and shuts down cleanly on SIGINT/SIGTERM.
 *
 * The node stays itself from one start to the next: what the first start chose — the listen
 * address, the app's port (--ui), the network — is saved in config.json and reused. A saved port
 * that is taken falls back to a free one for that run, said in one log line and in the ready line
 * (`listenFallback`, `uiFallback`); a port given on the command line that is taken is an error.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Node } from '../../core/node';
import { createNodeApi } from '../../core/api/node-api';
import { randomBytes, selectCryptoBackend, toHex } from '../../core/crypto';
import { GlasswingError } from '../../core/errors';
import { ApiServer } from './api-server';
import { parseDaemonOptions, withSavedSettings, type DaemonOptions } from './options';
import { readSavedSettings, saveSettings, type SavedSettings } from '../../core/node/settings';
import { publishApiFiles, withdrawApiFiles } from './api-files';
import { GLASSWING_VERSION } from '../version';
import { UiServer } from './ui-server';
import { UiSessions } from './ui-sessions';
import { PACKAGE_ROOT } from '../paths';

/** Where `npm run build:ui` puts the renderer. */
export const RENDERER_DIST = join(PACKAGE_ROOT, 'dist', 'renderer');

function log(line: Record<string, unknown>): void {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), ...line }) + '\n');
}

/** Listens on the options' API port; a saved port that is taken falls back to a free one. */
async function listenApi(server: ApiServer, opts: DaemonOptions): Promise<{ url: string; fallback?: { wanted: number; reason: string } }> {
  try {
    return { url: await server.listen() };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    if (opts.apiPortSource !== 'saved') throw new GlasswingError('daemon.api_port_unavailable', `cannot serve the API on 127.0.0.1:${opts.apiPort}: ${code}`);
    const url = await server.listen(0);
    return { url, fallback: { wanted: opts.apiPort, reason: `127.0.0.1:${opts.apiPort} is not available (${code})` } };
  }
}

export async function runDaemon(argv: string[], fallbackDatadir: string): Promise<void> {
  const flags = parseDaemonOptions(argv.some((a) => a === '--datadir' || a.startsWith('--datadir=')) ? argv : ['--datadir', fallbackDatadir, ...argv]);
  // Before any other cryptography: the backend is chosen once (--crypto, else GLASSWING_CRYPTO, else auto).
  // (A fallback is logged at once; which backend is in use, once the node has opened, so that a
  // start refused for bad options or data prints its error line alone.)
  const crypto = selectCryptoBackend({ ...(flags.crypto ? { backend: flags.crypto } : {}), log: (message) => log({ event: 'crypto', message }) });
  mkdirSync(flags.datadir, { recursive: true, mode: 0o700 });
  const opts = withSavedSettings(flags, readSavedSettings(flags.datadir));

  const node = await Node.open({
    datadir: opts.datadir,
    alias: opts.alias,
    ...(opts.announceAddresses ? { announceAddresses: opts.announceAddresses } : {}),
    network: opts.network,
    listen: opts.listen,
    // A saved address that is taken: listen elsewhere this run rather than not start (the default
    // one too). An address given on the command line must be the one used.
    listenFallback: opts.listenSource !== 'command-line',
    passphrase: opts.passphrase,
    version: GLASSWING_VERSION,
    log,
    messenger: opts.messenger,
    fromCommandLine: opts.given,
    chain: opts.chain,
    ...(opts.chainPollMs !== undefined ? { chainPollMs: opts.chainPollMs } : {}),
    ...(opts.feeUrl !== undefined ? { feeUrl: opts.feeUrl } : {}),
    ...(opts.gossipFlushMs !== undefined ? { gossip: { limits: { flushIntervalMs: opts.gossipFlushMs } } } : {}),
    ...(opts.restore ? { restore: opts.restore } : {}),
    async: opts.async,
  });
  log({ event: 'crypto_backend', backend: crypto.backend, requested: crypto.requested, requestedBy: crypto.requestedBy, fallback: crypto.fallback });
  // Where the chain comes from, never with credentials.
  const chainInfo = node.chainInfo();
  log({ event: 'chain_source', source: chainInfo.source.kind, endpoint: chainInfo.source.endpoint, network: chainInfo.network, ...(node.feeSource().url && chainInfo.source.kind !== 'none' ? { feeUrl: node.feeSource().url } : {}), ...(opts.restore ? { restoreFromHeight: opts.restore.birthday } : {}) });
  let server: ApiServer | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log({ event: 'shutdown', signal });
    withdrawApiFiles(opts.datadir);
    await server?.close().catch(() => undefined);
    await node.stop();
    log({ event: 'stopped' });
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    const { listen, listenFallback } = await node.start();
    const token = toHex(randomBytes(32));
    const ui = opts.ui ? new UiServer({ distDir: RENDERER_DIST, sessions: new UiSessions(opts.datadir), sandboxControl: join(opts.datadir, 'sandbox', 'control.json') }) : undefined;
    server = new ApiServer({
      api: createNodeApi(node), token, port: opts.apiPort, log,
      ...(ui ? { http: ui.handle, authorize: ui.authorize, createUiLogin: () => ui.createLogin(), uiSessions: ui.sessions } : {}),
    });
    const { url, fallback: uiFallback } = await listenApi(server, opts);
    ui?.setOrigin(`http://127.0.0.1:${server.port}`);
    publishApiFiles(opts.datadir, { url, token, network: opts.network });
    // What this first start chose, for the next starts (command-line values are not saved).
    const remember: { -readonly [K in keyof SavedSettings]: SavedSettings[K] } = {};
    if (opts.networkSource === 'default') remember.network = opts.network;
    if (opts.listenSource === 'default' && listen[0] !== undefined) remember.listen = listen[0];
    if (ui && opts.apiPortSource === 'default') remember.uiPort = server.port;
    if (Object.keys(remember).length > 0) saveSettings(opts.datadir, remember);
    if (uiFallback) log({ event: 'ui_port_fallback', wanted: uiFallback.wanted, port: server.port, reason: uiFallback.reason });
    const ready: Record<string, unknown> = {
      event: 'ready', nodeId: toHex(node.nodeId), listen: listen[0] ?? null, api: url, network: opts.network,
      chain: { source: chainInfo.source.kind, endpoint: chainInfo.source.endpoint },
    };
    if (listenFallback) ready.listenFallback = listenFallback;
    if (ui) {
      ready.app = `http://127.0.0.1:${server.port}/`;
      ready.ui = ui.createLogin();
      if (uiFallback) ready.uiFallback = uiFallback;
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

