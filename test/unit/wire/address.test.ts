import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../core/crypto';
import { isIPv6 } from 'node:net';
import { ByteReader, announcementOrder, decodeAddressList, encodeAddressList, formatAddress, parseAddressDescriptor, parseIpv6, readAddressDescriptor, WireError } from '../../../core/wire';
import type { AddressDescriptor } from '../../../core/wire';
import { addressDescriptor } from './arbitraries';

function base32Decode(s: string): Uint8Array {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of s) {
    acc = (acc << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

describe('BOLT 7 address descriptors', () => {
  it('encode each type with its type byte, data and big-endian port', () => {
    const list: AddressDescriptor[] = [
      { kind: 'ipv4', address: fromHex('c0a80001'), port: 9735 },
      { kind: 'ipv6', address: fromHex('20010db8000000000000000000000001'), port: 9735 },
      { kind: 'dns', hostname: 'node.example', port: 9736 },
    ];
    expect(toHex(encodeAddressList(list))).toBe(
      '01c0a800012607' + '0220010db80000000000000000000000012607' + '050c' + toHex(new TextEncoder().encode('node.example')) + '2608',
    );
  });

  it('format as host:port, with RFC 5952 IPv6 and 56-character v3 onions', () => {
    expect(formatAddress({ kind: 'ipv4', address: fromHex('7f000001'), port: 9735 })).toBe('127.0.0.1:9735');
    expect(formatAddress({ kind: 'ipv6', address: fromHex('20010db8000000000000000000000001'), port: 1 })).toBe('[2001:db8::1]:1');
    expect(formatAddress({ kind: 'ipv6', address: new Uint8Array(16), port: 1 })).toBe('[::]:1');
    expect(formatAddress({ kind: 'ipv6', address: fromHex('20010db8000100000001000000000000'), port: 1 })).toBe('[2001:db8:1:0:1::]:1');
    expect(formatAddress({ kind: 'ipv6', address: fromHex('00010002000300040005000600070008'), port: 1 })).toBe('[1:2:3:4:5:6:7:8]:1');
    const onion = 'duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad';
    const raw = base32Decode(onion);
    expect(raw).toHaveLength(35);
    expect(raw[34]).toBe(3); // prop224: the last byte is the version, 3
    expect(formatAddress({ kind: 'torv3', onion: raw, port: 9735 })).toBe(`${onion}.onion:9735`);
  });

  it('stop a list at the first unknown type and return the rest unparsed', () => {
    const bytes = fromHex('017f0000012607' + '09aabbcc' + '017f0000012607');
    const { addresses, unparsed } = decodeAddressList(bytes);
    expect(addresses).toEqual([{ kind: 'ipv4', address: fromHex('7f000001'), port: 9735 }]);
    expect(toHex(unparsed)).toBe('09aabbcc017f0000012607');
  });

  it('reject non-ASCII hostnames and truncated descriptors', () => {
    expect(() => readAddressDescriptor(new ByteReader(fromHex('0501ff2607')))).toThrow(WireError);
    expect(() => readAddressDescriptor(new ByteReader(fromHex('017f0000')))).toThrow(WireError);
    expect(() => encodeAddressList([{ kind: 'dns', hostname: 'ünïcode', port: 1 }])).toThrow(WireError);
  });

  it('round-trip lists of known descriptors', () => {
    const known = addressDescriptor.filter((a) => a.kind !== 'unknown');
    fc.assert(
      fc.property(fc.array(known, { maxLength: 4 }), (list) => {
        expect(decodeAddressList(encodeAddressList(list))).toEqual({ addresses: list, unparsed: new Uint8Array() });
      }),
    );
  });

  it('random bytes give addresses or a WireError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        try {
          decodeAddressList(b);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
    );
  });

  describe('as a user types them (addresses to announce)', () => {
    it('parse IPv4, [IPv6], a Tor v3 onion (checksum verified) and a DNS name', () => {
      expect(parseAddressDescriptor('203.0.113.5:9735')).toEqual({ kind: 'ipv4', address: Uint8Array.of(203, 0, 113, 5), port: 9735 });
      expect(parseAddressDescriptor('[2001:db8::1]:9735')).toEqual({ kind: 'ipv6', address: fromHex('20010db8000000000000000000000001'), port: 9735 });
      expect(parseAddressDescriptor('[::ffff:192.0.2.1]:1')).toEqual({ kind: 'ipv6', address: fromHex('00000000000000000000ffffc0000201'), port: 1 });
      expect(parseAddressDescriptor(' Node.Example.COM:9736 ')).toEqual({ kind: 'dns', hostname: 'node.example.com', port: 9736 });
      // DuckDuckGo's v3 onion service: its checksum and version are right.
      const onion = 'duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad';
      const a = parseAddressDescriptor(`${onion}.onion:443`);
      expect(a.kind).toBe('torv3');
      expect(formatAddress(a)).toBe(`${onion}.onion:443`);
      expect(toHex((a as { onion: Uint8Array }).onion)).toBe(toHex(base32Decode(onion)));
    });

    it('refuse port 0, bad hosts and a wrong onion checksum with a WireError saying which', () => {
      for (const bad of ['1.2.3.4:0', '1.2.3.4', '1.2.3.256:1', '01.2.3.4:1', '[2001:db8::1::2]:1', '[1:2:3:4:5:6:7:8:9]:1', '[::g]:1', 'bad host:1',
        'a..b:1', '-a.example:1', `${'a'.repeat(64)}.example:1`, 'duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczae.onion:443', 'short.onion:1', '1.2.3.4:65536']) {
        expect(() => parseAddressDescriptor(bad), bad).toThrow(WireError);
      }
    });

    it('round-trip every IPv4 and IPv6 address through their text (property)', () => {
      fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 1, max: 65535 }), (bytes, port) => {
        const v6: AddressDescriptor = { kind: 'ipv6', address: bytes, port };
        expect(parseAddressDescriptor(formatAddress(v6))).toEqual(v6);
        const v4: AddressDescriptor = { kind: 'ipv4', address: bytes.slice(0, 4), port };
        expect(parseAddressDescriptor(formatAddress(v4))).toEqual(v4);
      }));
    });

    it('accept the IPv6 texts node:net accepts, and only those (property)', () => {
      const text = fc.array(fc.constantFrom('0', '1', 'a', 'F', 'ffff', ':', '::', '.', '192.0.2.1', '12345'), { maxLength: 12 }).map((p) => p.join(''));
      fc.assert(fc.property(text, (t) => {
        expect(parseIpv6(t) !== null, t).toBe(isIPv6(t));
      }), { numRuns: 5000 });
    });

    it('order a node_announcement\'s addresses by type, without repeats, with one DNS name at most', () => {
      const list = ['b.example:1', '[::1]:2', '1.2.3.4:3', 'a.example:4', '1.2.3.4:3'].map(parseAddressDescriptor);
      expect(announcementOrder(list).map(formatAddress)).toEqual(['1.2.3.4:3', '[::1]:2', 'b.example:1']);
    });
  });
});
