/**
 * `npm start`: runs Glasswing.
 * - With the Electron binary installed: builds what is stale and starts the desktop app.
 * - Without it (its download needs internet access): says so, builds the renderer if needed, and
 *   starts browser mode — `glasswing daemon --ui` — printing the address to open.
 * On a first run (no network configured) it also starts the sandbox network: two local peer
 * nodes, "lsp" and "shop", as separate daemons in their own data directories, connected to yours
 * over loopback, all on a regtest chain (btcd, kept across restarts in DATADIR/sandbox/chain) that
 * mines a block every few seconds and funds every wallet; then it opens the channels
 * you → lsp → shop and pays the shop once (scripts/sandbox.ts) — in the desktop app as soon as its
 * node publishes its API for the command line (main/electron/cli-endpoint.ts). `npm start -- --no-sandbox` (or
 * `"sandbox": false` in DATADIR/config.json) skips it.
 *
 * Your node stays itself across starts: nothing here overrides its saved settings. The first start
 * names it "you" (in config.json, so the Settings page can change it for good), and the node saves
 * the listen address and the app's port it picked; later starts reuse them (a port that is taken by
 * then falls back to a free one for that run, with a line saying so). A browser signed in once stays
 * signed in across restarts (its session is kept in DATADIR/ui-sessions.json).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { defaultDataDir } from '../main/datadir';
import { readSavedSettings, saveSettings } from '../core/node/settings';
import { joinSandbox, sandboxChainArgs, sandboxSummary, startSandbox, waitForNodeApi, type Sandbox } from './sandbox';
import { startSandboxChain, type SandboxChain } from './regtest/sandbox-chain';
import { connectToDaemon } from '../main/cli/daemon-client';
import { startFriendControlServer, type FriendControlServer } from './sandbox-friend';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const datadir = valueOf('--datadir') ?? defaultDataDir();
const children: ChildProcess[] = [];

function valueOf(flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function say(text: string): void {
  process.stdout.write(`glasswing: ${text}\n`);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the renderer with Vite when dist/renderer is missing or older than its sources. */
