/**
 * BOLT 7 message layouts field by field, and the rules of `encoded_*` arrays. Round trips,
 * truncations and random payloads of every gossip message run in messages.test.ts with the
 * other codecs (which also checks that whatever decodes re-encodes to the same bytes, as
 * signatures over announcements require).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/crypto';
import { WireError, decodeMessage, encodeMessage } from '../../../core/wire';
import type { ChannelAnnouncement, ChannelUpdate, NodeAnnouncement, QueryShortChannelIds, ReplyChannelRange } from '../../../core/wire';
import { POINTS } from './arbitraries';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (!(e instanceof WireError)) throw new Error(`expected a WireError, got ${String(e)}`);
    return e.code;
  }
  throw new Error('expected a WireError');
}

const hex = (b: Uint8Array) => toHex(b);
const chain = fromHex('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f');
const sig = (b: number) => new Uint8Array(64).fill(b);

describe('BOLT 7 message layouts', () => {
  it('channel_announcement: four signatures, features, chain, scid, node ids, bitcoin keys', () => {
    const m: ChannelAnnouncement = {
      type: 'channel_announcement',
      nodeSignature1: sig(1), nodeSignature2: sig(2), bitcoinSignature1: sig(3), bitcoinSignature2: sig(4),
      features: fromHex('0100'), chainHash: chain, shortChannelId: 0x0102030405060708n,
      nodeId1: POINTS[0]!, nodeId2: POINTS[1]!, bitcoinKey1: POINTS[2]!, bitcoinKey2: POINTS[3]!,
    };
    const b = encodeMessage(m);
    expect(hex(b)).toBe(
      '0100' + '01'.repeat(64) + '02'.repeat(64) + '03'.repeat(64) + '04'.repeat(64) + '0002' + '0100' + hex(chain) + '0102030405060708' +
        hex(POINTS[0]!) + hex(POINTS[1]!) + hex(POINTS[2]!) + hex(POINTS[3]!),
    );
    // The bitmap is kept as sent (here with a leading zero byte a minimal writer would drop).
    expect(decodeMessage(b)).toEqual({ ...m, tlvs: { unknownTlvs: [] } });
  });

  it('node_announcement: signature, features, timestamp, node id, color, alias, addresses as sent', () => {
    const alias = new Uint8Array(32);
    alias.set(new TextEncoder().encode('IRATEMONK'));
    const addresses = fromHex('01' + '7f000001' + '2607' + '09' + 'ffff'); // ipv4 then an unknown type 9: kept raw
    const m: NodeAnnouncement = {
      type: 'node_announcement', signature: sig(9), features: fromHex('0000'), timestamp: 0x01020304, nodeId: POINTS[4]!,
      rgbColor: fromHex('ff8000'), alias, addresses,
    };
    const b = encodeMessage(m);
    expect(hex(b)).toBe('0101' + '09'.repeat(64) + '0002' + '0000' + '01020304' + hex(POINTS[4]!) + 'ff8000' + hex(alias) + '000a' + hex(addresses));
    expect(decodeMessage(b)).toEqual({ ...m, tlvs: { unknownTlvs: [] } });
  });

  it('channel_update: every field in spec order, htlc_maximum_msat always present', () => {
    const m: ChannelUpdate = {
      type: 'channel_update', signature: sig(7), chainHash: chain, shortChannelId: 539268n << 40n | 845n << 16n | 1n, timestamp: 1_700_000_000,
      messageFlags: 1, channelFlags: 3, cltvExpiryDelta: 144, htlcMinimumMsat: 1000n, feeBaseMsat: 1000, feeProportionalMillionths: 100,
      htlcMaximumMsat: 990_000_000n,
    };
    const b = encodeMessage(m);
    expect(hex(b)).toBe(
      '0102' + '07'.repeat(64) + hex(chain) + '083a8400034d0001' + '6553f100' + '01' + '03' + '0090' + '00000000000003e8' + '000003e8' +
        '00000064' + '000000003b023380',
    );
    expect(decodeMessage(b)).toEqual({ ...m, tlvs: { unknownTlvs: [] } });
    // An old update without htlc_maximum_msat is short: wire.eof.
    expect(codeOf(() => decodeMessage(b.subarray(0, b.length - 8)))).toBe('wire.eof');
  });

  it('announcement_signatures, gossip_timestamp_filter and reply_short_channel_ids_end', () => {
    expect(hex(encodeMessage({
      type: 'announcement_signatures', channelId: new Uint8Array(32).fill(0xaa), shortChannelId: 5n, nodeSignature: sig(1), bitcoinSignature: sig(2),
    }))).toBe('0103' + 'aa'.repeat(32) + '0000000000000005' + '01'.repeat(64) + '02'.repeat(64));
    expect(hex(encodeMessage({ type: 'gossip_timestamp_filter', chainHash: chain, firstTimestamp: 0xffffffff, timestampRange: 0 })))
      .toBe('0109' + hex(chain) + 'ffffffff' + '00000000');
    expect(hex(encodeMessage({ type: 'reply_short_channel_ids_end', chainHash: chain, fullInformation: 1 }))).toBe('0106' + hex(chain) + '01');
  });
});

describe('BOLT 7 encoded_* arrays', () => {
  const query = (ids: string, tlvs = '') => fromHex('0105' + hex(chain) + ids + tlvs);

  it('writes encoding type 0 followed by the array, and the u16 length of both', () => {
    const m: QueryShortChannelIds = { type: 'query_short_channel_ids', chainHash: chain, shortChannelIds: [1n, 2n], tlvs: { queryFlags: [1n, 0xfdn] } };
    expect(hex(encodeMessage(m))).toBe('0105' + hex(chain) + '0011' + '00' + '0000000000000001' + '0000000000000002' + '0105' + '00' + '01' + 'fd00fd');
    expect(hex(encodeMessage({ ...m, shortChannelIds: [], tlvs: {} }))).toBe('0105' + hex(chain) + '0001' + '00');
  });

  it('refuses the zlib encoding (type 1) and any other non-zero type with wire.unsupported_encoding', () => {
    for (const t of ['01', '02', 'ff']) {
      expect(codeOf(() => decodeMessage(query('0009' + t + '0000000000000001')))).toBe('wire.unsupported_encoding');
      expect(codeOf(() => decodeMessage(query('0001' + '00', '0102' + t + '01')))).toBe('wire.unsupported_encoding');
    }
    const reply = (tlv: string) => fromHex('0108' + hex(chain) + '00000000' + '00000001' + '01' + '0001' + '00' + tlv);
    expect(codeOf(() => decodeMessage(reply('0101' + '01')))).toBe('wire.unsupported_encoding');
    expect(decodeMessage(reply('0101' + '00'))).toMatchObject({ tlvs: { timestamps: [] } });
  });

  it('refuses arrays that are not a whole number of elements, and an empty encoded_short_ids', () => {
    expect(codeOf(() => decodeMessage(query('0008' + '00' + '00000000000001')))).toBe('wire.bad_value');
    expect(codeOf(() => decodeMessage(query('0000')))).toBe('wire.eof');
    const reply = (tlv: string) => fromHex('0108' + hex(chain) + '00000000' + '00000001' + '01' + '0001' + '00' + tlv);
    expect(codeOf(() => decodeMessage(reply('0105' + '00' + '00000001')))).toBe('wire.bad_value');
    // checksums_tlv has no encoding byte: 7 bytes is a short element.
    expect(codeOf(() => decodeMessage(reply('0307' + '00000001000000')))).toBe('wire.tlv_bad_length');
  });

  it('accepts short_channel_ids out of order and query flags of any count (the gossip core judges them)', () => {
    const m = decodeMessage(query('0011' + '00' + '0000000000000002' + '0000000000000001', '0102' + '00' + '07'));
    expect(m).toMatchObject({ shortChannelIds: [2n, 1n], tlvs: { queryFlags: [7n] } });
  });

  it('query flags must be minimal bigsizes', () => {
    expect(codeOf(() => decodeMessage(query('0001' + '00', '0104' + '00' + 'fd0001')))).toBe('wire.bigsize_not_canonical');
  });

  it('refuses to encode more short_channel_ids than a u16 length can carry', () => {
    const ids = Array.from({ length: 8192 }, (_, i) => BigInt(i));
    const m: ReplyChannelRange = { type: 'reply_channel_range', chainHash: chain, firstBlocknum: 0, numberOfBlocks: 1, syncComplete: 1, shortChannelIds: ids };
    expect(codeOf(() => encodeMessage(m))).toBe('wire.too_large');
    expect(encodeMessage({ ...m, shortChannelIds: ids.slice(0, 8000) }).length).toBe(2 + 32 + 9 + 2 + 1 + 64_000);
  });

  it('random encoded_short_ids give short_channel_ids or a WireError, and decoded ones re-encode unchanged', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (ids) => {
        const bytes = fromHex('0105' + hex(chain) + ids.length.toString(16).padStart(4, '0') + hex(ids));
        let m;
        try {
          m = decodeMessage(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
          return;
        }
        expect(ids[0]).toBe(0);
        expect((ids.length - 1) % 8).toBe(0);
        expect(hex(encodeMessage(m))).toBe(hex(bytes));
      }),
      { numRuns: 300 },
    );
  });
});
