import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { toHex } from '../../../core/crypto';
import { buildInvoiceError } from '../../../core/offers';
import { tempDir } from '../../support/tmp';
import { REPO_ROOT, loadVectors } from '../../support/vectors';

const vectors = loadVectors<{ description: string; bolt12: string }[]>('bolt12/offers-test.json');
const offer = (d: string) => vectors.find((v) => v.description === d)!.bolt12;

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

describe('glasswing decode', () => {
  it('prints a valid offer with its named fields and exits 0', () => {
    const out = glasswing('decode', '--now', '1700000000', offer('with issuer'));
    expect(out.status).toBe(0);
    expect(out.json).toMatchObject({
      kind: 'offer',
      valid: true,
      errors: [],
      fields: { offer_description: 'Test vectors', offer_issuer: 'https://bolt12.org BOLT12 industries' },
    });
  });

  it('prints an invalid but decodable offer with its error and exits 1', () => {
    const out = glasswing('decode', offer('Missing offer_description, but has offer_amount'));
    expect(out.status).toBe(1);
    expect(out.json).toMatchObject({ kind: 'offer', valid: false, fields: { offer_amount: '10000' } });
    expect(out.json!.errors).toEqual([expect.objectContaining({ code: 'offer.missing_description', family: 'semantic' })]);
  });

  it('reports a string that is not BOLT 12 as a parse error and exits 1', () => {
    const out = glasswing('decode', 'lno1pqpzwyq+');
    expect(out.status).toBe(1);
    expect(out.json).toMatchObject({ valid: false, errors: [expect.objectContaining({ code: 'bolt12.parse.bad_continuation', family: 'parse' })] });
  });

  it('decodes hex of a kind with no string form, and rejects an unknown kind with exit 2', () => {
    const hex = toHex(buildInvoiceError({ erroneousField: 82n, error: 'too low' }).bytes);
    const out = glasswing('decode', '--kind', 'invoice_error', hex);
    expect(out.status).toBe(0);
    expect(out.json).toMatchObject({ kind: 'invoice_error', fields: { erroneous_field: '82', error: 'too low' } });
    expect(glasswing('decode', '--kind', 'bogus', hex).status).toBe(2);
  });
});
