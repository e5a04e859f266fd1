/**
 * BOLT 8 transport benchmark (`npm run bench -- transport`), side by side in one run with
 * @node-lightning/noise (node-lightning's BOLT 8: libsecp256k1 through its own N-API `secp256k1`,
 * node:crypto ChaCha20-Poly1305) and with raw node:crypto ChaCha20-Poly1305:
 * - full in-memory handshakes per second (initiator + responder, random ephemeral keys, each side's
 *   static public key derived per handshake in both), next to one ECDH of our backend (a handshake
 *   does six, plus four k·G);
 * - encrypt + decrypt throughput for 1 KB and "64 KB" messages — 65,535 bytes, the largest legal
 *   Lightning message — through our session and node-lightning's, next to a raw node:crypto
 *   ChaCha20-Poly1305 seal + open of the same bytes (one AEAD each way; a BOLT 8 frame has two).
 *
 * MB/s counts message bytes (10^6 bytes per MB), not the 34 bytes of framing per message.
 * The contenders are measured in turn in short slices, ROUNDS times, and the medians reported,
 * because the machine is shared and its load drifts during a run.
 */
import { createCipheriv, createDecipheriv, randomBytes as nodeRandomBytes } from 'node:crypto';
import { NoiseState } from '@node-lightning/noise';
import { cryptoBackendInfo, ecdh, publicKeyFromPrivate, randomBytes, randomPrivateKey } from '../core/crypto';
import { MAX_MESSAGE_LENGTH, NoiseInitiator, NoiseResponder } from '../core/transport';
import type { NoiseSession } from '../core/transport';
import { measure, percentile, printTable } from './harness';

/** Rounds of alternating measurements; each contender gets SLICE seconds per round. */
const ROUNDS = 7;
const SLICE = 0.3;

/**
 * Measures each function in turn, ROUNDS times, so all see the same machine load, and returns
 * the median ops/s of each and the median per-round ratio of the first to each other.
 */
function sideBySide(fns: readonly (() => void)[]): { ops: number[]; ratios: number[] } {
  const ops: number[][] = fns.map(() => []);
  const ratios: number[][] = fns.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    const round = fns.map((f) => measure('', f, SLICE).opsPerSec);
    round.forEach((v, i) => {
      ops[i]!.push(v);
      ratios[i]!.push(round[0]! / v);
    });
  }
  return { ops: ops.map((o) => percentile(o, 50)), ratios: ratios.map((o) => percentile(o, 50)) };
}

function fullHandshake(initiatorKey: Uint8Array, responderKey: Uint8Array, responderPub: Uint8Array): [NoiseSession, NoiseSession] {
  const i = new NoiseInitiator({ localStatic: initiatorKey, remoteStatic: responderPub });
  const r = new NoiseResponder({ localStatic: responderKey });
  const act2 = r.actTwo(i.actOne());
  const { act3, session } = i.actThree(act2);
  return [session, r.complete(act3)];
}

/** node-lightning's handshake, the same work: two NoiseStates with fresh ephemeral keys. */
function noiseHandshake(ls: Buffer, rs: Buffer, rpk: Buffer): [NoiseState, NoiseState] {
  const initiator = new NoiseState({ ls, es: nodeRandomBytes(32) });
  const responder = new NoiseState({ ls: rs, es: nodeRandomBytes(32) });
  responder.receiveAct1(initiator.initiatorAct1(rpk));
  initiator.initiatorAct2(responder.recieveAct2());
  responder.receiveAct3(initiator.initiatorAct3());
  return [initiator, responder];
}

/** Raw node:crypto ChaCha20-Poly1305: seal then open (tag checked), Buffers, no framing. */
function rawAead(key: Buffer, nonce: Buffer, message: Buffer): void {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  const body = c.update(message);
  c.final();
  const tag = c.getAuthTag();
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  d.setAuthTag(tag);
  d.update(body);
  d.final();
}

export async function run(): Promise<void> {
  const ik = randomPrivateKey();
  const rk = randomPrivateKey();
  const rpub = publicKeyFromPrivate(rk);
  const info = cryptoBackendInfo();
  console.log(`crypto backend: ${info.backend} (ECDH: ${info.primitives.ecdh}; AEAD: ${info.primitives.chacha20Poly1305})\n`);

  const [ls, rs, rpk] = [Buffer.from(ik), Buffer.from(rk), Buffer.from(rpub)];
  const hs = sideBySide([
    () => {
      const [a, b] = fullHandshake(ik, rk, rpub);
      a.destroy();
      b.destroy();
    },
    () => void noiseHandshake(ls, rs, rpk),
    () => void ecdh(ik, rpub),
  ]);
  printTable(
    ['handshake (initiator + responder, in memory)', 'ops/s', 'ms each', 'Glasswing / this', 'in our ECDHs'],
    [
      ['Glasswing', hs.ops[0]!, 1000 / hs.ops[0]!, 1, hs.ops[2]! / hs.ops[0]!],
      ['@node-lightning/noise', hs.ops[1]!, 1000 / hs.ops[1]!, hs.ratios[1]!, hs.ops[2]! / hs.ops[1]!],
      ['one ECDH (our backend)', hs.ops[2]!, 1000 / hs.ops[2]!, '', 1],
    ],
  );
  console.log('');

  const rows: (string | number)[][] = [];
  for (const [label, size] of [['1 KB (1,024 B)', 1024], ['64 KB (65,535 B, max message)', MAX_MESSAGE_LENGTH]] as const) {
    const message = randomBytes(size);
    const messageBuf = Buffer.from(message);
    const [a, b] = fullHandshake(ik, rk, rpub);
    const [na, nb] = noiseHandshake(ls, rs, rpk);
    const key = nodeRandomBytes(32);
    const nonce = Buffer.alloc(12);
    const m = sideBySide([
      () => {
        // Nonces and key rotation (every 500 messages) advance exactly as on a live connection.
        const out = b.feed(a.encrypt(message));
        if (out.length !== 1) throw new Error('benchmark: expected exactly one message back');
      },
      () => {
        const frame = na.encryptMessage(messageBuf);
        const length = nb.decryptLength(frame.subarray(0, 18));
        if (nb.decryptMessage(frame.subarray(18)).length !== length) throw new Error('benchmark: node-lightning lost bytes');
      },
      () => rawAead(key, nonce, messageBuf),
    ]);
    a.destroy();
    b.destroy();
    const mbps = (opsPerSec: number) => (opsPerSec * size) / 1e6;
    rows.push([label, 'Glasswing session', mbps(m.ops[0]!), 1]);
    rows.push([label, '@node-lightning/noise', mbps(m.ops[1]!), m.ratios[1]!]);
    rows.push([label, 'raw node:crypto AEAD (one seal + open)', mbps(m.ops[2]!), m.ratios[2]!]);
  }
  printTable(['encrypt + decrypt', 'implementation', 'MB/s', 'Glasswing / this'], rows);
  console.log('\ntargets (issue 17): handshakes ≥ 1.2 × @node-lightning/noise; 64 KB encrypt+decrypt ≥ 0.9 × raw node:crypto');
}
