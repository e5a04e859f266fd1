/**
 * The JSON-RPC source's bitcoind path, which btcd cannot exercise (`getnetworkinfo`,
 * `estimatesmartfee`, `getmempoolentry`, bitcoind's HTTP statuses), against a local HTTP server
 * replaying bitcoind's recorded answers byte for byte — the only fixtures here are what a
 * bitcoind sends. The btcd path runs against a real btcd in test/integration/chain-rpc-source.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeTx } from '../../../core/bitcoin';
import { ChainSourceError } from '../../../core/chain';
import { BitcoindRpcSource, chainClock } from '../../../core/runtime/chain';
import { SystemClock } from '../../../core/runtime/clock';
import { scriptFor, spendTx } from '../../support/chain-builder';

interface Canned {
  readonly status: number;
  readonly body: string;
}

// Recorded from bitcoind 27 on regtest (ids rewritten by the server below to match requests).
const REGTEST_GENESIS = '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206';
const ok = (result: unknown): Canned => ({ status: 200, body: JSON.stringify({ result, error: null, id: 0 }) });
const err = (status: number, code: number, message: string): Canned => ({ status, body: JSON.stringify({ result: null, error: { code, message }, id: 0 }) });

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A server answering each JSON-RPC method from `answers` (a function of the params), as bitcoind would. */
async function replay(answers: Record<string, (params: unknown[]) => Canned>, opts: { auth?: string; raw?: Canned } = {}): Promise<{ url: string; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (opts.auth && req.headers.authorization !== `Basic ${Buffer.from(opts.auth).toString('base64')}`) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"' });
        res.end();
        return;
      }
      if (opts.raw) {
        res.writeHead(opts.raw.status, { 'content-type': 'text/html' });
        res.end(opts.raw.body);
        return;
      }
      const parsed = JSON.parse(body) as { id: number; method: string; params: unknown[] } | { id: number; method: string; params: unknown[] }[];
      const one = (r: { id: number; method: string; params: unknown[] }): Canned => {
        calls.push(r.method);
        const answer = answers[r.method]?.(r.params) ?? err(404, -32601, 'Method not found');
        return { status: answer.status, body: answer.body.replace('"id":0', `"id":${r.id}`) };
      };
      if (Array.isArray(parsed)) {
        const all = parsed.map(one);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`[${all.map((a) => a.body).join(',')}]`);
      } else {
        const a = one(parsed);
        res.writeHead(a.status, { 'content-type': 'application/json' });
        res.end(a.body);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://user:pass@127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

const BITCOIND = {
  getnetworkinfo: () => ok({ version: 270000, subversion: '/Satoshi:27.0.0/', protocolversion: 70016, localservices: '0000000000000c09', networkactive: true, connections: 0 }),
  getblockhash: (p: unknown[]) => (p[0] === 0 ? ok(REGTEST_GENESIS) : err(500, -8, 'Block height out of range')),
};

function sampleTx(): Uint8Array {
  return encodeTx(spendTx([{ txid: '11'.repeat(32), vout: 0 }], [{ script: scriptFor('x'), value: 1000n }]));
}

describe('the JSON-RPC source talking to bitcoind (recorded answers)', () => {
  it('detects bitcoind by getnetworkinfo and checks its network by block 0', async () => {
    const { url } = await replay(BITCOIND);
    const source = new BitcoindRpcSource({ url, clock: chainClock(new SystemClock()) });
    expect(await source.connect('regtest')).toEqual({ kind: 'bitcoind-rpc', flavor: 'bitcoind', version: 270000, network: 'regtest' });
    await expect(source.connect('mainnet')).rejects.toMatchObject({ code: 'chain.source.wrong_network' });
    expect(await source.blockHash(5)).toBeNull();
  });

  it('reads estimatesmartfee (BTC/kvB; "errors" when it has no estimate)', async () => {
    const { url, calls } = await replay({
      ...BITCOIND,
      estimatesmartfee: (p) => (p[0] === 2 ? ok({ feerate: 0.0002, blocks: 2 }) : ok({ errors: ['Insufficient data or no feerate found'], blocks: 0 })),
    });
    const source = new BitcoindRpcSource({ url, clock: chainClock(new SystemClock()) });
    await source.connect('regtest');
    const rates = await source.feeRates([2, 144]);
    expect([...rates]).toEqual([[2, 20_000], [144, null]]);
    expect(calls).not.toContain('estimatefee');
  });

  it('asks getmempoolentry whether a transaction is in the mempool (-5: it is not)', async () => {
    let known = false;
    const { url, calls } = await replay({
      ...BITCOIND,
      getmempoolentry: () => (known ? ok({ vsize: 141, weight: 561, time: 1, height: 100, fees: { base: 0.00000282 } }) : err(500, -5, 'Transaction not in mempool')),
    });
    const source = new BitcoindRpcSource({ url, clock: chainClock(new SystemClock()) });
    await source.connect('regtest');
    expect(await source.mempoolContains('22'.repeat(32))).toBe(false);
    known = true;
    expect(await source.mempoolContains('22'.repeat(32))).toBe(true);
    expect(calls).not.toContain('getrawmempool');
  });

  it("maps bitcoind's sendrawtransaction refusals (HTTP 500 with the JSON error) to outcomes", async () => {
    const answers: Record<string, Canned> = {
      conflict: err(500, -26, 'txn-mempool-conflict'),
      fee: err(500, -26, 'min relay fee not met, 0 < 110'),
      dust: err(500, -26, 'dust'),
      utxo: err(500, -27, 'Transaction outputs already in utxo set'),
      final: err(500, -26, 'non-final'),
      max: err(500, -25, 'Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)'),
    };
    let next = 'conflict';
    const { url } = await replay({
      ...BITCOIND,
      getmempoolentry: () => err(500, -5, 'Transaction not in mempool'),
      sendrawtransaction: () => answers[next]!,
    });
    const source = new BitcoindRpcSource({ url, clock: chainClock(new SystemClock()) });
    await source.connect('regtest');
    const expected: Record<string, string> = { conflict: 'conflict', fee: 'insufficient_fee', dust: 'non_standard', utxo: 'already_confirmed', final: 'not_final', max: 'rejected' };
    for (const [k, kind] of Object.entries(expected)) {
      next = k;
      expect(await source.broadcast(sampleTx())).toMatchObject({ kind, rpcCode: JSON.parse(answers[k]!.body).error.code });
    }
  });

  it('reports a transaction already in the mempool as already known without sending it', async () => {
    const { url, calls } = await replay({ ...BITCOIND, getmempoolentry: () => ok({ vsize: 100 }), sendrawtransaction: () => ok('x') });
    const source = new BitcoindRpcSource({ url, clock: chainClock(new SystemClock()) });
    await source.connect('regtest');
    expect(await source.broadcast(sampleTx())).toEqual({ kind: 'already_known' });
    expect(calls).not.toContain('sendrawtransaction');
  });

  it('turns HTTP 401, a plain-text 503 and a JSON 404 into auth, http_status and an RPC error', async () => {
    const locked = await replay(BITCOIND, { auth: 'right:creds' });
    await expect(new BitcoindRpcSource({ url: locked.url, clock: chainClock(new SystemClock()) }).connect('regtest')).rejects.toMatchObject({ code: 'chain.source.auth' });
    const busy = await replay(BITCOIND, { raw: { status: 503, body: 'Work queue depth exceeded' } });
    await expect(new BitcoindRpcSource({ url: busy.url, clock: chainClock(new SystemClock()) }).tip()).rejects.toMatchObject({ code: 'chain.source.http_status' });
    const { url } = await replay(BITCOIND);
    const e = await new BitcoindRpcSource({ url, clock: chainClock(new SystemClock()) }).call('nosuchmethod').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChainSourceError);
    expect(e).toMatchObject({ code: 'chain.source.rpc_error', rpcCode: -32601 });
  });

  it('refuses malformed RPC answers with chain.source.bad_response', async () => {
    const { url } = await replay({ ...BITCOIND, getblockchaininfo: () => ok({ blocks: 'many', bestblockhash: 'zz' }), getrawmempool: () => ok({ not: 'a list' }) });
    const source = new BitcoindRpcSource({ url, clock: chainClock(new SystemClock()) });
    await expect(source.tip()).rejects.toMatchObject({ code: 'chain.source.bad_response' });
    await expect(source.mempoolTxids()).rejects.toMatchObject({ code: 'chain.source.bad_response' });
  });
});
