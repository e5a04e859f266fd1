import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/crypto';
import { codecs, decodeTlvStream, defineTlvStream, formatShortChannelId, WireError } from '../../../core/wire';
import type { TlvRecord } from '../../../core/wire';
import { loadExactVectors } from './exact-json';

interface StreamCase {
  name: string;
  namespaces: ('n1' | 'n2')[];
  stream: string;
  stream_parts: string[];
  values?: Record<string, Record<string, bigint | string>>;
}
interface TlvVectors {
  decoding_failures: StreamCase[];
  decoding_successes: StreamCase[];
  stream_decoding_failures: StreamCase[];
}
const v = loadExactVectors<TlvVectors>('bolt01/tlv.json');

// BOLT 1 Appendix B: the two test namespaces, written once with the typed-TLV helper.
const n1 = defineTlvStream('n1', {
  tlv1: { type: 1, codec: codecs.struct({ amountMsat: codecs.tu64 }) },
  tlv2: { type: 2, codec: codecs.struct({ scid: codecs.shortChannelId }) },
  tlv3: { type: 3, codec: codecs.struct({ nodeId: codecs.point, amountMsat1: codecs.u64, amountMsat2: codecs.u64 }) },
  tlv4: { type: 254, codec: codecs.struct({ cltvDelta: codecs.u16 }) },
});
const n2 = defineTlvStream('n2', {
  tlv1: { type: 0, codec: codecs.struct({ amountMsat: codecs.tu64 }) },
  tlv2: { type: 11, codec: codecs.struct({ cltvExpiry: codecs.tu32 }) },
});
const namespaces = { n1, n2 };

/** decode then encode again, in namespace `ns`. */
function reencode(ns: 'n1' | 'n2', bytes: Uint8Array): string {
  return toHex(ns === 'n1' ? n1.encode(n1.decode(bytes)) : n2.encode(n2.decode(bytes)));
}

/** The error each failing case must give, by the spec's own description of the case. */
function expectedCode(name: string): string {
  if (/^type truncated$|^missing length$|^length truncated$/.test(name)) return 'wire.eof';
  if (/^not minimally encoded (type|length)$/.test(name)) return 'wire.bigsize_not_canonical';
  if (/^missing value$|^value truncated$/.test(name)) return 'wire.tlv_length_exceeds';
  if (/^unknown even (type|field)/.test(name)) return 'wire.tlv_unknown_even';
  if (/(greater|less) than encoding length/.test(name)) return 'wire.tlv_bad_length';
  if (/is not minimal$/.test(name)) return 'wire.tu_not_minimal';
  if (/not a valid point$/.test(name)) return 'wire.bad_point';
  if (/^duplicate TLV type/.test(name)) return 'wire.tlv_duplicate';
  if (/invalid ordering$/.test(name)) return 'wire.tlv_not_ascending';
  throw new Error(`no expected code for "${name}"`);
}

function errorOf(f: () => unknown): WireError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WireError);
    return e as WireError;
  }
  throw new Error('expected a WireError, but decoding succeeded');
}

/** The vector's {tlv: {field: value}} in the helper's camelCase shape. */
function expectedValues(values: Record<string, Record<string, bigint | string>>): Record<string, unknown> {
  const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  const out: Record<string, unknown> = {};
  for (const [tlv, fields] of Object.entries(values)) {
    const o: Record<string, unknown> = {};
    // u16/tu32 fields decode to numbers; u64/tu64 to bigints; scid and node_id are strings here.
    for (const [k, val] of Object.entries(fields)) o[camel(k)] = k === 'cltv_delta' || k === 'cltv_expiry' ? Number(val) : val;
    out[tlv] = o;
  }
  return out;
}

/** Decoded typed values with scid formatted and node ids in hex, to compare with the vectors. */
function comparable(decoded: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(decoded)) {
    if (k === 'unknownTlvs') continue;
    const o: Record<string, unknown> = { ...(val as Record<string, unknown>) };
    if (typeof o.scid === 'bigint') o.scid = formatShortChannelId(o.scid);
    if (o.nodeId instanceof Uint8Array) o.nodeId = toHex(o.nodeId);
    out[k] = o;
  }
  return out;
}

