/**
 * Real daemons on a real btcd (regtest) for the crash and reorg campaigns, outside any test
 * runner: btcd in a fresh directory (its regtest database is new every run), `glasswing daemon`
 * processes on btcd's RPC with a fixed listen port each (so a node SIGKILLed and restarted on the
 * same data directory is found again at the same address), an API client per node that is
 * reopened after each restart, and what btcd says about transactions (fees, the mempool).
 * Every process is killed when the campaign ends (processes.ts).
 */
import { join } from 'node:path';
import { Btcd, freePort } from '../../scripts/regtest/btcd';
import { connectToDaemon } from '../../main/cli/daemon-client';
import type { SocketApiClient } from '../../core/api/socket-client';
import type { NodeApi } from '../../core/api';
import { GLASSWING_BIN, LineProcess, tempDir } from './processes';

export { Btcd } from '../../scripts/regtest/btcd';

const btcds = new Set<Btcd>();
process.once('exit', () => {
  for (const b of btcds) b.kill();
});

/** btcd on regtest in a new temporary directory, 101 blocks mined (the faucet's first coinbase mature). */
export async function startRegtest(): Promise<Btcd> {
  const btcd = await Btcd.start({ dir: join(tempDir('glasswing-campaign-btcd-'), 'btcd') });
  btcds.add(btcd);
  await btcd.mine(101);
  return btcd;
}

export async function stopRegtest(btcd: Btcd): Promise<void> {
  btcds.delete(btcd);
  await btcd.stop();
}

/** Polls `check` until it returns a value other than undefined (never a fixed sleep before a check). */
export async function waitUntil<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function btcToSat(btc: number): bigint {
  return BigInt(Math.round(btc * 1e8));
}

interface RawTx {
  readonly txid: string;
  readonly vin: readonly { readonly txid: string; readonly vout: number }[];
  readonly vout: readonly { readonly value: number; readonly n: number }[];
}

export async function rawTx(btcd: Btcd, txid: string): Promise<RawTx> {
  return await btcd.rpc<RawTx>('getrawtransaction', [txid, 1]);
}

/** A transaction's fee, from its inputs' values (btcd runs with --txindex). */
export async function feeOf(btcd: Btcd, txid: string): Promise<bigint> {
  const tx = await rawTx(btcd, txid);
  let inSat = 0n;
  for (const i of tx.vin) inSat += btcToSat((await rawTx(btcd, i.txid)).vout[i.vout]!.value);
  return inSat - tx.vout.reduce((a, o) => a + btcToSat(o.value), 0n);
}

export async function inMempool(btcd: Btcd, txid: string): Promise<boolean> {
  return (await btcd.rpc<string[]>('getrawmempool')).includes(txid);
}

/**
 * One `glasswing daemon` on btcd's RPC, restartable on the same data directory and port. `api`
 * is a client connected to the running process (reopened by `start`); calls made while the
 * process is down reject.
 */
export class CampaignNode {
  readonly datadir: string;
  process: LineProcess | null = null;
  nodeId = '';
  #client: SocketApiClient | null = null;
  /** How many times this node was started. */
  starts = 0;

  private constructor(readonly name: string, readonly port: number, readonly chainArgs: readonly string[], readonly nice: number | undefined) {
    this.datadir = tempDir(`glasswing-campaign-${name}-`);
  }

  static async create(name: string, btcd: Btcd, opts: { nice?: number } = {}): Promise<CampaignNode> {
    return new CampaignNode(name, await freePort(), ['--chain', 'bitcoind-rpc', '--rpc-url', btcd.rpcUrl], opts.nice);
  }

  get address(): string {
    return `${this.nodeId}@127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    const c = this.process?.child;
    return !!c && c.exitCode === null && c.signalCode === null;
  }

  get api(): NodeApi {
    if (!this.#client || !this.alive) throw new Error(`${this.name} is down`);
    return this.#client.api;
  }

  /** Starts the daemon (same data directory, same port) and connects an API client; resolves at its ready line. */
  async start(): Promise<void> {
    const args = [GLASSWING_BIN, 'daemon', '--datadir', this.datadir, '--listen', `127.0.0.1:${this.port}`, '--alias', this.name, ...this.chainArgs];
    this.process = this.nice === undefined ? new LineProcess(process.execPath, args) : new LineProcess('nice', ['-n', String(this.nice), process.execPath, ...args]);
    this.process.child.stdin?.on('error', () => {});
    const ready = await this.process.waitFor((l) => l.event === 'ready', 120_000, `daemon ${this.name}`);
    this.nodeId = String(ready.nodeId);
    this.#client = await connectToDaemon(this.datadir);
    this.starts++;
  }

  /** SIGKILL, and waits until the process is gone. */
  async kill(): Promise<void> {
    const p = this.process;
    if (!p) return;
    this.#client?.close();
    this.#client = null;
    p.kill('SIGKILL');
    await p.exited;
  }

  /** SIGTERM (a clean stop) and waits for the exit. */
  async stop(): Promise<void> {
    const p = this.process;
    if (!p) return;
    this.#client?.close();
    this.#client = null;
    p.kill('SIGTERM');
    await p.exited;
  }

  /** The tail of what the daemon logged (JSON lines on stderr). */
  logTail(chars = 4_000): string {
    return this.process?.stderr.slice(-chars) ?? '';
  }
}

/** Waits until every node follows btcd's best block and is in sync there. */
export async function synced(btcd: Btcd, nodes: readonly CampaignNode[], timeoutMs = 60_000): Promise<void> {
  const best = await btcd.rpc<string>('getbestblockhash');
  for (const n of nodes) {
    let last: unknown = null;
    await waitUntil(async () => {
      const info = await n.api.chainInfo({});
      last = { tip: info.tip, sync: info.sync };
      return info.tip?.hash === best && info.sync.state === 'in_sync' ? true : undefined;
    }, `${n.name} in sync at btcd's tip`, timeoutMs, 200).catch((e: Error) => {
      // What the node last said and logged: a campaign stopped here needs them to tell a slow machine from a stuck node.
      throw new Error(`${e.message}; btcd's best ${best} at ${n.name}: ${JSON.stringify(last)}; ${n.name}'s log tail:\n${n.logTail(3_000)}`);
    });
  }
}

/** Mines `n` blocks and waits until every node in `nodes` is in sync at the new tip. */
export async function mine(btcd: Btcd, n: number, nodes: readonly CampaignNode[] = []): Promise<string[]> {
  const hashes = await btcd.mine(n);
  if (nodes.length) await synced(btcd, nodes);
  return hashes;
}
