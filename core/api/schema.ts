/**
 * A small runtime schema for NodeApi parameters. Every host (WebSocket bridge, Electron IPC)
 * validates each call with it before the node sees the arguments.
 */
import { GlasswingError } from '../errors';

export class ApiError extends GlasswingError {}

export type Schema =
  | { readonly kind: 'string'; readonly pattern?: RegExp; readonly maxLength?: number; readonly minLength?: number; readonly describe?: string }
  | { readonly kind: 'integer'; readonly min?: number; readonly max?: number }
  /** A finite JSON number, with at most `decimals` digits after the point when given. */
  | { readonly kind: 'number'; readonly min?: number; readonly max?: number; readonly decimals?: number }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'array'; readonly items: Schema; readonly maxItems?: number }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, Schema>>; readonly optional?: readonly string[] }
  /** The value must match at least one of the options (e.g. an amount as a number or a decimal string). */
  | { readonly kind: 'oneOf'; readonly options: readonly Schema[] };

export const s = {
  string: (opts: { pattern?: RegExp; maxLength?: number; minLength?: number; describe?: string } = {}): Schema => ({ kind: 'string', ...opts }),
  integer: (opts: { min?: number; max?: number } = {}): Schema => ({ kind: 'integer', ...opts }),
  number: (opts: { min?: number; max?: number; decimals?: number } = {}): Schema => ({ kind: 'number', ...opts }),
  boolean: (): Schema => ({ kind: 'boolean' }),
  enum: (...values: string[]): Schema => ({ kind: 'enum', values }),
  array: (items: Schema, maxItems = 1000): Schema => ({ kind: 'array', items, maxItems }),
  object: (fields: Record<string, Schema>, optional: string[] = []): Schema => ({ kind: 'object', fields, optional }),
  oneOf: (...options: Schema[]): Schema => ({ kind: 'oneOf', options }),
  /** 33-byte compressed public key in hex. */
  nodeId: (): Schema => ({ kind: 'string', pattern: /^0[23][0-9a-f]{64}$/, describe: 'a 33-byte node id in hex (66 characters, starting 02 or 03)' }),
  hex: (maxBytes = 65535): Schema => ({ kind: 'string', pattern: /^([0-9a-f]{2})*$/, maxLength: maxBytes * 2, describe: 'lowercase hex' }),
  /** Amount in millisatoshi as a decimal string (bigint-safe). */
  msat: (): Schema => ({ kind: 'string', pattern: /^(0|[1-9][0-9]{0,19})$/, describe: 'an amount in millisatoshi, as a decimal string' }),
};

/** Throws ApiError `api.invalid_params` naming the first offending path. Rejects unknown fields. */
export function validate(schema: Schema, value: unknown, path = 'params'): void {
  const bad = (what: string): never => {
    throw new ApiError('api.invalid_params', `${path}: ${what}`, { path });
  };
  switch (schema.kind) {
    case 'string':
      if (typeof value !== 'string') bad('expected a string');
      else {
        if (schema.maxLength !== undefined && value.length > schema.maxLength) bad(`longer than ${schema.maxLength} characters`);
        if (schema.minLength !== undefined && value.length < schema.minLength) bad(`shorter than ${schema.minLength} characters`);
        if (schema.pattern && !schema.pattern.test(value)) bad(`expected ${schema.describe ?? `to match ${schema.pattern}`}`);
      }
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) bad('expected an integer');
      else {
        if (schema.min !== undefined && value < schema.min) bad(`must be at least ${schema.min}`);
        if (schema.max !== undefined && value > schema.max) bad(`must be at most ${schema.max}`);
      }
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) bad('expected a number');
      else {
        if (schema.min !== undefined && value < schema.min) bad(`must be at least ${schema.min}`);
        if (schema.max !== undefined && value > schema.max) bad(`must be at most ${schema.max}`);
        if (schema.decimals !== undefined && !hasAtMostDecimals(value, schema.decimals)) bad(`at most ${schema.decimals} decimals`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad('expected true or false');
      return;
    case 'enum':
      if (typeof value !== 'string' || !schema.values.includes(value)) bad(`expected one of ${schema.values.join(', ')}`);
      return;
    case 'array':
      if (!Array.isArray(value)) bad('expected a list');
      else {
        if (schema.maxItems !== undefined && value.length > schema.maxItems) bad(`more than ${schema.maxItems} items`);
        value.forEach((v, i) => validate(schema.items, v, `${path}[${i}]`));
      }
      return;
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) bad('expected an object');
      const obj = value as Record<string, unknown>;
      for (const key of Object.keys(obj)) {
        if (!Object.hasOwn(schema.fields, key)) bad(`unknown field "${key}"`);
      }
      for (const [key, fieldSchema] of Object.entries(schema.fields)) {
        if (obj[key] === undefined) {
          if (!schema.optional?.includes(key)) bad(`missing field "${key}"`);
          continue;
        }
        validate(fieldSchema, obj[key], `${path}.${key}`);
      }
      return;
    }
    case 'oneOf': {
      // Report the option that matched furthest (the deepest failing path): usually the one meant.
      let best: ApiError | undefined;
      for (const option of schema.options) {
        try {
          validate(option, value, path);
          return;
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          const depth = (e.details?.path as string | undefined)?.length ?? 0;
          if (!best || depth > ((best.details?.path as string | undefined)?.length ?? 0)) best = e;
        }
      }
      if (best) throw best;
      bad('matches none of the allowed forms');
      return;
    }
  }
}

/** True when `value` has at most `decimals` digits after the point (as written in JSON). */
function hasAtMostDecimals(value: number, decimals: number): boolean {
  const scaled = value * 10 ** decimals;
  return Math.abs(scaled - Math.round(scaled)) <= 1e-6 * Math.max(1, Math.abs(scaled));
}
