/**
 * The JSON-RPC source's btcd path against a real btcd: flavor detection (btcd answers
 * getnetworkinfo with -1 "Command unimplemented"), the cookie file, `getrawmempool true` for
 * mempool membership, `estimatefee` for fees, and the not-found answers. The bitcoind path is in
 * test/unit/chain/rpc-bitcoind.test.ts (recorded answers).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BitcoindRpcSource, chainClock } from '../../core/runtime/chain';
import { SystemClock } from '../../core/runtime/clock';
import { type Btcd, startBtcd } from '../support/btcd';
import { tempDir } from '../support/tmp';
import { key } from './chain-support';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
});

function source(url = btcd.rpcUrl, cookieFile?: string): BitcoindRpcSource {
  return new BitcoindRpcSource({ url, cookieFile, clock: chainClock(new SystemClock()) });
}

describe('the JSON-RPC source on btcd', () => {
  it('detects btcd, its version and regtest', async () => {
    const s = source();
    expect(await s.connect('regtest')).toEqual({ kind: 'bitcoind-rpc', flavor: 'btcd', version: 260000, network: 'regtest' });
    expect(s.flavor).toBe('btcd');
  });

  it("uses a cookie file for credentials and reads it again when they are refused (bitcoind writes a new one each start)", async () => {
    const cookie = join(tempDir('glasswing-cookie-'), '.cookie');
    writeFileSync(cookie, `${btcd.rpcUser}:stale-password\n`);
    const s = source(`http://127.0.0.1:${btcd.rpcPort}`, cookie);
    await expect(s.connect('regtest')).rejects.toMatchObject({ code: 'chain.source.auth' });
    writeFileSync(cookie, `${btcd.rpcUser}:${btcd.rpcPass}\n`);
    expect((await s.connect('regtest')).flavor).toBe('btcd');
    expect((await s.tip()).height).toBe(await btcd.height());
    await expect(source(`http://127.0.0.1:${btcd.rpcPort}`, join(tempDir(), 'missing')).tip()).rejects.toMatchObject({ code: 'chain.source.auth' });
  });

  it('asks getrawmempool true whether a transaction is in the mempool', async () => {
    const s = source();
    await s.connect('regtest');
    const txid = await btcd.fund(key('mempool member').address, 10_000n);
    expect(await s.mempoolContains(txid)).toBe(true);
    expect(await s.mempoolContains('ab'.repeat(32))).toBe(false);
    expect(await s.mempoolTxids()).toContain(txid);
    const [raw, missing] = await s.transactions([txid, 'cd'.repeat(32)]);
    expect(raw!.length).toBeGreaterThan(60);
    expect(missing).toBeNull();
    await btcd.mine(1);
    expect(await s.mempoolContains(txid)).toBe(false);
    expect(await s.confirmations(txid)).toBe(1);
  });

  it('uses estimatefee (none beyond 25 blocks), and answers not found for unknown blocks', async () => {
    const s = source();
    await s.connect('regtest');
    const rates = await s.feeRates([1, 6, 30]);
    expect(rates.get(30)).toBeNull();
    for (const t of [1, 6]) expect(rates.get(t) === null || (rates.get(t) as number) > 0).toBe(true);
    expect(await s.blockHash(1_000_000)).toBeNull();
    await expect(s.header('00'.repeat(32))).rejects.toMatchObject({ code: 'chain.source.not_found' });
    await expect(s.block('00'.repeat(32))).rejects.toMatchObject({ code: 'chain.source.not_found' });
    const tip = await s.tip();
    expect((await s.header(tip.hash)).length).toBe(80);
    await expect(s.lookups([])).rejects.toMatchObject({ code: 'chain.source.unsupported' });
  });
});
