/**
 * An Esplora HTTP API chain source (Blockstream's electrs REST API, as blockstream.info and
 * mempool.space serve it; API.md in github.com/Blockstream/esplora), for a desktop user without a
 * node of their own. Filtered mode: headers for the chain, and per-watch lookups —
 *
 * - tip: `GET /blocks/tip/hash`, then `GET /block/:hash` for its height
 * - block hashes and headers: `GET /block-height/:h` (404 above the tip), `GET /block/:hash/header`
 * - whole blocks (not needed in filtered mode): `GET /block/:hash/raw`
 * - the transaction at a block position, with its Merkle proof (the gossip layer's funding
 *   checks): `GET /block/:hash/txid/:index`, `GET /tx/:txid/merkle-proof`
 * - a transaction: `GET /tx/:txid/status` then `GET /tx/:txid/hex`
 * - an outpoint's spend: `GET /tx/:txid/outspend/:vout` (then the spender's hex for a watch;
 *   alone for the gossip layer's checks of graph channels: `outspendStatus`)
 * - a script's history: `GET /scripthash/:sha256(script)/txs` (up to 50 mempool and the newest
 *   25 confirmed transactions), then `/txs/chain/:last_seen_txid` pages of 25. Transactions come
 *   as JSON; they are serialized back and must hash to their txid.
 * - fee estimates: `GET /fee-estimates` (sat/vB by target)
 * - broadcast: `POST /tx` with the hex; refusals are HTTP 400 with electrs' text
 *   `sendrawtransaction RPC error: {"code":…,"message":…}`.
 *
 * Lookups run a few at a time (`concurrency`) to be gentle with public servers.
 */
import { encodeTx, txid as computeTxid, txidFromHex, txidToHex, type Transaction } from '../../bitcoin';
import {
  ChainSourceError, classifyEsploraRejection, type BlockRef, type BroadcastOutcome, type ChainSource, type ChainSourceInfo, type FeeRates, type FoundTx,
  type Lookup, type LookupResult, type TxStatus,
} from '../../chain';
import { fromHex, sha256, toHex } from '../../crypto';
import type { Network } from '../../wire';
import type { ChainClock } from './clock';
import { broadcastRaw } from './broadcast';
import { bodyText, httpRequest, redactUrl, type HttpResponse } from './http';
import { networkOfGenesis } from './rpc-source';

export interface EsploraSourceOptions {
  /** The API base, e.g. `https://blockstream.info/api` or `https://mempool.space/api`. */
  readonly url: string;
  readonly clock: ChainClock;
  /** Per request (default 20 s). */
  readonly timeoutMs?: number;
  /** Largest answer taken (default 16 MiB). */
  readonly maxResponseBytes?: number;
  /** Lookups in flight at once (default 4). */
  readonly concurrency?: number;
  /** Most confirmed transactions read for one script (default 2,500); more is `complete: false`. */
  readonly maxHistory?: number;
}

/** electrs: "Returns up to 50 mempool transactions plus the first 25 confirmed transactions." */
const MEMPOOL_PAGE = 50;
const CHAIN_PAGE = 25;

interface EsploraStatus {
  confirmed?: unknown;
  block_height?: unknown;
  block_hash?: unknown;
}

interface EsploraTx {
  txid?: unknown;
  version?: unknown;
  locktime?: unknown;
  vin?: unknown;
  vout?: unknown;
  status?: EsploraStatus;
}

function bad(message: string): ChainSourceError {
  return new ChainSourceError('chain.source.bad_response', message);
}

export class EsploraSource implements ChainSource {
  readonly kind = 'esplora' as const;
  readonly mode = 'filtered' as const;
  readonly endpoint: string;
  readonly #base: string;
  readonly #clock: ChainClock;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #concurrency: number;
  readonly #maxHistory: number;

  constructor(opts: EsploraSourceOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new ChainSourceError('chain.source.unreachable', 'the Esplora URL is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ChainSourceError('chain.source.unreachable', 'the Esplora URL must be http:// or https://');
    this.endpoint = redactUrl(url);
    this.#base = url.href.replace(/\/$/, '');
    this.#clock = opts.clock;
    this.#timeoutMs = opts.timeoutMs ?? 20_000;
    this.#maxBytes = opts.maxResponseBytes ?? 16 * 1024 * 1024;
    this.#concurrency = Math.max(1, opts.concurrency ?? 4);
    this.#maxHistory = opts.maxHistory ?? 2_500;
  }

  async #request(path: string, opts: { method?: 'GET' | 'POST'; body?: string } = {}): Promise<HttpResponse> {
    return await httpRequest(
      this.#clock,
      { url: `${this.#base}${path}`, method: opts.method, body: opts.body, headers: opts.body ? { 'content-type': 'text/plain' } : undefined, timeoutMs: this.#timeoutMs, maxBytes: this.#maxBytes },
      this.endpoint,
    );
  }

  /** GET; 404 → null; other non-2xx → `chain.source.http_status`. */
  async #get(path: string): Promise<HttpResponse | null> {
    const res = await this.#request(path);
    if (res.status === 404) return null;
    if (res.status === 401 || res.status === 403) throw new ChainSourceError('chain.source.auth', `${this.endpoint} refused ${path} (HTTP ${res.status})`);
    if (res.status < 200 || res.status >= 300) throw new ChainSourceError('chain.source.http_status', `${this.endpoint}${path}: HTTP ${res.status}`, { status: res.status });
    return res;
  }

