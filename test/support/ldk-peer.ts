/**
 * The LDK 0.2 test peer (test/interop/ldk-peer, our own crate on rust-lightning 0.2) as a child
 * process on our regtest btcd, driven by JSON lines: `await startLdkPeer(btcd)` in `beforeAll`; it
 * is stopped after the file. Every LDK `Event` it reports is kept in `events`, in order.
 * The binary must be built (node scripts/peers/ldk-peer.mjs, which `.ci/run` runs): a missing
 * binary fails the test with that instruction, never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll } from 'vitest';
import type { Btcd } from '../../scripts/regtest/btcd';
import { tempDir } from './tmp';
import { waitFor } from './btcd';
// @ts-expect-error plain ESM module without types
import { ldkPeerBinary } from '../../scripts/peers/versions.mjs';

export type LdkRole = 'plain' | 'server' | 'client';

export interface LdkPeerOptions {
  readonly dir?: string;
  /** `server`: an always-online LSP (HTLC hold, static invoice server, mailbox); `client`: often-offline. */
  readonly role?: LdkRole;
  /** 64 hex digits; random when absent. */
  readonly seed?: string;
}

/** One LDK event as the peer reports it: `{ event: 'PaymentClaimed', payment_hash, … }`. */
export interface LdkEvent {
  event: string;
  [field: string]: unknown;
}

export class LdkPeerError extends Error {
  constructor(readonly cmd: string, message: string) {
    super(`ldk-peer ${cmd}: ${message}`);
  }
}

export interface LdkChannel {
  channel_id: string;
  counterparty_node_id: string;
  funding_txid: string | null;
  funding_vout: number | null;
  short_channel_id: number | null;
  value_sat: number;
  outbound_msat: number;
  inbound_msat: number;
  confirmations: number | null;
  is_outbound: boolean;
  is_channel_ready: boolean;
  is_usable: boolean;
  pending_inbound_htlcs: number;
  pending_outbound_htlcs: number;
  next_outbound_htlc_limit_msat: number;
  next_outbound_htlc_minimum_msat: number;
  is_announced: boolean;
  channel_type: string | null;
  /** The commitment feerate (sat/kw), once known. */
  feerate_per_kw: number | null;
}

export function ldkPeerInstalled(): boolean {
  return existsSync(ldkPeerBinary() as string);
}

export class LdkPeer {
  readonly events: LdkEvent[] = [];
  #child: ChildProcess;
  #exited: Promise<number | null>;
  #nextId = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; cmd: string }>();
  nodeId = '';
  listenPort = 0;

  private constructor(readonly dir: string, child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => this.#onLine(line));
    child.once('exit', (code) => {
      for (const p of this.#pending.values()) p.reject(new LdkPeerError(p.cmd, `the peer exited (${code})`));
      this.#pending.clear();
    });
  }

  /** `NODEID@127.0.0.1:PORT`. */
  get address(): string {
    return `${this.nodeId}@127.0.0.1:${this.listenPort}`;
  }

  static async start(btcd: Btcd, opts: LdkPeerOptions = {}): Promise<LdkPeer> {
    const bin = ldkPeerBinary() as string;
    if (!existsSync(bin)) throw new Error('the LDK test peer is not built: run node scripts/peers/ldk-peer.mjs (needs cargo)');
    // The peer speaks plain HTTP to btcd; a TLS btcd (LND's) is reached through its plain proxy.
    const rpcPort = await btcd.plainRpcPort();
    const dir = opts.dir ?? tempDir('glasswing-ldk-');
    const args = [
      '--data-dir', dir,
      '--btcd', `127.0.0.1:${rpcPort}`,
      '--rpc-user', btcd.rpcUser,
      '--rpc-pass', btcd.rpcPass,
      '--role', opts.role ?? 'plain',
      ...(opts.seed ? ['--seed', opts.seed] : []),
    ];
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const peer = new LdkPeer(dir, child);
    const started = await peer.waitForEvent((e) => e.event === 'Started' || e.event === 'Fatal', 30_000, 'the LDK peer to start');
    if (started.event === 'Fatal') throw new Error(`the LDK peer did not start: ${String(started.error)} (log: ${join(dir, 'ldk.log')})`);
    peer.nodeId = started.node_id as string;
    peer.listenPort = started.listen_port as number;
    return peer;
  }

  #onLine(line: string): void {
    let message: { id?: number; ok?: boolean; result?: unknown; error?: string; event?: string };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      return;
    }
    if (typeof message.event === 'string') {
      this.events.push(message as LdkEvent);
      return;
    }
    const waiting = message.id === undefined ? undefined : this.#pending.get(message.id);
    if (!waiting) return;
    this.#pending.delete(message.id!);
    if (message.ok) waiting.resolve(message.result);
    else waiting.reject(new LdkPeerError(waiting.cmd, message.error ?? 'failed'));
  }

  /** Sends one command and waits for its answer (`result`), or throws its error. */
  async call<T = unknown>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.#nextId++;
    const answer = new Promise<unknown>((resolve, reject) => this.#pending.set(id, { resolve, reject, cmd }));
    this.#child.stdin!.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    return (await answer) as T;
  }

  /** The first event (already seen or still to come) that `match` accepts. */
  async waitForEvent(match: (e: LdkEvent) => boolean, timeoutMs = 30_000, what = 'an LDK event'): Promise<LdkEvent> {
    return await waitFor(() => this.events.find(match), what, timeoutMs);
  }

  async connect(address: string): Promise<void> {
    const [node_id, hostPort] = address.split('@') as [string, string];
    await this.call('connect', { node_id, address: hostPort });
  }

  async newAddress(): Promise<string> {
    return await this.call<string>('new_address');
  }

  async balance(): Promise<{ onchain_sat: number; onchain_locked_sat: number; claimable_sat: number; channel_outbound_msat: number; channel_inbound_msat: number }> {
    return await this.call('balance');
  }

  async listChannels(): Promise<LdkChannel[]> {
    return await this.call<LdkChannel[]>('list_channels');
  }

  /** Closes stdin (the peer stops) and waits for exit (SIGKILL after 10 s). */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    this.#child.stdin!.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

const running: LdkPeer[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

export async function startLdkPeer(btcd: Btcd, opts: LdkPeerOptions = {}): Promise<LdkPeer> {
  const peer = await LdkPeer.start(btcd, opts);
  running.push(peer);
  return peer;
}

/** Funds the peer's wallet from the faucet and mines until the peer sees the coins confirmed. */
export async function fundLdkPeer(btcd: Btcd, peer: LdkPeer, amountSat: bigint): Promise<void> {
  const before = BigInt((await peer.balance()).onchain_sat);
  await btcd.fund(await peer.newAddress(), amountSat);
  await btcd.mine(1);
  await waitFor(async () => (BigInt((await peer.balance()).onchain_sat) >= before + amountSat ? true : undefined), 'the LDK peer to see its funding confirmed', 30_000);
}
