import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, fromHex, sha256d, toHex } from '../../../core/crypto';
import {
  ByteReader, ByteWriter, CHAIN_HASH_HEX, chainHash, channelIdFromFunding, channelIdV2, decodeTu16, decodeTu32,
  decodeTu64, encodeTu16, encodeTu32, encodeTu64, formatShortChannelId, isAllZeroChannelId, networkOfChainHash,
  parseShortChannelId, readPoint, shortChannelIdFromParts, shortChannelIdParts, WireError, writePoint,
} from '../../../core/wire';
import type { Network } from '../../../core/wire';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WireError);
    return (e as WireError).code;
  }
  throw new Error('expected a WireError');
}

/** An 80-byte block header (Bitcoin serialization, little-endian integers). */
function genesisHeader(merkleRootDisplayHex: string, time: number, bits: number, nonce: number): Uint8Array {
  const le32 = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    return b;
  };
  return concatBytes(le32(1), new Uint8Array(32), fromHex(merkleRootDisplayHex).reverse(), le32(time), le32(bits), le32(nonce));
}

describe('chain_hash (BOLT 0)', () => {
  const satoshiMerkle = '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b';
  const headers: Record<Network, Uint8Array> = {
    mainnet: genesisHeader(satoshiMerkle, 1231006505, 0x1d00ffff, 2083236893),
    testnet: genesisHeader(satoshiMerkle, 1296688602, 0x1d00ffff, 414098458),
    testnet4: genesisHeader('7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e', 1714777860, 0x1d00ffff, 393743547),
    signet: genesisHeader(satoshiMerkle, 1598918400, 0x1e0377ae, 52613770),
    regtest: genesisHeader(satoshiMerkle, 1296688602, 0x207fffff, 2),
  };

  it('mainnet is the exact value BOLT 0 prints', () => {
    expect(CHAIN_HASH_HEX.mainnet).toBe('6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000');
  });

  for (const network of Object.keys(headers) as Network[]) {
    it(`${network} is the genesis header's double SHA-256 in natural (not display) byte order`, () => {
      expect(toHex(chainHash(network))).toBe(toHex(sha256d(headers[network])));
      expect(networkOfChainHash(chainHash(network))).toBe(network);
    });
  }

  it('chainHash returns a copy that callers cannot use to corrupt the constant', () => {
    const h = chainHash('regtest');
    h.fill(0);
    expect(networkOfChainHash(chainHash('regtest'))).toBe('regtest');
    expect(networkOfChainHash(h)).toBeUndefined();
  });
});

describe('short_channel_id (BOLT 7)', () => {
  it('formats and parses BLOCKxTXxOUT', () => {
    const scid = shortChannelIdFromParts(539268, 845, 1);
    expect(scid).toBe((539268n << 40n) | (845n << 16n) | 1n);
    expect(formatShortChannelId(scid)).toBe('539268x845x1');
    expect(parseShortChannelId('539268x845x1')).toBe(scid);
    expect(formatShortChannelId(0x226n)).toBe('0x0x550');
  });

  it('round-trips every u64 through its parts and its text form', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (scid) => {
        const { block, txIndex, outputIndex } = shortChannelIdParts(scid);
        expect(shortChannelIdFromParts(block, txIndex, outputIndex)).toBe(scid);
        expect(parseShortChannelId(formatShortChannelId(scid))).toBe(scid);
      }),
    );
  });

  it('rejects text that is not three in-range decimal parts', () => {
    for (const bad of ['', '1x2', '1x2x3x4', '16777216x0x0', '0x16777216x0', '0x0x65536', '-1x0x0', '1 x2x3', 'axbxc']) {
      expect(codeOf(() => parseShortChannelId(bad))).toBe('wire.bad_value');
    }
  });
});

describe('truncated integers (BOLT 1)', () => {
  it('omit leading zeros and encode 0 as no bytes', () => {
    expect(toHex(encodeTu64(0n))).toBe('');
    expect(toHex(encodeTu64(256n))).toBe('0100');
    expect(toHex(encodeTu32(0x01000000))).toBe('01000000');
    expect(toHex(encodeTu16(255))).toBe('ff');
  });

  it('reject leading zeros and over-long encodings', () => {
    expect(codeOf(() => decodeTu64(fromHex('00')))).toBe('wire.tu_not_minimal');
    expect(codeOf(() => decodeTu32(fromHex('0001')))).toBe('wire.tu_not_minimal');
    expect(codeOf(() => decodeTu16(fromHex('010203')))).toBe('wire.tlv_bad_length');
    expect(codeOf(() => decodeTu64(fromHex('010000000000000000')))).toBe('wire.tlv_bad_length');
  });

  it('round-trip every value of each width', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (n) => {
      expect(decodeTu64(encodeTu64(n))).toBe(n);
    }));
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
      expect(decodeTu32(encodeTu32(n))).toBe(n);
    }));
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), (n) => {
      expect(decodeTu16(encodeTu16(n))).toBe(n);
    }));
  });
});

describe('point', () => {
  const g = fromHex('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');

  it('reads a valid compressed point and writes it back', () => {
    expect(toHex(readPoint(new ByteReader(g)))).toBe(toHex(g));
    const w = new ByteWriter();
    writePoint(w, g);
    expect(toHex(w.finish())).toBe(toHex(g));
  });

  it('rejects uncompressed prefixes and x coordinates off the curve with wire.bad_point', () => {
    const bad = g.slice();
    bad[0] = 0x04;
    expect(codeOf(() => readPoint(new ByteReader(bad)))).toBe('wire.bad_point');
    expect(codeOf(() => readPoint(new ByteReader(fromHex('02' + '00'.repeat(32)))))).toBe('wire.bad_point');
    expect(codeOf(() => writePoint(new ByteWriter(), bad))).toBe('wire.bad_point'); // writing checks the shape only
    expect(codeOf(() => writePoint(new ByteWriter(), g.subarray(0, 32)))).toBe('wire.bad_point');
    expect(codeOf(() => readPoint(new ByteReader(g.subarray(0, 32))))).toBe('wire.eof');
  });
});

describe('channel_id (BOLT 2)', () => {
  it('v1 XORs the output index into the last two bytes, big-endian', () => {
    const txid = fromHex('11'.repeat(32));
    const id = channelIdFromFunding(txid, 0x0102);
    expect(toHex(id)).toBe('11'.repeat(30) + '1013');
    expect(toHex(channelIdFromFunding(txid, 0))).toBe(toHex(txid));
    expect(toHex(txid)).toBe('11'.repeat(32));
    expect(codeOf(() => channelIdFromFunding(txid, 0x10000))).toBe('wire.bad_value');
  });

  it('v2 hashes the lesser revocation basepoint first, whichever order they are given in', () => {
    const a = fromHex('02' + '11'.repeat(32));
    const b = fromHex('03' + '00'.repeat(32));
    expect(toHex(channelIdV2(a, b))).toBe(toHex(channelIdV2(b, a)));
  });

  it('recognises the all-zero channel_id that means "all channels"', () => {
    expect(isAllZeroChannelId(new Uint8Array(32))).toBe(true);
    expect(isAllZeroChannelId(fromHex('00'.repeat(31) + '01'))).toBe(false);
  });
});
