/**
 * Issue 3: real `glasswing daemon` processes over loopback, driven through the CLI and the API.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import type { DaemonProcess} from '../support/daemon';
import { eventually, runCli, startDaemon } from '../support/daemon';
import WebSocket from 'ws';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

describe('daemons connect, ping, disconnect and reconnect over loopback', () => {
  let a: DaemonProcess;
  let b: DaemonProcess;
  let c: DaemonProcess;

  beforeAll(async () => {
    [a, b, c] = await Promise.all([startDaemon(['--alias', 'alice']), startDaemon(['--alias', 'bob']), startDaemon(['--alias', 'carol'])]);
  }, 120_000);

  it('prints a ready line with node id, listen address and API url', () => {
    expect(a.ready).toMatchObject({ event: 'ready', nodeId: expect.stringMatching(/^0[23][0-9a-f]{64}$/) });
    expect(a.ready!.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(a.ready!.api).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  });

  it('writes the API token with mode 0600', () => {
    expect(statSync(join(a.datadir, 'api-token')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(a.datadir, 'api-token'), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('getinfo reports node id, alias, network, named features, listen address and version', async () => {
    const r = await a.cli('getinfo');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({
      nodeId: a.nodeId, alias: 'alice', network: 'regtest', listen: [a.ready!.listen], numPeers: 0, async: { role: 'none', lspPolicy: null, servedPolicy: null },
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    const names = (r.json as { features: { name: string }[] }).features.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['var_onion_optin', 'payment_secret', 'option_static_remotekey']));
  });

  it('A connects to B and C through the CLI; all three see each other in listpeers', async () => {
    const ab = await a.cli('connect', b.address);
    expect(ab.code).toBe(0);
    expect(ab.json).toMatchObject({ nodeId: b.nodeId, direction: 'outbound' });
    const ac = await a.cli('connect', c.address);
    expect(ac.code).toBe(0);
    const aPeers = (await a.cli('listpeers')).json as { peers: { nodeId: string; direction: string; features: { name: string }[] }[] };
    expect(aPeers.peers.map((p) => p.nodeId).sort()).toEqual([b.nodeId, c.nodeId].sort());
    expect(aPeers.peers[0]!.features.map((f) => f.name)).toContain('var_onion_optin');
    const bPeers = (await b.cli('listpeers')).json as { peers: { nodeId: string; direction: string; connectedSince: number }[] };
    expect(bPeers.peers).toEqual([expect.objectContaining({ nodeId: a.nodeId, direction: 'inbound', connectedSince: expect.any(Number) })]);
  });

  it('ping reports a round trip and listpeers then shows it', async () => {
    const r = await a.cli('ping', b.nodeId);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ nodeId: b.nodeId, rttMs: expect.any(Number) });
    const peers = (await a.cli('listpeers')).json as { peers: { nodeId: string; lastPingRttMs: number | null }[] };
    expect(peers.peers.find((p) => p.nodeId === b.nodeId)!.lastPingRttMs).not.toBeNull();
  });

  it('labelpeer names a peer in listpeers, and an empty label removes the name', async () => {
    expect((await a.cli('labelpeer', b.nodeId, 'bob the builder')).json).toEqual({ nodeId: b.nodeId, label: 'bob the builder' });
    const peers = (await a.cli('listpeers')).json as { peers: { nodeId: string; label: string | null }[] };
    expect(peers.peers.find((p) => p.nodeId === b.nodeId)!.label).toBe('bob the builder');
    expect((await a.cli('labelpeer', b.nodeId, '')).json).toEqual({ nodeId: b.nodeId, label: null });
  });

  it('disconnect closes the connection on both sides', async () => {
    const r = await a.cli('disconnect', c.nodeId);
    expect(r.code).toBe(0);
    const cApi = await c.api();
    await eventually(async () => (await cApi.listPeers({})).peers.length === 0, 10_000, 'C to see the disconnect');
  });

  it('A reconnects to B after B is restarted on the same port', async () => {
    const port = b.listenPort;
    const aEvents = await a.events();
    await b.stop('SIGTERM');
    await aEvents.waitFor((e) => e.type === 'peer.disconnected' && e.nodeId === b.nodeId);
    await b.start(`127.0.0.1:${port}`);
    await aEvents.waitFor((e) => e.type === 'peer.connected' && e.peer.nodeId === b.nodeId, 30_000);
    const peers = (await a.cli('listpeers')).json as { peers: { nodeId: string }[] };
    expect(peers.peers.map((p) => p.nodeId)).toContain(b.nodeId);
  });

  it('errors from the CLI are JSON on stderr with a non-zero exit', async () => {
    const notConnected = await a.cli('ping', c.nodeId);
    expect(notConnected.code).not.toBe(0);
    expect(JSON.parse(notConnected.stderr)).toMatchObject({ error: { code: 'peer.not_connected' } });
    const bad = await a.cli('connect', 'not-an-address');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr)).toMatchObject({ error: { code: 'cli.usage' } });
    const refused = await a.cli('connect', `${c.nodeId}@127.0.0.1:1`);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: { code: 'peer.connect_failed' } });
  });
});

describe('the daemon survives SIGKILL', () => {
  it('keeps its node id and its peer list after kill -9 and restart', async () => {
    const [x, y] = await Promise.all([startDaemon(), startDaemon()]);
    expect((await x.cli('connect', y.address)).code).toBe(0);
    const idBefore = x.nodeId;
    await x.stop('SIGKILL');
    await x.start();
    expect(x.nodeId).toBe(idBefore);
    // The address book brings the peer back: X reconnects to Y on its own.
    const xApi = await x.api();
    await eventually(async () => (await xApi.listPeers({})).peers.some((p) => p.nodeId === y.nodeId), 30_000, 'X to reconnect to Y');
    await Promise.all([x.stop(), y.stop()]);
  });

  it('refuses a second daemon on the same data directory with a clear error', async () => {
    const x = await startDaemon();
    const second = await runCli(['daemon', '--datadir', x.datadir, '--listen', '127.0.0.1:0']);
    expect(second.code).toBe(1);
    expect(JSON.parse(second.stderr.trim().split('\n').pop()!)).toMatchObject({ error: { code: 'store.busy' } });
    await x.stop();
  });
});

describe('the API refuses requests without the right token', () => {
  let d: DaemonProcess;
  beforeAll(async () => {
    d = await startDaemon();
  }, 60_000);

  const attempt = (headers: Record<string, string>) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(d.ready!.api, { headers });
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });

  it('rejects a missing token with 401', async () => {
    expect(await attempt({})).toBe(401);
  });

  it('rejects a wrong token with 401', async () => {
    expect(await attempt({ authorization: `Bearer ${'0'.repeat(64)}` })).toBe(401);
  });

  it('accepts the token from the data directory', async () => {
    const token = readFileSync(join(d.datadir, 'api-token'), 'utf8').trim();
    expect(await attempt({ authorization: `Bearer ${token}` })).toBe(101);
  });

  it('rejects malformed calls with api.invalid_params naming the field', async () => {
    const api = await d.api();
    await expect(api.connect({ address: 'nope' })).rejects.toMatchObject({ code: 'api.invalid_params' });
    await expect((api.ping as (p: unknown) => Promise<unknown>)({ nodeId: b64() })).rejects.toMatchObject({ code: 'api.invalid_params' });
    await expect((api.getInfo as (p: unknown) => Promise<unknown>)({ extra: 1 })).rejects.toMatchObject({ code: 'api.invalid_params', message: expect.stringContaining('extra') });
  });
});

function b64(): string {
  return 'QUJD';
}
