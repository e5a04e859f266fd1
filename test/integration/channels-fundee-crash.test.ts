/**
 * kill -9 of the fundee at each step of channel establishment (issue 14 item 6), two daemons on
 * btcd: B is killed (SIGKILL) the moment it reports its opening at a phase — accept_channel sent
 * (`awaiting_funding_created`), funding_signed stored (`awaiting_lock_in`), channel_ready sent
 * (`ready`) — and restarted on the same port. Whatever the funder's `openchannel` answered, nothing
 * is lost: a failed open leaves A's coins unlocked and no funding transaction anywhere; a completed
 * one confirms and the channel becomes active on both sides, A's wallet short of exactly the
 * channel and the funding fee.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FundChannelResult, NodeEvent } from '../../core/api';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { deposit, synced, startWalletNode, expectCoinsOnChain } from '../support/wallet-node';
import { channelOf, cliOk, feeOf, inMempool, mine, totalSat } from '../support/chain-daemons';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
});

const PHASES = ['awaiting_funding_created', 'awaiting_lock_in', 'ready'] as const;

describe('the fundee killed at each step of establishment', () => {
  for (const phase of PHASES) {
    it(`killed at ${phase}: restarted, the opening completes or fails with nothing lost`, async () => {
      const a = await startWalletNode(btcd);
      let b = await startWalletNode(btcd);
      for (const n of [a, b]) await synced(n.api, btcd);
      await deposit(a, btcd, 1_000_000n);
      const before = await totalSat(a.api);
      await cliOk(a, 'connect', b.daemon.address);
      await waitFor(async () => ((await b.api.listPeers({})).peers.some((p) => p.nodeId === a.daemon.nodeId) ? true : undefined), 'B sees A');
      // B dies the moment it reports the phase (the kill lands within milliseconds: a later step may have run).
      let killed = false;
      b.api.subscribe((e: NodeEvent) => {
        if (!killed && e.type === 'channel.opening' && e.opening.role === 'fundee' && e.opening.phase === phase) {
          killed = true;
          b.daemon.child!.kill('SIGKILL');
        }
      });
      const port = b.daemon.listenPort;
      const open = a.cli('openchannel', b.daemon.nodeId, '400000', '--feerate', '2');
      if (phase === 'ready') {
        // channel_ready waits for the funding's depth.
        const r = await open;
        expect(r.code, r.stderr).toBe(0);
        const opened = r.json as FundChannelResult;
        await waitFor(async () => ((await inMempool(btcd, opened.fundingTxid)) ? true : undefined), 'the funding in the mempool');
        await btcd.mine(opened.minimumDepth);
      }
      await waitFor(() => (killed ? true : undefined), `B killed at ${phase}`, 60_000);
      const child = b.daemon.child!;
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
      const r = await open;
      await b.daemon.start(`127.0.0.1:${port}`);
      b = { daemon: b.daemon, api: await b.daemon.api(), cli: b.cli };
      await synced(b.api, btcd);
      if (r.code === 0) {
        const opened = r.json as FundChannelResult;
        // BOLT 2: the funder broadcasts only after funding_signed: B had stored its opening.
        await waitFor(async () => ((await inMempool(btcd, opened.fundingTxid)) || (await btcd.rpc<{ confirmations?: number }>('getrawtransaction', [opened.fundingTxid, 1])).confirmations ? true : undefined), 'the funding on chain');
        await mine(btcd, opened.minimumDepth, [a, b]);
        for (const n of [a, b]) await channelOf(n.api, opened.channelId, (c) => c.lifecycle === 'active' && c.state === 'active', `active on ${n === a ? 'A' : 'B'} after B's restart`, 60_000);
        expect(await totalSat(a.api)).toBe(before - 400_000n - (await feeOf(btcd, opened.fundingTxid)));
      } else {
        // Refused before funding_signed reached A: nothing broadcast, nothing locked, nothing spent.
        expect(phase).toBe('awaiting_funding_created');
        expect(r.stderr).toMatch(/channel_open\.|peer\./);
        expect((await a.api.getBalance({})).lockedSat).toBe('0');
        expect(await totalSat(a.api)).toBe(before);
        expect((await btcd.rpc<string[]>('getrawmempool')).length).toBe(0);
        expect((await b.api.listChannels({})).channels).toEqual([]);
      }
      await expectCoinsOnChain(a.api, btcd);
    }, 240_000);
  }
});