function ensureRendererBuilt(): void {
  const index = join(root, 'dist/renderer/index.html');
  const sources = Math.max(newestMtime(join(root, 'renderer')), newestMtime(join(root, 'core/api')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  say('building the user interface (vite)…');
  const r = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(root, 'renderer/vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    say('the user interface failed to build (see above).');
    process.exit(1);
  }
}

/** The Electron binary's path, or undefined with the reason. */
function findElectron(): { path?: string; reason?: string } {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    if (typeof p === 'string' && existsSync(p)) return { path: p };
    return { reason: 'the electron package is installed but its binary is missing' };
  } catch {
    return { reason: 'Electron is not installed (npm fetches its binary from the internet, which this machine cannot reach)' };
  }
}

function sandboxWanted(): boolean {
  if (args.includes('--no-sandbox') || process.env.GLASSWING_SANDBOX === '0') return false;
  try {
    return readSavedSettings(datadir).sandbox !== false;
  } catch (e) {
    say(`${(e as Error).message}; starting without the sandbox.`);
    return false;
  }
}

let sandboxChain: SandboxChain | null = null;
let friendControl: FriendControlServer | null = null;

function shutdown(code = 0): void {
  void friendControl?.close();
  friendControl = null;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  // The chain last: it mines what is waiting in the mempool so the saved chain keeps it.
  const chain = sandboxChain;
  sandboxChain = null;
  const exit = () => setTimeout(() => process.exit(code), 1500).unref();
  if (chain) void chain.stop().finally(exit);
  else exit();
}

/** The sandbox chain, when the sandbox is wanted and a btcd can be had (else one line says why). */
async function startChain(): Promise<SandboxChain | null> {
  try {
    sandboxChain = await startSandboxChain({ datadir, say, root });
  } catch (e) {
    say(`the sandbox chain did not start (${e instanceof Error ? e.message : String(e)}); going on without it.`);
    sandboxChain = null;
  }
  if (sandboxChain) {
    say(`sandbox chain: btcd on regtest at ${sandboxChain.btcd.rpcUrl.replace(/\/\/[^@]*@/, '//')}${sandboxChain.replayed ? ` (${sandboxChain.replayed} blocks kept from earlier runs)` : ''}, a block every few seconds.`);
  }
  return sandboxChain;
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

/**
 * A first start names the node "you" — saved, not forced: a name set in Settings stays. With the
 * sandbox, a node that never chose an async payments role becomes a payer (its channel peer, the
 * sandbox lsp, holds its HTLC to the offline friend): also saved, Settings can change it.
 */
function nameOnFirstStart(sandbox = false): void {
  try {
    const saved = readSavedSettings(datadir);
    if (saved.alias === undefined) saveSettings(datadir, { alias: 'you' });
    if (sandbox && saved.async === undefined) saveSettings(datadir, { async: { role: 'payer' } });
  } catch (e) {
    say(`${(e as Error).message}; the node keeps no name.`);
  }
}

interface ReadyLine {
  event: 'ready';
  nodeId: string;
  listen: string | null;
  ui: string;
  app?: string;
  listenFallback?: { wanted: string; reason: string };
  uiFallback?: { wanted: number; reason: string };
}

async function startBrowserMode(reason: string): Promise<void> {
  say(`${reason}.`);
  say('starting browser mode instead: the same app, served by `glasswing daemon --ui` on 127.0.0.1.');
  ensureRendererBuilt();
  mkdirSync(datadir, { recursive: true, mode: 0o700 });
  // Only what the user asked for on this command line; the rest comes from the saved settings.
  const listen = valueOf('--listen');
  const wantSandbox = sandboxWanted();
  nameOnFirstStart(wantSandbox);
  const chain = wantSandbox ? await startChain() : null;
  const daemon = spawn(process.execPath, [join(root, 'bin/glasswing.mjs'), 'daemon', '--datadir', datadir, '--ui', ...(listen ? ['--listen', listen] : []), ...sandboxChainArgs(chain)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(daemon);
  daemon.stderr!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line.includes('"error"') || line.includes('failed')) process.stderr.write(line + '\n');
  });
  daemon.on('exit', (code) => {
    say(`the node stopped (exit code ${code}).`);
    shutdown(code ?? 1);
  });
  const ready = await new Promise<ReadyLine>((resolve) => {
    createInterface({ input: daemon.stdout! }).on('line', (line) => {
      try {
        const v = JSON.parse(line) as ReadyLine;
        if (v.event === 'ready') resolve(v);
      } catch {
        /* not JSON */
      }
    });
  });
  say(`your node ${ready.nodeId} listens on ${ready.listen ?? 'no address'} (data in ${datadir}).`);
  if (ready.listenFallback) {
    say(`${ready.listenFallback.reason}: listening on ${ready.listen} for this run instead (the saved ${ready.listenFallback.wanted} is tried again next time).`);
  }
  if (ready.uiFallback) say(`${ready.uiFallback.reason}: the app is on ${ready.app} for this run instead (a browser signed in before must sign in again here).`);
  let sandbox: Sandbox | undefined;
  if (wantSandbox && ready.listen) {
    say('starting the sandbox network: "lsp" and "shop" (npm start -- --no-sandbox to skip)…');
    const yours = await connectToDaemon(datadir);
    sandbox = await startSandbox({ root, datadir, you: { nodeId: ready.nodeId, listen: ready.listen, api: yours.api }, children, say, chain });
    chain?.startMining();
    // The app switches the friend offline and online through your daemon's UI server (scripts/sandbox-friend.ts),
    // and its async timeline reads the lsp's and the friend's steps there (scripts/sandbox-steps.ts).
    friendControl = await startFriendControlServer(sandbox.friend, datadir, { lsp: { nodeId: sandbox.lsp.nodeId, api: sandbox.lsp.api } });
  }
  if (ready.app) say(`the app is at ${ready.app} (a browser signed in before stays signed in).`);
  say('to sign in a browser, open this address once (`npx glasswing uilogin` makes a new one):');
  process.stdout.write(`\n    ${ready.ui}\n\n`);
  if (sandbox) say(`sandbox: ${sandbox.summary}`);
}

async function main(): Promise<void> {
  const electron = findElectron();
  if (!electron.path || args.includes('--browser')) {
    await startBrowserMode(electron.reason ?? 'browser mode requested');
    return;
  }
  ensureRendererBuilt();
  const build = spawnSync(process.execPath, [join(root, 'scripts/build-electron.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(1);
  mkdirSync(datadir, { recursive: true, mode: 0o700 });
  nameOnFirstStart(sandboxWanted());
  const env: NodeJS.ProcessEnv = { ...process.env, GLASSWING_DATADIR: datadir };
  const binding = (await import('./electron-native')).ensureElectronSqlite(root, electron.path, say);
  if (binding) env.GLASSWING_SQLITE_BINDING = binding;
  let sandbox: Sandbox | undefined;
  let chain: SandboxChain | null = null;
  if (sandboxWanted()) {
    chain = await startChain();
    say('starting the sandbox network: "lsp" and "shop" (npm start -- --no-sandbox to skip)…');
    sandbox = await startSandbox({ root, datadir, children, say, chain });
    // The desktop node follows the sandbox chain; the sandbox nodes dial it once it is up (joinSandbox below).
    if (chain) env.GLASSWING_RPC_URL = chain.rpcUrl;
  }
  say('starting the desktop app (Electron)…');
  const app = spawn(electron.path, [join(root, 'dist/electron/main.cjs')], { stdio: 'inherit', env });
  children.push(app);
  app.on('exit', (code) => shutdown(code ?? 0));
  if (!sandbox) return;
  // As in browser mode, once the app's node publishes its API (main/electron/cli-endpoint.ts): your
  // wallet funded, the channels you → lsp → shop opened and the shop paid once.
  let activity: string | null = null;
  try {
    const yours = await waitForNodeApi(datadir, { pid: app.pid!, timeoutMs: 120_000, gone: () => app.exitCode !== null || app.signalCode !== null });
    const info = await yours.api.getInfo({});
    activity = info.listen[0] ? await joinSandbox(sandbox, { nodeId: info.nodeId, listen: info.listen[0], api: yours.api }, { say, chain }) : null;
  } catch (e) {
    say(`the sandbox could not reach the app's node: ${e instanceof Error ? e.message : String(e)}`);
  }
  chain?.startMining();
  say(`sandbox: ${sandboxSummary(sandbox, activity)}`);
}

await main();
