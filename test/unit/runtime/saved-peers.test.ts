/**
 * Saved peers and their reconnection (issue 18 item 5), on a node with a ManualClock over real TCP
 * on 127.0.0.1 and a real SQLite file: an address that never answered is tried a bounded number
 * of times and then left alone with the reason (kept across a restart); a peer seen before is
 * retried for as long as it is saved; listSavedPeers says where each stands; the user can stop and
 * forget one; the node's log shows the first failure and then one line, not one per attempt.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../core/crypto';
import type { NodeApi, NodeEvent, SavedPeerInfo } from '../../../core/api';
import { createNodeApi } from '../../../core/api/node-api';
import { Node } from '../../../core/node';
import { ManualClock } from '../../../core/runtime/clock';
import { tempDir } from '../../support/tmp';

const T0 = 1_760_000_000_000;
const MAX = 3;

interface Started {
  node: Node;
  api: NodeApi;
  id: string;
  address: string;
  events: NodeEvent[];
  logs: Record<string, unknown>[];
  datadir: string;
}

const open: Node[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.stop()));
});

async function start(opts: { clock?: ManualClock; datadir?: string } = {}): Promise<Started> {
  const datadir = opts.datadir ?? tempDir('glasswing-saved-peers-');
  const logs: Record<string, unknown>[] = [];
  const node = await Node.open({
    datadir, alias: 'a', network: 'regtest', listen: { host: '127.0.0.1', port: 0 }, version: 'test', maxAttemptsNeverSeen: MAX,
    log: (line) => logs.push(line), ...(opts.clock ? { clock: opts.clock } : {}),
  });
  open.push(node);
  const events: NodeEvent[] = [];
  node.events.subscribe((e) => events.push(e));
  const { listen } = await node.start();
  return { node, api: createNodeApi(node), id: toHex(node.nodeId), address: `${toHex(node.nodeId)}@${listen[0]}`, events, logs, datadir };
}

async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A 127.0.0.1 port nothing listens on (taken from the OS, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A valid node id nobody runs (the generator point's x with prefix 02). */
const NOBODY = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';

const saved = async (api: NodeApi, nodeId: string): Promise<SavedPeerInfo | undefined> => (await api.listSavedPeers({})).peers.find((p) => p.nodeId === nodeId);

/** Moves the clock to the next scheduled attempt and waits for its outcome (the next event about it). */
async function nextAttempt(a: Started, clock: ManualClock, nodeId: string): Promise<NodeEvent> {
  const before = a.events.length;
  const timer = clock.timers().find((t) => t.name === `peer.reconnect ${nodeId}`);
  if (!timer) throw new Error('no reconnection attempt is scheduled');
  clock.advance(timer.nextRunAt - clock.now());
  return until(
    () => a.events.slice(before).find((e) => (e.type === 'peer.reconnect_scheduled' || e.type === 'peer.reconnect_stopped') && e.nodeId === nodeId),
    'the attempt to fail',
  );
}

