import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/crypto';
import { decodeMessage, encodeMessage, WireError } from '../../../core/wire';
import { loadVectors } from '../../support/vectors';

interface ExtensionVectors {
  message_extension: {
    base_init: string;
    valid: { name: string; message: string }[];
    invalid: { name: string; message: string }[];
  };
}
const v = loadVectors<ExtensionVectors>('bolt01/tlv.json').message_extension;

/** The error each invalid init must give, by the spec's description. */
const EXPECTED: Record<string, string> = {
  'the extension is present but truncated': 'wire.eof',
  'the extension contains unknown even TLV records (assuming that TLV type 0xca is unknown)': 'wire.tlv_unknown_even',
  'the extension TLV stream is invalid (duplicate TLV record type 0xc9)': 'wire.tlv_duplicate',
};

describe('BOLT 1 Appendix C: init message extension', () => {
  it('has 2 valid and 3 invalid cases', () => {
    expect(v.valid).toHaveLength(2);
    expect(v.invalid).toHaveLength(3);
  });

  it('the base init has no features at all', () => {
    const m = decodeMessage(fromHex(v.base_init));
    expect(m).toMatchObject({ type: 'init', tlvs: { unknownTlvs: [] } });
    if (m.type !== 'init') return;
    expect(m.globalFeatures.isEmpty && m.features.isEmpty).toBe(true);
  });

  for (const c of v.valid) {
    it(`accepts "${c.name}" and re-encodes it unchanged`, () => {
      const m = decodeMessage(fromHex(c.message));
      expect(m.type).toBe('init');
      expect(toHex(encodeMessage(m))).toBe(c.message);
    });
  }

  it('keeps the two unknown odd records 0xc9 and 0xcb with their values', () => {
    const m = decodeMessage(fromHex('001000000000c9012acb0104'));
    expect(m).toMatchObject({
      type: 'init',
      tlvs: { unknownTlvs: [{ type: 0xc9n, value: fromHex('2a') }, { type: 0xcbn, value: fromHex('04') }] },
    });
  });

  for (const c of v.invalid) {
    it(`rejects "${c.name}" with ${EXPECTED[c.name]}`, () => {
      let err: unknown;
      try {
        decodeMessage(fromHex(c.message));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WireError);
      expect((err as WireError).code).toBe(EXPECTED[c.name]);
    });
  }
});

describe('init_tlvs', () => {
  it('decodes networks as a list of chain hashes and remote_addr as an address descriptor', () => {
    const mainnet = '6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000';
    const hex = '001000000000' + '0120' + mainnet + '0307' + '01' + '7f000001' + '2607';
    const m = decodeMessage(fromHex(hex));
    expect(m).toMatchObject({
      type: 'init',
      tlvs: { networks: [fromHex(mainnet)], remoteAddr: { kind: 'ipv4', address: fromHex('7f000001'), port: 9735 } },
    });
    expect(toHex(encodeMessage(m))).toBe(hex);
  });

  it('rejects networks that are not a whole number of chain hashes', () => {
    let err: unknown;
    try {
      decodeMessage(fromHex('001000000000' + '0121' + '00'.repeat(33)));
    } catch (e) {
      err = e;
    }
    expect((err as WireError).code).toBe('wire.tlv_bad_length');
  });
});