  async #must(path: string): Promise<HttpResponse> {
    const res = await this.#get(path);
    if (!res) throw new ChainSourceError('chain.source.not_found', `${this.endpoint}${path}: not found`);
    return res;
  }

  async #json(path: string): Promise<unknown> {
    const res = await this.#must(path);
    try {
      return JSON.parse(bodyText(res));
    } catch {
      throw bad(`${path}: the answer is not JSON`);
    }
  }

  async #text(path: string): Promise<string> {
    return bodyText(await this.#must(path)).trim();
  }

  async connect(expected: Network): Promise<ChainSourceInfo> {
    const genesis = expectHash(await this.#text('/block-height/0'), '/block-height/0');
    const network = networkOfGenesis(genesis);
    if (network !== expected) {
      throw new ChainSourceError('chain.source.wrong_network', `${this.endpoint} follows ${network ?? `an unknown chain (genesis ${genesis})`}, not ${expected}`);
    }
    return { kind: this.kind, flavor: 'esplora', version: null, network };
  }

  async tip(): Promise<BlockRef> {
    const hash = expectHash(await this.#text('/blocks/tip/hash'), '/blocks/tip/hash');
    const block = (await this.#json(`/block/${hash}`)) as { id?: unknown; height?: unknown } | null;
    if (!block || block.id !== hash || !Number.isSafeInteger(block.height) || (block.height as number) < 0) throw bad(`/block/${hash}: not that block`);
    return { height: block.height as number, hash };
  }

  async blockHash(height: number): Promise<string | null> {
    const res = await this.#get(`/block-height/${height}`);
    return res ? expectHash(bodyText(res).trim(), `/block-height/${height}`) : null;
  }

  async header(hash: string): Promise<Uint8Array> {
    return hexBytes(await this.#text(`/block/${hash}/header`), 'header');
  }

  async block(hash: string): Promise<Uint8Array> {
    return (await this.#must(`/block/${hash}/raw`)).body;
  }

  /** The txid at `index` in block `hash`, or null when the block has no such position. */
  async txidAt(hash: string, index: number): Promise<string | null> {
    const res = await this.#get(`/block/${hash}/txid/${index}`);
    return res ? expectHash(bodyText(res).trim(), `/block/${hash}/txid/${index}`) : null;
  }

  /** A confirmed transaction's Merkle branch (electrs: hex hashes as shown, its position in the block), or null. */
  /**
   * Whether an output is spent, and by what in which block, in one request (`/tx/:txid/outspend/:vout`;
   * the spender's bytes are not fetched): the gossip layer's check of graph channels' funding
   * outputs, which can be tens of thousands. An output the server does not know is unspent.
   */
  async outspendStatus(txid: string, vout: number): Promise<OutspendStatus> {
    const path = `/tx/${txid}/outspend/${vout}`;
    return parseOutspend(await this.#json(path), path);
  }

  async merkleProof(txid: string): Promise<{ readonly blockHeight: number; readonly branch: readonly string[]; readonly pos: number } | null> {
    const path = `/tx/${txid}/merkle-proof`;
    const res = await this.#get(path);
    if (!res) return null;
    const v = parseJson(res, path) as { block_height?: unknown; merkle?: unknown; pos?: unknown } | null;
    if (!v || !Number.isSafeInteger(v.block_height) || !Number.isSafeInteger(v.pos) || (v.pos as number) < 0 || !Array.isArray(v.merkle) || v.merkle.length > 64) {
      throw bad(`${path}: not a Merkle proof`);
    }
    return { blockHeight: v.block_height as number, branch: v.merkle.map((h) => expectHash(h, `${path} merkle`)), pos: v.pos as number };
  }

  async mempoolTxids(): Promise<string[]> {
    const ids = await this.#json('/mempool/txids');
    if (!Array.isArray(ids)) throw bad('/mempool/txids: not a list');
    return ids.map((id) => expectHash(id, 'mempool txid'));
  }

  async transactions(txids: readonly string[]): Promise<(Uint8Array | null)[]> {
    return await this.#limited(txids, async (txid) => {
      const res = await this.#get(`/tx/${txid}/hex`);
      return res ? hexBytes(bodyText(res).trim(), `/tx/${txid}/hex`) : null;
    });
  }

  async lookups(items: readonly Lookup[]): Promise<LookupResult[]> {
    return await this.#limited(items, (item) => this.#lookup(item));
  }

  async #lookup(item: Lookup): Promise<LookupResult> {
    if (item.kind === 'tx') {
      const res = await this.#get(`/tx/${item.txid}/status`);
      if (!res) return { kind: 'tx', txid: item.txid, found: null };
      const status = parseStatus(parseJson(res, `/tx/${item.txid}/status`), `/tx/${item.txid}/status`);
      const raw = await this.#get(`/tx/${item.txid}/hex`);
      if (!raw) return { kind: 'tx', txid: item.txid, found: null }; // gone between the two calls
      return { kind: 'tx', txid: item.txid, found: { raw: hexBytes(bodyText(raw).trim(), `/tx/${item.txid}/hex`), status } };
    }
    if (item.kind === 'outspend') {
      const path = `/tx/${item.txid}/outspend/${item.vout}`;
      const v = (await this.#json(path)) as { spent?: unknown; txid?: unknown; status?: unknown } | null;
      if (!v || typeof v.spent !== 'boolean') throw bad(`${path}: no "spent"`);
      if (!v.spent) return { kind: 'outspend', txid: item.txid, vout: item.vout, spender: null };
      const spender = expectHash(v.txid, `${path} txid`);
      const status = parseStatus(v.status, path);
      const raw = await this.#get(`/tx/${spender}/hex`);
      if (!raw) return { kind: 'outspend', txid: item.txid, vout: item.vout, spender: null };
      return { kind: 'outspend', txid: item.txid, vout: item.vout, spender: { raw: hexBytes(bodyText(raw).trim(), `/tx/${spender}/hex`), status } };
    }
    return await this.#history(item.script);
  }

  async #history(script: string): Promise<LookupResult> {
    const scripthash = toHex(sha256(fromHex(script, 'script')));
    const base = `/scripthash/${scripthash}/txs`;
    const first = await this.#json(base);
    if (!Array.isArray(first)) throw bad(`${base}: not a list`);
    const txs: FoundTx[] = [];
    let mempool = 0;
    let confirmed = 0;
    let lastConfirmed: string | null = null;
    for (const t of first as EsploraTx[]) {
      const found = esploraTx(t, base);
      txs.push(found.tx);
      if (found.tx.status.kind === 'mempool') mempool++;
      else {
        confirmed++;
        lastConfirmed = found.txid;
      }
    }
    let complete = mempool < MEMPOOL_PAGE;
    let page = confirmed;
    while (page === CHAIN_PAGE && lastConfirmed) {
      if (confirmed >= this.#maxHistory) {
        complete = false;
        break;
      }
      const path = `${base}/chain/${lastConfirmed}`;
      const more = await this.#json(path);
      if (!Array.isArray(more)) throw bad(`${path}: not a list`);
      page = 0;
      for (const t of more as EsploraTx[]) {
        const found = esploraTx(t, path);
        if (found.tx.status.kind !== 'confirmed') throw bad(`${path}: an unconfirmed transaction in the confirmed history`);
        txs.push(found.tx);
        confirmed++;
        page++;
        lastConfirmed = found.txid;
      }
    }
    return { kind: 'script', script, txs, complete };
  }

  async feeRates(targets: readonly number[]): Promise<FeeRates> {
    const v = await this.#json('/fee-estimates');
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad('/fee-estimates: not an object');
    const out = new Map<number, number | null>(targets.map((t) => [t, null]));
    for (const [k, rate] of Object.entries(v as Record<string, unknown>)) {
      const target = Number(k);
      if (!Number.isInteger(target) || target < 1) continue;
      // sat/vB → sat/kvB.
      out.set(target, typeof rate === 'number' && Number.isFinite(rate) && rate > 0 ? Math.round(rate * 1000) : null);
    }
    return out;
  }

  async broadcast(raw: Uint8Array): Promise<BroadcastOutcome> {
    return broadcastRaw(raw, async ({ txid, prevouts }) => {
      const res = await this.#request('/tx', { method: 'POST', body: toHex(raw) });
      if (res.status >= 200 && res.status < 300) return { kind: 'accepted' };
      if (res.status !== 400) return { kind: 'source_down', detail: `chain.source.http_status: HTTP ${res.status}` };
      const outcome = classifyEsploraRejection(bodyText(res));
      if (outcome.kind !== 'missing_inputs' && outcome.kind !== 'conflict') return outcome;
      // Tell "already confirmed" and "spent by another" from "parent unknown".
      const status = await this.#get(`/tx/${txid}/status`);
      if (status) {
        const s = parseStatus(parseJson(status, 'status'), 'status');
        if (s.kind === 'confirmed') return { ...outcome, kind: 'already_confirmed' };
        if (outcome.kind === 'missing_inputs') return { ...outcome, kind: 'already_known' };
      }
      for (const p of prevouts) {
        const v = (await this.#json(`/tx/${p.txid}/outspend/${p.vout}`).catch(() => null)) as { spent?: unknown; txid?: unknown } | null;
        if (v?.spent === true && v.txid !== txid) return { ...outcome, kind: 'conflict' };
      }
      return outcome;
    });
  }

  /** Runs `f` over `items`, at most `concurrency` at once, keeping the order. */
  async #limited<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
    const out = new Array<R>(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, items.length) }, worker));
    return out;
  }
}

