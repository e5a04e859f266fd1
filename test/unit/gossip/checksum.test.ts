import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelUpdateChecksum, crc32c } from '../../../core/gossip';
import { encodeMessage } from '../../../core/wire';
import { channel, node, update } from './support';

describe('CRC32C', () => {
  it('gives the RFC 3720 Appendix B.4 results', () => {
    const inc = Uint8Array.from({ length: 32 }, (_, i) => i);
    const dec = Uint8Array.from({ length: 32 }, (_, i) => 31 - i);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(inc)).toBe(0x46dd794e);
    expect(crc32c(dec)).toBe(0x113fdb5c);
    // The iSCSI read command PDU of B.4.
    const pdu = Uint8Array.from([
      0x01, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 0x04, 0, 0, 0, 0, 0x14, 0, 0, 0, 0x18, 0x28, 0, 0, 0,
      0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(crc32c(pdu)).toBe(0xd9963a56);
  });

  it('over several parts equals over their concatenation', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
      const ab = new Uint8Array(a.length + b.length);
      ab.set(a);
      ab.set(b, a.length);
      expect(crc32c(a, b)).toBe(crc32c(ab));
    }));
  });
});

describe('channel_update checksum (BOLT 7: without signature and timestamp)', () => {
  const ch = channel(node(1), node(2), 1n << 40n);
  const base = update(ch, 0, { timestamp: 1000 });

  it('ignores the signature and the timestamp', () => {
    const later = update(ch, 0, { timestamp: 2000 });
    expect(channelUpdateChecksum(encodeMessage(later))).toBe(channelUpdateChecksum(encodeMessage(base)));
    const otherSig = encodeMessage({ ...base, signature: new Uint8Array(64).fill(9) });
    expect(channelUpdateChecksum(otherSig)).toBe(channelUpdateChecksum(encodeMessage(base)));
  });

  it('changes with any other field', () => {
    const sum = channelUpdateChecksum(encodeMessage(base));
    expect(channelUpdateChecksum(encodeMessage(update(ch, 0, { timestamp: 1000, feeBaseMsat: 1001 })))).not.toBe(sum);
    expect(channelUpdateChecksum(encodeMessage(update(ch, 0, { timestamp: 1000, disabled: true })))).not.toBe(sum);
    expect(channelUpdateChecksum(encodeMessage({ ...base, shortChannelId: 5n }))).not.toBe(sum);
  });

  it('is the CRC32C of chain_hash, short_channel_id and the fields after timestamp', () => {
    const raw = encodeMessage(base);
    expect(channelUpdateChecksum(raw)).toBe(crc32c(raw.subarray(66, 106), raw.subarray(110)));
  });
});
