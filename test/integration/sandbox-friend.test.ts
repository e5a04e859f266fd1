/**
 * The sandbox friend's switch (scripts/sandbox-friend.ts, issue 16): a real friend daemon (an async
 * recipient), the control endpoint `npm start` serves on 127.0.0.1 with its token, and your
 * daemon's UI server passing a signed-in page's `POST /sandbox/friend` to it. Every refusal is
 * checked: no token, a wrong Host, another method, a malformed or oversized body, no session, no
 * Origin. Offline stops the friend's process; online starts it again on its data directory (the
 * same node id).
 */
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { FriendControl, FRIEND_DESCRIPTION, friendProcess, parseFriendRequest, startFriendControlServer, type FriendControlServer } from '../../scripts/sandbox-friend';
import { startNode } from '../../scripts/sandbox';
import { startDaemon, type DaemonProcess } from '../support/daemon';
import { REPO_ROOT } from '../support/vectors';

const children: ChildProcess[] = [];
let you: DaemonProcess | undefined;
let control: FriendControlServer | undefined;
afterAll(async () => {
  await control?.close();
  await you?.stop();
  for (const c of children) c.kill('SIGKILL');
});

/** A raw HTTP request (fetch would set Host and Origin itself). */
function post(url: string, headers: Record<string, string>, body: string, method = 'POST'): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = { text };
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', (e) => reject(new Error(`${method} ${url} ${JSON.stringify(headers).slice(0, 60)} ${body.slice(0, 30)}: ${e.message}`)));
    req.end(body);
  });
}

describe('the sandbox friend\'s switch', () => {
  it('parses exactly one action', () => {
    expect(parseFriendRequest('{"action":"offline"}')).toEqual({ action: 'offline' });
    expect(parseFriendRequest('{"action":"reboot"}')).toHaveProperty('problem');
    expect(parseFriendRequest('{"action":"status","x":1}')).toHaveProperty('problem');
    expect(parseFriendRequest('[]')).toHaveProperty('problem');
    expect(parseFriendRequest('nope')).toHaveProperty('problem');
  });

  it('switches a real friend daemon offline and online, only for its token, and through a signed-in page of your app', async () => {
    you = await startDaemon(['--ui']);
    const opts = { root: REPO_ROOT, datadir: you.datadir, children, say: () => undefined };
    // The friend as the sandbox starts it: an async recipient (its LSP here is you, which plays none: it just waits).
    const friendAsync = { role: 'recipient', lsp: `${you.nodeId}@${you.ready!.listen}`, description: FRIEND_DESCRIPTION };
    const first = await startNode(opts, 'friend', friendAsync);
    // The friend's latest process (a short grace before a stuck one is killed: below).
    let latest: ChildProcess = first.child;
    const friend = new FriendControl(first.nodeId, async () => {
      const n = await startNode(opts, 'friend', friendAsync);
      latest = n.child;
      return friendProcess(n.nodeId, n.api, n.child, 1_000);
    });
    friend.adopt(friendProcess(first.nodeId, first.api, first.child));
    control = await startFriendControlServer(friend, you.datadir);
    const auth = { authorization: `Bearer ${control.token}` };
    const direct = `${control.url}/friend`;

    // The control endpoint: its token, its Host, POST, a checked body of at most 256 bytes.
    expect((await post(direct, {}, '{"action":"status"}')).status).toBe(401);
    expect((await post(direct, { authorization: `Bearer ${'0'.repeat(64)}` }, '{"action":"status"}')).status).toBe(401);
    expect((await post(direct, { ...auth, host: 'evil.example:80' }, '{"action":"status"}')).status).toBe(403);
    expect((await post(direct, auth, '', 'GET')).status).toBe(405);
    expect((await post(direct, auth, '{"action":"explode"}')).status).toBe(400);
    expect((await post(direct, auth, JSON.stringify({ action: 'status', pad: 'x'.repeat(300) }))).status).toBe(413);
    const status = await post(direct, auth, '{"action":"status"}');
    expect(status).toMatchObject({ status: 200, json: { state: 'online', nodeId: first.nodeId, offer: null, error: null } });
    expect((await first.api.asyncOffer({})).role).toBe('recipient');

    // Through your daemon's UI server: only a signed-in page of its own origin.
    const app = new URL(you.ready!.ui!).origin;
    const login = await fetch(you.ready!.ui!, { redirect: 'manual' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const viaUi = `${app}/sandbox/friend`;
    expect((await post(viaUi, { origin: app }, '{"action":"status"}')).status).toBe(401);
    expect((await post(viaUi, { cookie }, '{"action":"status"}')).status).toBe(401);
    expect((await post(viaUi, { cookie, origin: 'http://127.0.0.1:1' }, '{"action":"status"}')).status).toBe(401);
    expect((await post(viaUi, { cookie, origin: app }, '{"action":"status"}', 'GET')).status).toBe(405);
    expect((await post(viaUi, { cookie, origin: app }, '{"action":"explode"}')).status).toBe(400);
    expect((await post(viaUi, { cookie, origin: app }, JSON.stringify({ action: 'status', pad: 'x'.repeat(300) }))).status).toBe(413);
    expect((await post(viaUi, { cookie, origin: app }, '{"action":"status"}')).json).toMatchObject({ state: 'online', nodeId: first.nodeId });

    const off = await post(viaUi, { cookie, origin: app }, '{"action":"offline"}');
    expect(off).toMatchObject({ status: 200, json: { state: 'offline', nodeId: first.nodeId } });
    expect(first.child.exitCode).not.toBeNull();
    const on = await post(viaUi, { cookie, origin: app }, '{"action":"online"}');
    expect(on).toMatchObject({ status: 200, json: { state: 'online', nodeId: first.nodeId, error: null } });
    expect((await friend.api!.getInfo({})).nodeId).toBe(first.nodeId);

    // Without the sandbox (no control file) the route says so.
    await control.close();
    control = undefined;
    expect(await post(viaUi, { cookie, origin: app }, '{"action":"status"}')).toMatchObject({ status: 200, json: { friend: null } });

    // A friend whose node is stuck (SIGSTOP: its API does not answer, SIGTERM waits): the status
    // still answers with what is known, and the switch ends offline (killed after the grace), saying so.
    const stuck = latest;
    process.kill(stuck.pid!, 'SIGSTOP');
    expect(await friend.status()).toMatchObject({ state: 'online', nodeId: first.nodeId });
    await friend.offline();
    expect(stuck.signalCode).toBe('SIGKILL');
    expect(await friend.status()).toMatchObject({ state: 'offline', error: expect.stringContaining('was killed') });
    // And back: online again, the error gone.
    await friend.online();
    expect(await friend.status()).toMatchObject({ state: 'online', error: null });
    await friend.offline();
    expect(latest.exitCode).toBe(0);
  }, 120_000);
});
