/** The crypto backend's lines (Settings) and BOLT 11 fields (Offers → Decode) as the app shows them. */
import { describe, expect, it } from 'vitest';
import type { CryptoBackendInfo } from '../../../core/api';
import { describeBolt11 } from '../../../core/invoices';
import { cryptoFamilies, cryptoSummary } from '../../../renderer/src/lib/crypto-info';
import { bolt11Rows, bolt11Summary } from '../../../renderer/src/lib/bolt11-fields';
import { loadVectors } from '../../support/vectors';

const NATIVE = 'libsecp256k1 (N-API, secp256k1@5.0.2)';
const WASM = 'libsecp256k1 (WebAssembly, tiny-secp256k1@2.2.4)';
const NODE = 'node:crypto (OpenSSL 3.0.19)';
const info: CryptoBackendInfo = {
  backend: 'native', requested: 'auto', requestedBy: 'default', fallback: null, notes: [],
  primitives: {
    ecdh: NATIVE, ecdsa: NATIVE, ecdsaRecovery: NATIVE, schnorr: WASM, points: NATIVE, sha256: NODE, hmacSha256: NODE, hkdf: NODE, chacha20Poly1305: NODE,
    chacha20: '@noble/ciphers@2 (JavaScript)',
  },
};

describe('crypto backend lines', () => {
  it('one line per family, naming each primitive only where they differ', () => {
    const lines = cryptoFamilies(info);
    expect(lines.map((l) => l.family)).toEqual(['ECDH', 'ECDSA', 'Schnorr (BIP340)', 'Curve points', 'SHA-256, HMAC, HKDF', 'ChaCha20-Poly1305']);
    expect(lines[1]!.implementation).toBe(NATIVE);
    expect(lines[2]!.implementation).toBe(WASM);
    expect(lines[5]!.implementation).toBe(`AEAD: ${NODE} · ChaCha20: @noble/ciphers@2 (JavaScript)`);
  });

  it('says who chose the backend and what was passed over', () => {
    expect(cryptoSummary(info)).toBe('native backend, chosen automatically (the first that works of native, wasm, noble).');
    expect(cryptoSummary({ ...info, backend: 'wasm', requested: 'native', requestedBy: 'option', fallback: 'native unavailable (no addon)' })).toBe(
      'wasm backend, asked for with --crypto native; passed over: native unavailable (no addon).',
    );
  });
});

describe('BOLT 11 fields', () => {
  const file = loadVectors<{ valid: { name: string; invoice: string }[] }>('bolt11/invoices.json');
  const invoice = (name: string) => file.valid.find((v) => v.name === name)!.invoice;

  it('names the fields in the spec\'s order with their values in words', () => {
    const d = describeBolt11(invoice('2500u, description, expiry 60'), { nowSeconds: 1496314659, networks: ['mainnet'] });
    const rows = bolt11Rows(d);
    expect(rows.map((r) => r.name).slice(0, 4)).toEqual(['network', 'amount_msat', 'description', 'payee_pubkey']);
    expect(rows.find((r) => r.name === 'amount_msat')!.value).toContain('250000000 msat');
    expect(rows.find((r) => r.name === 'description')).toMatchObject({ tag: 'd', value: '1 cup coffee' });
    expect(rows.find((r) => r.name === 'expired')!.value).toBe('no');
    expect(rows.some((r) => r.name === 'signature' || r.name === 'prefix')).toBe(false);
    expect(bolt11Summary(d)).toBe('BOLT 11 invoice · prefix lnbc · payee recovered from the signature');
  });

  it('shows any amount, route hints and fallbacks readably, and an unreadable string as such', () => {
    expect(bolt11Rows(describeBolt11(invoice('donation, no amount'))).find((r) => r.name === 'amount_msat')!.value).toBe('any amount (the payer chooses)');
    const hinted = bolt11Rows(describeBolt11(invoice('p2pkh fallback, two-hop route hint')));
    expect(hinted.find((r) => r.name === 'route_hints')!.value).toBe('route 1: 66051x263430x1800 → 197637x395016x2314');
    expect(hinted.find((r) => r.name === 'fallbacks')!.value).toBe('1RustyRX2oai4EYYDpQGWvEL62BBGqN9T');
    const junk = describeBolt11('lnbc1junk');
    expect(bolt11Rows(junk)).toEqual([]);
    expect(bolt11Summary(junk)).toBe('not a readable BOLT 11 invoice');
  });
});
