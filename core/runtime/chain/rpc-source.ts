/**
 * A bitcoind-compatible JSON-RPC chain source (polling), for bitcoind and btcd. `connect`
 * detects which one answers — `getnetworkinfo` exists only in bitcoind (btcd v0.26.0 answers
 * -1 "Command unimplemented"; older servers -32601 "Method not found") — and the calls that
 * differ are chosen by that:
 *
 * | need                  | bitcoind                          | btcd                                  |
 * |-----------------------|-----------------------------------|---------------------------------------|
 * | fee estimate          | `estimatesmartfee N` (BTC/kvB)    | `estimatefee N` (BTC/kB; 0 or -1: none, N ≤ 25) |
 * | is it in the mempool  | `getmempoolentry TXID` (-5: no)   | `getrawmempool true` (a map by txid)  |
 *
 * Everything else is common: `getblockchaininfo` (tip), `getblockhash`, `getblockheader H false`,
 * `getblock H 0`, `getrawmempool`, `getrawtransaction T 0|1` (btcd needs --txindex for confirmed
 * ones, as does bitcoind), `gettxout`, `sendrawtransaction`. Authentication: user and password in
 * the URL (`http://USER:PASS@HOST:PORT`), or bitcoind's cookie file (`USER:PASS` in one line,
 * read again when refused, since bitcoind writes a new one at each start).
 */
import { readFile } from 'node:fs/promises';
import {
  ChainSourceError, classifyRejection, type BlockRef, type BroadcastOutcome, type ChainSource, type ChainSourceInfo, type FeeRates, type Lookup,
  type LookupResult,
} from '../../chain';
import { fromHex, toHex } from '../../crypto';
import { CHAIN_HASH_HEX, type Network } from '../../wire';
import type { ChainClock } from './clock';
import { broadcastRaw } from './broadcast';
import { bodyText, httpRequest, redactUrl } from './http';

export interface RpcSourceOptions {
  /** `http://USER:PASS@HOST:PORT` (credentials may be left out with `cookieFile`). */
  readonly url: string;
  /** bitcoind's `.cookie` file, read for the credentials instead of the URL's. */
  readonly cookieFile?: string;
  readonly clock: ChainClock;
  /** Per request (default 30 s). */
  readonly timeoutMs?: number;
  /** Largest answer taken (default 64 MiB: a 4 MB block is 8 MB of hex). */
  readonly maxResponseBytes?: number;
}

/** A JSON-RPC error answer: the server is up and refused this call. */
export class RpcCallError extends ChainSourceError {
  constructor(readonly method: string, readonly rpcCode: number, message: string) {
    super('chain.source.rpc_error', `${method}: ${message} (${rpcCode})`, { method, rpcCode });
  }
}

/** RPC_METHOD_NOT_FOUND. */
const METHOD_NOT_FOUND = -32601;
/** RPC_INVALID_ADDRESS_OR_KEY: "No such mempool or blockchain transaction", "Block not found". */
const RPC_NOT_FOUND = -5;
/** RPC_INVALID_PARAMETER (bitcoind "Block height out of range"); btcd uses -1 for the same. */
const RPC_INVALID_PARAMETER = -8;

type Flavor = 'bitcoind' | 'btcd';

interface RpcReply {
  result?: unknown;
  error?: { code?: unknown; message?: unknown } | null;
  id?: unknown;
}

export class BitcoindRpcSource implements ChainSource {
  readonly kind = 'bitcoind-rpc' as const;
  readonly mode = 'blocks' as const;
  readonly endpoint: string;
  readonly #url: string;
  readonly #urlAuth: string | null;
  readonly #cookieFile: string | undefined;
  readonly #clock: ChainClock;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  #cookieAuth: string | null = null;
  #flavor: Flavor | null = null;
  #id = 0;

