/**
 * BOLT 8 transport benchmark (`npm run bench -- transport`):
 * - full in-memory handshakes per second (initiator + responder, random ephemeral keys), next to
 *   the cost of one ECDH from the same backend (a handshake does six, plus three key derivations);
 * - session encrypt + decrypt throughput for 1 KB and "64 KB" messages — 65,535 bytes, the
 *   largest legal Lightning message — next to raw ChaCha20-Poly1305 encrypt + decrypt of the
 *   same sizes through the same core/crypto backend, measured in the same run, and the ratio.
 *
 * MB/s counts message bytes (10^6 bytes per MB), not the 34 bytes of framing per message.
 * The two sides of each comparison are measured alternately in short slices and the medians
 * reported, because the machine is shared and its load drifts during a run.
 */
import {
  aeadDecrypt, aeadEncrypt, ecdh, publicKeyFromPrivate, randomBytes, randomPrivateKey,
} from '../core/crypto';
import { MAX_MESSAGE_LENGTH, NoiseInitiator, NoiseResponder } from '../core/transport';
import type { NoiseSession } from '../core/transport';
import { measure, percentile, printTable } from './harness';

/** Rounds of alternating measurements; each side gets SLICE seconds per round. */
const ROUNDS = 7;
const SLICE = 0.3;

/**
 * Measures `a` and `b` alternately, ROUNDS times, so both see the same machine load (the
 * machine is shared), and returns the median ops/s of each and the median per-round ratio a/b.
 */
function sideBySide(name: string, a: () => void, b: () => void): { a: number; b: number; ratio: number } {
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const ma = measure(`${name} a`, a, SLICE).opsPerSec;
    const mb = measure(`${name} b`, b, SLICE).opsPerSec;
    as.push(ma);
    bs.push(mb);
    ratios.push(ma / mb);
  }
  return { a: percentile(as, 50), b: percentile(bs, 50), ratio: percentile(ratios, 50) };
}

function fullHandshake(initiatorKey: Uint8Array, responderKey: Uint8Array, responderPub: Uint8Array): [NoiseSession, NoiseSession] {
  const i = new NoiseInitiator({ localStatic: initiatorKey, remoteStatic: responderPub });
  const r = new NoiseResponder({ localStatic: responderKey });
  const act2 = r.actTwo(i.actOne());
  const { act3, session } = i.actThree(act2);
  return [session, r.complete(act3)];
}

export async function run(): Promise<void> {
  const ik = randomPrivateKey();
  const rk = randomPrivateKey();
  const rpub = publicKeyFromPrivate(rk);

  const hs = sideBySide(
    'handshake',
    () => {
      const [a, b] = fullHandshake(ik, rk, rpub);
      a.destroy();
      b.destroy();
    },
    () => void ecdh(ik, rpub),
  );
  printTable(
    ['operation', 'ops/s', 'ms each', 'cost in ECDHs'],
    [
      ['handshake (initiator + responder, in memory)', hs.a, 1000 / hs.a, 1 / hs.ratio],
      ['ECDH (same backend)', hs.b, 1000 / hs.b, 1],
    ],
  );
  console.log('');

  const rows: (string | number)[][] = [];
  for (const [label, size] of [['1 KB (1,024 B)', 1024], ['64 KB (65,535 B, max message)', MAX_MESSAGE_LENGTH]] as const) {
    const message = randomBytes(size);
    const key = randomBytes(32);
    const nonce = new Uint8Array(12);
    const empty = new Uint8Array(0);
    const [a, b] = fullHandshake(ik, rk, rpub);
    const m = sideBySide(
      label,
      () => {
        // Nonces and key rotation (every 500 messages) advance exactly as on a live connection.
        const out = b.feed(a.encrypt(message));
        if (out.length !== 1) throw new Error('benchmark: expected exactly one message back');
      },
      () => {
        const sealed = aeadEncrypt(key, nonce, empty, message);
        aeadDecrypt(key, nonce, empty, sealed);
      },
    );
    a.destroy();
    b.destroy();
    const mbps = (opsPerSec: number) => (opsPerSec * size) / 1e6;
    rows.push([label, m.a, mbps(m.a), mbps(m.b), m.ratio]);
  }
  printTable(['encrypt + decrypt', 'transport msg/s', 'transport MB/s', 'raw AEAD MB/s', 'transport / raw'], rows);
}
