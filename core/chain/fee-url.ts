/**
 * The answer of a fee estimation web service, in the shape LND's `fee.url` reads
 * (`{"fee_by_block_target": {"2": 12000, "6": 5000}, "min_relay_feerate": 1012}`, sat per 1000
 * virtual bytes by confirmation target), decoded sans-I/O. The daemon's `--fee-url` polls such a
 * service (core/runtime/chain/fee-url-source.ts) instead of asking the chain source, so a user can
 * follow the estimator of their choice and a test can move the estimate at will.
 *
 * Bad input is a `ChainSourceError('chain.source.bad_response')`; the poller keeps the previous
 * estimate then.
 */
import { ChainSourceError } from './errors';

/** The largest rate taken (sat/kvB): 10 BTC/kvB; above is a broken service, not a fee market. */
export const FEE_URL_MAX_SAT_PER_KVB = 1_000_000_000;
/** The largest answer read (bytes). */
export const FEE_URL_MAX_BYTES = 65_536;

export interface FeeUrlAnswer {
  /** Confirmation target (1 to 1008 blocks) → sat/kvB. */
  readonly rates: ReadonlyMap<number, number>;
  /** `min_relay_feerate`, sat/kvB, when the service gives one. */
  readonly minRelaySatPerKvb: number | null;
}

function bad(endpoint: string, why: string): ChainSourceError {
  return new ChainSourceError('chain.source.bad_response', `fee service ${endpoint}: ${why}`, { endpoint });
}

function rate(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= FEE_URL_MAX_SAT_PER_KVB ? v : null;
}

/** Decodes the service's answer; `endpoint` (no credentials) names it in errors. */
export function parseFeeUrlAnswer(body: Uint8Array, endpoint: string): FeeUrlAnswer {
  if (body.length > FEE_URL_MAX_BYTES) throw bad(endpoint, `answer over ${FEE_URL_MAX_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw bad(endpoint, 'not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad(endpoint, 'not a JSON object');
  const byTarget = (json as Record<string, unknown>).fee_by_block_target;
  if (typeof byTarget !== 'object' || byTarget === null || Array.isArray(byTarget)) throw bad(endpoint, 'no fee_by_block_target object');
  const rates = new Map<number, number>();
  for (const [key, value] of Object.entries(byTarget)) {
    const target = /^[1-9][0-9]{0,3}$/.test(key) ? Number(key) : NaN;
    if (!(target >= 1 && target <= 1008)) throw bad(endpoint, `target "${key.slice(0, 16)}" is not 1 to 1008 blocks`);
    const r = rate(value);
    if (r === null) throw bad(endpoint, `the rate for target ${target} is not a positive whole sat/kvB up to ${FEE_URL_MAX_SAT_PER_KVB}`);
    rates.set(target, r);
  }
  if (rates.size === 0) throw bad(endpoint, 'fee_by_block_target is empty');
  const min = (json as Record<string, unknown>).min_relay_feerate;
  let minRelaySatPerKvb: number | null = null;
  if (min !== undefined && min !== 0) {
    minRelaySatPerKvb = rate(min);
    if (minRelaySatPerKvb === null) throw bad(endpoint, 'min_relay_feerate is not a positive whole sat/kvB');
  }
  return { rates, minRelaySatPerKvb };
}
