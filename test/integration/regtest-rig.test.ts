/**
 * The regtest rig itself (scripts/regtest/btcd.ts): a real btcd that mines to the faucet, pays
 * from matured coinbases, confirms, and reorganises with invalidateblock / reconsiderblock — what
 * the chain, wallet and channel tests build on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Btcd, startBtcd } from '../support/btcd';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
});

const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';

describe('btcd on regtest', () => {
  it('pays an address from a matured coinbase, and the payment confirms in the next block', async () => {
    const txid = await btcd.fund(ADDRESS, 123_456n);
    expect(await btcd.rpc<string[]>('getrawmempool')).toContain(txid);
    const [hash] = await btcd.mine(1);
    const block = await btcd.rpc<{ tx: string[] }>('getblock', [hash, 1]);
    expect(block.tx).toContain(txid);
    const tx = await btcd.rpc<{ vout: { value: number; scriptPubKey: { address?: string; addresses?: string[] } }[] }>('getrawtransaction', [txid, 1]);
    const paid = tx.vout.find((o) => (o.scriptPubKey.address ?? o.scriptPubKey.addresses?.[0]) === ADDRESS);
    expect(Math.round(paid!.value * 1e8)).toBe(123_456);
  });

  it('invalidateblock takes the tip off the best chain and its transactions back to the mempool; reconsiderblock restores it', async () => {
    const txid = await btcd.fund(ADDRESS, 50_000n);
    const [hash] = await btcd.mine(1);
    const height = await btcd.height();
    await btcd.rpc('invalidateblock', [hash]);
    expect(await btcd.height()).toBe(height - 1);
    expect(await btcd.rpc<string[]>('getrawmempool')).toContain(txid);
    await btcd.rpc('reconsiderblock', [hash]);
    expect(await btcd.rpc<string>('getbestblockhash')).toBe(hash);
  });
});
