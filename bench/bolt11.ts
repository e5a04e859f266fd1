/**
 * bench/bolt11: BOLT 11 decode and build+sign throughput next to the curve work each cannot avoid,
 * and decode time per character as strings grow (it should stay flat: one pass).
 *
 * 1. Decode per second for a typical invoice (p, s, d, x, c, one route hint, 9): without `n`
 *    (one public-key recovery + one point validation per route hop) and with `n` (one point
 *    validation for n, one ECDSA verify); next to a bare recovery and a bare verify.
 * 2. Build + sign per second (`buildBolt11Invoice(...).sign(key)`: one RFC 6979 signature, then
 *    the string is decoded again, so one recovery too); next to sign + recover alone.
 * 3. Decode of invoices padded with unknown fields to 1k … 600k characters: µs per 1,000 characters.
 */
import { ecdsaRecoverPublicKey, ecdsaSignRecoverable, ecdsaVerify, isValidPublicKey, publicKeyFromPrivate, sha256 } from '../core/crypto';
import type { Bolt11Field, Bolt11InvoiceParams } from '../core/invoices';
import { buildBolt11Invoice, decodeBolt11, encodeUnsignedBolt11 } from '../core/invoices';
import { FeatureVector } from '../core/wire';
import { measure, printTable } from './harness';

const KEY = new Uint8Array(32).fill(7);
const NODE_ID = publicKeyFromPrivate(KEY);
const HOP_KEY = publicKeyFromPrivate(new Uint8Array(32).fill(9));

const PARAMS: Bolt11InvoiceParams = {
  network: 'mainnet',
  timestamp: 1_700_000_000,
  paymentHash: sha256(new Uint8Array([1])),
  paymentSecret: new Uint8Array(32).fill(0x11),
  description: 'Blockstream Store: 88.85 USD for Blockstream Ledger Nano S x 1',
  amountMsat: 967_878_534n,
  expirySeconds: 604_800,
  minFinalCltvExpiryDelta: 40,
  routeHints: [[{ pubkey: HOP_KEY, shortChannelId: 648_050_133_454_848n, feeBaseMsat: 1000, feeProportionalMillionths: 2500, cltvExpiryDelta: 40 }]],
  basicMpp: true,
};

function padded(totalChars: number): string {
  const fields: Bolt11Field[] = [];
  // Each unknown field of 1023 words is 1,026 characters.
  for (let n = 0; n < Math.floor((totalChars - 300) / 1026); n++) fields.push({ tag: 'skipped', type: 0, words: new Uint8Array(1023).fill(n % 32), reason: 'unknown_field' });
  fields.push(
    { tag: 'p', paymentHash: PARAMS.paymentHash },
    { tag: 's', paymentSecret: PARAMS.paymentSecret },
    { tag: 'd', description: 'x' },
    { tag: '9', features: FeatureVector.fromBits([8, 14]) },
  );
  const u = encodeUnsignedBolt11({ network: 'mainnet', timestamp: 1, fields });
  return u.encode(u.signatureBy(KEY));
}

export async function run(): Promise<void> {
  const plain = buildBolt11Invoice(PARAMS).sign(KEY).string;
  const withN = buildBolt11Invoice({ ...PARAMS, payeeNodeId: NODE_ID }).sign(KEY).string;
  const digest = sha256(new Uint8Array([2]));
  const sig = ecdsaSignRecoverable(digest, KEY);

  const recover = measure('recover (bare)', () => void ecdsaRecoverPublicKey(sig.signature, sig.recoveryId, digest));
  const verify = measure('verify (bare)', () => void ecdsaVerify(sig.signature, digest, NODE_ID));
  const point = measure('point validation (bare)', () => void isValidPublicKey(HOP_KEY));
  const sign = measure('sign recoverable (bare)', () => void ecdsaSignRecoverable(digest, KEY));
  const decodePlain = measure(`decode, no n (${plain.length} chars)`, () => void decodeBolt11(plain));
  const decodeN = measure(`decode, with n (${withN.length} chars)`, () => void decodeBolt11(withN));
  const build = measure('build + sign', () => void buildBolt11Invoice(PARAMS).sign(KEY));

  const floorPlain = 1 / (1 / recover.opsPerSec + 1 / point.opsPerSec);
  const floorN = 1 / (1 / verify.opsPerSec + 2 / point.opsPerSec);
  const floorBuild = 1 / (1 / sign.opsPerSec + 1 / recover.opsPerSec + 1 / point.opsPerSec);
  printTable(
    ['operation', 'ops/s', 'curve floor ops/s', 'share of floor'],
    [
      [recover.name, recover.opsPerSec, '', ''],
      [verify.name, verify.opsPerSec, '', ''],
      [point.name, point.opsPerSec, '', ''],
      [sign.name, sign.opsPerSec, '', ''],
      [decodePlain.name, decodePlain.opsPerSec, floorPlain, `${((decodePlain.opsPerSec / floorPlain) * 100).toFixed(0)}%`],
      [decodeN.name, decodeN.opsPerSec, floorN, `${((decodeN.opsPerSec / floorN) * 100).toFixed(0)}%`],
      [build.name, build.opsPerSec, floorBuild, `${((build.opsPerSec / floorBuild) * 100).toFixed(0)}%`],
    ],
  );

  console.log('');
  const rows: (string | number)[][] = [];
  for (const chars of [1_000, 10_000, 100_000, 600_000]) {
    const s = padded(chars);
    const m = measure(`${s.length} chars`, () => void decodeBolt11(s), 0.5);
    const usPerK = (1e6 / m.opsPerSec / s.length) * 1000;
    rows.push([s.length, m.opsPerSec, usPerK]);
  }
  printTable(['characters', 'decodes/s', 'µs per 1,000 chars'], rows);
}
