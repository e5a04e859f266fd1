/**
 * The ChannelService inside real Nodes in this process (real PeerManagers over loopback TCP,
 * real SQLite files): a channel opened on an agreed outpoint (test-only path), HTLCs added,
 * fulfilled and failed, every commitment_signed and revoke_and_ack reaching the connection only
 * after the state it commits to is in the database, reconnection and restart with
 * channel_reestablish, a peer's `error`, and the API methods and events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sha256, toHex, utf8 } from '../../../core/crypto';
import { fromHex } from '../../../core/crypto';
import type { NodeApi, NodeEvent } from '../../../core/api';
import { METHOD_SCHEMAS, validate } from '../../../core/api';
import { Node } from '../../../core/node';
import { createNodeApi } from '../../../core/api/node-api';
import { DATABASE_FILE } from '../../../core/store';
import { tempDir } from '../../support/tmp';
import { openTestChannel, testChannelSpec } from '../../support/channel-open';

const ONION = new Uint8Array(1366);

interface TestNode {
  node: Node;
  api: NodeApi;
  id: string;
  datadir: string;
  address: string;
  events: NodeEvent[];
}

async function startNode(datadir = tempDir('glasswing-channels-'), port = 0): Promise<TestNode> {
  // The test drives the HTLCs and each commitment_signed by hand: no payments adapter (it would sign
  // and fail them on its own) and no automatic signing.
  const node = await Node.open({ datadir, alias: 'test', network: 'regtest', listen: { host: '127.0.0.1', port }, version: 'test', payments: false, channels: { autoCommit: false } });
  const events: NodeEvent[] = [];
  node.events.subscribe((e) => events.push(e));
  const { listen } = await node.start();
  return { node, api: createNodeApi(node), id: toHex(node.nodeId), datadir, address: `${toHex(node.nodeId)}@${listen[0]}`, events };
}

async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function preimage(n: number): Uint8Array {
  return sha256(utf8.encode(`service test ${n}`));
}

describe('ChannelService in two in-process nodes', () => {
  let a: TestNode;
  let b: TestNode;
  let channelId: string;

  const stateOf = (t: TestNode) => t.node.channels.inspect(channelId)!.stored.state;
  const settled = () => {
    const sa = stateOf(a);
    const sb = stateOf(b);
    return sa.changes.length === 0 && sb.changes.length === 0 && !sa.remoteNextCommit && !sb.remoteNextCommit &&
      sa.localCommit.ctn === sb.remoteCommit.ctn && sb.localCommit.ctn === sa.remoteCommit.ctn;
  };
  /** Signs from `from`; the other side answers by itself (revoke_and_ack) and we sign back. */
  const roundTrip = async (from: TestNode) => {
    const to = from === a ? b : a;
    from.node.channels.commit(channelId);
    await until(() => !stateOf(from).remoteNextCommit, 'the revocation');
    to.node.channels.commit(channelId);
    await until(settled, 'both commitments');
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([startNode(), startNode()]);
    await a.api.connect({ address: b.address, reconnect: true });
    await until(() => b.node.peers.isConnected(a.id), 'the inbound connection');
    channelId = openTestChannel({ service: a.node.channels, nodeId: a.id }, { service: b.node.channels, nodeId: b.id }, testChannelSpec());
  });

  afterAll(async () => {
    await Promise.all([a.node.stop(), b.node.stop()]);
  });

  it('lists the opened channel on both sides, active, and counts it in getInfo', async () => {
    const [la, lb] = await Promise.all([a.api.listChannels({}), b.api.listChannels({})]);
    expect(la.channels).toHaveLength(1);
    expect(la.channels[0]).toMatchObject({
      channelId, peer: b.id, state: 'active', funder: 'local', capacitySat: '10000000', localBalanceMsat: '5000000000', remoteBalanceMsat: '5000000000',
      localCtn: 0, remoteCtn: 0, numHtlcs: 0, feeratePerKw: 253, toSelfDelay: 144, failure: null, dataLoss: null,
    });
    expect(lb.channels[0]).toMatchObject({ channelId, peer: a.id, state: 'active', funder: 'remote' });
    expect((await a.api.getInfo({})).numChannels).toBe(1);
  });

  it('writes every commitment_signed and revoke_and_ack\'s state to the database before the message reaches the connection', async () => {
    const checks: string[] = [];
    const dbA = new BetterSqlite3(join(a.datadir, DATABASE_FILE), { readonly: true });
    const dbB = new BetterSqlite3(join(b.datadir, DATABASE_FILE), { readonly: true });
    const check = (t: TestNode, db: BetterSqlite3.Database) => (e: NodeEvent) => {
      if (e.type !== 'wire.message' || e.direction !== 'out' || (e.messageType !== 'commitment_signed' && e.messageType !== 'revoke_and_ack')) return;
      // The connection has the message now: the row must already hold the state that produced it.
      const row = db.prepare('SELECT revision, local_ctn, remote_ctn FROM channels WHERE channel_id = ?').get(channelId) as { revision: number; local_ctn: number; remote_ctn: number };
      const live = t.node.channels.inspect(channelId)!.stored;
      const remote = live.state.remoteNextCommit ?? live.state.remoteCommit;
      checks.push(`${e.messageType} ${row.revision === live.revision && row.local_ctn === live.state.localCommit.ctn && row.remote_ctn === remote.ctn}`);
    };
    const offA = a.node.events.subscribe(check(a, dbA));
    const offB = b.node.events.subscribe(check(b, dbB));
    try {
      const { id } = a.node.channels.addHtlc(channelId, { amountMsat: 20_000_000n, paymentHash: sha256(preimage(1)), cltvExpiry: 800, onionRoutingPacket: ONION });
      expect(id).toBe(0n);
      await roundTrip(a);
      b.node.channels.fulfillHtlc(channelId, 0n, preimage(1));
      await roundTrip(b);
    } finally {
      offA();
      offB();
      dbA.close();
      dbB.close();
    }
    expect(checks).toHaveLength(8);
    expect(checks.every((c) => c.endsWith('true'))).toBe(true);
    const [ca] = (await a.api.listChannels({})).channels;
    expect(ca).toMatchObject({ localBalanceMsat: '4980000000', remoteBalanceMsat: '5020000000', localCtn: 2, remoteCtn: 2, numHtlcs: 0 });
  });

  it('reports each step as channel.updated (persisted when it had to be) and each message as channel.message', async () => {
    const from = a.events.length;
    a.node.channels.addHtlc(channelId, { amountMsat: 3_000_000n, paymentHash: sha256(preimage(2)), cltvExpiry: 800, onionRoutingPacket: ONION });
    await roundTrip(a);
    b.node.channels.failHtlc(channelId, 1n, utf8.encode('no route'));
    await roundTrip(b);
    const mine = a.events.slice(from);
    const messages = mine.flatMap((e) => (e.type === 'channel.message' ? [`${e.direction} ${e.messageType}${e.htlcId ? ` ${e.htlcId}` : ''}${e.commitmentNumber !== null ? ` #${e.commitmentNumber}` : ''}`] : []));
    expect(messages).toEqual([
      'out update_add_htlc local:1',
      'out commitment_signed #3',
      'in revoke_and_ack #2',
      'in commitment_signed #3',
      'out revoke_and_ack #2',
      'in update_fail_htlc local:1',
      'in commitment_signed #4',
      'out revoke_and_ack #3',
      'out commitment_signed #4',
      'in revoke_and_ack #3',
    ]);
    const updates = mine.flatMap((e) => (e.type === 'channel.updated' ? [`${e.cause} ${e.persisted}`] : []));
    expect(updates).toEqual([
      'add_htlc false', 'commit true', 'revoke_and_ack true', 'commitment_signed true',
      'update_fail_htlc false', 'commitment_signed true', 'commit true', 'revoke_and_ack true',
    ]);
    const last = mine.filter((e) => e.type === 'channel.updated').at(-1)!;
    expect(last.type === 'channel.updated' && last.view.localCommit.ctn).toBe(4);
    const detail = await a.api.getChannel({ channelId });
    expect(detail.messages.slice(-10).map((m) => m.messageType)).toEqual(messages.map((m) => m.split(' ')[1]));
    expect(detail.view.lists).toEqual({ localUnacked: [], localAcked: [], remoteUnacked: [], remoteAcked: [] });
    expect(detail.lastSent).toBe('commitment_signed');
  });

  it('shows both commitments\' HTLC tables with trimmed flags and the four lists mid-flight', async () => {
    a.node.channels.addHtlc(channelId, { amountMsat: 100_000n, paymentHash: sha256(preimage(3)), cltvExpiry: 800, onionRoutingPacket: ONION });
    a.node.channels.addHtlc(channelId, { amountMsat: 9_000_000n, paymentHash: sha256(preimage(4)), cltvExpiry: 800, onionRoutingPacket: ONION });
    const detail = await a.api.getChannel({ channelId });
    expect(detail.view.lists.remoteUnacked.map((c) => c.htlc)).toEqual(['local:2', 'local:3']);
    await roundTrip(a);
    const after = await a.api.getChannel({ channelId });
    expect(after.view.localCommit.htlcs.map((h) => [h.id, h.trimmed])).toEqual([['2', true], ['3', false]]);
    expect(after.view.remoteCommit.htlcs.map((h) => [h.id, h.trimmed])).toEqual([['2', true], ['3', false]]);
    expect(after.numHtlcs).toBe(2);
  });

  it('reestablishes after a disconnection and goes on', async () => {
    const from = b.events.length;
    await a.api.disconnect({ nodeId: b.id, forget: false });
    await until(() => b.node.channels.list()[0]!.state === 'offline', 'B to see the channel offline');
    await a.api.connect({ address: b.address, reconnect: true });
    await until(() => a.node.channels.list()[0]!.state === 'active' && b.node.channels.list()[0]!.state === 'active', 'both active again');
    const types = b.events.slice(from).flatMap((e) => (e.type === 'channel.message' ? [`${e.direction} ${e.messageType}`] : []));
    expect(types).toContain('out channel_reestablish');
    expect(types).toContain('in channel_reestablish');
    b.node.channels.fulfillHtlc(channelId, 3n, preimage(4));
    await roundTrip(b);
    expect(b.node.channels.checkLocalSignatures(channelId)).toEqual({ ok: true });
  });

  it('restarts from the database with the same state, reconnects and converges', async () => {
    const before = toHex(sha256(utf8.encode(JSON.stringify(b.node.channels.list()))));
    const datadir = b.datadir;
    const port = Number(b.address.split(':').pop());
    await b.node.stop();
    b = await startNode(datadir, port);
    expect(toHex(sha256(utf8.encode(JSON.stringify(b.node.channels.list().map((c) => ({ ...c, state: 'active' }))))))).toBe(before);
    await a.api.connect({ address: b.address, reconnect: true });
    await until(() => b.node.channels.list()[0]!.state === 'active', 'the channel to come back');
    b.node.channels.failHtlc(channelId, 2n, utf8.encode('gone'));
    await roundTrip(b);
    expect(stateOf(a).localCommit.spec.htlcs).toHaveLength(0);
    expect(a.node.channels.checkLocalSignatures(channelId)).toEqual({ ok: true });
  });

  it('sends nothing when the database refuses a write, goes back to the last durable state, and recovers', async () => {
    const writer = new BetterSqlite3(join(a.datadir, DATABASE_FILE));
    const before = a.node.channels.inspect(channelId)!.stored;
    const { id } = a.node.channels.addHtlc(channelId, { amountMsat: 4_000_000n, paymentHash: sha256(preimage(5)), cltvExpiry: 800, onionRoutingPacket: ONION });
    writer.exec(`CREATE TRIGGER no_writes BEFORE UPDATE ON channels BEGIN SELECT RAISE(ABORT, 'disk full'); END;`);
    const from = a.events.length;
    try {
      expect(() => a.node.channels.commit(channelId)).toThrowError(/disk full/);
    } finally {
      writer.exec('DROP TRIGGER no_writes');
      writer.close();
    }
    const sent = a.events.slice(from).filter((e) => e.type === 'wire.message' && e.direction === 'out' && e.messageType === 'commitment_signed');
    expect(sent).toHaveLength(0);
    expect(a.node.channels.inspect(channelId)!.stored.revision).toBe(before.revision);
    // The connection was dropped: B reversed the add it had received, and both sides reestablish
    // from what is durable.
    await until(() => b.events.find((e) => e.type === 'channel.updated' && e.cause === 'disconnected' && e.forgotten.includes(`add remote:${id}`)), 'B to forget the add');
    await a.api.connect({ address: b.address, reconnect: true });
    await until(() => a.node.channels.list()[0]!.state === 'active' && b.node.channels.list()[0]!.state === 'active', 'both active again');
    a.node.channels.addHtlc(channelId, { amountMsat: 4_000_000n, paymentHash: sha256(preimage(5)), cltvExpiry: 800, onionRoutingPacket: ONION });
    await roundTrip(a);
    expect(stateOf(b).localCommit.spec.htlcs).toHaveLength(1);
    b.node.channels.fulfillHtlc(channelId, stateOf(b).localCommit.spec.htlcs[0]!.id, preimage(5));
    await roundTrip(b);
  });

  it('publishes the link\'s domain events typed on the bus, each after its step is durable, and no preimage', async () => {
    const [fromA, fromB] = [a.events.length, b.events.length];
    const { id } = a.node.channels.addHtlc(channelId, { amountMsat: 4_000_000n, paymentHash: sha256(preimage(7)), cltvExpiry: 900, onionRoutingPacket: ONION });
    await roundTrip(a);
    b.node.channels.fulfillHtlc(channelId, id, preimage(7));
    await roundTrip(b);
    const domain = (events: NodeEvent[]) =>
      events.flatMap((e) => (e.type.startsWith('channel.') && e.type !== 'channel.updated' && e.type !== 'channel.message' ? [e] : []));
    const named = (e: NodeEvent) => ('htlc' in e && e.htlc && 'htlcId' in e.htlc ? `${e.type} ${e.htlc.htlcId}` : 'htlcId' in e && e.type === 'channel.htlc_resolved' ? `${e.type} ${e.htlcId} ${e.outcome}` : e.type);
    const htlc = `local:${id}`;
    const atA = domain(a.events.slice(fromA)).map(named);
    const atB = domain(b.events.slice(fromB)).map(named);
    // The offerer: offered, committed on both sides (locked in), the preimage came (fulfilled), the removal is irrevocable (resolved).
    expect(atA.filter((n) => n.includes(htlc))).toEqual([
      `channel.htlc_offered ${htlc}`, `channel.htlc_locked_in ${htlc}`, `channel.htlc_fulfilled ${htlc}`, `channel.htlc_resolved ${htlc} fulfilled`,
    ]);
    // The receiver: received (not committed yet), locked in (forwardable), resolved.
    const theirs = `remote:${id}`;
    expect(atB.filter((n) => n.includes(theirs))).toEqual([`channel.htlc_received ${theirs}`, `channel.htlc_locked_in ${theirs}`, `channel.htlc_resolved ${theirs} fulfilled`]);
    expect(atA).toEqual(expect.arrayContaining(['channel.commitment_signed', 'channel.commitment_revoked']));
    const offered = domain(a.events.slice(fromA)).find((e) => e.type === 'channel.htlc_offered')!;
    expect(offered).toMatchObject({ channelId, peer: b.id, htlc: { htlcId: htlc, offerer: 'local', id: String(id), amountMsat: '4000000', paymentHash: toHex(sha256(preimage(7))), cltvExpiry: 900 } });
    // Each domain event follows its step's channel.updated; a lock-in and a resolution (steps that must be
    // written: a commitment signed or revoked) only once that step is in the store.
    for (const [events, types] of [[b.events.slice(fromB), ['channel.htlc_locked_in', 'channel.htlc_resolved']], [a.events.slice(fromA), ['channel.htlc_locked_in', 'channel.htlc_resolved']]] as const) {
      for (const [i, e] of events.entries()) {
        if (!(types as readonly string[]).includes(e.type)) continue;
        const step = events.slice(0, i).reverse().find((u) => u.type === 'channel.updated');
        expect(step).toMatchObject({ type: 'channel.updated', persisted: true });
      }
    }
    expect(JSON.stringify([...a.events, ...b.events])).not.toContain(toHex(preimage(7)));
  });

  it('fails the channel when the peer sends error for it, and says so', async () => {
    a.node.peers.send(b.id, { type: 'error', channelId: fromHex(channelId), data: utf8.encode('test says goodbye') });
    const failed = await until(() => b.events.find((e) => e.type === 'channel.failed'), 'channel.failed');
    expect(failed).toMatchObject({ channelId, peer: a.id, code: 'channel.peer_error', dataLoss: null });
    expect((await b.api.getInfo({})).numChannels).toBe(0);
    expect((await b.api.listChannels({})).channels[0]).toMatchObject({ state: 'failed', failure: { code: 'channel.peer_error' } });
    expect(() => b.node.channels.commit(channelId)).toThrowError(expect.objectContaining({ code: 'channel_command.channel_failed' }));
  });

  it('getChannel of an unknown id is channel.not_found', async () => {
    await expect(a.api.getChannel({ channelId: '00'.repeat(32) })).rejects.toMatchObject({ code: 'channel.not_found' });
  });
});

describe('runSimulation over the NodeApi', () => {
  let n: TestNode;
  beforeAll(async () => {
    n = await startNode();
  });
  afterAll(async () => {
    await n.node.stop();
  });

  it('runs a built-in scenario and returns the trace and its SVG', async () => {
    const r = await n.api.runSimulation({ scenario: 'htlc-cycle' });
    expect(r.trace.steps).toHaveLength(10);
    expect(r.trace.error).toBeNull();
    expect(r.trace.steps.at(-1)!.state.A.local.ctn).toBe(2);
    expect(r.svg.startsWith('<svg')).toBe(true);
  });

  it('runs a script with channel parameters, and records the step the protocol forbids', async () => {
    const r = await n.api.runSimulation({
      funding_sat: 1_000_000,
      feerate_per_kw: 1000,
      events: [
        { from: 'A', msg: 'update_add_htlc', amount_msat: '5000000' },
        { from: 'B', msg: 'update_fee', feerate_per_kw: 2000 },
      ],
    });
    expect(r.trace.params).toMatchObject({ fundingSat: '1000000', feeratePerKw: 1000 });
    expect(r.trace.error).toMatchObject({ step: 2, code: 'channel_command.not_funder' });
    expect(r.svg).toContain('channel_command.not_funder');
  });

  it('refuses a malformed request with a typed error', async () => {
    expect(() => validate(METHOD_SCHEMAS.runSimulation, { events: [{ from: 'C', msg: 'update_fee' }] })).toThrowError(
      expect.objectContaining({ code: 'api.invalid_params', message: expect.stringContaining('params.events[0].from') }),
    );
    expect(() => validate(METHOD_SCHEMAS.runSimulation, { scenario: 'x', events: [] })).toThrowError(expect.objectContaining({ code: 'api.invalid_params' }));
    validate(METHOD_SCHEMAS.runSimulation, { events: [{ from: 'A', msg: 'update_add_htlc', amount_msat: 5, deliver: false }, { deliver: 'all' }] });
    await expect(n.api.runSimulation({ scenario: 'nope' })).rejects.toMatchObject({ code: 'simulator.unknown_scenario' });
    await expect(n.api.runSimulation({ events: [{ from: 'A', msg: 'commitment_signed', id: 3 }] })).rejects.toMatchObject({ code: 'simulator.bad_event' });
  });
});