  constructor(opts: RpcSourceOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new ChainSourceError('chain.source.unreachable', 'the RPC URL is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ChainSourceError('chain.source.unreachable', 'the RPC URL must be http:// or https://');
    this.endpoint = redactUrl(url);
    this.#urlAuth = url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : null;
    url.username = '';
    url.password = '';
    this.#url = url.href;
    this.#cookieFile = opts.cookieFile;
    this.#clock = opts.clock;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#maxBytes = opts.maxResponseBytes ?? 64 * 1024 * 1024;
  }

  /** `bitcoind` or `btcd` once connected. */
  get flavor(): Flavor | null {
    return this.#flavor;
  }

  async #auth(reload: boolean): Promise<string | null> {
    if (!this.#cookieFile) return this.#urlAuth;
    if (this.#cookieAuth && !reload) return this.#cookieAuth;
    let text: string;
    try {
      text = await readFile(this.#cookieFile, 'utf8');
    } catch (e) {
      throw new ChainSourceError('chain.source.auth', `cannot read the RPC cookie file: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const line = text.trim();
    if (!line.includes(':')) throw new ChainSourceError('chain.source.auth', 'the RPC cookie file does not hold USER:PASSWORD');
    this.#cookieAuth = line;
    return line;
  }

  async #post(payload: unknown, what: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const auth = await this.#auth(attempt > 0);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (auth) headers.authorization = `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(auth)))}`;
      const res = await httpRequest(this.#clock, { url: this.#url, method: 'POST', headers, body: JSON.stringify(payload), timeoutMs: this.#timeoutMs, maxBytes: this.#maxBytes }, this.endpoint);
      if (res.status === 401 || res.status === 403) {
        if (this.#cookieFile && attempt === 0) continue;
        throw new ChainSourceError('chain.source.auth', `${this.endpoint} refused the RPC credentials (HTTP ${res.status})`);
      }
      const text = bodyText(res);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        if (res.status < 200 || res.status >= 300) throw new ChainSourceError('chain.source.http_status', `${what}: HTTP ${res.status}`, { status: res.status });
        throw new ChainSourceError('chain.source.bad_response', `${what}: the answer is not JSON`);
      }
      return parsed;
    }
  }

  /** One call; an RPC error answer throws `RpcCallError`. */
  async call<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    const id = ++this.#id;
    const reply = (await this.#post({ jsonrpc: '1.0', id, method, params }, method)) as RpcReply;
    return unwrap<T>(reply, method);
  }

  /** Several calls in one request (JSON-RPC batch); each result or its `RpcCallError`. */
  async batch(method: string, paramsList: readonly (readonly unknown[])[]): Promise<(unknown | RpcCallError)[]> {
    if (paramsList.length === 0) return [];
    const first = this.#id + 1;
    const payload = paramsList.map((params) => ({ jsonrpc: '1.0', id: ++this.#id, method, params }));
    const reply = await this.#post(payload, method);
    if (!Array.isArray(reply) || reply.length !== paramsList.length) throw new ChainSourceError('chain.source.bad_response', `${method}: the batch answer has the wrong shape`);
    const byId = new Map<unknown, RpcReply>();
    for (const r of reply as RpcReply[]) if (r && typeof r === 'object') byId.set(r.id, r);
    return paramsList.map((_, i) => {
      const r = byId.get(first + i);
      if (!r) throw new ChainSourceError('chain.source.bad_response', `${method}: the batch answer misses id ${first + i}`);
      try {
        return unwrap(r, method);
      } catch (e) {
        if (e instanceof RpcCallError) return e;
        throw e;
      }
    });
  }

  async connect(expected: Network): Promise<ChainSourceInfo> {
    let flavor: Flavor;
    let version: number | null = null;
    try {
      const info = await this.call<{ version?: unknown }>('getnetworkinfo');
      flavor = 'bitcoind';
      version = typeof info?.version === 'number' ? info.version : null;
    } catch (e) {
      if (!(e instanceof RpcCallError) || (e.rpcCode !== METHOD_NOT_FOUND && !/unimplemented/i.test(e.message))) throw e;
      flavor = 'btcd';
      const info = await this.call<{ version?: unknown }>('getinfo');
      version = typeof info?.version === 'number' ? info.version : null;
    }
    const genesis = expectHash(await this.call('getblockhash', [0]), 'getblockhash 0');
    const network = networkOfGenesis(genesis);
    if (network !== expected) {
      throw new ChainSourceError('chain.source.wrong_network', `${this.endpoint} follows ${network ?? `an unknown chain (genesis ${genesis})`}, not ${expected}`);
    }
    this.#flavor = flavor;
    return { kind: this.kind, flavor, version, network };
  }

  #requireFlavor(): Flavor {
    if (!this.#flavor) throw new ChainSourceError('chain.source.unreachable', 'not connected: call connect() first');
    return this.#flavor;
  }

  async tip(): Promise<BlockRef> {
    const info = await this.call<{ blocks?: unknown; bestblockhash?: unknown }>('getblockchaininfo');
    if (!info || typeof info !== 'object' || !Number.isSafeInteger(info.blocks) || (info.blocks as number) < 0) {
      throw new ChainSourceError('chain.source.bad_response', 'getblockchaininfo: no block count');
    }
    return { height: info.blocks as number, hash: expectHash(info.bestblockhash, 'getblockchaininfo bestblockhash') };
  }

  async blockHash(height: number): Promise<string | null> {
    try {
      return expectHash(await this.call('getblockhash', [height]), 'getblockhash');
    } catch (e) {
      // bitcoind: -8 "Block height out of range"; btcd: -1 "Block number out of range".
      if (e instanceof RpcCallError && (e.rpcCode === RPC_INVALID_PARAMETER || /out of range/i.test(e.message))) return null;
      throw e;
    }
  }

  async header(hash: string): Promise<Uint8Array> {
    return hexBytes(await this.#found(() => this.call('getblockheader', [hash, false]), `block ${hash}`), 'getblockheader');
  }

  async block(hash: string): Promise<Uint8Array> {
    return hexBytes(await this.#found(() => this.call('getblock', [hash, 0]), `block ${hash}`), 'getblock');
  }

  async #found<T>(f: () => Promise<T>, what: string): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof RpcCallError && e.rpcCode === RPC_NOT_FOUND) throw new ChainSourceError('chain.source.not_found', `${this.endpoint} does not know ${what}`);
      throw e;
    }
  }

  async mempoolTxids(): Promise<string[]> {
    const ids = await this.call('getrawmempool', [false]);
    if (!Array.isArray(ids)) throw new ChainSourceError('chain.source.bad_response', 'getrawmempool: not a list');
    return ids.map((id) => expectHash(id, 'getrawmempool txid'));
  }

  async transactions(txids: readonly string[]): Promise<(Uint8Array | null)[]> {
    const results = await this.batch('getrawtransaction', txids.map((t) => [t, 0]));
    return results.map((r) => {
      if (r instanceof RpcCallError) {
        if (r.rpcCode === RPC_NOT_FOUND) return null;
        throw r;
      }
      return hexBytes(r, 'getrawtransaction');
    });
  }

  async lookups(_items: readonly Lookup[]): Promise<LookupResult[]> {
    throw new ChainSourceError('chain.source.unsupported', 'a JSON-RPC source serves whole blocks, not lookups');
  }

  async feeRates(targets: readonly number[]): Promise<FeeRates> {
    const flavor = this.#requireFlavor();
    const out = new Map<number, number | null>();
    if (flavor === 'bitcoind') {
      const results = await this.batch('estimatesmartfee', targets.map((t) => [t]));
      targets.forEach((t, i) => {
        const r = results[i] as { feerate?: unknown } | RpcCallError;
        // {feerate: BTC/kvB, blocks} or {errors: [...], blocks} when there is no estimate.
        out.set(t, !(r instanceof RpcCallError) && typeof r?.feerate === 'number' && r.feerate > 0 ? Math.round(r.feerate * 1e8) : null);
      });
      return out;
    }
    // btcd: BTC per kB (its comment says satoshis; the value is BtcPerKilobyte); 0 or -1 or an
    // error ("not enough blocks have been observed", targets over 25) when it has none.
    const results = await this.batch('estimatefee', targets.map((t) => [t]));
    targets.forEach((t, i) => {
      const r = results[i];
      out.set(t, typeof r === 'number' && r > 0 ? Math.round(r * 1e8) : null);
    });
    return out;
  }

  /** Whether the source's mempool holds `txid` — `getmempoolentry` on bitcoind, `getrawmempool true` on btcd. */
  async mempoolContains(txid: string): Promise<boolean> {
    if (this.#requireFlavor() === 'bitcoind') {
      try {
        await this.call('getmempoolentry', [txid]);
        return true;
      } catch (e) {
        if (e instanceof RpcCallError && e.rpcCode === RPC_NOT_FOUND) return false;
        throw e;
      }
    }
    const verbose = await this.call('getrawmempool', [true]);
    if (!verbose || typeof verbose !== 'object' || Array.isArray(verbose)) throw new ChainSourceError('chain.source.bad_response', 'getrawmempool true: not a map');
    return Object.prototype.hasOwnProperty.call(verbose, txid);
  }

  /** Confirmations of `txid` per `getrawtransaction T 1` (null: unknown to the source). */
  async confirmations(txid: string): Promise<number | null> {
    try {
      const v = await this.call<{ confirmations?: unknown }>('getrawtransaction', [txid, 1]);
      return typeof v?.confirmations === 'number' ? v.confirmations : 0;
    } catch (e) {
      if (e instanceof RpcCallError && e.rpcCode === RPC_NOT_FOUND) return null;
      throw e;
    }
  }

  async broadcast(raw: Uint8Array): Promise<BroadcastOutcome> {
    return broadcastRaw(raw, async ({ txid, prevouts }) => {
      // Newer bitcoind answers a transaction it already has with its txid, as if it were new.
      if (await this.mempoolContains(txid)) return { kind: 'already_known' };
      try {
        await this.call('sendrawtransaction', [toHex(raw)]);
        return { kind: 'accepted' };
      } catch (e) {
        if (!(e instanceof RpcCallError)) throw e;
        const outcome = classifyRejection(e.message.replace(/ \(-?\d+\)$/, '').replace(/^sendrawtransaction: /, ''), e.rpcCode);
        return outcome.kind === 'missing_inputs' ? await this.#whyMissing(txid, prevouts, outcome) : outcome;
      }
    });
  }

  /**
   * "Missing inputs" covers three things: the transaction is already confirmed (all its outputs
   * spent, so no -27), an input is spent by another transaction (a conflict), or a parent is
   * unknown. Tell them apart with `getrawtransaction` and `gettxout` (needs --txindex for
   * confirmed transactions; without it the answer stays `missing_inputs`).
   */
  async #whyMissing(txid: string, prevouts: readonly { txid: string; vout: number }[], outcome: BroadcastOutcome): Promise<BroadcastOutcome> {
    const own = await this.confirmations(txid);
    if (own !== null && own > 0) return { ...outcome, kind: 'already_confirmed' };
    for (const p of prevouts) {
      const parent = await this.confirmations(p.txid);
      if (parent === null) continue;
      const utxo = await this.call('gettxout', [p.txid, p.vout, true]);
      if (utxo === null) return { ...outcome, kind: 'conflict' };
    }
    return outcome;
  }
}

function unwrap<T>(reply: RpcReply, method: string): T {
  if (!reply || typeof reply !== 'object') throw new ChainSourceError('chain.source.bad_response', `${method}: the answer is not a JSON-RPC reply`);
  const err = reply.error;
  if (err !== null && err !== undefined) {
    const code = typeof err.code === 'number' ? err.code : 0;
    const message = typeof err.message === 'string' ? err.message.slice(0, 500) : 'error';
    throw new RpcCallError(method, code, message);
  }
  if (!('result' in reply)) throw new ChainSourceError('chain.source.bad_response', `${method}: the reply has no result`);
  return reply.result as T;
}

function expectHash(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v)) throw new ChainSourceError('chain.source.bad_response', `${what}: not a 64-digit hex hash`);
  return v.toLowerCase();
}

function hexBytes(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string') throw new ChainSourceError('chain.source.bad_response', `${what}: not a hex string`);
  try {
    return fromHex(v, what);
  } catch {
    throw new ChainSourceError('chain.source.bad_response', `${what}: not hex`);
  }
}

/** The network whose genesis block has this (display-hex) hash. */
export function networkOfGenesis(displayHash: string): Network | null {
  const natural = displayHash.match(/../g)!.reverse().join('');
  for (const [n, h] of Object.entries(CHAIN_HASH_HEX) as [Network, string][]) if (h === natural) return n;
  return null;
}