function parseJson(res: HttpResponse, what: string): unknown {
  try {
    return JSON.parse(bodyText(res));
  } catch {
    throw bad(`${what}: the answer is not JSON`);
  }
}

/** What `/tx/:txid/outspend/:vout` says. */
export type OutspendStatus = { readonly spent: false } | { readonly spent: true; readonly txid: string; readonly status: TxStatus };

/** electrs' outspend JSON (`{spent: false}` or `{spent: true, txid, vin, status}`); anything else is `chain.source.bad_response`. */
export function parseOutspend(input: unknown, what: string): OutspendStatus {
  const v = input as { spent?: unknown; txid?: unknown; status?: unknown } | null;
  if (!v || typeof v !== 'object' || typeof v.spent !== 'boolean') throw bad(`${what}: no "spent"`);
  if (!v.spent) return { spent: false };
  return { spent: true, txid: expectHash(v.txid, `${what} txid`), status: parseStatus(v.status, what) };
}

function parseStatus(v: unknown, what: string): TxStatus {
  const s = v as EsploraStatus | null;
  if (!s || typeof s !== 'object' || typeof s.confirmed !== 'boolean') throw bad(`${what}: no status`);
  if (!s.confirmed) return { kind: 'mempool' };
  if (!Number.isSafeInteger(s.block_height) || (s.block_height as number) < 0) throw bad(`${what}: no block height`);
  return { kind: 'confirmed', height: s.block_height as number, blockHash: expectHash(s.block_hash, `${what} block_hash`) };
}

