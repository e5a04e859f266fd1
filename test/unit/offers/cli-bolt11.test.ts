/** `glasswing decode` with BOLT 11 strings (the BOLT 12 cases are in cli.test.ts). */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { tempDir } from '../../support/tmp';
import { REPO_ROOT, loadVectors } from '../../support/vectors';

interface Case { name: string; invoice: string; network?: string; payee_pubkey?: string; payment_hash?: string }
const file = loadVectors<{ valid: Case[]; invalid: (Case & { category: string })[] }>('bolt11/invoices.json');
const valid = (name: string) => file.valid.find((v) => v.name === name)!;
const invalid = (category: string) => file.invalid.find((v) => v.category === category)!.invoice;
/** A clock one second after the examples' timestamp (1496314658): none of them has expired yet. */
const NOW = '1496314659';

function glasswing(...args: string[]): { status: number | null; json: Record<string, unknown> | undefined; stderr: string } {
  const run = spawnSync(process.execPath, [resolve(REPO_ROOT, 'bin/glasswing.mjs'), ...args], {
    cwd: REPO_ROOT, encoding: 'utf8',
    // decode checks against the node in the data directory: none here, so bitcoin unless --network says.
    env: { ...process.env, GLASSWING_DATADIR: tempDir('glasswing-decode-') },
  });
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: run.status, json, stderr: run.stderr };
}

describe('glasswing decode (BOLT 11)', () => {
  it('prints a valid invoice with its named fields and exits 0', () => {
    const v = valid('p2pkh fallback, two-hop route hint');
    const out = glasswing('decode', '--now', NOW, v.invoice);
    expect(out.status).toBe(0);
    expect(out.json).toMatchObject({
      kind: 'bolt11_invoice',
      valid: true,
      errors: [],
      fields: {
        network: 'mainnet',
        amount_msat: '2000000000',
        payment_hash: v.payment_hash,
        payee_pubkey: v.payee_pubkey,
        fallbacks: [{ type: 'p2pkh', address: '1RustyRX2oai4EYYDpQGWvEL62BBGqN9T' }],
        route_hints: [[{ short_channel_id: '66051x263430x1800' }, { short_channel_id: '197637x395016x2314' }]],
      },
    });
  });

  it('takes upper case and a lightning: scheme', () => {
    const v = valid('features 8, 14 and 99, upper case');
    const out = glasswing('decode', '--now', NOW, 'LIGHTNING:' + v.invoice);
    expect(out.status).toBe(0);
    expect(out.json).toMatchObject({ kind: 'bolt11_invoice', fields: { features: { bits: [8, 14, 99] } } });
  });

  it('reports an invalid invoice with its BOLT 11 error (not as BOLT 12) and exits 1', () => {
    const bad = glasswing('decode', '--now', NOW, invalid('invalid_checksum'));
    expect(bad.status).toBe(1);
    expect(bad.json).toMatchObject({ kind: 'bolt11_invoice', valid: false, errors: [{ code: 'bolt11.bad_checksum', family: 'parse' }] });
    const feature = glasswing('decode', '--now', NOW, invalid('unknown_even_feature_bit'));
    expect(feature.status).toBe(1);
    expect(feature.json).toMatchObject({ fields: { description: 'coffee beans' }, errors: [{ code: 'bolt11.unknown_required_feature', family: 'semantic', bits: [100] }] });
  });

  it('checks the network against --network (bitcoin by default) and expiry against the clock', () => {
    const testnet = valid('testnet, p2pkh fallback').invoice;
    const byDefault = glasswing('decode', '--now', NOW, testnet);
    expect(byDefault.status).toBe(1);
    expect(byDefault.json!.errors).toEqual([expect.objectContaining({ code: 'bolt11.unsupported_network' })]);
    expect(glasswing('decode', '--now', NOW, '--network', 'testnet', testnet).status).toBe(0);
    expect(glasswing('decode', '--now', NOW, '--network', 'any', testnet).status).toBe(0);
    expect(glasswing('decode', '--network', 'nonsense', testnet).status).toBe(2);
    // Without --now the clock is today's: the 2017 examples expired long ago.
    const expired = glasswing('decode', valid('donation, no amount').invoice);
    expect(expired.status).toBe(1);
    expect(expired.json).toMatchObject({ fields: { expired: true }, errors: [{ code: 'bolt11.expired' }] });
  });
});