describe('BOLT 1 Appendix B: TLV decoding failures', () => {
  it('covers all 33 failures and 5 stream failures', () => {
    expect(v.decoding_failures).toHaveLength(33);
    expect(v.stream_decoding_failures).toHaveLength(5);
  });

  for (const c of [...v.decoding_failures, ...v.stream_decoding_failures]) {
    for (const ns of c.namespaces) {
      const code = expectedCode(c.name);
      it(`${ns} rejects "${c.name}" (${c.stream_parts.join(' ').slice(0, 40)}) with ${code}`, () => {
        expect(errorOf(() => namespaces[ns].decode(fromHex(c.stream))).code).toBe(code);
      });
    }
  }

  it("n2 reads type 0, which n1 rejects as unknown even, as its tlv1 with amount_msat 0", () => {
    expect(n2.decode(fromHex('0000'))).toEqual({ tlv1: { amountMsat: 0n }, unknownTlvs: [] });
  });
});

describe('BOLT 1 Appendix B: TLV decoding successes', () => {
  it('covers all 19 successes', () => expect(v.decoding_successes).toHaveLength(19));

  for (const c of v.decoding_successes) {
    for (const ns of c.namespaces) {
      it(`${ns} decodes "${c.name}" and re-encodes the same bytes`, () => {
        const bytes = fromHex(c.stream);
        const decoded = namespaces[ns].decode(bytes);
        expect(comparable(decoded)).toEqual(expectedValues(c.values ?? {}));
        // Every record the namespace does not know is kept, byte for byte.
        const records = decodeTlvStream(bytes);
        const unknown = records.filter((r) => !namespaces[ns].isKnown(r.type));
        expect(decoded.unknownTlvs).toEqual(unknown);
        expect(reencode(ns, bytes)).toBe(c.stream);
      });
    }
  }

  it('decodes tlv3 into a point and two u64 amounts', () => {
    const d = n1.decode(
      fromHex('0331023da092f6980e58d2c037173180e9a465476026ee50f96695963e8efe436f54eb00000000000000010000000000000002'),
    );
    expect(d.tlv3?.amountMsat1).toBe(1n);
    expect(d.tlv3?.amountMsat2).toBe(2n);
    expect(toHex(d.tlv3!.nodeId)).toBe('023da092f6980e58d2c037173180e9a465476026ee50f96695963e8efe436f54eb');
  });
});

describe('BOLT 1 Appendix B: composition rules', () => {
  const lastType = (stream: string): bigint => {
    const recs: readonly TlvRecord[] = decodeTlvStream(fromHex(stream));
    return recs.length ? recs[recs.length - 1]!.type : -1n;
  };
  const firstType = (stream: string): bigint => decodeTlvStream(fromHex(stream))[0]?.type ?? -1n;

  for (const ns of ['n1', 'n2'] as const) {
    const ok = v.decoding_successes.filter((c) => c.namespaces.includes(ns) && c.stream !== '');
    const bad = [...v.decoding_failures, ...v.stream_decoding_failures].filter((c) => c.namespaces.includes(ns));

    it(`${ns}: any valid stream followed by an invalid one fails`, () => {
      for (const a of ok) for (const b of bad) expect(() => namespaces[ns].decode(fromHex(a.stream + b.stream))).toThrow(WireError);
    });

    it(`${ns}: a valid stream followed by a higher-numbered valid stream succeeds`, () => {
      let pairs = 0;
      for (const a of ok) {
        for (const b of ok) {
          if (firstType(b.stream) <= lastType(a.stream)) continue;
          pairs++;
          const joined = fromHex(a.stream + b.stream);
          expect(reencode(ns, joined)).toBe(a.stream + b.stream);
        }
      }
      expect(pairs).toBeGreaterThan(10);
    });
  }
});
