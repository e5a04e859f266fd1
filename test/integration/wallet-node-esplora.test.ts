/**
 * A node on an Esplora source, end to end: `glasswing daemon --chain esplora --esplora-url` over
 * the Esplora-shaped server of test/support/esplora.ts, which computes every answer from a real
 * btcd — so confirmations, spends and reorgs are real chain data. Deposit, confirmations, a
 * withdrawal and its bump, a reorg, and the source going away and coming back.
 */
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { type Btcd, faucetKey, startBtcd, waitFor } from '../support/btcd';
import { startEsplora, type EsploraShim } from '../support/esplora';
import { expectCoinsOnChain, startWalletNode, synced, walletTx } from '../support/wallet-node';

let btcd: Btcd;
let shim: EsploraShim;
beforeAll(async () => {
  btcd = await startBtcd();
  shim = await startEsplora(btcd);
  await btcd.mine(101);
});
afterAll(async () => {
  await shim.close();
});

describe('a node on an Esplora source', () => {
  it('sees a deposit, its confirmations, a withdrawal and its bump, a reorg, and says which source it uses', async () => {
    const node = await startWalletNode(btcd, { args: ['--chain', 'esplora', '--esplora-url', shim.url, '--no-listen'] });
    await synced(node.api, btcd);
    expect(await node.api.chainInfo({})).toMatchObject({ source: { kind: 'esplora', endpoint: shim.url, server: { flavor: 'esplora' } } });

    const { address } = await node.api.newAddress({});
    const txid = await btcd.fund(address, 1_500_000n);
    await walletTx(node.api, txid, (t) => t.state === 'unconfirmed', 'seen unconfirmed');
    const [block] = await btcd.mine(1);
    await walletTx(node.api, txid, (t) => t.confirmations === 1 && t.blockHash === block, 'confirmed');
    await btcd.mine(1);
    await walletTx(node.api, txid, (t) => t.confirmations === 2, 'two confirmations');

    const sent = await node.api.withdraw({ address: faucetKey().address, amountSat: '400000', feeRateSatVb: 2 });
    expect(sent.broadcast).toBe('accepted');
    const bump = await node.api.bumpFee({ txid: sent.txid, feeRateSatVb: 5 });
    const mempool = await btcd.rpc<string[]>('getrawmempool');
    expect(mempool).toContain(bump.txid);
    expect(mempool).not.toContain(sent.txid);
    await walletTx(node.api, sent.txid, (t) => t.state === 'replaced', 'replaced');
    const [bumpBlock] = await btcd.mine(1);
    await walletTx(node.api, bump.txid, (t) => t.state === 'confirmed', 'the bump confirmed');

    // A reorg: the bump's block invalidated, the bump unconfirmed, then mined again.
    await btcd.rpc('invalidateblock', [bumpBlock]);
    await walletTx(node.api, bump.txid, (t) => t.state === 'unconfirmed', 'unconfirmed by the reorg', 60_000);
    await btcd.mine(1);
    await walletTx(node.api, bump.txid, (t) => t.state === 'confirmed', 'confirmed again', 60_000);
    await synced(node.api, btcd);
    const balance = await node.api.getBalance({});
    expect(BigInt(balance.confirmedSat)).toBe(1_500_000n - 400_000n - BigInt(bump.feeSat));
    await expectCoinsOnChain(node.api, btcd);
    expect(await node.daemon.stop()).toBe(0);
  }, 120_000);

  it('the Esplora server away: out of sync, typed reason; back on the same port: in sync', async () => {
    const port = shim.port;
    const node = await startWalletNode(btcd, { args: ['--chain', 'esplora', '--esplora-url', shim.url, '--no-listen'] });
    await synced(node.api, btcd);
    await shim.close();
    await waitFor(async () => {
      const s = (await node.api.chainInfo({})).sync;
      return s.state === 'out_of_sync' && s.reason.code === 'chain.source.unreachable' ? s : undefined;
    }, 'out of sync: unreachable');
    await btcd.mine(1);
    shim = await startEsplora(btcd, { port });
    await synced(node.api, btcd, 90_000);
    expect(await node.daemon.stop()).toBe(0);
  }, 120_000);
});
