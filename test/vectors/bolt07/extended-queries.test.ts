/**
 * bolt07/extended-queries.json: every case. Encoding type 0 cases decode to the vector's `msg`
 * and re-encode to its hex byte for byte. Five cases use encoding type 1 (zlib), which BOLT 7 now
 * says "MUST NOT be used"; our reader refuses them with `wire.unsupported_encoding`. To check
 * that this is the only thing wrong with them, the test inflates their zlib fields itself
 * (node:zlib), rebuilds the message with encoding type 0, and decodes that to the vector's `msg`.
 */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../../../core/crypto';
import {
  ByteReader, ByteWriter, QUERY_OPTION_FLAGS, WireError, decodeMessage, decodeTlvStream, encodeMessage, encodeTlvStream,
  parseShortChannelId,
} from '../../../core/wire';
import type { Message, TlvRecord } from '../../../core/wire';
import { loadVectors } from '../../support/vectors';

interface Encoded<T> {
  readonly encoding: 'UNCOMPRESSED' | 'COMPRESSED_ZLIB';
  readonly array: readonly T[];
}
interface VectorMessage {
  readonly type: 'QueryChannelRange' | 'ReplyChannelRange' | 'QueryShortChannelIds';
  readonly chainHash: string;
  readonly firstBlockNum?: number;
  readonly numberOfBlocks?: number;
  readonly complete?: number;
  readonly shortChannelIds?: Encoded<string>;
  readonly timestamps?: { encoding: Encoded<never>['encoding']; timestamps: { timestamp1: number; timestamp2: number }[] };
  readonly checksums?: { checksums: { checksum1: number; checksum2: number }[] };
  readonly tlvStream?: { records: (string | Encoded<number>)[]; unknown: unknown[] };
}
interface Case {
  readonly hex: string;
  readonly msg: VectorMessage;
}

const cases = loadVectors<Case[]>('bolt07/extended-queries.json');

/** The vector's `msg` as our typed message. */
function expected(v: VectorMessage): Message {
  const chainHash = fromHex(v.chainHash);
  const scids = (v.shortChannelIds?.array ?? []).map(parseShortChannelId);
  switch (v.type) {
    case 'QueryChannelRange': {
      const rec = v.tlvStream?.records[0];
      const names = typeof rec === 'string' ? rec.split('|').map((s) => s.trim()) : [];
      let queryOption: bigint | undefined;
      if (names.length) {
        queryOption = 0n;
        if (names.includes('WANT_TIMESTAMPS')) queryOption |= QUERY_OPTION_FLAGS.wantTimestamps;
        if (names.includes('WANT_CHECKSUMS')) queryOption |= QUERY_OPTION_FLAGS.wantChecksums;
      }
      return {
        type: 'query_channel_range', chainHash, firstBlocknum: v.firstBlockNum!, numberOfBlocks: v.numberOfBlocks!,
        tlvs: { ...(queryOption !== undefined ? { queryOption } : {}), unknownTlvs: [] },
      };
    }
    case 'ReplyChannelRange':
      return {
        type: 'reply_channel_range', chainHash, firstBlocknum: v.firstBlockNum!, numberOfBlocks: v.numberOfBlocks!, syncComplete: v.complete!,
        shortChannelIds: scids,
        tlvs: {
          ...(v.timestamps ? { timestamps: v.timestamps.timestamps.map((t) => ({ timestampNodeId1: t.timestamp1, timestampNodeId2: t.timestamp2 })) } : {}),
          ...(v.checksums ? { checksums: v.checksums.checksums.map((t) => ({ checksumNodeId1: t.checksum1, checksumNodeId2: t.checksum2 })) } : {}),
          unknownTlvs: [],
        },
      };
    case 'QueryShortChannelIds': {
      const rec = v.tlvStream?.records[0];
      return {
        type: 'query_short_channel_ids', chainHash, shortChannelIds: scids,
        tlvs: { ...(rec && typeof rec !== 'string' ? { queryFlags: rec.array.map(BigInt) } : {}), unknownTlvs: [] },
      };
    }
  }
}

/** `[encoding_type][data]` with type 1 → `[0][inflated data]`; type 0 unchanged. */
function inflated(field: Uint8Array): Uint8Array {
  if (field[0] === 0) return field;
  expect(field[0]).toBe(1);
  return concatBytes(new Uint8Array([0]), new Uint8Array(inflateSync(field.subarray(1))));
}

/**
 * Rebuilds a message with every zlib field inflated, walking the layout by hand (not with our
 * codecs, which refuse type 1): fixed fields, `[u16:len][encoded_short_ids]`, then the TLVs
 * (`query_flags` and `timestamps_tlv` are type 1; `checksums_tlv` has no encoding byte).
 */
function withInflatedFields(hex: string): Uint8Array {
  const bytes = fromHex(hex);
  const r = new ByteReader(bytes);
  const type = r.readU16();
  const fixed = { 261: 32, 264: 32 + 4 + 4 + 1 }[type];
  if (fixed === undefined) return bytes;
  const head = concatBytes(bytes.subarray(0, 2), r.readBytes(fixed));
  const ids = inflated(r.readBytes(r.readU16()));
  const records: TlvRecord[] = decodeTlvStream(r.readRest()).map((t) => (t.type === 1n ? { type: t.type, value: inflated(t.value) } : t));
  const w = new ByteWriter().writeBytes(head).writeU16(ids.length).writeBytes(ids).writeBytes(encodeTlvStream(records));
  return w.finish();
}

function decodeError(bytes: Uint8Array): WireError {
  try {
    decodeMessage(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(WireError);
    return e as WireError;
  }
  throw new Error('expected a WireError');
}

const usesZlib = (c: Case) =>
  c.msg.shortChannelIds?.encoding === 'COMPRESSED_ZLIB' ||
  c.msg.timestamps?.encoding === 'COMPRESSED_ZLIB' ||
  c.msg.tlvStream?.records.some((r) => typeof r !== 'string' && r.encoding === 'COMPRESSED_ZLIB');

describe('BOLT 7 extended queries vectors', () => {
  it('has the 10 cases PROVENANCE.md describes, 5 of them with zlib', () => {
    expect(cases).toHaveLength(10);
    expect(cases.filter(usesZlib)).toHaveLength(5);
  });

  cases.forEach((c, i) => {
    if (!usesZlib(c)) {
      it(`case ${i} (${c.msg.type}): decodes to the vector's message and re-encodes to its bytes`, () => {
        const m = decodeMessage(fromHex(c.hex));
        expect(m).toEqual(expected(c.msg));
        expect(toHex(encodeMessage(expected(c.msg)))).toBe(c.hex);
      });
    } else {
      it(`case ${i} (${c.msg.type}, zlib): is refused with wire.unsupported_encoding, and is the vector's message once inflated`, () => {
        const e = decodeError(fromHex(c.hex));
        expect(e.code).toBe('wire.unsupported_encoding');
        expect(e.details?.encodingType).toBe(1);
        const rebuilt = withInflatedFields(c.hex);
        expect(decodeMessage(rebuilt)).toEqual(expected(c.msg));
        // Our writer produces the uncompressed form of the same message.
        expect(toHex(encodeMessage(expected(c.msg)))).toBe(toHex(rebuilt));
      });
    }
  });
});
