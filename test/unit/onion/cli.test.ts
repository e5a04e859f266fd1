/** `glasswing onion` run as a real process (node bin/glasswing.mjs), as a developer would. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/crypto';
import { createBlindedPath, createOnionMessage, decodeEncryptedDataTlv, encodeOnionPacket } from '../../../core/onion';
import { REPO_ROOT, loadVectors } from '../../support/vectors';
import { keyFromSeed, nodesFromSeed } from './support';

const run = promisify(execFile);
const BIN = resolve(REPO_ROOT, 'bin/glasswing.mjs');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function glasswing(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'onion', ...args], { cwd: REPO_ROOT, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

async function ok(...args: string[]): Promise<Record<string, unknown>> {
  const r = await glasswing(...args);
  expect(r.stderr, r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function fails(...args: string[]): Promise<{ code: number; error: { code: string; message: string } }> {
  const r = await glasswing(...args);
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  const body = JSON.parse(r.stderr) as { error: { code: string; message: string } };
  return { code: r.code, error: body.error };
}

const AD = '42'.repeat(32);

// Each run starts node + tsx (a few seconds on a busy machine): give the process tests room.
describe('glasswing onion (real process)', { timeout: 120_000 }, () => {
  it('create then peel through every hop returns each payload and marks only the last hop final', async () => {
    const nodes = nodesFromSeed(2024, 3);
    const payloads = ['0201010401ff', '02020102' + '0608' + '00'.repeat(7) + '07', '020203e8'];
    const created = await ok(
      'create',
      '--session-key', toHex(keyFromSeed(2024, 9)),
      '--assoc-data', AD,
      ...nodes.flatMap((n, i) => ['--hop', `${toHex(n.nodeId)}:${payloads[i]}`]),
    );
    let onion = created.onion as string;
    expect(onion).toMatch(/^00[0-9a-f]{2730}$/);
    for (let i = 0; i < nodes.length; i++) {
      const out = await ok('peel', '--privkey', toHex(nodes[i]!.privateKey), '--onion', onion, '--assoc-data', AD);
      expect(out.payload).toBe(payloads[i]);
      expect(out.final).toBe(i === nodes.length - 1);
      if (i < nodes.length - 1) onion = out.next_onion as string;
      else expect(out.next_onion).toBeNull();
    }
  });

  it('create reproduces the BOLT 4 onion-test.json packet', async () => {
    const v = loadVectors<{ generate: { session_key: string; associated_data: string; hops: { pubkey: string; payload: string }[] }; onion: string }>(
      'bolt04/onion-test.json',
    );
    const strip = (hex: string) => (hex.startsWith('fd') ? hex.slice(6) : hex.slice(2)); // drop the BigSize length
    const out = await ok(
      'create',
      '--session-key', v.generate.session_key,
      '--assoc-data', v.generate.associated_data,
      ...v.generate.hops.flatMap((h) => ['--hop', `${h.pubkey}:${strip(h.payload)}`]),
    );
    expect(out.onion).toBe(v.onion);
  });

  it('peels a blinded onion message hop by hop with --path-key, printing the decrypted data and the next path key', async () => {
    const nodes = nodesFromSeed(31, 2);
    const { path } = createBlindedPath({
      sessionKey: keyFromSeed(31, 5),
      hops: [
        { nodeId: nodes[0]!.nodeId, data: { nextNodeId: nodes[1]!.nodeId } },
        { nodeId: nodes[1]!.nodeId, data: { pathId: fromHex('c0ffee') } },
      ],
    });
    const msg = createOnionMessage({ sessionKey: keyFromSeed(31, 6), path, contents: {}, payloadSize: 32768 });
    const first = await ok('peel', '--privkey', toHex(nodes[0]!.privateKey), '--onion', toHex(encodeOnionPacket(msg.packet)), '--path-key', toHex(msg.pathKey));
    expect(first.final).toBe(false);
    expect(decodeEncryptedDataTlv(fromHex(first.encrypted_data as string)).nextNodeId).toEqual(nodes[1]!.nodeId);
    expect((first.next_onion as string).length).toBe(2 * 32834);
    const second = await ok('peel', '--privkey', toHex(nodes[1]!.privateKey), '--onion', first.next_onion as string, '--path-key', first.next_path_key as string);
    expect(second.final).toBe(true);
    expect(decodeEncryptedDataTlv(fromHex(second.encrypted_data as string)).pathId).toEqual(fromHex('c0ffee'));
  });

  it('peels the vector payment onion at the introduction node, using current_path_key from the payload', async () => {
    const v = loadVectors<{ generate: { associated_data: string }; decrypt: { hops: { onion: string; node_privkey: string; next_path_key?: string }[] } }>(
      'bolt04/blinded-payment-onion-test.json',
    );
    const bob = v.decrypt.hops[1]!;
    const out = await ok('peel', '--privkey', bob.node_privkey, '--onion', bob.onion, '--assoc-data', v.generate.associated_data);
    expect(out.next_onion).toBe(v.decrypt.hops[2]!.onion);
    expect(out.next_path_key).toBe(bob.next_path_key);
    expect(decodeEncryptedDataTlv(fromHex(out.encrypted_data as string)).paymentRelay).toEqual({ cltvExpiryDelta: 50, feeProportionalMillionths: 0, feeBaseMsat: 10000 });
  });

  it('bad input prints a JSON error on stderr and exits non-zero', async () => {
    const [node] = nodesFromSeed(5, 1);
    const good = await ok('create', '--session-key', toHex(keyFromSeed(5, 1)), '--assoc-data', AD, '--hop', `${toHex(node!.nodeId)}:0201ff`);
    const onion = good.onion as string;
    const results = await Promise.all([
      fails('peel', '--privkey', toHex(keyFromSeed(5, 2)), '--onion', onion, '--assoc-data', AD), // wrong key
      fails('peel', '--privkey', toHex(node!.privateKey), '--onion', '01' + onion.slice(2), '--assoc-data', AD), // version 1
      fails('peel', '--privkey', toHex(node!.privateKey), '--onion', onion.slice(0, 200), '--assoc-data', AD), // truncated
      fails('peel', '--privkey', toHex(node!.privateKey), '--onion', 'zz'),
      fails('create', '--session-key', toHex(keyFromSeed(5, 1)), '--hop', 'nocolon'),
      fails('create', '--session-key', toHex(keyFromSeed(5, 1)), '--hop', `${toHex(node!.nodeId)}:${'00'.repeat(1300)}`),
      fails('frobnicate'),
    ]);
    expect(results.map((r) => r.error.code)).toEqual([
      'onion.hmac_mismatch',
      'onion.bad_version',
      'onion.bad_length',
      'bytes.bad_hex',
      'cli.usage',
      'onion.route_too_long',
      'cli.usage',
    ]);
    expect(results[4]!.code).toBe(2);
    expect(results[0]!.code).toBe(1);
  });
});