/**
 * Serializes an Esplora transaction object back to bytes (version, inputs with scriptsig,
 * witness and sequence, outputs with value and scriptpubkey, locktime) and checks the txid.
 */
export function esploraTx(input: unknown, what: string): { txid: string; tx: FoundTx } {
  if (!input || typeof input !== 'object') throw bad(`${what}: not a transaction`);
  const t = input as EsploraTx;
  const txid = expectHash(t.txid, `${what} txid`);
  if (!Number.isSafeInteger(t.version) || !Number.isSafeInteger(t.locktime) || !Array.isArray(t.vin) || !Array.isArray(t.vout)) {
    throw bad(`${what}: transaction ${txid} lacks version, locktime, vin or vout`);
  }
  let tx: Transaction;
  try {
    tx = {
      version: (t.version as number) >>> 0,
      locktime: t.locktime as number,
      inputs: (t.vin as Record<string, unknown>[]).map((i) => ({
        prevout: { txid: txidFromHex(String(i.txid)), vout: checkU32(i.vout) },
        scriptSig: fromHex(typeof i.scriptsig === 'string' ? i.scriptsig : '', 'scriptsig'),
        sequence: checkU32(i.sequence),
        witness: Array.isArray(i.witness) ? i.witness.map((w) => fromHex(String(w), 'witness')) : [],
      })),
      outputs: (t.vout as Record<string, unknown>[]).map((o) => {
        if (!Number.isSafeInteger(o.value) || (o.value as number) < 0) throw new Error('value');
        return { value: BigInt(o.value as number), scriptPubKey: fromHex(String(o.scriptpubkey), 'scriptpubkey') };
      }),
    };
  } catch {
    throw bad(`${what}: transaction ${txid} has malformed fields`);
  }
  let raw: Uint8Array;
  try {
    raw = encodeTx(tx);
  } catch {
    throw bad(`${what}: transaction ${txid} cannot be serialized`);
  }
  if (txidToHex(computeTxid(tx)) !== txid) throw bad(`${what}: transaction ${txid} does not hash to its txid`);
  const status = t.status === undefined ? ({ kind: 'mempool' } as const) : parseStatus(t.status, what);
  return { txid, tx: { raw, status } };
}

function checkU32(v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) throw new Error('u32');
  return v as number;
}

function expectHash(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v)) throw bad(`${what}: not a 64-digit hex hash`);
  return v.toLowerCase();
}

function hexBytes(v: string, what: string): Uint8Array {
  try {
    return fromHex(v, what);
  } catch {
    throw bad(`${what}: not hex`);
  }
}
