/**
 * A real LND on our regtest btcd, for interop tests: `const lnd = await startLnd(btcd)` in
 * `beforeAll`; it is stopped after the file. LND runs as its own tests run it
 * (`--bitcoin.regtest --bitcoin.node=btcd`, btcd over TLS and websockets, so start btcd with
 * `{ tls: true }`), creates and unlocks its wallet by itself (`--noseedbackup`), and is driven through
 * its REST API with the TLS certificate and admin macaroon from its data directory.
 * lnd must be built (node scripts/peers/lnd.mjs, which `.ci/run` runs): a missing binary fails the
 * test with that instruction, never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { freePort, type Btcd } from '../../scripts/regtest/btcd';
import { tempDir } from './tmp';
import { waitFor } from './btcd';
// @ts-expect-error plain ESM module without types
import { lndBinDir } from '../../scripts/peers/versions.mjs';

export class LndRestError extends Error {
  constructor(readonly path: string, readonly status: number, message: string) {
    super(`lnd ${path}: ${message} (HTTP ${status})`);
  }
}

export interface LndOptions {
  /** LND's data directory (created). */
  readonly dir?: string;
  readonly alias?: string;
  /** More `lnd` flags, e.g. `--protocol.option-scid-alias`. */
  readonly args?: readonly string[];
}

export interface LndInfo {
  identity_pubkey: string;
  alias: string;
  block_height: number;
  synced_to_chain: boolean;
  num_active_channels: number;
  num_pending_channels: number;
  num_peers: number;
}

export interface LndChannel {
  active: boolean;
  remote_pubkey: string;
  channel_point: string;
  chan_id: string;
  capacity: string;
  local_balance: string;
  remote_balance: string;
  private: boolean;
  initiator: boolean;
  /** The commitment feerate (sat/kw) and the fee it pays (sat), as strings. */
  fee_per_kw?: string;
  commit_fee?: string;
  pending_htlcs?: unknown[];
}

export interface LndPayment {
  payment_hash: string;
  payment_preimage: string;
  status: 'UNKNOWN' | 'IN_FLIGHT' | 'SUCCEEDED' | 'FAILED' | 'INITIATED';
  failure_reason: string;
  value_msat: string;
  fee_msat: string;
  /** Each HTLC (part) LND sent: its outcome and route. */
  htlcs?: { status: 'IN_FLIGHT' | 'SUCCEEDED' | 'FAILED'; route: { total_amt_msat: string; hops: { chan_id: string; pub_key: string; amt_to_forward_msat: string }[] } }[];
}

/** `txid:index` of a channel's funding output, as LND prints it. */
export type ChannelPoint = string;

export function lndBinary(): string | null {
  const path = join(lndBinDir() as string, 'lnd');
  return existsSync(path) ? path : null;
}

export class Lnd {
  #child: ChildProcess | null;
  #exited: Promise<number | null>;
  #cert: string | null = null;
  #macaroon: string | null = null;
  nodeId = '';

  private constructor(readonly dir: string, readonly p2pPort: number, readonly restPort: number, readonly rpcPort: number, child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** `NODEID@127.0.0.1:PORT`. */
  get address(): string {
    return `${this.nodeId}@127.0.0.1:${this.p2pPort}`;
  }

  /** Starts lnd on `btcd` (which must run with `tls: true`) and waits until it is synced to the chain. */
  static async start(btcd: Btcd, opts: LndOptions = {}): Promise<Lnd> {
    const bin = lndBinary();
    if (!bin) throw new Error('lnd is not built: run node scripts/peers/lnd.mjs (needs Go)');
    if (!btcd.rpcCertPath) throw new Error('LND needs btcd with TLS: start it with { tls: true }');
    const dir = opts.dir ?? tempDir('glasswing-lnd-');
    mkdirSync(dir, { recursive: true });
    const [p2pPort, restPort, rpcPort] = [await freePort(), await freePort(), await freePort()];
    const args = [
      `--lnddir=${dir}`,
      '--bitcoin.regtest',
      '--bitcoin.node=btcd',
      `--btcd.rpchost=127.0.0.1:${btcd.rpcPort}`,
      `--btcd.rpcuser=${btcd.rpcUser}`,
      `--btcd.rpcpass=${btcd.rpcPass}`,
      `--btcd.rpccert=${btcd.rpcCertPath}`,
      `--listen=127.0.0.1:${p2pPort}`,
      `--rpclisten=127.0.0.1:${rpcPort}`,
      `--restlisten=127.0.0.1:${restPort}`,
      '--tlsextraip=127.0.0.1',
      // The wallet is created and unlocked at start, with no seed to write down (tests only).
      '--noseedbackup',
      '--nobootstrap',
      `--alias=${opts.alias ?? 'lnd'}`,
      '--debuglevel=info',
      // Regtest: channels are usable after one confirmation; gossip goes out at once.
      '--bitcoin.defaultchanconfs=1',
      '--trickledelay=50',
      '--accept-keysend',
      '--maxpendingchannels=10',
      ...(opts.args ?? []),
    ];
    const logFd = openSync(join(dir, 'lnd.out'), 'a');
    const child = spawn(bin, args, { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    const lnd = new Lnd(dir, p2pPort, restPort, rpcPort, child);
    try {
      const info = await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`lnd exited with ${child.exitCode} at start; see ${join(dir, 'lnd.out')}`);
        try {
          const i = await lnd.getInfo();
          return i.synced_to_chain ? i : undefined;
        } catch {
          return undefined;
        }
      }, 'lnd to start and sync to btcd', 90_000);
      lnd.nodeId = info.identity_pubkey;
      return lnd;
    } catch (e) {
      lnd.kill();
      throw e;
    }
  }

