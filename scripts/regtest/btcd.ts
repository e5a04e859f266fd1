/**
 * A btcd full node on regtest, for the tests and the sandbox: starts the pinned btcd
 * (scripts/peers/btcd.mjs builds it) on loopback with its own data directory, answers JSON-RPC,
 * mines with `generate` to a faucet address, and pays regtest coins from the faucet's matured
 * coinbase outputs. Nothing here is used by the node itself: it talks to btcd through its chain
 * source like it would to any bitcoind-compatible server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { createServer as createHttpServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Transaction, p2wpkh } from '@scure/btc-signer';
import { pubECDSA, type BTC_NETWORK } from '@scure/btc-signer/utils.js';
// @ts-expect-error plain ESM module without types
import { btcdBinDir } from '../peers/versions.mjs';

/** bech32 `bcrt`, base58 prefixes of regtest (BIP 173, Bitcoin Core chainparams). */
export const REGTEST: BTC_NETWORK = { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef };

/** Coinbase outputs spend only after 100 confirmations (consensus). */
const COINBASE_MATURITY = 100;

export class BtcdRpcError extends Error {
  constructor(readonly method: string, readonly code: number, message: string) {
    super(`btcd ${method}: ${message} (${code})`);
  }
}

export interface BtcdOptions {
  /** btcd's data and log directory (created). */
  readonly dir: string;
  /** Where mined coins go (default: the faucet's address). */
  readonly miningAddress?: string;
  /** Fixed RPC / P2P ports (default: free ports on 127.0.0.1). */
  readonly rpcPort?: number;
  readonly p2pPort?: number;
  /** Peers to connect to (`127.0.0.1:PORT`), e.g. a second btcd for competing chains. */
  readonly connect?: readonly string[];
  readonly binDir?: string;
  /**
   * Serve RPC over TLS (btcd writes a self-signed `rpc.cert` / `rpc.key` into `dir` at start)
   * instead of `--notls`. LND's btcd backend insists on TLS for its websocket client; everything
   * else here works either way.
   */
  readonly tls?: boolean;
}

