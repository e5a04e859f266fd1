/**
 * What every fuzz target checks, and the pieces targets share.
 *
 * A target is fed arbitrary bytes. Its decoder must return a value or throw our typed error —
 * a `GlasswingError` subclass whose causes (if it wraps something) are typed too — and nothing
 * else. Where an encoder exists, what decoded must survive a round trip. Anything else is a
 * finding: `check` throws a plain Error, which the fuzzer reports as a crash and the regression
 * test (test/fuzz/regressions.test.ts) reports as a failure. Hangs and memory are bounded by the
 * runner (libFuzzer's -timeout and -rss_limit_mb).
 *
 * This folder is tooling, not part of the node: it imports core, core never imports it.
 */
import { isDeepStrictEqual } from 'node:util';
import { GlasswingError } from '../core/errors';

/** Loads one official vector file by its path under test/vectors/data (given by the runner). */
export type VectorLoader = <T = unknown>(relativePath: string) => T;

export interface FuzzTarget {
  /** The name `npm run fuzz -- NAME` takes; also the folder of its kept regression inputs. */
  readonly name: string;
  /** One line: what is fed where. */
  readonly description: string;
  /** libFuzzer -max_len: the largest input worth trying. (Seeds live in fuzz/seeds.ts.) */
  readonly maxLen: number;
  /** Runs one input; throws a plain Error (a finding) if the property does not hold. */
  check(data: Uint8Array): void;
}

/** A property violation: never a GlasswingError, so nothing mistakes it for a typed rejection. */
export class Finding extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'Finding';
  }
}

/** True if `e` is a GlasswingError and so is every `cause` it carries. */
export function isTypedAllTheWay(e: unknown): boolean {
  for (let depth = 0; e !== undefined && depth < 16; depth++) {
    if (!(e instanceof GlasswingError)) return false;
    e = (e as { cause?: unknown }).cause;
  }
  return true;
}

/** The result of a decode that was allowed to reject: the value, or `REJECTED` after a typed error. */
export const REJECTED: unique symbol = Symbol('rejected');

/** Runs `decode`; a typed error gives `REJECTED`, anything else is a Finding that keeps the original as its cause. */
export function decodeOrReject<T>(what: string, decode: () => T): T | typeof REJECTED {
  try {
    return decode();
  } catch (e) {
    if (isTypedAllTheWay(e)) return REJECTED;
    throw untyped(what, e);
  }
}

/** Runs `f`, which must not throw at all (an encoder fed what the decoder gave, for instance). */
export function mustSucceed<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new Finding(`${what} threw ${describe(e)}`, { cause: e });
  }
}

function untyped(what: string, e: unknown): Finding {
  return new Finding(`${what} threw an untyped error: ${describe(e)}`, { cause: e });
}

function describe(e: unknown): string {
  if (e instanceof GlasswingError) {
    const cause = (e as { cause?: unknown }).cause;
    return `${e.name} ${e.code}: ${e.message}${cause === undefined ? '' : ` (caused by ${describe(cause)})`}`;
  }
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return `non-Error ${typeof e}: ${String(e)}`;
}

/** Throws a Finding unless the two byte strings are equal. */
export function expectSameBytes(what: string, a: Uint8Array, b: Uint8Array): void {
  // Node's own comparison: a JS loop here would be instrumented byte by byte in the fuzzer.
  if (Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))) return;
  throw new Finding(`${what}: ${hex(a)} ≠ ${hex(b)}`);
}

/** Throws a Finding unless the two values are deeply equal (bigints, bytes and nested objects included). */
export function expectSameValue(what: string, a: unknown, b: unknown): void {
  if (isDeepStrictEqual(normalise(a), normalise(b))) return;
  throw new Finding(`${what}: values differ`);
}

/** Buffers and Uint8Arrays compare alike; everything else as is. */
function normalise(v: unknown): unknown {
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  if (Array.isArray(v)) return v.map(normalise);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  }
  return v;
}

/**
 * The round trip where an encoder exists: decode(x) = v, encode(v) = y must not throw, decode(y)
 * must succeed and give v again, and encode of that must give y. (y may differ from x where the
 * format lets a decoder skip bytes, e.g. unknown odd fields it does not keep.)
 */
export function roundTrip<T>(name: string, value: T, encode: (v: T) => Uint8Array, decode: (b: Uint8Array) => T): Uint8Array {
  const y = mustSucceed(`${name}: encode of a decoded value`, () => encode(value));
  const again = mustSucceed(`${name}: decode of our own encoding`, () => decode(y));
  expectSameValue(`${name}: decode(encode(v)) ≠ v`, again, value);
  expectSameBytes(`${name}: encode(decode(y)) ≠ y`, mustSucceed(`${name}: second encode`, () => encode(again)), y);
  return y;
}

export function hex(b: Uint8Array): string {
  const s = Array.from(b.subarray(0, 64), (x) => x.toString(16).padStart(2, '0')).join('');
  return b.length > 64 ? `${s}…(${b.length} bytes)` : s;
}

export function fromHex(s: string): Uint8Array {
  const clean = s.startsWith('0x') ? s.slice(2) : s;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Decodes bytes as latin1: every byte is one char, so any string a mutator makes is reachable. */
export const latin1 = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
};

/** Prefixes a selector byte: targets that test several decoders pick one with the first byte. */
export function selected(selector: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = selector;
  out.set(body, 1);
  return out;
}