  /** One REST call; the answer's JSON. Bytes fields are base64 in LND's REST API. */
  async rest<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let result: T | undefined;
    await this.#request(method, path, body, (message) => {
      result = message as T;
      return true;
    }, false);
    return result as T;
  }

  /**
   * A server-streaming REST call (newline-delimited `{"result": …}` objects): `onMessage` gets each
   * result until it returns true, then the stream is dropped.
   */
  async restStream(method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, onMessage: (result: unknown) => boolean): Promise<void> {
    await this.#request(method, path, body, onMessage, true);
  }

  #credentials(): { ca: string; macaroon: string } {
    const chainDir = join(this.dir, 'data', 'chain', 'bitcoin', 'regtest');
    this.#cert ??= readFileSync(join(this.dir, 'tls.cert'), 'utf8');
    this.#macaroon ??= readFileSync(join(chainDir, 'admin.macaroon')).toString('hex');
    return { ca: this.#cert, macaroon: this.#macaroon };
  }

  async #request(method: string, path: string, body: unknown, onMessage: (result: unknown) => boolean, streaming: boolean): Promise<void> {
    const { ca, macaroon } = this.#credentials();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    await new Promise<void>((resolve, reject) => {
      const req = httpsRequest({
        host: '127.0.0.1',
        port: this.restPort,
        method,
        path,
        ca,
        headers: { 'Grpc-Metadata-macaroon': macaroon, ...(payload ? { 'content-type': 'application/json' } : {}) },
      }, (res) => {
        let buffer = '';
        let done = false;
        const finish = (error?: Error) => {
          if (done) return;
          done = true;
          res.destroy();
          if (error) reject(error);
          else resolve();
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          if (!streaming) return;
          let nl: number;
          while (!done && (nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl).trim();
            buffer = buffer.slice(nl + 1);
            if (!line) continue;
            const message = JSON.parse(line) as { result?: unknown; error?: { message: string } };
            if (message.error) finish(new LndRestError(path, res.statusCode ?? 0, message.error.message));
            else if (onMessage(message.result)) finish();
          }
        });
        res.on('end', () => {
          if (done) return;
          if (streaming) {
            finish(new LndRestError(path, res.statusCode ?? 0, `stream ended: ${buffer.slice(0, 300)}`));
            return;
          }
          let parsed: { message?: string } & Record<string, unknown>;
          try {
            parsed = JSON.parse(buffer) as typeof parsed;
          } catch {
            finish(new LndRestError(path, res.statusCode ?? 0, buffer.slice(0, 300)));
            return;
          }
          if ((res.statusCode ?? 0) >= 300) finish(new LndRestError(path, res.statusCode ?? 0, String(parsed.message ?? buffer.slice(0, 300))));
          else {
            onMessage(parsed);
            finish();
          }
        });
        res.on('error', (e) => finish(e));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  async getInfo(): Promise<LndInfo> {
    return await this.rest<LndInfo>('GET', '/v1/getinfo');
  }

  /** A fresh P2WPKH address of LND's wallet. */
  async newAddress(): Promise<string> {
    return (await this.rest<{ address: string }>('GET', '/v1/newaddress?type=WITNESS_PUBKEY_HASH')).address;
  }

  async walletBalance(): Promise<{ confirmedSat: bigint; unconfirmedSat: bigint }> {
    const b = await this.rest<{ confirmed_balance: string; unconfirmed_balance: string }>('GET', '/v1/balance/blockchain');
    return { confirmedSat: BigInt(b.confirmed_balance ?? '0'), unconfirmedSat: BigInt(b.unconfirmed_balance ?? '0') };
  }

  async channelBalance(): Promise<{ localMsat: bigint; remoteMsat: bigint }> {
    const b = await this.rest<{ local_balance?: { msat: string }; remote_balance?: { msat: string } }>('GET', '/v1/balance/channels');
    return { localMsat: BigInt(b.local_balance?.msat ?? '0'), remoteMsat: BigInt(b.remote_balance?.msat ?? '0') };
  }

  /** Connects to `NODEID@HOST:PORT` (no error when already connected). */
  async connect(address: string): Promise<void> {
    const [pubkey, host] = address.split('@') as [string, string];
    try {
      await this.rest('POST', '/v1/peers', { addr: { pubkey, host }, perm: false, timeout: '10' });
    } catch (e) {
      if (!(e instanceof LndRestError) || !/already connected/.test(e.message)) throw e;
    }
  }

  async listPeers(): Promise<string[]> {
    return ((await this.rest<{ peers?: { pub_key: string }[] }>('GET', '/v1/peers')).peers ?? []).map((p) => p.pub_key);
  }

  /** Opens a channel to a connected peer; returns its funding outpoint once the funding is published. */
  async openChannel(nodeId: string, localFundingSat: bigint, opts: { pushSat?: bigint; private?: boolean; satPerVbyte?: bigint } = {}): Promise<ChannelPoint> {
    const point = await this.rest<{ funding_txid_bytes: string; output_index?: number }>('POST', '/v1/channels', {
      node_pubkey: Buffer.from(nodeId, 'hex').toString('base64'),
      local_funding_amount: localFundingSat.toString(),
      push_sat: (opts.pushSat ?? 0n).toString(),
      private: opts.private ?? false,
      sat_per_vbyte: (opts.satPerVbyte ?? 2n).toString(),
      spend_unconfirmed: false,
    });
    // funding_txid_bytes is the txid in internal (reversed) byte order.
    return `${Buffer.from(point.funding_txid_bytes, 'base64').reverse().toString('hex')}:${point.output_index ?? 0}`;
  }

  async listChannels(): Promise<LndChannel[]> {
    return (await this.rest<{ channels?: LndChannel[] }>('GET', '/v1/channels')).channels ?? [];
  }

  async pendingChannels(): Promise<{ pending_open_channels?: unknown[]; waiting_close_channels?: unknown[]; pending_force_closing_channels?: unknown[] }> {
    return await this.rest('GET', '/v1/channels/pending');
  }

  async closedChannels(): Promise<{ channel_point: string; close_type: string; closing_tx_hash: string; settled_balance: string }[]> {
    return (await this.rest<{ channels?: { channel_point: string; close_type: string; closing_tx_hash: string; settled_balance: string }[] }>('GET', '/v1/channels/closed')).channels ?? [];
  }

  /** A BOLT 11 invoice of LND's. */
  async addInvoice(valueMsat: bigint, memo = 'glasswing interop', opts: { private?: boolean } = {}): Promise<{ paymentRequest: string; paymentHash: string }> {
    // `private`: route hints for LND's private channels (how a payer without gossip reaches LND through a peer).
    const r = await this.rest<{ r_hash: string; payment_request: string }>('POST', '/v1/invoices', { value_msat: valueMsat.toString(), memo, private: opts.private ?? false });
    return { paymentRequest: r.payment_request, paymentHash: Buffer.from(r.r_hash, 'base64').toString('hex') };
  }

  /** A hold invoice (invoicesrpc): a payment to it stays in flight until `settleInvoice` or `cancelInvoice`. */
  async addHoldInvoice(paymentHash: string, valueMsat: bigint): Promise<string> {
    const r = await this.rest<{ payment_request: string }>('POST', '/v2/invoices/hodl', { hash: Buffer.from(paymentHash, 'hex').toString('base64'), value_msat: valueMsat.toString(), memo: 'glasswing hold' });
    return r.payment_request;
  }

  async settleInvoice(preimage: string): Promise<void> {
    await this.rest('POST', '/v2/invoices/settle', { preimage: Buffer.from(preimage, 'hex').toString('base64') });
  }

  /** Cancels an open invoice: a payment to it then fails with incorrect_or_unknown_payment_details. */
  async cancelInvoice(paymentHash: string): Promise<void> {
    await this.rest('POST', '/v2/invoices/cancel', { payment_hash: Buffer.from(paymentHash, 'hex').toString('base64') });
  }

  /** HTLCs LND forwarded (fees in msat). */
  async forwardingHistory(): Promise<{ chan_id_in: string; chan_id_out: string; amt_in_msat: string; amt_out_msat: string; fee_msat: string }[]> {
    const r = await this.rest<{ forwarding_events?: { chan_id_in: string; chan_id_out: string; amt_in_msat: string; amt_out_msat: string; fee_msat: string }[] }>(
      'POST', '/v1/switch', { start_time: '0', num_max_events: 1000 });
    return r.forwarding_events ?? [];
  }

  async lookupInvoice(paymentHash: string): Promise<{ state: 'OPEN' | 'SETTLED' | 'CANCELED' | 'ACCEPTED'; amt_paid_msat: string }> {
    return await this.rest('GET', `/v1/invoice/${paymentHash}`);
  }

  /** Pays a BOLT 11 invoice through the router; resolves with the final payment (SUCCEEDED or FAILED). */
  async payInvoice(paymentRequest: string, opts: { amountMsat?: bigint; timeoutSeconds?: number; feeLimitSat?: bigint; maxParts?: number } = {}): Promise<LndPayment> {
    let final: LndPayment | undefined;
    await this.restStream('POST', '/v2/router/send', {
      payment_request: paymentRequest,
      timeout_seconds: opts.timeoutSeconds ?? 60,
      fee_limit_sat: (opts.feeLimitSat ?? 1000n).toString(),
      ...(opts.amountMsat !== undefined ? { amt_msat: opts.amountMsat.toString() } : {}),
      ...(opts.maxParts !== undefined ? { max_parts: opts.maxParts } : {}),
    }, (result) => {
      const payment = result as LndPayment;
      if (payment.status === 'SUCCEEDED' || payment.status === 'FAILED') {
        final = payment;
        return true;
      }
      return false;
    });
    return final!;
  }

  /**
   * LND's record of its payment with this hash (in flight ones included), if any: how a payment
   * whose `payInvoice` stream died with LND (a kill) is read after LND restarts and resumes it.
   */
  async lookupPayment(paymentHash: string): Promise<LndPayment | undefined> {
    const r = await this.rest<{ payments?: LndPayment[] }>('GET', '/v1/payments?include_incomplete=true&max_payments=1000');
    return (r.payments ?? []).find((p) => p.payment_hash === paymentHash);
  }

  /**
   * Closes a channel (cooperatively unless `force`); resolves with the closing txid once LND has
   * published it (mine blocks to confirm it).
   */
  async closeChannel(point: ChannelPoint, opts: { force?: boolean; satPerVbyte?: bigint } = {}): Promise<string> {
    const [txid, index] = point.split(':') as [string, string];
    const query = new URLSearchParams({ force: String(opts.force ?? false) });
    if (!opts.force) query.set('sat_per_vbyte', (opts.satPerVbyte ?? 2n).toString());
    let closingTxid = '';
    await this.restStream('DELETE', `/v1/channels/${txid}/${index}?${query}`, undefined, (result) => {
      const update = result as { close_pending?: { txid: string }; chan_close?: { closing_txid: string } };
      const bytes = update.close_pending?.txid ?? update.chan_close?.closing_txid;
      if (!bytes) return false;
      closingTxid = Buffer.from(bytes, 'base64').reverse().toString('hex');
      return true;
    });
    return closingTxid;
  }

  /** SIGTERM and wait for exit (SIGKILL after 15 s). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await this.#exited;
    clearTimeout(timer);
    this.#child = null;
  }

  kill(): void {
    this.#child?.kill('SIGKILL');
    this.#child = null;
  }
}

const running: Lnd[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((l) => l.stop()));
});

/** Starts an LND for this test file; stopped after the file. */
export async function startLnd(btcd: Btcd, opts: LndOptions = {}): Promise<Lnd> {
  const lnd = await Lnd.start(btcd, opts);
  running.push(lnd);
  return lnd;
}

/**
 * Pays an invoice once LND can route it: right after a channel turns active, LND's link is not yet
 * eligible to forward until both channel_ready messages are processed, and the router answers
 * INSUFFICIENT_BALANCE / NO_ROUTE at once. Retries those two (the payment hash may be paid again
 * after a failure) until `timeoutMs`; any other outcome is returned as it is.
 */
export async function payWhenRoutable(lnd: Lnd, paymentRequest: string, timeoutMs = 30_000, opts: Parameters<Lnd['payInvoice']>[1] = {}): Promise<LndPayment> {
  let last: LndPayment | undefined;
  await waitFor(async () => {
    last = await lnd.payInvoice(paymentRequest, opts);
    const notYet = last.status === 'FAILED' && ['FAILURE_REASON_INSUFFICIENT_BALANCE', 'FAILURE_REASON_NO_ROUTE'].includes(last.failure_reason);
    return notYet ? undefined : last;
  }, 'LND to route the payment', timeoutMs).catch((e: Error) => {
    if (!last) throw e;
  });
  return last!;
}

/** Funds LND's wallet from the faucet and mines until LND sees the coins confirmed. */
export async function fundLnd(btcd: Btcd, lnd: Lnd, amountSat: bigint): Promise<void> {
  const before = (await lnd.walletBalance()).confirmedSat;
  await btcd.fund(await lnd.newAddress(), amountSat);
  await btcd.mine(1);
  await waitFor(async () => ((await lnd.walletBalance()).confirmedSat >= before + amountSat ? true : undefined), 'LND to see its funding confirmed', 30_000);
}
