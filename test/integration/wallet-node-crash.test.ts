/**
 * kill -9 of a daemon right after `withdraw` returns, and at random moments during withdrawals:
 * nothing is lost and nothing is spent twice. The wallet writes a send before it is broadcast; a
 * restarted node rebroadcasts what it wrote (btcd then has exactly the sends the wallet has); no
 * coin is spent by two transactions; the balance adds up against btcd's UTXO set.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { NodeApi } from '../../core/api';
import { type Btcd, faucetKey, startBtcd, waitFor } from '../support/btcd';
import { startTcpProxy } from '../support/esplora';
import { deposit, expectCoinsOnChain, mempoolSpenders, restart, startWalletNode, synced, walletTx, type WalletNode } from '../support/wallet-node';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
});

const PAYEE = faucetKey().address;

async function kill9(node: WalletNode): Promise<void> {
  const code = await node.daemon.stop('SIGKILL');
  expect(code).toBeNull();
}

/**
 * What btcd's mempool holds is exactly what the wallet has as unconfirmed sends of its own (in
 * this file nothing else is in the mempool), once the restarted node rebroadcast them.
 */
async function mempoolMatchesWallet(api: NodeApi): Promise<string[]> {
  return await waitFor(async () => {
    const pending = (await api.listTransactions({})).transactions.filter((t) => t.state === 'unconfirmed' && t.direction !== 'incoming').map((t) => t.txid).sort();
    const mempool = (await btcd.rpc<string[]>('getrawmempool')).sort();
    return JSON.stringify(pending) === JSON.stringify(mempool) ? pending : undefined;
  }, 'btcd\'s mempool to hold exactly the wallet\'s unconfirmed sends', 30_000);
}

/** No two of the wallet's transactions in effect spend the same coin. */
async function noCoinSpentTwice(api: NodeApi): Promise<void> {
  const spenders = new Map<string, string>();
  for (const t of (await api.listTransactions({})).transactions) {
    if (t.state !== 'unconfirmed' && t.state !== 'confirmed') continue;
    const tx = await btcd.rpc<{ vin: { txid?: string; vout?: number }[] }>('getrawtransaction', [t.txid, 1]);
    for (const i of tx.vin) {
      if (i.txid === undefined) continue;
      const key = `${i.txid}:${i.vout}`;
      expect(spenders.get(key), `${key} spent by ${t.txid} and ${spenders.get(key)}`).toBeUndefined();
      spenders.set(key, t.txid);
    }
  }
}

describe('kill -9 around withdrawals', () => {
  it('right after withdraw returns: the restarted node has the send, btcd has it once, and it confirms', async () => {
    let node = await startWalletNode(btcd);
    await synced(node.api, btcd);
    const coin = await deposit(node, btcd, 1_000_000n, 1);
    const sent = await node.api.withdraw({ address: PAYEE, amountSat: '250000', feeRateSatVb: 2 });
    await kill9(node);
    node = await restart(node);
    await synced(node.api, btcd);
    await walletTx(node.api, sent.txid, (t) => t.state === 'unconfirmed', 'still ours after the crash');
    expect(await mempoolMatchesWallet(node.api)).toEqual([sent.txid]);
    expect(await mempoolSpenders(btcd, `${coin}:0`)).toEqual([sent.txid]);
    await btcd.mine(1);
    await walletTx(node.api, sent.txid, (t) => t.state === 'confirmed', 'confirmed');
    await noCoinSpentTwice(node.api);
    await expectCoinsOnChain(node.api, btcd);
    expect(await node.daemon.stop()).toBe(0);
  });

  it('a send the source did not take (it was down) is rebroadcast by the restarted node, once', async () => {
    const proxy = await startTcpProxy(btcd.rpcPort);
    try {
      const url = btcd.rpcUrl.replace(`:${btcd.rpcPort}`, `:${proxy.port}`);
      let node = await startWalletNode(btcd, { args: ['--chain', 'bitcoind-rpc', '--rpc-url', url, '--no-listen'] });
      await synced(node.api, btcd);
      await deposit(node, btcd, 800_000n, 1);
      await synced(node.api, btcd);
      await proxy.pause();
      const sent = await node.api.withdraw({ address: PAYEE, amountSat: '100000', feeRateSatVb: 2 });
      expect(sent.broadcast).toBe('source_down');
      expect(await btcd.rpc<string[]>('getrawmempool')).not.toContain(sent.txid);
      await kill9(node);
      await proxy.resume();
      node = await restart(node);
      expect(await mempoolMatchesWallet(node.api)).toEqual([sent.txid]);
      const events = await node.api.recentEvents({ types: ['chain.broadcast'] });
      expect(events.events.some((e) => e.type === 'chain.broadcast' && e.txid === sent.txid && e.outcome.kind === 'accepted')).toBe(true);
      await btcd.mine(1);
      await walletTx(node.api, sent.txid, (t) => t.state === 'confirmed', 'confirmed');
      expect(await node.daemon.stop()).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('at random moments during withdrawals: never a double spend, nothing lost, and every send the wallet kept reaches btcd', async () => {
    let node = await startWalletNode(btcd);
    await synced(node.api, btcd);
    for (let i = 0; i < 3; i++) await deposit(node, btcd, 400_000n, 0);
    await btcd.mine(1);
    await synced(node.api, btcd);
    await waitFor(async () => ((await node.api.getBalance({})).availableSat === '1200000' ? true : undefined), 'three deposits confirmed');
    const total = 1_200_000n;
    let calls = 0;
    for (let round = 0; round < 6; round++) {
      // The call and a kill at a random moment: before, during or after the wallet's write and the broadcast.
      const call = node.api.withdraw({ address: PAYEE, amountSat: '20000', feeRateSatVb: 1 + round }).catch((e: unknown) => e);
      calls++;
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 80)));
      await kill9(node);
      await call;
      node = await restart(node);
      await synced(node.api, btcd);
      await mempoolMatchesWallet(node.api);
      await noCoinSpentTwice(node.api);
      await expectCoinsOnChain(node.api, btcd);
      if (round % 2 === 1) {
        await btcd.mine(1);
        await synced(node.api, btcd);
      }
    }
    await btcd.mine(1);
    await synced(node.api, btcd);
    const txs = (await node.api.listTransactions({})).transactions;
    const sends = txs.filter((t) => t.label === 'withdraw');
    expect(sends.length).toBeLessThanOrEqual(calls);
    for (const s of sends) expect(s.state).toBe('confirmed');
    const spent = sends.reduce((sum, s) => sum + BigInt(s.amountSat) + BigInt(s.feeSat!), 0n);
    const balance = await node.api.getBalance({});
    expect(BigInt(balance.totalSat)).toBe(total - spent);
    await noCoinSpentTwice(node.api);
    await expectCoinsOnChain(node.api, btcd);
    expect(await node.daemon.stop()).toBe(0);
  }, 180_000);
});
