/**
 * `npm start` with the sandbox, as a whole (issue 16 item 6): scripts/start.ts run as a user runs it
 * (`tsx scripts/start.ts --browser --datadir D`: browser mode, a first start, the sandbox chain on
 * btcd), not a re-assembly of its parts. The friend comes up with the lsp and the shop, its offer is
 * served by the lsp (paid while the friend is offline, the payment completes when it returns), and
 * the control endpoint start.ts serves switches it: only with its token, and a malformed request is
 * refused with a reason. Stopping npm start removes the control file and stops every process.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectToDaemon } from '../../main/cli/daemon-client';
import { friendControlFile } from '../../scripts/sandbox-friend';
import { waitFor } from '../support/btcd';
import { startNpmStart, stopNpmStart } from '../support/npm-start';
import { tempDir } from '../support/tmp';
import { REPO_ROOT } from '../support/vectors';

let npmStart: ChildProcess | undefined;
afterAll(() => stopNpmStart(npmStart), 30_000);

/** A raw POST (fetch would add Host/Origin of its own), with its status and JSON body. */
function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('npm start with the sandbox friend', () => {
  it('starts the friend, serves its offer through the lsp, and switches it through the control endpoint it serves', async () => {
    const datadir = tempDir('glasswing-npm-start-friend-');
    const { child, lines } = startNpmStart(REPO_ROOT, datadir);
    npmStart = child;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    // The summary comes once the sandbox is up (channels opened, the shop paid); the friend is in it.
    const summary = await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${lines.join('\n')}`);
      return lines.find((l) => l.startsWith('glasswing: sandbox: '));
    }, 'npm start\'s sandbox summary', 200_000);
    expect(lines.some((l) => l.startsWith('glasswing: sandbox chain: btcd on regtest'))).toBe(true);
    const friendId = /friend ([0-9a-f]{12})… at 127\.0\.0\.1:\d+ \(an async recipient/.exec(summary)?.[1];
    expect(friendId, summary).toBeDefined();
    expect(lines.some((l) => l.includes('channels you → lsp → shop are active'))).toBe(true);

    // The control endpoint: its address and token in DATADIR/sandbox/control.json, for the owner only.
    const file = friendControlFile(datadir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { url, token } = JSON.parse(readFileSync(file, 'utf8')) as { url: string; token: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const friend = `${url}/friend`;
    const auth = { authorization: `Bearer ${token}` };

    // Refused: no token, a wrong one, a body that is not exactly { action } with a known action.
    expect(await post(friend, {}, '{"action":"status"}')).toEqual({ status: 401, json: { error: 'unauthorised' } });
    expect(await post(friend, { authorization: `Bearer ${'f'.repeat(64)}` }, '{"action":"offline"}')).toEqual({ status: 401, json: { error: 'unauthorised' } });
    expect(await post(friend, auth, '{"action":"reboot"}')).toEqual({ status: 400, json: { error: 'action must be one of status, offline, online, steps' } });
    expect(await post(friend, auth, '{"action":"offline","now":true}')).toEqual({ status: 400, json: { error: 'the body takes exactly one field, action' } });
    expect(await post(friend, auth, 'offline')).toEqual({ status: 400, json: { error: 'the body is not JSON' } });

    // The friend is up; its offer is ready once the lsp keeps its static invoice (their channel is active).
    const status = async () => (await post(friend, auth, '{"action":"status"}')).json;
    const first = await status();
    expect(first).toMatchObject({ state: 'online', error: null });
    expect((first.nodeId as string).startsWith(friendId!)).toBe(true);
    const offer = await waitFor(async () => ((await status()).offer as string | null) ?? undefined, 'the friend\'s offer ready at the lsp', 60_000);
    expect(offer).toMatch(/^lno1/);
    const friendDir = join(datadir, 'sandbox', 'friend');
    expect(existsSync(join(friendDir, 'api.json'))).toBe(true);

    // Offline: the friend's daemon stopped (it removes its api.json as it stops).
    const off = await post(friend, auth, '{"action":"offline"}');
    expect(off).toMatchObject({ status: 200, json: { state: 'offline', nodeId: first.nodeId, offer, error: null } });
    expect(existsSync(join(friendDir, 'api.json'))).toBe(false);

    // Its offer is served by the lsp while it is away: your node pays it and the payment waits.
    const you = await connectToDaemon(datadir);
    try {
      const pending = await you.api.pay({ invoice: offer, amountMsat: '21000', wait: false });
      expect(pending).toMatchObject({ kind: 'async', status: 'pending' });
      // Online again (the same node on its data directory): it finds the payment and is paid.
      const on = await post(friend, auth, '{"action":"online"}');
      expect(on).toMatchObject({ status: 200, json: { state: 'online', nodeId: first.nodeId, offer, error: null } });
      await waitFor(async () => ((await you.api.getPayment({ paymentId: pending.paymentId }).catch(() => null))?.status === 'succeeded' ? true : undefined), 'the friend paid once it is back', 60_000);
      await waitFor(async () => ((await status()).receivedMsat === '21000' ? true : undefined), 'the friend counting what it received', 20_000);
    } finally {
      you.close();
    }

    // npm start stopped: the control file goes, every process with it.
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(friendDir, 'api.json'))).toBe(false);
    expect(existsSync(join(datadir, 'api.json'))).toBe(false);
  }, 300_000);
});
