/**
 * The simulator's script format (JSON), parsed into typed steps. Either a list of events or
 * `{"funding_sat":..,"push_msat":..,"feerate_per_kw":..,"channel_type":..,"events":[...]}`.
 *
 * Events:
 *   {"from":"A","msg":"update_add_htlc","amount_msat":1000,"id":0,"cltv_expiry":500,"payment_preimage":"<hex>"}
 *   {"from":"B","msg":"update_fulfill_htlc","id":0}       settles A's HTLC 0 (HTLCs are removed by the side they were offered to)
 *   {"from":"B","msg":"update_fail_htlc","id":0}
 *   {"from":"B","msg":"update_fail_malformed_htlc","id":0,"failure_code":49157}
 *   {"from":"A","msg":"update_fee","feerate_per_kw":1000}
 *   {"from":"A","msg":"commitment_signed"}
 *   {"from":"B","msg":"revoke_and_ack"}
 *   any of the above with "deliver": false keeps the message in flight;
 *   {"deliver":"A->B"} delivers the oldest message in flight from A to B, {"deliver":"all"} all of them (A→B first).
 * Unknown keys are rejected (they are usually typos). Amounts may be numbers or decimal strings.
 */
import { GlasswingError } from '../errors';
import { fromHex } from '../crypto';
import type { ChannelType } from '../channel/scripts';

export class SimulationError extends GlasswingError {}

export type PartyName = 'A' | 'B';

export type SimEvent =
  | {
      readonly from: PartyName;
      readonly msg: 'update_add_htlc';
      readonly amountMsat: bigint;
      readonly id: bigint | null;
      readonly cltvExpiry: number;
      readonly paymentPreimage: Uint8Array | null;
      readonly deliver: boolean;
    }
  | { readonly from: PartyName; readonly msg: 'update_fulfill_htlc' | 'update_fail_htlc'; readonly id: bigint; readonly deliver: boolean }
  | { readonly from: PartyName; readonly msg: 'update_fail_malformed_htlc'; readonly id: bigint; readonly failureCode: number; readonly deliver: boolean }
  | { readonly from: PartyName; readonly msg: 'update_fee'; readonly feeratePerKw: number; readonly deliver: boolean }
  | { readonly from: PartyName; readonly msg: 'commitment_signed' | 'revoke_and_ack'; readonly deliver: boolean }
  | { readonly deliver: 'A->B' | 'B->A' | 'all' };

export interface SimScript {
  readonly fundingSat: bigint;
  readonly pushMsat: bigint | null;
  readonly feeratePerKw: number;
  readonly channelType: ChannelType;
  readonly events: readonly SimEvent[];
}

/** BOLT 4 invalid_onion_hmac = BADONION | PERM | 5: the default failure_code of a malformed fail. */
export const DEFAULT_MALFORMED_FAILURE_CODE = 0x8000 | 0x4000 | 5;
export const DEFAULT_CLTV_EXPIRY = 500;

function fail(path: string, what: string): SimulationError {
  return new SimulationError('simulator.bad_event', `${path}: ${what}`, { field: path });
}

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function onlyKeys(o: Rec, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw fail(`${path}.${k}`, 'unknown key');
}

function amount(v: unknown, path: string, max = 2n ** 64n - 1n): bigint {
  let b: bigint | undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else if (typeof v === 'string' && /^(0|[1-9][0-9]{0,19})$/.test(v)) b = BigInt(v);
  if (b === undefined || b < 0n || b > max) throw fail(path, 'expected a non-negative integer (number or decimal string)');
  return b;
}

function int(v: unknown, path: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw fail(path, `expected an integer in 0..${max}`);
  return v;
}

function party(v: unknown, path: string): PartyName {
  if (v !== 'A' && v !== 'B') throw fail(path, 'expected "A" or "B"');
  return v;
}

