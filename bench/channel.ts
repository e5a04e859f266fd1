/**
 * commitment_signed cost as a function of the number of HTLCs (0, 10, 100, 483): the sender
 * builds the peer's commitment and its HTLC transactions and signs them; the receiver builds
 * the same and verifies every signature. Next to it, in the same run, the crypto backend's
 * ECDSA sign/verify and the per-commitment key derivation, and the rate those predict.
 *
 * Every rate is given twice: per second of wall-clock time, and per second of this process's
 * CPU time (process.cpuUsage). On a shared machine the first depends on how much of a core the
 * process gets; the second is what one core would do, which is what the issue 17 target means.
 *
 *   npm run bench -- channel
 */
import { sha256, ecdsaSign, ecdsaVerify, publicKeyFromPrivate, utf8 } from '../core/crypto';
import { buildCommitment, checkLocalCommitmentSignatures, deriveCommitmentKeys, signRemoteCommitment } from '../core/channel';
import type { CommitmentSpec, Htlc } from '../core/channel';
import { openChannelPair } from '../core/simulator';
import { printTable } from './harness';

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

/** One operation's rate per wall-clock second and per CPU second of this process. */
interface Rate {
  readonly name: string;
  readonly wall: number;
  readonly cpu: number;
}

/** Runs `fn` (after one warm-up call) for at least `seconds` of wall-clock time and 3 calls. */
function time(name: string, fn: () => void, seconds = 1): Rate {
  fn(); // warm-up (and precomputation tables)
  let calls = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (now - start < seconds * 1000 || calls < 3) {
    fn();
    calls++;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { name, wall: calls / ((now - start) / 1000), cpu: calls / ((cpu.user + cpu.system) / 1e6) };
}

/** The rate of doing `a` then `b`, from the rates of each. */
const both = (a: number, b: number): number => 1 / (1 / a + 1 / b);

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
  const sign = time('ecdsaSign', () => void ecdsaSign(digest, key));
  const verify = time('ecdsaVerify', () => void ecdsaVerify(sig, digest, pub));
  const keys = time('deriveCommitmentKeys', () => void deriveCommitmentKeys(pb.local.basepoints, pb.remote.basepoints, pointB));
  printTable(
    ['crypto backend', 'ops/s', 'ops per CPU-s', 'µs per op (CPU)'],
    [sign, verify, keys].map((m) => [m.name, m.wall, m.cpu, 1e6 / m.cpu]),
  );
  console.log('');

  const rows: (string | number)[][] = [];
  for (const n of HTLC_COUNTS) {
    const s = specs(n);
    // Sender: build B's commitment (as A sees it) and sign it and its HTLC transactions.
    let message = signRemoteCommitment(pa, buildCommitment(pa, 'remote', ctn, s.a, pointB), signerA);
    const send = time(`sign ${n}`, () => {
      message = signRemoteCommitment(pa, buildCommitment(pa, 'remote', ctn, s.a, pointB), signerA);
    });
    // Receiver: build its own commitment and verify every signature.
    const receive = time(`verify ${n}`, () => {
      const built = buildCommitment(pb, 'local', ctn, s.b, pointB);
      if (!checkLocalCommitmentSignatures(pb, built, message.signature, message.htlcSignatures).ok) throw new Error('bench: signatures do not verify');
    });
    // What the backend alone predicts, per CPU second: (n+1) signatures, (n+1) verifications, two key derivations.
    const predicted = 1 / ((n + 1) / sign.cpu + (n + 1) / verify.cpu + 2 / keys.cpu);
    const pairCpu = both(send.cpu, receive.cpu);
    rows.push([String(n), String(message.htlcSignatures.length), send.wall, receive.wall, both(send.wall, receive.wall), pairCpu, predicted, pairCpu / predicted]);
  }
  printTable(
    ['htlcs', 'htlc sigs', 'build+sign/s', 'build+verify/s', 'commitment_signed/s', 'per CPU-s', 'crypto-only per CPU-s', 'ratio'],
    rows,
  );
  console.log('\ncommitment_signed/s = one sender build+sign plus one receiver build+verify (wall clock); per CPU-s = the same per second');
  console.log('of process CPU time; crypto-only = what the measured ECDSA and key derivation alone allow; ratio = per CPU-s / crypto-only');
  console.log('target (issue 17): commitment_signed with 483 HTLCs ≥ 20 per second (send + receive)');
}
