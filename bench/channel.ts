/**
 * commitment_signed cost as a function of the number of HTLCs (0, 10, 100, 483): the sender
 * builds the peer's commitment and its HTLC transactions and signs them; the receiver builds
 * the same and verifies every signature. Next to it, in the same run, the crypto backend's
 * ECDSA sign/verify and the per-commitment key derivation, and the rate those predict.
 *
 *   npm run bench -- channel
 */
import { sha256, ecdsaSign, ecdsaVerify, publicKeyFromPrivate, utf8 } from '../core/crypto';
import { buildCommitment, checkLocalCommitmentSignatures, deriveCommitmentKeys, signRemoteCommitment } from '../core/channel';
import type { CommitmentSpec, Htlc } from '../core/channel';
import { openChannelPair } from '../core/simulator';
import { measure, measureAsync, printTable } from './harness';
import type { Measurement } from './harness';

const HTLC_COUNTS = [0, 10, 100, 483];

/** A commitment with `n` untrimmed HTLCs, half offered by each side, seen by A and by B. */
function specs(n: number): { a: CommitmentSpec; b: CommitmentSpec } {
  const htlcs: Htlc[] = [];
  for (let i = 0; i < n; i++) {
    htlcs.push({
      offerer: i % 2 === 0 ? 'local' : 'remote',
      id: BigInt(i >> 1),
      amountMsat: 1_000_000n + BigInt(i) * 1000n,
      paymentHash: sha256(utf8.encode(`bench ${i}`)),
      cltvExpiry: 600_000 + i,
    });
  }
  const taken = htlcs.reduce((s, h) => s + h.amountMsat, 0n);
  const a: CommitmentSpec = { feeratePerKw: 253, localMsat: 50_000_000_000n - taken / 2n, remoteMsat: 50_000_000_000n - taken / 2n, htlcs };
  const flip = (h: Htlc): Htlc => ({ ...h, offerer: h.offerer === 'local' ? 'remote' : 'local' });
  const b: CommitmentSpec = { ...a, localMsat: a.remoteMsat, remoteMsat: a.localMsat, htlcs: htlcs.map(flip) };
  return { a, b };
}

/** Light operations through the harness; heavy ones at least once, for about a second. */
async function time(name: string, fn: () => void, heavy: boolean): Promise<Measurement> {
  fn(); // warm-up (and precomputation tables)
  return heavy ? measureAsync(name, async () => fn(), 1) : measure(name, fn, 1);
}

export async function run(): Promise<void> {
  const { a, b, signerA, signerB } = openChannelPair();
  const pa = a.state.params;
  const pb = b.state.params;
  const ctn = 1;
  const pointB = signerB.perCommitmentPoint(ctn);

  // The crypto backend, measured in the same run.
  const key = sha256(utf8.encode('bench key'));
  const pub = publicKeyFromPrivate(key);
  const digest = sha256(utf8.encode('bench digest'));
  const sig = ecdsaSign(digest, key);
  const sign = await time('ecdsaSign', () => void ecdsaSign(digest, key), false);
  const verify = await time('ecdsaVerify', () => void ecdsaVerify(sig, digest, pub), false);
  const keys = await time('deriveCommitmentKeys', () => void deriveCommitmentKeys(pb.local.basepoints, pb.remote.basepoints, pointB), false);
  printTable(
    ['crypto backend', 'ops/s', 'ms/op'],
    [sign, verify, keys].map((m) => [m.name, m.opsPerSec, 1000 / m.opsPerSec]),
  );
  console.log('');

  const rows: (string | number)[][] = [];
  for (const n of HTLC_COUNTS) {
    const s = specs(n);
    const heavy = n >= 10;
    // Sender: build B's commitment (as A sees it) and sign it and its HTLC transactions.
    let message = signRemoteCommitment(pa, buildCommitment(pa, 'remote', ctn, s.a, pointB), signerA);
    const send = await time(`sign ${n}`, () => {
      message = signRemoteCommitment(pa, buildCommitment(pa, 'remote', ctn, s.a, pointB), signerA);
    }, heavy);
    // Receiver: build its own commitment and verify every signature.
    const receive = await time(`verify ${n}`, () => {
      const built = buildCommitment(pb, 'local', ctn, s.b, pointB);
      if (!checkLocalCommitmentSignatures(pb, built, message.signature, message.htlcSignatures).ok) throw new Error('bench: signatures do not verify');
    }, heavy);
    const both = 1 / (1 / send.opsPerSec + 1 / receive.opsPerSec);
    // What the backend alone predicts: (n+1) signatures, (n+1) verifications, two key derivations.
    const predicted = 1 / ((n + 1) / sign.opsPerSec + (n + 1) / verify.opsPerSec + 2 / keys.opsPerSec);
    rows.push([String(n), String(message.htlcSignatures.length), send.opsPerSec, receive.opsPerSec, both, predicted, both / predicted]);
  }
  printTable(['htlcs', 'htlc sigs', 'build+sign/s', 'build+verify/s', 'commitment_signed/s', 'crypto-only/s', 'ratio'], rows);
  console.log('\ncommitment_signed/s = one sender build+sign plus one receiver build+verify; ratio = measured / crypto-only prediction');
  console.log('target (issue 17): commitment_signed with 483 HTLCs ≥ 20 per second (send + receive)');
}
