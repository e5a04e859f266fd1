/**
 * Channels between real node processes (test/support/channel-node.ts: the daemon's Node and
 * ApiServer plus test-only controls): opening on an agreed outpoint, HTLCs both ways, the CLI's
 * listchannels / getchannel, a graceful restart with channel_reestablish, and a node restored
 * from an old backup that the peer proves to be behind (error sent, nothing signed, recorded).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DATABASE_FILE } from '../../core/store';
import { HarnessNode, openHarnessChannel, settle, waitFor } from '../support/channel-harness';
import { runCli } from '../support/daemon';

describe('channels between node processes', () => {
  const a = new HarnessNode('A');
  const b = new HarnessNode('B');
  let channelId: string;

  beforeAll(async () => {
    await Promise.all([a.start(), b.start()]);
    await a.control('connect', { address: b.address });
    channelId = await openHarnessChannel(a, b);
  });

  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  it('opens on the agreed outpoint and shows in listchannels on both nodes', async () => {
    const [la, lb] = await Promise.all([runCli(['--datadir', a.datadir, 'listchannels']), runCli(['--datadir', b.datadir, 'listchannels'])]);
    expect(la.code).toBe(0);
    expect(la.json).toMatchObject({ channels: [{ channelId, peer: b.nodeId, state: 'active', funder: 'local', localCtn: 0, remoteCtn: 0 }] });
    expect(lb.json).toMatchObject({ channels: [{ channelId, peer: a.nodeId, state: 'active', funder: 'remote' }] });
  });

  it('moves HTLCs both ways and getchannel shows both commitments and the message flow', async () => {
    const idA = await a.control<string>('add', { channelId, amountMsat: '30000000' });
    const idB = await b.control<string>('add', { channelId, amountMsat: '12000000' });
    await settle(a, b, channelId);
    await b.control('fulfill', { channelId, htlcId: idA });
    await a.control('fail', { channelId, htlcId: idB });
    await settle(a, b, channelId);
    const got = await runCli(['--datadir', a.datadir, 'getchannel', channelId]);
    expect(got.code).toBe(0);
    const detail = got.json as { localBalanceMsat: string; remoteBalanceMsat: string; view: { localCommit: { ctn: number; htlcs: unknown[] } }; messages: { messageType: string }[] };
    expect(detail.localBalanceMsat).toBe('4970000000');
    expect(detail.remoteBalanceMsat).toBe('5030000000');
    expect(detail.view.localCommit.htlcs).toEqual([]);
    expect(detail.messages.map((m) => m.messageType)).toContain('update_fulfill_htlc');
    const sa = await a.state(channelId);
    expect(sa.signaturesValid).toBe(true);
    const bad = await runCli(['--datadir', a.datadir, 'getchannel', 'xyz']);
    expect(bad.code).toBe(2);
  });

  it('comes back after a graceful restart: channel_reestablish, then business as usual', async () => {
    await b.stop();
    await b.start();
    await a.control('connect', { address: b.address });
    await waitFor(async () => (await b.state(channelId)).phase === 'active', `B active again: ${b.logs.slice(-5).join('\n')}`);
    const id = await b.control<string>('add', { channelId, amountMsat: '1000000' });
    await settle(a, b, channelId);
    await a.control('fulfill', { channelId, htlcId: id });
    await settle(a, b, channelId);
    const [sa, sb] = await Promise.all([a.state(channelId), b.state(channelId)]);
    expect(sa.localMsat).toBe('4971000000');
    expect(sb.signaturesValid && sa.signaturesValid).toBe(true);
  });

  it('a node restored from an old backup learns it lost data from the peer\'s proof, sends error and never signs', async () => {
    // Back up A's database (A stopped cleanly, so the file is complete).
    await a.stop();
    const db = join(a.datadir, DATABASE_FILE);
    const backup = join(a.datadir, 'backup.sqlite');
    copyFileSync(db, backup);
    await a.start();
    await a.control('connect', { address: b.address });
    await waitFor(async () => (await a.state(channelId)).phase === 'active', 'A active');
    for (let i = 0; i < 2; i++) {
      await a.control('add', { channelId, amountMsat: '2000000' });
      await settle(a, b, channelId);
    }
    await a.stop();
    for (const suffix of ['-wal', '-shm']) rmSync(db + suffix, { force: true });
    copyFileSync(backup, db);
    expect(existsSync(db)).toBe(true);
    const signedBefore = a.commitmentLog().filter((l) => 'signed' in l).length;
    await a.start();
    await a.control('connect', { address: b.address });
    const sa = await waitFor(async () => {
      const s = await a.state(channelId);
      return s.phase === 'failed' ? s : null;
    }, 'A to fail the channel');
    expect(sa.status).toBe('channel.local_data_loss');
    expect(sa.dataLoss).toMatchObject({ behind: 'local', code: 'channel.local_data_loss' });
    const sb = await waitFor(async () => {
      const s = await b.state(channelId);
      return s.phase === 'failed' ? s : null;
    }, 'B to fail the channel');
    expect(sb.status).toBe('channel.peer_data_loss');
    // Nothing was signed after the restore.
    expect(a.commitmentLog().filter((l) => 'signed' in l)).toHaveLength(signedBefore);
    const list = await runCli(['--datadir', a.datadir, 'listchannels']);
    expect(list.json).toMatchObject({ channels: [{ state: 'failed', failure: { code: 'channel.local_data_loss' }, dataLoss: { behind: 'local' } }] });
    const info = await runCli(['--datadir', a.datadir, 'getinfo']);
    expect(info.json).toMatchObject({ numChannels: 0 });
  });
});
