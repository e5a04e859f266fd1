/**
 * A thin Esplora-shaped HTTP server over a real btcd, for testing the Esplora chain source against
 * real chain data (reorgs, confirmations, mempool): it serves the endpoints core/runtime/chain's
 * EsploraSource uses, in electrs' shapes (API.md of github.com/Blockstream/esplora; electrs'
 * src/rest.rs), computed from btcd's JSON-RPC on each request. btcd has no address or spend index,
 * so script histories and outspends are found by scanning the best chain (blocks are parsed once
 * and cached by hash) and the mempool; fine for a regtest chain of a few hundred blocks.
 *
 * Also here: servers that misbehave on purpose (garbage JSON, never answering), for the
 * dead-source tests of both chain sources.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { decodeBlock, decodeTx, txWeight, txidToHex, type Transaction } from '../../core/bitcoin';
import { fromHex, sha256, toHex } from '../../core/crypto';
import { merkleBranch } from './chain-builder';
import type { Btcd } from './btcd';

interface ParsedTx {
  readonly txid: string;
  readonly tx: Transaction;
  readonly raw: Uint8Array;
}

interface CachedBlock {
  readonly hash: string;
  readonly time: number;
  readonly txs: readonly ParsedTx[];
}

type Status = { confirmed: false } | { confirmed: true; block_height: number; block_hash: string; block_time: number };

class RpcError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export interface EsploraShim {
  /** The API base URL, e.g. `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Requests served so far, by path pattern (for tests that count); outspends also by outpoint, as `outspend TXID:VOUT`; `5xx` the failed ones. */
  readonly requests: Map<string, number>;
  /** The last 20 requests that failed (HTTP 500), with why: what a test prints when something did not come. */
  readonly errors: readonly string[];
  /**
   * Keeps the tip endpoints (`/blocks/tip/hash`, `/blocks/tip/height`, and `/block-height/:h`
   * above it) at btcd's tip of now until `release()`, while everything else answers from btcd's
   * chain as it goes on: a load-balanced server whose tip lags the answers of its other requests.
   * A node on it does not see the blocks mined meanwhile, and is told of spends in them.
   */
  holdTip(): Promise<{ release(): void }>;
  /**
   * Requests whose path `matches` wait, unanswered, until `release()` (then they are served as
   * usual, from btcd's chain of then); `waiting()` counts them. A slow server, on the test's cue.
   */
  gate(matches: (path: string) => boolean): { waiting(): number; release(): void };
  close(): Promise<void>;
}