function parseEvent(v: unknown, path: string): SimEvent {
  if (!isRecord(v)) throw fail(path, 'expected an object');
  if (!('from' in v)) {
    onlyKeys(v, ['deliver'], path);
    if (v.deliver !== 'A->B' && v.deliver !== 'B->A' && v.deliver !== 'all') throw fail(`${path}.deliver`, 'expected "A->B", "B->A" or "all" (or a "from" key)');
    return { deliver: v.deliver };
  }
  const from = party(v.from, `${path}.from`);
  if ('deliver' in v && typeof v.deliver !== 'boolean') throw fail(`${path}.deliver`, 'expected true or false on a message event');
  const deliver = v.deliver !== false;
  const common = ['from', 'msg', 'deliver'];
  switch (v.msg) {
    case 'update_add_htlc': {
      onlyKeys(v, [...common, 'id', 'amount_msat', 'cltv_expiry', 'payment_preimage'], path);
      let paymentPreimage: Uint8Array | null = null;
      if (v.payment_preimage !== undefined) {
        if (typeof v.payment_preimage !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v.payment_preimage)) throw fail(`${path}.payment_preimage`, 'expected 32 bytes of hex');
        paymentPreimage = fromHex(v.payment_preimage);
      }
      return {
        from,
        msg: v.msg,
        amountMsat: amount(v.amount_msat, `${path}.amount_msat`),
        id: v.id === undefined ? null : amount(v.id, `${path}.id`),
        cltvExpiry: v.cltv_expiry === undefined ? DEFAULT_CLTV_EXPIRY : int(v.cltv_expiry, `${path}.cltv_expiry`, 0xffffffff),
        paymentPreimage,
        deliver,
      };
    }
    case 'update_fulfill_htlc':
    case 'update_fail_htlc':
      onlyKeys(v, [...common, 'id'], path);
      return { from, msg: v.msg, id: amount(v.id, `${path}.id`), deliver };
    case 'update_fail_malformed_htlc':
      onlyKeys(v, [...common, 'id', 'failure_code'], path);
      return {
        from,
        msg: v.msg,
        id: amount(v.id, `${path}.id`),
        failureCode: v.failure_code === undefined ? DEFAULT_MALFORMED_FAILURE_CODE : int(v.failure_code, `${path}.failure_code`, 0xffff),
        deliver,
      };
    case 'update_fee':
      onlyKeys(v, [...common, 'feerate_per_kw'], path);
      return { from, msg: v.msg, feeratePerKw: int(v.feerate_per_kw, `${path}.feerate_per_kw`, 0xffffffff), deliver };
    case 'commitment_signed':
    case 'revoke_and_ack':
      onlyKeys(v, common, path);
      return { from, msg: v.msg, deliver };
    default:
      throw fail(`${path}.msg`, 'expected update_add_htlc, update_fulfill_htlc, update_fail_htlc, update_fail_malformed_htlc, update_fee, commitment_signed or revoke_and_ack');
  }
}

/** Parses a script (already JSON-parsed). Throws SimulationError `simulator.bad_event` naming the field. */
export function parseSimScript(json: unknown): SimScript {
  const defaults = { fundingSat: 100_000_000n, pushMsat: null, feeratePerKw: 253, channelType: 'anchors' as ChannelType };
  if (Array.isArray(json)) return { ...defaults, events: json.map((e, i) => parseEvent(e, `events[${i}]`)) };
  if (!isRecord(json)) throw fail('script', 'expected a list of events or an object with "events"');
  onlyKeys(json, ['funding_sat', 'push_msat', 'feerate_per_kw', 'channel_type', 'events'], 'script');
  if (!Array.isArray(json.events)) throw fail('script.events', 'expected a list of events');
  const channelType = json.channel_type ?? 'anchors';
  if (channelType !== 'anchors' && channelType !== 'static_remotekey') throw fail('script.channel_type', 'expected "anchors" or "static_remotekey"');
  return {
    fundingSat: json.funding_sat === undefined ? defaults.fundingSat : amount(json.funding_sat, 'script.funding_sat', 21_000_000n * 100_000_000n),
    pushMsat: json.push_msat === undefined ? null : amount(json.push_msat, 'script.push_msat'),
    feeratePerKw: json.feerate_per_kw === undefined ? defaults.feeratePerKw : int(json.feerate_per_kw, 'script.feerate_per_kw', 0xffffffff),
    channelType,
    events: json.events.map((e, i) => parseEvent(e, `events[${i}]`)),
  };
}

/** Parses script text; bad JSON is a SimulationError too. */
export function parseSimScriptText(text: string): SimScript {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SimulationError('simulator.bad_json', `not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseSimScript(json);
}
