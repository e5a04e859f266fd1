import { describe, expect, it } from 'vitest';
import { sha256, toHex, utf8 } from '../../../core/crypto';
import type { Bolt11InvoiceParams, RouteHintHop } from '../../../core/invoices';
import { buildBolt11Invoice, fallbackAddress, fallbackFromAddress } from '../../../core/invoices';
import { FeatureVector } from '../../../core/wire';
import { loadVectors } from '../../support/vectors';
import { NODE_ID, NODE_KEY, OTHER_KEY, PAYMENT_HASH, PAYMENT_SECRET, TIMESTAMP } from './fixtures';

const base: Bolt11InvoiceParams = { network: 'regtest', timestamp: TIMESTAMP, paymentHash: PAYMENT_HASH, paymentSecret: PAYMENT_SECRET, description: 'coffee' };

const hop = (i: number): RouteHintHop => ({
  pubkey: NODE_ID,
  shortChannelId: (700_000n << 40n) | (BigInt(i) << 16n) | 1n,
  feeBaseMsat: 1000 + i,
  feeProportionalMillionths: 100,
  cltvExpiryDelta: 40,
});

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('buildBolt11Invoice', () => {
  it('writes every parameter and signs; the reader gets each one back', () => {
    const inv = buildBolt11Invoice({
      ...base,
      amountMsat: 123_456n,
      expirySeconds: 600,
      minFinalCltvExpiryDelta: 80,
      metadata: Uint8Array.of(1, 250, 250, 240),
      routeHints: [[hop(1), hop(2)], [hop(3)]],
      fallbacks: [fallbackFromAddress('bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', 'regtest')],
      basicMpp: true,
      payeeNodeId: NODE_ID,
    }).sign(NODE_KEY);
    expect(inv.string.startsWith('lnbcrt1234560p1')).toBe(true);
    expect(inv.amountMsat).toBe(123_456n);
    expect(toHex(inv.paymentHash)).toBe(toHex(PAYMENT_HASH));
    expect(toHex(inv.paymentSecret)).toBe(toHex(PAYMENT_SECRET));
    expect(inv.description).toBe('coffee');
    expect(inv.expirySeconds).toBe(600);
    expect(inv.minFinalCltvExpiryDelta).toBe(80);
    expect(toHex(inv.metadata!)).toBe('01fafaf0');
    expect(inv.routeHints).toEqual([[hop(1), hop(2)], [hop(3)]]);
    expect(fallbackAddress(inv.fallbacks[0]!, 'regtest')).toBe('bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080');
    expect(inv.payeeNodeIdFrom).toBe('n_field');
    // var_onion_optin and payment_secret required, basic_mpp and option_payment_metadata optional.
    expect(inv.features.bits()).toEqual([8, 14, 17, 49]);
    expect(inv.fields.map((f) => f.tag).join('')).toBe('psdnxcmfrr9');
  });

  it('writes c (18 unless told) and omits x unless told', () => {
    const inv = buildBolt11Invoice(base).sign(NODE_KEY);
    expect(inv.fields.map((f) => f.tag).join('')).toBe('psdc9');
    expect(inv.minFinalCltvExpiryDelta).toBe(18);
    expect(inv.features.bits()).toEqual([8, 14]);
    expect(inv.payeeNodeIdFrom).toBe('recovery');
    expect(toHex(inv.payeeNodeId)).toBe(toHex(NODE_ID));
  });

  it('writes an expiry of 0 as an x field of no data', () => {
    const inv = buildBolt11Invoice({ ...base, expirySeconds: 0 }).sign(NODE_KEY);
    expect(inv.expirySeconds).toBe(0);
  });

  it('writes h instead of d, and needs exactly one of them', () => {
    const h = sha256(utf8.encode('a long description'));
    const inv = buildBolt11Invoice({ ...base, description: undefined, descriptionHash: h }).sign(NODE_KEY);
    expect(toHex(inv.descriptionHash!)).toBe(toHex(h));
    expect(inv.description).toBeUndefined();
    expect(code(() => buildBolt11Invoice({ ...base, descriptionHash: h }))).toBe('bolt11.writer.invalid_parameter');
    expect(code(() => buildBolt11Invoice({ ...base, description: undefined }))).toBe('bolt11.writer.invalid_parameter');
  });

  it('refuses fields longer than 1023 5-bit groups: a 640-byte description, 13 route hops', () => {
    expect(buildBolt11Invoice({ ...base, description: 'x'.repeat(639) }).sign(NODE_KEY).description).toHaveLength(639);
    expect(code(() => buildBolt11Invoice({ ...base, description: 'x'.repeat(640) }))).toBe('bolt11.writer.field_too_long');
    expect(buildBolt11Invoice({ ...base, routeHints: [Array.from({ length: 12 }, (_, i) => hop(i))] }).sign(NODE_KEY).routeHints[0]).toHaveLength(12);
    expect(code(() => buildBolt11Invoice({ ...base, routeHints: [Array.from({ length: 13 }, (_, i) => hop(i))] }))).toBe('bolt11.writer.field_too_long');
  });

  it('refuses values a reader would reject', () => {
    const bad: Partial<Bolt11InvoiceParams>[] = [
      { paymentHash: new Uint8Array(31) },
      { paymentSecret: new Uint8Array(33) },
      { amountMsat: 0n },
      { timestamp: 2 ** 35 },
      { timestamp: -1 },
      { expirySeconds: 1.5 },
      { minFinalCltvExpiryDelta: -1 },
      { description: 'lone \ud800 surrogate' },
      { routeHints: [[]] },
      { routeHints: [[{ ...hop(0), cltvExpiryDelta: 70_000 }]] },
      { routeHints: [[{ ...hop(0), pubkey: new Uint8Array(33) }]] },
      { fallbacks: [{ version: 0, program: new Uint8Array(21) }] },
      { fallbacks: [{ version: 19, program: new Uint8Array(20) }] },
      { payeeNodeId: new Uint8Array(33) },
    ];
    for (const b of bad) expect(code(() => buildBolt11Invoice({ ...base, ...b }))).toBe('bolt11.writer.invalid_parameter');
  });

  it('refuses features BOLT 9 forbids in an invoice: both bits of a pair, or a feature of another context', () => {
    expect(code(() => buildBolt11Invoice({ ...base, features: FeatureVector.fromBits([16, 17]) }))).toBe('bolt11.writer.invalid_parameter');
    expect(code(() => buildBolt11Invoice({ ...base, features: FeatureVector.fromBits([23]) }))).toBe('bolt11.writer.invalid_parameter'); // option_anchors
    const blinded = buildBolt11Invoice({ ...base, features: FeatureVector.fromBits([25]) }).sign(NODE_KEY);
    expect(blinded.features.bits()).toEqual([8, 14, 25]);
  });

  it('signs only with the key of its n field', () => {
    const unsigned = buildBolt11Invoice({ ...base, payeeNodeId: NODE_ID });
    expect(code(() => unsigned.sign(OTHER_KEY))).toBe('bolt11.writer.wrong_signing_key');
  });

  it('is deterministic: the same parameters and key give the same string', () => {
    expect(buildBolt11Invoice(base).sign(NODE_KEY).string).toBe(buildBolt11Invoice(base).sign(NODE_KEY).string);
  });
});

describe('fallback addresses', () => {
  const file = loadVectors<{ valid: { network: string; fallbacks?: { address: string }[] }[] }>('bolt11/invoices.json');

  it('reads every address of the spec examples and writes it back', () => {
    const cases = file.valid.flatMap((v) => (v.fallbacks ?? []).map((f) => ({ network: v.network as 'mainnet' | 'testnet', address: f.address })));
    expect(cases.length).toBe(6);
    for (const c of cases) expect(fallbackAddress(fallbackFromAddress(c.address, c.network), c.network)).toBe(c.address);
  });

  it('refuses addresses of another network, bad checksums and the wrong bech32 variant', () => {
    const bad = [
      ['1RustyRX2oai4EYYDpQGWvEL62BBGqN9T', 'testnet'],
      ['1RustyRX2oai4EYYDpQGWvEL62BBGqN9U', 'mainnet'],
      ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'regtest'],
      ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', 'mainnet'],
      // BIP 350: a version 1 program with a bech32 (not bech32m) checksum.
      ['bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx', 'mainnet'],
      ['not an address', 'mainnet'],
    ] as const;
    for (const [address, network] of bad) expect(code(() => fallbackFromAddress(address, network))).toBe('bolt11.writer.invalid_parameter');
  });
});