describe('saved peers that never answered', () => {
  it(`are tried ${MAX} times in a row, then left alone with the reason, shown in listSavedPeers and kept across a restart`, async () => {
    const clock = new ManualClock(T0);
    const a = await start({ clock });
    const address = `${NOBODY}@127.0.0.1:${await deadPort()}`;
    await expect(a.api.connect({ address, reconnect: true })).rejects.toMatchObject({ code: 'peer.connect_failed' });
    await until(() => a.events.some((e) => e.type === 'peer.reconnect_scheduled' && e.nodeId === NOBODY), 'the first retry to be scheduled');
    expect(await saved(a.api, NOBODY)).toMatchObject({
      state: 'waiting', reconnect: true, connected: false, failedAttempts: 1, lastSeen: null, gaveUpReason: null,
      lastError: { code: 'peer.connect_failed' }, addresses: [address.split('@')[1]],
    });
    expect((await saved(a.api, NOBODY))!.nextAttemptAt).toBeGreaterThan(clock.now());

    for (let failures = 2; failures < MAX; failures++) {
      expect(await nextAttempt(a, clock, NOBODY)).toMatchObject({ type: 'peer.reconnect_scheduled', attempt: failures + 1 });
      expect((await saved(a.api, NOBODY))!.failedAttempts).toBe(failures);
    }
    const stopped = await nextAttempt(a, clock, NOBODY);
    expect(stopped).toMatchObject({ type: 'peer.reconnect_stopped', by: 'policy', attempts: MAX, reason: expect.stringContaining('never answered') });
    expect(clock.timers().some((t) => t.name === `peer.reconnect ${NOBODY}`)).toBe(false);
    const gaveUp = (await saved(a.api, NOBODY))!;
    expect(gaveUp).toMatchObject({ state: 'gave_up', reconnect: false, failedAttempts: MAX, nextAttemptAt: null });
    expect(gaveUp.gaveUpReason).toMatch(/never answered: 3 attempts in a row failed \(last: could not connect to 127\.0\.0\.1:\d+: ECONNREFUSED\)/);

    // The log: the first failure, then one line when it stopped (with how many were not logged).
    const aboutIt = a.logs.filter((l) => l.nodeId === NOBODY);
    expect(aboutIt.map((l) => l.type)).toEqual(['peer.connection_failed', 'peer.reconnect_stopped']);
    expect(aboutIt[1]).toMatchObject({ attempts: MAX, unloggedFailures: MAX - 1 });

    // After a restart it is still saved, still not retried, and still says why.
    await a.node.stop();
    const again = await start({ clock, datadir: a.datadir });
    expect(await saved(again.api, NOBODY)).toMatchObject({ state: 'gave_up', gaveUpReason: gaveUp.gaveUpReason, failedAttempts: 0 });
    expect(clock.timers().some((t) => t.name === `peer.reconnect ${NOBODY}`)).toBe(false);

    // Connecting again is the user's decision: the count starts over.
    await expect(again.api.connect({ address, reconnect: true })).rejects.toMatchObject({ code: 'peer.connect_failed' });
    expect(await saved(again.api, NOBODY)).toMatchObject({ state: 'waiting', reconnect: true, gaveUpReason: null, failedAttempts: 1 });
  });

  it('stop (disconnect) turns reconnection off; forget removes the peer, its name and any timer', async () => {
    const clock = new ManualClock(T0);
    const a = await start({ clock });
    const address = `${NOBODY}@127.0.0.1:${await deadPort()}`;
    await a.api.connect({ address, reconnect: true }).catch(() => undefined);
    await a.api.labelPeer({ nodeId: NOBODY, label: 'nobody' });
    await until(() => clock.timers().some((t) => t.name === `peer.reconnect ${NOBODY}`), 'a retry to be scheduled');
    await a.api.disconnect({ nodeId: NOBODY });
    expect(a.events.find((e) => e.type === 'peer.reconnect_stopped')).toMatchObject({ nodeId: NOBODY, by: 'request', attempts: 0 });
    expect(await saved(a.api, NOBODY)).toMatchObject({ state: 'off', reconnect: false, label: 'nobody', gaveUpReason: null, nextAttemptAt: null });
    expect(clock.timers().some((t) => t.name === `peer.reconnect ${NOBODY}`)).toBe(false);

    expect(await a.api.forgetPeer({ nodeId: NOBODY })).toEqual({ nodeId: NOBODY, forgotten: true });
    expect(a.events.at(-1)).toMatchObject({ type: 'peer.forgotten', nodeId: NOBODY });
    expect(await saved(a.api, NOBODY)).toBeUndefined();
    expect(await a.api.forgetPeer({ nodeId: NOBODY })).toEqual({ nodeId: NOBODY, forgotten: false });
  });
});

describe('saved peers seen before', () => {
  it('are retried past the bound while they are down, and reconnect when they are back; forget closes a live connection', async () => {
    const clock = new ManualClock(T0);
    const a = await start({ clock });
    const b = await start();
    await a.api.connect({ address: b.address, reconnect: true });
    expect(await saved(a.api, b.id)).toMatchObject({ state: 'connected', connected: true, failedAttempts: 0, lastSeen: T0 });
    const bDir = b.datadir;
    const bAddress = b.address;
    await b.node.stop();
    open.splice(open.indexOf(b.node), 1);
    await until(() => a.events.some((e) => e.type === 'peer.reconnect_scheduled' && e.nodeId === b.id), 'the reconnection to be scheduled');
    for (let i = 0; i < MAX + 1; i++) expect(await nextAttempt(a, clock, b.id)).toMatchObject({ type: 'peer.reconnect_scheduled' });
    expect(await saved(a.api, b.id)).toMatchObject({ state: 'waiting', reconnect: true, failedAttempts: MAX + 1, gaveUpReason: null });
    // One line about the failures so far in the log, not one per attempt.
    expect(a.logs.filter((l) => l.type === 'peer.connection_failed' && l.nodeId === b.id)).toHaveLength(1);

    // B is back on the same port: the next attempt connects, and the log says how many failed.
    const port = Number(bAddress.split(':').pop());
    const back = await Node.open({ datadir: bDir, alias: 'b', network: 'regtest', listen: { host: '127.0.0.1', port }, version: 'test' });
    open.push(back);
    await back.start();
    clock.advance(clock.timers().find((t) => t.name === `peer.reconnect ${b.id}`)!.nextRunAt - clock.now());
    await until(() => a.node.peers.isConnected(b.id), 'A to reconnect to B');
    expect(await saved(a.api, b.id)).toMatchObject({ state: 'connected', failedAttempts: 0, lastError: null });
    expect(a.logs.find((l) => l.type === 'peer.connection_failures' && l.nodeId === b.id)).toMatchObject({ status: 'connected after', failures: MAX + 1, unloggedFailures: MAX });

    expect(await a.api.forgetPeer({ nodeId: b.id })).toEqual({ nodeId: b.id, forgotten: true });
    await until(() => !a.node.peers.isConnected(b.id), 'the connection to close');
    expect(await saved(a.api, b.id)).toBeUndefined();
  });
});
