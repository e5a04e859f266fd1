/**
 * P's write of L1's release paths fails (issue 16): the payer's record goes in the SQLite transaction of the channel
 * step that saves L1's revoke_and_ack (ChannelService `persistWithStep`, AsyncWiring `persistWithChannelStep`). When
 * that write throws — here a real SQLite trigger that RAISEs, put in P's database file by the test as a failing disk
 * would — the channel rolls back (ChannelService reloads it and drops the connection), and the payer core must roll
 * back with it: before, its memory had moved on (`htlc_sent`, paths and all), so L1's revoke_and_ack sent again on
 * reconnection was ignored as already taken, and the record never got the paths. Now the core moves only once the
 * transaction committed: after the write works again, the retransmitted revoke_and_ack is taken, P announces, and
 * R (offline meanwhile) releases and is paid — once.
 *
 * Real nodes in one process: real TCP on 127.0.0.1, real SQLite files, test channels between their ChannelServices.
 */
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../core/crypto';
import { createNodeApi } from '../../../core/api/node-api';
import { Node } from '../../../core/node';
import { DATABASE_FILE } from '../../../core/store';
import { openTestChannel } from '../../support/channel-open';
import { waitFor } from '../../support/btcd';
import { tempDir } from '../../support/tmp';

const HEIGHT = 800_000;

describe('the payer\'s write in the channel step\'s transaction fails', () => {
  const nodes: Node[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
  });

  async function open(alias: string, async: Record<string, unknown>, datadir = tempDir(`glasswing-async-dbfail-${alias}-`), log?: (l: Record<string, unknown>) => void) {
    const node = await Node.open({
      datadir, alias, network: 'regtest', listen: { host: '127.0.0.1', port: 0 }, version: 'test', heightWithoutChain: HEIGHT, async, ...(log ? { log } : {}),
    });
    nodes.push(node);
    const { listen } = await node.start();
    return { node, api: createNodeApi(node), datadir, address: `${toHex(node.nodeId)}@${listen[0]}`, id: toHex(node.nodeId) };
  }

  it('rolls the payer back with the channel; L1\'s revoke_and_ack sent again is taken once the write works, and R is paid once', async () => {
    const lsp = await open('lsp', { role: 'lsp' });
    const rAsync = { role: 'recipient', lsp: lsp.address };
    let r = await open('r', rAsync);
    const pLog: Record<string, unknown>[] = [];
    const p = await open('p', { role: 'payer', lsp: lsp.address }, undefined, (l) => pLog.push(l));
    await waitFor(() => (lsp.node.peers.isConnected(r.id) && lsp.node.peers.isConnected(p.id) && p.node.peers.isConnected(lsp.id) ? true : undefined), 'R and P connected to the LSP');
    openTestChannel({ service: p.node.channels, nodeId: p.id }, { service: lsp.node.channels, nodeId: lsp.id });
    openTestChannel({ service: lsp.node.channels, nodeId: lsp.id }, { service: r.node.channels, nodeId: r.id });
    const offer = await waitFor(() => r.node.async.asyncOffer().offer ?? undefined, 'R\'s offer ready at the LSP', 30_000);
    await waitFor(() => (p.node.async.holdingPeer() === lsp.id ? true : undefined), 'P sees its LSP hold HTLCs');
    const rDatadir = r.datadir;
    await r.node.stop();
    nodes.splice(nodes.indexOf(r.node), 1);

    // P's disk refuses the record with L1's release paths (and only that one: the first record, without paths, is written).
    const pdb = new BetterSqlite3(join(p.datadir, DATABASE_FILE));
    const stored = () => pdb.prepare('SELECT status, release_paths AS paths, announced_at AS announcedAt FROM async_payer_payments').all() as { status: string; paths: string; announcedAt: number | null }[];
    const mailboxForR = async () => (await lsp.api.mailboxList({})).messages.filter((m) => m.nodeId === r.id).length;
    try {
      pdb.exec(`CREATE TRIGGER refuse_release_paths BEFORE INSERT ON async_payer_payments WHEN NEW.release_paths != ''
                BEGIN SELECT RAISE(ABORT, 'the disk refuses this write'); END`);
      const pending = await p.api.pay({ invoice: offer, amountMsat: '42000', wait: false });
      expect(pending).toMatchObject({ kind: 'async', status: 'pending' });
      await waitFor(() => (pLog.filter((l) => l.event === 'channel_save_failed').length >= 2 ? true : undefined), 'the channel step with L1\'s revoke_and_ack rolled back twice', 30_000);

      // The payer core is where SQLite is: still waiting for the paths, nothing announced — the same as after a restart.
      expect(p.node.async.payer.payment(pending.paymentId)).toMatchObject({ status: 'awaiting_release_paths' });
      expect(stored()).toEqual([{ status: 'awaiting_release_paths', paths: '', announcedAt: null }]);
      expect(await mailboxForR()).toBe(0);
      expect((await lsp.api.listHeldHtlcs({})).held).toEqual([]);

      // The disk works again: the next revoke_and_ack L1 sends again (on reconnection) is taken, with its paths.
      pdb.exec('DROP TRIGGER refuse_release_paths');
      await waitFor(() => (stored()[0]?.status === 'htlc_sent' && stored()[0]!.paths !== '' ? true : undefined), 'the release paths stored', 60_000);
      await waitFor(async () => ((await lsp.api.listHeldHtlcs({})).held.length === 1 ? true : undefined), 'the HTLC held at the LSP', 30_000);
      await waitFor(async () => ((await mailboxForR()) >= 2 ? true : undefined), 'P\'s held_htlc_available in R\'s mailbox', 30_000);
      await waitFor(() => (stored()[0]?.announcedAt != null ? true : undefined), 'the announcement kept');

      // R returns, releases, is paid — once.
      r = await open('r', rAsync, rDatadir);
      const paid = await waitFor(async () => {
        const x = await p.api.getPayment({ paymentId: pending.paymentId });
        return x.status !== 'pending' ? x : undefined;
      }, 'the payment settled', 60_000);
      expect(paid).toMatchObject({ status: 'succeeded', kind: 'async', paymentHash: pending.paymentHash, amountMsat: '42000' });
      expect((await r.api.listReceived({})).received.filter((x) => x.paymentHash === pending.paymentHash)).toEqual([expect.objectContaining({ amountMsat: '42000' })]);
      expect((await lsp.api.listHeldHtlcs({})).held).toEqual([]);
      expect(paid.parts.length).toBe(1);
    } finally {
      pdb.close();
    }
  }, 180_000);
});