export function btcdBinary(binDir: string = btcdBinDir()): string | null {
  const path = join(binDir, 'btcd');
  return existsSync(path) ? path : null;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The faucet: one fixed regtest key that every mined block pays. Regtest coins only. */
export function faucetKey(): { secret: Uint8Array; address: string; script: Uint8Array } {
  const secret = new Uint8Array(createHash('sha256').update('glasswing regtest faucet').digest());
  const payment = p2wpkh(pubECDSA(secret, true), REGTEST);
  return { secret, address: payment.address!, script: payment.script };
}

export class Btcd {
  readonly rpcUser = 'glasswing';
  readonly rpcPass: string;
  #child: ChildProcess | null;
  #exited: Promise<number | null>;
  #faucetCursor = 1;

  /** With `tls`: the PEM certificate btcd serves RPC with (LND's `--btcd.rpccert`). */
  readonly rpcCertPath: string | null;
  #rpcCert: string | null = null;
  #plainProxy: Promise<{ server: Server; port: number }> | null = null;

  private constructor(readonly dir: string, readonly rpcPort: number, readonly p2pPort: number, child: ChildProcess, rpcPass: string, tls: boolean) {
    this.rpcCertPath = tls ? join(dir, 'rpc.cert') : null;
    this.#child = child;
    this.rpcPass = rpcPass;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts btcd and waits until it answers RPC. */
  static async start(opts: BtcdOptions): Promise<Btcd> {
    const bin = btcdBinary(opts.binDir);
    if (!bin) throw new Error(`btcd is not built: run node scripts/peers/btcd.mjs (needs Go)`);
    mkdirSync(opts.dir, { recursive: true });
    const rpcPort = opts.rpcPort ?? (await freePort());
    const p2pPort = opts.p2pPort ?? (await freePort());
    const rpcPass = createHash('sha256').update(`${opts.dir}:${rpcPort}`).digest('hex').slice(0, 24);
    const args = [
      '--regtest',
      `--datadir=${join(opts.dir, 'data')}`,
      `--logdir=${join(opts.dir, 'logs')}`,
      `--rpcuser=glasswing`,
      `--rpcpass=${rpcPass}`,
      `--rpclisten=127.0.0.1:${rpcPort}`,
      ...(opts.tls ? [`--rpccert=${join(opts.dir, 'rpc.cert')}`, `--rpckey=${join(opts.dir, 'rpc.key')}`] : ['--notls']),
      `--listen=127.0.0.1:${p2pPort}`,
      '--txindex',
      `--miningaddr=${opts.miningAddress ?? faucetKey().address}`,
      // Mainnet's relay policy, so what passes here passes there.
      '--rejectnonstd',
      '--nostalldetect',
      // Several daemons, the test and its helpers each keep HTTP connections open: btcd's default of
      // 10 RPC clients answers the eleventh "503 Too busy".
      '--rpcmaxclients=200',
      '--rpcmaxconcurrentreqs=200',
      ...(opts.connect ?? []).map((c) => `--addpeer=${c}`),
    ];
    const logFd = openSync(join(opts.dir, 'btcd.out'), 'a');
    const child = spawn(bin, args, { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    const btcd = new Btcd(opts.dir, rpcPort, p2pPort, child, rpcPass, opts.tls ?? false);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`btcd exited with ${child.exitCode} at start; see ${join(opts.dir, 'btcd.out')}`);
      try {
        await btcd.rpc('getblockcount');
        return btcd;
      } catch (e) {
        if (Date.now() > deadline) {
          btcd.kill();
          throw new Error(`btcd did not answer RPC within 30 s: ${(e as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** `http(s)://USER:PASS@127.0.0.1:PORT`, what `--rpc-url` takes. */
  get rpcUrl(): string {
    return `${this.rpcCertPath ? 'https' : 'http'}://${this.rpcUser}:${this.rpcPass}@127.0.0.1:${this.rpcPort}`;
  }

  async rpc<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const payload = JSON.stringify({ jsonrpc: '1.0', id: 1, method, params });
    const headers = {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${this.rpcUser}:${this.rpcPass}`).toString('base64')}`,
    };
    const { status, text } = this.rpcCertPath
      ? await this.#postTls(payload, headers)
      : await fetch(`http://127.0.0.1:${this.rpcPort}/`, { method: 'POST', headers, body: payload }).then(async (res) => ({ status: res.status, text: await res.text() }));
    let body: { result: T; error: { code: number; message: string } | null };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new BtcdRpcError(method, status, text.slice(0, 200));
    }
    if (body.error) throw new BtcdRpcError(method, body.error.code, body.error.message);
    return body.result;
  }

  /** One POST over TLS, trusting only the certificate btcd wrote (it appears once btcd is up). */
  async #postTls(payload: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
    this.#rpcCert ??= readFileSync(this.rpcCertPath!, 'utf8');
    const ca = this.#rpcCert;
    return await new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: this.rpcPort, method: 'POST', path: '/', headers, ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * With `tls`: a plain-HTTP JSON-RPC port on 127.0.0.1 that forwards each POST to btcd's TLS RPC,
   * for clients that speak only HTTP (lightning-block-sync's RPC client in the LDK test peer) on the
   * same btcd LND uses. Without `tls`, btcd's own port.
   */
  async plainRpcPort(): Promise<number> {
    if (!this.rpcCertPath) return this.rpcPort;
    this.#plainProxy ??= new Promise((resolve, reject) => {
      const server = createHttpServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (req.headers.authorization) headers.authorization = req.headers.authorization;
          this.#postTls(Buffer.concat(chunks).toString('utf8'), headers).then(
            ({ status, text }) => res.writeHead(status, { 'content-type': 'application/json' }).end(text),
            (e: Error) => res.writeHead(502).end(e.message),
          );
        });
      });
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
      });
    });
    return (await this.#plainProxy).port;
  }

  /** Mines `n` blocks (to the mining address); returns their hashes. */
  async mine(n: number): Promise<string[]> {
    return await this.rpc<string[]>('generate', [n]);
  }

  async height(): Promise<number> {
    return await this.rpc<number>('getblockcount');
  }

  /**
   * Pays `amountSat` to `address` from a matured coinbase of the faucet (mining first if none is
   * mature), change back to the faucet. Returns the txid; the transaction is in the mempool.
   */
  async fund(address: string, amountSat: bigint, feeRateSatVb = 2n): Promise<string> {
    const faucet = faucetKey();
    const coin = await this.#matureCoinbase();
    const tx = new Transaction();
    tx.addInput({ txid: coin.txid, index: 0, witnessUtxo: { script: faucet.script, amount: coin.valueSat } });
    tx.addOutputAddress(address, amountSat, REGTEST);
    // One P2WPKH input, two outputs: 141 vbytes at most.
    const fee = 141n * feeRateSatVb;
    const change = coin.valueSat - amountSat - fee;
    if (change < 0n) throw new Error(`the faucet pays at most ${coin.valueSat - fee} sat in one transaction`);
    if (change >= 1_000n) tx.addOutput({ script: faucet.script, amount: change });
    tx.sign(faucet.secret);
    tx.finalize();
    return await this.rpc<string>('sendrawtransaction', [tx.hex]);
  }

  /** The next coinbase of the faucet that is mature and unspent, mining blocks when there is none. */
  async #matureCoinbase(): Promise<{ txid: string; valueSat: bigint }> {
    const faucet = faucetKey();
    for (;;) {
      const tip = await this.height();
      if (tip - this.#faucetCursor + 1 < COINBASE_MATURITY) {
        await this.mine(this.#faucetCursor + COINBASE_MATURITY - tip);
        continue;
      }
      const height = this.#faucetCursor++;
      const hash = await this.rpc<string>('getblockhash', [height]);
      const block = await this.rpc<{ tx: string[] }>('getblock', [hash, 1]);
      const txid = block.tx[0]!;
      const out = await this.rpc<{ value: number; scriptPubKey: { hex: string } } | null>('gettxout', [txid, 0, false]);
      if (!out || out.scriptPubKey.hex !== Buffer.from(faucet.script).toString('hex')) continue;
      return { txid, valueSat: BigInt(Math.round(out.value * 1e8)) };
    }
  }

  /** SIGTERM and wait for exit (SIGKILL after 10 s). */
  async stop(): Promise<void> {
    if (this.#plainProxy) {
      const { server } = await this.#plainProxy;
      this.#plainProxy = null;
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(timer);
    this.#child = null;
  }

  kill(): void {
    this.#child?.kill('SIGKILL');
    this.#child = null;
  }
}