export async function startEsplora(btcd: Btcd, opts: { port?: number } = {}): Promise<EsploraShim> {
  const auth = `Basic ${Buffer.from(`${btcd.rpcUser}:${btcd.rpcPass}`).toString('base64')}`;
  const blocks = new Map<string, CachedBlock>();
  const mempoolCache = new Map<string, ParsedTx>();
  let chain: string[] = [];
  const requests = new Map<string, number>();
  const errors: string[] = [];
  let held: { hash: string; height: number } | null = null;
  const gates = new Set<{ matches: (path: string) => boolean; waiters: (() => void)[] }>();

  async function rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${btcd.rpcPort}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify({ jsonrpc: '1.0', id: 1, method, params }),
    });
    const body = (await res.json()) as { result: T; error: { code: number; message: string } | null };
    if (body.error) throw new RpcError(body.error.code, body.error.message);
    return body.result;
  }

  /**
   * Brings the cached best chain (hashes by height) up to btcd's. One refresh at a time, and the
   * new chain replaces the old one whole once it is complete: requests served concurrently while
   * btcd mined several blocks once saw a chain with holes (a refresh that had set the new tip
   * and not yet the blocks under it), and a refresh that failed half-way left them there for good.
   */
  let previous: Promise<void> = Promise.resolve();
  function refresh(): Promise<void> {
    // Each caller's own refresh (it starts after the caller came, so it sees btcd's chain of then), after the ones before it.
    const mine = previous.then(async () => {
      const info = await rpc<{ blocks: number; bestblockhash: string }>('getblockchaininfo');
      if (chain[info.blocks] === info.bestblockhash && chain.length === info.blocks + 1) return;
      const next = chain.slice(0, info.blocks + 1);
      for (let h = info.blocks; h >= 0; h--) {
        const hash = h === info.blocks ? info.bestblockhash : await rpc<string>('getblockhash', [h]);
        if (next[h] === hash) break;
        next[h] = hash;
      }
      chain = next;
    });
    previous = mine.catch(() => undefined);
    return mine;
  }

  async function block(hash: string): Promise<CachedBlock> {
    const cached = blocks.get(hash);
    if (cached) return cached;
    const raw = fromHex(await rpc<string>('getblock', [hash, 0]));
    const b = decodeBlock(raw);
    const parsed: CachedBlock = { hash, time: b.header.time, txs: b.transactions.map((t) => ({ txid: txidToHex(t.txid), tx: t.tx, raw: t.raw })) };
    blocks.set(hash, parsed);
    return parsed;
  }

  async function mempool(): Promise<ParsedTx[]> {
    const ids = await rpc<string[]>('getrawmempool', [false]);
    const out: ParsedTx[] = [];
    for (const id of ids) {
      let t = mempoolCache.get(id);
      if (!t) {
        try {
          const raw = fromHex(await rpc<string>('getrawtransaction', [id, 0]));
          t = { txid: id, tx: decodeTx(raw), raw };
          mempoolCache.set(id, t);
        } catch {
          continue; // left the mempool meanwhile
        }
      }
      out.push(t);
    }
    return out;
  }

  /** Every transaction of the best chain (oldest first) and then the mempool, with statuses. */
  async function everything(): Promise<{ t: ParsedTx; status: Status }[]> {
    await refresh();
    const best = chain; // a refresh for another request may replace it while this one reads blocks
    const out: { t: ParsedTx; status: Status }[] = [];
    for (let h = 0; h < best.length; h++) {
      const b = await block(best[h]!);
      for (const t of b.txs) out.push({ t, status: { confirmed: true, block_height: h, block_hash: b.hash, block_time: b.time } });
    }
    for (const t of await mempool()) out.push({ t, status: { confirmed: false } });
    return out;
  }

  function esploraJson(t: ParsedTx, status: Status): unknown {
    return {
      txid: t.txid,
      version: t.tx.version,
      locktime: t.tx.locktime,
      size: t.raw.length,
      weight: txWeight(t.tx),
      vin: t.tx.inputs.map((i) => {
        const coinbase = i.prevout.vout === 0xffffffff && i.prevout.txid.every((b) => b === 0);
        return {
          txid: txidToHex(i.prevout.txid),
          vout: i.prevout.vout,
          scriptsig: toHex(i.scriptSig),
          ...(i.witness.length ? { witness: i.witness.map(toHex) } : {}),
          is_coinbase: coinbase,
          sequence: i.sequence,
        };
      }),
      vout: t.tx.outputs.map((o) => ({ scriptpubkey: toHex(o.scriptPubKey), value: Number(o.value) })),
      status,
    };
  }

  async function txStatus(txid: string): Promise<Status | null> {
    for (const e of await everything()) if (e.t.txid === txid) return e.status;
    return null;
  }

  async function outspend(txid: string, vout: number): Promise<unknown> {
    const all = await everything();
    const spenders = all.filter((e) => e.t.tx.inputs.some((i) => txidToHex(i.prevout.txid) === txid && i.prevout.vout === vout));
    const e = spenders.find((s) => s.status.confirmed) ?? spenders[spenders.length - 1];
    if (!e) return { spent: false };
    const vin = e.t.tx.inputs.findIndex((i) => txidToHex(i.prevout.txid) === txid && i.prevout.vout === vout);
    return { spent: true, txid: e.t.txid, vin, status: e.status };
  }

  async function history(scripthash: string): Promise<{ t: ParsedTx; status: Status }[]> {
    const all = await everything();
    // Two passes: a mempool child may come before its parent in btcd's mempool list.
    const paid = new Set<string>();
    for (const e of all) e.t.tx.outputs.forEach((o, vout) => {
      if (toHex(sha256(o.scriptPubKey)) === scripthash) paid.add(`${e.t.txid}:${vout}`);
    });
    const hits = all.filter((e) => e.t.tx.outputs.some((o) => toHex(sha256(o.scriptPubKey)) === scripthash)
      || e.t.tx.inputs.some((i) => paid.has(`${txidToHex(i.prevout.txid)}:${i.prevout.vout}`)));
    // electrs: newest first.
    return hits.reverse();
  }

  function count(pattern: string): void {
    requests.set(pattern, (requests.get(pattern) ?? 0) + 1);
  }

  async function route(req: IncomingMessage, body: string): Promise<{ status: number; body: string | Uint8Array; json?: boolean }> {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname.split('/').filter(Boolean);
    const ok = (b: string | Uint8Array) => ({ status: 200, body: b });
    const json = (v: unknown) => ({ status: 200, body: JSON.stringify(v), json: true });
    const notFound = (m: string) => ({ status: 404, body: m });
    try {
      if (req.method === 'POST' && p.length === 1 && p[0] === 'tx') {
        count('POST /tx');
        try {
          return ok(await rpc<string>('sendrawtransaction', [body.trim()]));
        } catch (e) {
          if (e instanceof RpcError) return { status: 400, body: `sendrawtransaction RPC error: ${JSON.stringify({ code: e.code, message: e.message })}` };
          throw e;
        }
      }
      if (req.method !== 'GET') return { status: 405, body: 'Invalid method' };
      const [a, b, c, d] = p;
      if (a === 'blocks' && b === 'tip' && c === 'hash') {
        count('/blocks/tip/hash');
        return ok(held?.hash ?? await rpc<string>('getbestblockhash'));
      }
      if (a === 'blocks' && b === 'tip' && c === 'height') {
        count('/blocks/tip/height');
        return ok(String(held?.height ?? await rpc<number>('getblockcount')));
      }
      if (a === 'block-height' && b !== undefined && c === undefined) {
        count('/block-height/:h');
        if (held && Number(b) > held.height) return notFound('Block not found');
        try {
          return ok(await rpc<string>('getblockhash', [Number(b)]));
        } catch (e) {
          if (e instanceof RpcError) return notFound('Block not found');
          throw e;
        }
      }
      if (a === 'block' && b) {
        try {
          if (c === undefined) {
            count('/block/:hash');
            const h = await rpc<{ hash: string; height: number; version: number; time: number; bits: string; nonce: number; merkleroot: string; previousblockhash?: string }>('getblockheader', [b, true]);
            return json({ id: h.hash, height: h.height, version: h.version, timestamp: h.time, bits: parseInt(h.bits, 16), nonce: h.nonce, merkle_root: h.merkleroot, previousblockhash: h.previousblockhash ?? null });
          }
          if (c === 'header') {
            count('/block/:hash/header');
            return ok(await rpc<string>('getblockheader', [b, false]));
          }
          if (c === 'raw') {
            count('/block/:hash/raw');
            return ok(fromHex(await rpc<string>('getblock', [b, 0])));
          }
          if (c === 'txid' && d !== undefined) {
            count('/block/:hash/txid/:index');
            const t = (await block(b)).txs[Number(d)];
            return t ? ok(t.txid) : notFound('Transaction not found');
          }
        } catch (e) {
          // btcd did not know the block; anything else (btcd slow or away) is a server error, asked again.
          if (e instanceof RpcError) return notFound('Block not found');
          throw e;
        }
      }
      if (a === 'tx' && b) {
        if (c === 'hex' || c === 'raw') {
          count('/tx/:txid/hex');
          try {
            const hex = await rpc<string>('getrawtransaction', [b, 0]);
            return ok(c === 'hex' ? hex : fromHex(hex));
          } catch (e) {
            if (e instanceof RpcError) return notFound('Transaction not found');
            throw e;
          }
        }
        if (c === 'merkle-proof') {
          count('/tx/:txid/merkle-proof');
          const s = await txStatus(b);
          if (!s || !s.confirmed) return notFound('Transaction not found');
          const txids = (await block(s.block_hash)).txs.map((t) => t.txid);
          return json({ block_height: s.block_height, ...merkleBranch(txids, txids.indexOf(b)) });
        }
        if (c === 'status') {
          count('/tx/:txid/status');
          const s = await txStatus(b);
          return s ? json(s) : notFound('Transaction not found');
        }
        if (c === 'outspend' && d !== undefined) {
          count('/tx/:txid/outspend/:vout');
          count(`outspend ${b}:${d}`);
          return json(await outspend(b, Number(d)));
        }
        if (c === undefined) {
          count('/tx/:txid');
          for (const e of await everything()) if (e.t.txid === b) return json(esploraJson(e.t, e.status));
          return notFound('Transaction not found');
        }
      }
      if (a === 'scripthash' && b && c === 'txs') {
        const all = await history(b);
        const mem = all.filter((e) => !e.status.confirmed);
        const conf = all.filter((e) => e.status.confirmed);
        if (d === undefined) {
          count('/scripthash/:hash/txs');
          return json([...mem.slice(0, 50), ...conf.slice(0, 25)].map((e) => esploraJson(e.t, e.status)));
        }
        if (d === 'mempool') {
          count('/scripthash/:hash/txs/mempool');
          return json(mem.slice(0, 50).map((e) => esploraJson(e.t, e.status)));
        }
        if (d === 'chain') {
          count('/scripthash/:hash/txs/chain');
          const last = p[4];
          const start = last ? conf.findIndex((e) => e.t.txid === last) + 1 : 0;
          return json(conf.slice(start, start + 25).map((e) => esploraJson(e.t, e.status)));
        }
      }
      if (a === 'fee-estimates' && b === undefined) {
        count('/fee-estimates');
        const out: Record<string, number> = {};
        for (let t = 1; t <= 25; t++) {
          try {
            const btcPerKb = await rpc<number>('estimatefee', [t]);
            if (btcPerKb > 0) out[String(t)] = (btcPerKb * 1e8) / 1000;
          } catch {
            // no estimate for this target
          }
        }
        return json(out);
      }
      if (a === 'mempool' && b === 'txids') {
        count('/mempool/txids');
        return json(await rpc<string[]>('getrawmempool', [false]));
      }
      return notFound(`unknown path ${url.pathname}`);
    } catch (e) {
      count('5xx');
      errors.push(`${req.method} ${req.url}: ${(e as Error).message}`);
      if (errors.length > 20) errors.shift();
      return { status: 500, body: `shim: ${(e as Error).message}` };
    }
  }

  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const gated = [...gates].find((g) => g.matches(path));
      const open = gated ? new Promise<void>((resolve) => gated.waiters.push(resolve)) : Promise.resolve();
      void open.then(() => route(req, body)).then((r) => {
        res.writeHead(r.status, { 'content-type': r.json ? 'application/json' : typeof r.body === 'string' ? 'text/plain' : 'application/octet-stream' });
        res.end(r.body);
      });
    });
  });
  const port = await listen(server, opts.port ?? 0);
  const holdTip = async (): Promise<{ release(): void }> => {
    const info = await rpc<{ blocks: number; bestblockhash: string }>('getblockchaininfo');
    held = { hash: info.bestblockhash, height: info.blocks };
    return { release: () => void (held = null) };
  };
  const gate = (matches: (path: string) => boolean): { waiting(): number; release(): void } => {
    const g = { matches, waiters: [] as (() => void)[] };
    gates.add(g);
    return {
      waiting: () => g.waiters.length,
      release: () => {
        gates.delete(g);
        for (const w of g.waiters.splice(0)) w();
      },
    };
  };
  return { url: `http://127.0.0.1:${port}`, port, requests, errors, holdTip, gate, close: () => closeServer(server) };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface BadServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * An HTTP server that misbehaves: `garbage` answers 200 with bytes that are not JSON (and not
 * hex) to everything; `silent` accepts connections and never answers.
 */
export async function startBadServer(kind: 'garbage' | 'silent', port = 0): Promise<BadServer> {
  const sockets = new Set<Socket>();
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    if (kind === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"result": [1, 2, ~~~ not json at all \u0000\u00ff');
    }
    // silent: never write, never end
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const bound = await listen(server, port);
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: async () => {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
  };
}

export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** Stops listening and cuts every connection: the service behind looks down. */
  pause(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 to `targetPort`, to take a source away and bring it back without
 * restarting it (btcd wipes its regtest chain at every start).
 */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const { createServer: createTcpServer, connect } = await import('node:net');
  const sockets = new Set<Socket>();
  let server = createTcpServer();
  const make = () => {
    const s = createTcpServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      for (const sock of [client, upstream]) {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
        sock.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    return s;
  };
  server = make();
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  const stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    pause: stop,
    resume: async () => {
      server = make();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
    },
    close: async () => {
      if (server.listening) await stop();
    },
  };
}
