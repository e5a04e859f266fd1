/**
 * The monitor's own facts, persisted next to the channel's update log: what the chain confirmed
 * (the transactions that spend what we follow, with their heights), the claims we handed out and
 * at what fee rate, the preimages learned on chain, what was already reported upstream, whether
 * we force-closed. Everything else is recomputed from these and the updates.
 *
 * JSON form: bigints as decimal strings, bytes and transactions as hex. `decodeMonitorSnapshot`
 * checks every field (MonitorError `monitor.bad_snapshot`).
 */
import { fromHex, sha256, toHex } from '../crypto';
import type { Transaction } from '../bitcoin';
import { BitcoinError, decodeTx, encodeTx, txid, txidToHex } from '../bitcoin';
import { MonitorError } from './errors';
import type { FeeEstimate } from './fee-policy';

export interface ClaimRecord {
  readonly key: string;
  readonly kind: 'sweep' | 'presigned' | 'htlc_fee' | 'cpfp';
  /** Our transaction (sweep, presigned); null for wallet requests. */
  readonly tx: Transaction | null;
  /** Display hex of `tx`'s id. */
  readonly txid: string | null;
  readonly feeratePerKw: number;
  readonly feeSat: bigint;
  /** Outpoints (`txid:vout`) it spends. */
  readonly inputs: readonly string[];
  /** The height at which this bid was first made. */
  readonly height: number;
  /** The last height at which it was handed out (re-broadcast once per block). */
  readonly broadcastAt: number;
}

export interface ConfirmedTx {
  readonly tx: Transaction;
  readonly txid: string;
  readonly height: number;
}

export interface MonitorSnapshot {
  readonly version: 1;
  readonly bestHeight: number;
  readonly forceClose: boolean;
  readonly feerates: readonly FeeEstimate[];
  readonly confirmed: readonly ConfirmedTx[];
  readonly claims: readonly ClaimRecord[];
  /** Preimages learned from the chain (kept even if that transaction is reorged out). */
  readonly learned: readonly Uint8Array[];
  /** Upstream reports already made (`failed:<offerer>:<id>`, `preimage:<hash>`), each made once. */
  readonly reported: readonly string[];
}

export function emptySnapshot(): MonitorSnapshot {
  return { version: 1, bestHeight: 0, forceClose: false, feerates: [], confirmed: [], claims: [], learned: [], reported: [] };
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function encodeMonitorSnapshot(s: MonitorSnapshot): Json {
  return {
    version: s.version,
    bestHeight: s.bestHeight,
    forceClose: s.forceClose,
    feerates: s.feerates.map((f) => ({ targetBlocks: f.targetBlocks, feeratePerKw: f.feeratePerKw })),
    confirmed: s.confirmed.map((c) => ({ tx: toHex(encodeTx(c.tx)), height: c.height })),
    claims: s.claims.map((c) => ({
      key: c.key,
      kind: c.kind,
      tx: c.tx ? toHex(encodeTx(c.tx)) : null,
      feeratePerKw: c.feeratePerKw,
      feeSat: c.feeSat.toString(),
      inputs: [...c.inputs],
      height: c.height,
      broadcastAt: c.broadcastAt,
    })),
    learned: s.learned.map((p) => toHex(p)),
    reported: [...s.reported],
  };
}

function bad(path: string, what: string): MonitorError {
  return new MonitorError('monitor.bad_snapshot', `${path}: ${what}`, { field: path });
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(path, 'expected an object');
  return v as Record<string, unknown>;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw bad(path, 'expected an array');
  return v;
}

function int(v: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(path, 'expected an integer in range');
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw bad(path, 'expected a string');
  return v;
}

const HEX = /^([0-9a-f]{2})*$/;
const OUTPOINT = /^[0-9a-f]{64}:\d{1,10}$/;
const KINDS: readonly ClaimRecord['kind'][] = ['sweep', 'presigned', 'htlc_fee', 'cpfp'];

function hexBytes(v: unknown, path: string, length?: number): Uint8Array {
  const s = str(v, path);
  if (!HEX.test(s) || (length !== undefined && s.length !== length * 2)) throw bad(path, 'expected hex');
  return fromHex(s);
}

function tx(v: unknown, path: string): Transaction {
  try {
    return decodeTx(hexBytes(v, path));
  } catch (e) {
    if (e instanceof BitcoinError) throw bad(path, e.message);
    throw e;
  }
}

/** JSON → snapshot, every field checked; MonitorError `monitor.bad_snapshot` naming the first bad one. */
export function decodeMonitorSnapshot(value: unknown): MonitorSnapshot {
  const o = obj(value, 'snapshot');
  if (o.version !== 1) throw bad('snapshot.version', 'unknown version');
  if (typeof o.forceClose !== 'boolean') throw bad('snapshot.forceClose', 'expected a boolean');
  const feerates = arr(o.feerates, 'snapshot.feerates').map((f, i) => {
    const fo = obj(f, `feerates[${i}]`);
    return { targetBlocks: int(fo.targetBlocks, `feerates[${i}].targetBlocks`, 1), feeratePerKw: int(fo.feeratePerKw, `feerates[${i}].feeratePerKw`, 0, 0xffffffff) };
  });
  const confirmed = arr(o.confirmed, 'snapshot.confirmed').map((c, i) => {
    const co = obj(c, `confirmed[${i}]`);
    const t = tx(co.tx, `confirmed[${i}].tx`);
    return { tx: t, txid: txidToHex(txid(t)), height: int(co.height, `confirmed[${i}].height`) };
  });
  const claims = arr(o.claims, 'snapshot.claims').map((c, i): ClaimRecord => {
    const p = `claims[${i}]`;
    const co = obj(c, p);
    const kind = str(co.kind, `${p}.kind`) as ClaimRecord['kind'];
    if (!KINDS.includes(kind)) throw bad(`${p}.kind`, 'unknown kind');
    const t = co.tx === null ? null : tx(co.tx, `${p}.tx`);
    const feeSat = str(co.feeSat, `${p}.feeSat`);
    if (!/^\d{1,20}$/.test(feeSat)) throw bad(`${p}.feeSat`, 'expected a decimal amount');
    const inputs = arr(co.inputs, `${p}.inputs`).map((x, j) => {
      const s = str(x, `${p}.inputs[${j}]`);
      if (!OUTPOINT.test(s)) throw bad(`${p}.inputs[${j}]`, 'expected txid:vout');
      return s;
    });
    return {
      key: str(co.key, `${p}.key`),
      kind,
      tx: t,
      txid: t ? txidToHex(txid(t)) : null,
      feeratePerKw: int(co.feeratePerKw, `${p}.feeratePerKw`, 0, 0xffffffff),
      feeSat: BigInt(feeSat),
      inputs,
      height: int(co.height, `${p}.height`),
      broadcastAt: int(co.broadcastAt, `${p}.broadcastAt`, -1),
    };
  });
  const learned = arr(o.learned, 'snapshot.learned').map((x, i) => hexBytes(x, `learned[${i}]`, 32));
  const reported = arr(o.reported, 'snapshot.reported').map((x, i) => str(x, `reported[${i}]`));
  return { version: 1, bestHeight: int(o.bestHeight, 'snapshot.bestHeight'), forceClose: o.forceClose, feerates, confirmed, claims, learned, reported };
}

/** The payment hash of a preimage, hex (how learned preimages are looked up). */
export function hashHex(preimage: Uint8Array): string {
  return toHex(sha256(preimage));
}
