/**
 * The sandbox with the desktop app's node (issue 15 item 8, Electron mode): the node hosted the way
 * the Electron main process hosts it (main/electron/desktop-node.ts — the same function main.ts
 * calls; only the window is left out, the Electron binary not being installable here) publishes the
 * command line's endpoint, `npm start`'s wait for it (waitForNodeApi) finds it by the app's process
 * id, and the sandbox joins it: its wallet funded, the channels you → lsp → shop opened and the shop
 * paid, on a real btcd. The `glasswing` CLI, as a real process, reaches the same node; once the app
 * stops, the CLI says no node is running.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { API_INFO_FILE, API_TOKEN_FILE } from '../../main/cli/daemon-client';
import { openDesktopNode, type DesktopNode } from '../../main/electron/desktop-node';
import { SANDBOX_OFFER_PAYMENT_ID, SANDBOX_PAYMENT_ID, joinSandbox, startSandbox, waitForNodeApi } from '../../scripts/sandbox';
import { startSandboxChain, type SandboxChain } from '../../scripts/regtest/sandbox-chain';
import { runCli } from '../support/daemon';
import { tempDir } from '../support/tmp';
import { REPO_ROOT } from '../support/vectors';

const children: ChildProcess[] = [];
const chains: SandboxChain[] = [];
let desktop: DesktopNode | undefined;
afterAll(async () => {
  await desktop?.stop().catch(() => undefined);
  for (const c of children) c.kill('SIGKILL');
  for (const c of chains) await c.btcd.stop();
});

const lines: string[] = [];
const say = (text: string): void => void lines.push(text);
const silent = (): void => undefined;

describe('the sandbox and the desktop app\'s node', () => {
  it('waits for the app\'s own API, not files another process left', async () => {
    const datadir = tempDir('glasswing-desktop-stale-');
    // What a daemon killed earlier would leave: api.json naming another process.
    writeFileSync(join(datadir, API_TOKEN_FILE), 'ab'.repeat(32) + '\n');
    writeFileSync(join(datadir, API_INFO_FILE), JSON.stringify({ url: 'ws://127.0.0.1:9/', pid: process.pid + 1, network: 'regtest' }) + '\n');
    await expect(waitForNodeApi(datadir, { pid: process.pid, timeoutMs: 600 })).rejects.toThrow(/did not publish its API in 1 s/);
    await expect(waitForNodeApi(datadir, { pid: process.pid, timeoutMs: 60_000, gone: () => true })).rejects.toThrow('the app stopped before its node answered');
  });

  it('is joined through the command line\'s endpoint: funded, channels you → lsp → shop, the shop paid; the CLI reaches it until it stops', async () => {
    const datadir = tempDir('glasswing-sandbox-desktop-');
    const chain = (await startSandboxChain({ datadir, say, root: REPO_ROOT }))!;
    chains.push(chain);
    // As start.ts does for Electron: the sandbox first (no node of yours yet), then the app.
    const sandbox = await startSandbox({ root: REPO_ROOT, datadir, children, say, chain });
    const yourDir = join(datadir, 'you');
    mkdirSync(yourDir, { recursive: true, mode: 0o700 });
    desktop = await openDesktopNode({
      datadir: yourDir,
      env: { GLASSWING_ALIAS: 'you', GLASSWING_PORT: '0', GLASSWING_RPC_URL: chain.rpcUrl },
      log: silent,
    });
    expect(desktop.cli).toBeDefined();
    const yours = await waitForNodeApi(yourDir, { pid: process.pid, timeoutMs: 30_000 });
    const info = await yours.api.getInfo({});
    expect(info.nodeId).toBe((await desktop.api.getInfo({})).nodeId);
    const activity = await joinSandbox(sandbox, { nodeId: info.nodeId, listen: info.listen[0]!, api: yours.api }, { say, chain });
    expect(activity, lines.join('\n')).toBe('channels you → lsp → shop active (3 opened now); the shop\'s invoice succeeded, its offer succeeded');
    expect(lines).toContain(`funded your wallet with ${0.5} regtest BTC.`);
    const payments = (await desktop.api.listPayments({})).payments;
    expect(payments.map((p) => [p.paymentId, p.status]).sort()).toEqual([[SANDBOX_PAYMENT_ID, 'succeeded'], [SANDBOX_OFFER_PAYMENT_ID, 'succeeded']]);
    // The peers dialled you and are named as in browser mode (the friend reaches you through the lsp only).
    const peers = (await desktop.api.listPeers({})).peers;
    expect(peers.map((p) => p.label).sort()).toEqual(['lsp (sandbox)', 'shop (sandbox)']);

    // The command line, a real process, reaches the app's node.
    const cli = await runCli(['--datadir', yourDir, 'getinfo']);
    expect(cli.code).toBe(0);
    expect(cli.json).toMatchObject({ nodeId: info.nodeId, alias: 'you' });
    const bad = await runCli(['--datadir', yourDir, 'getchannel', 'xyz']);
    expect(bad.code).not.toBe(0);
    yours.close();
    // The app quits: the endpoint and its files go; the CLI says so.
    await desktop.stop();
    desktop = undefined;
    expect(existsSync(join(yourDir, API_INFO_FILE))).toBe(false);
    expect(existsSync(join(yourDir, API_TOKEN_FILE))).toBe(false);
    const gone = await runCli(['--datadir', yourDir, 'getinfo']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr + gone.stdout).toContain('no daemon is running');
  }, 240_000);
});
