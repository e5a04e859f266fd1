/**
 * bench/messenger: onion message forwards per second through one node's messenger core, next to
 * the cryptography one forward cannot avoid, measured side by side in the same run.
 *
 * One forward (A → B → C, measured at B) is the whole path a real forward takes through B, minus
 * the sockets and the event bus: BOLT 8 decrypt of A's frame, decode of `onion_message`, the
 * DoS policy (token bucket, queue admission), the Sphinx peel with route blinding, re-encoding,
 * the queue, and BOLT 8 encryption of the frame for C.
 *
 * "Crypto of one forward" runs only the primitives that forward performs, through the same
 * core/crypto backend: two ECDHs (path key, blinded onion key) and two point multiplications
 * (next onion key, next path key), the ChaCha20 stream that unwraps 1,300 payload bytes (2 × 1,300),
 * the HMAC over the payloads, the ChaCha20-Poly1305 of `encrypted_recipient_data`, and the four
 * BOLT 8 AEAD calls (length and body, in and out). "crypto share" = crypto time / forward time.
 *
 * Both sides are timed in alternating rounds of whole batches, in process CPU time (the machine is
 * shared: wall time would mostly measure the other jobs); medians. Compare with bench/forward, the
 * CPU per forward of a whole daemon: the difference is what the daemon adds around this core
 * (sockets, events, the traffic log).
 */
import {
  aeadDecrypt, aeadEncrypt, chacha20Stream, ecdh, hmacSha256, pointMultiply, publicKeyFromPrivate, randomBytes, randomPrivateKey, scalarFromHash,
  sha256, toHex,
} from '../core/crypto';
import { OnionMessenger } from '../core/messenger';
import { NoiseInitiator, NoiseResponder } from '../core/transport';
import type { NoiseSession } from '../core/transport';
import type { OnionMessage } from '../core/wire';
import { decodeMessage, encodeMessage } from '../core/wire';
import { percentile, printTable } from './harness';

const ROUNDS = 9;
const BATCH = 100;
const APP = 65537n;

function key(label: string): Uint8Array {
  return scalarFromHash(sha256(new TextEncoder().encode(`bench/messenger/${label}`)));
}

/** A BOLT 8 session pair over memory. */
function sessions(): { initiator: NoiseSession; responder: NoiseSession } {
  const iKey = randomPrivateKey();
  const rKey = randomPrivateKey();
  const initiator = new NoiseInitiator({ localStatic: iKey, remoteStatic: publicKeyFromPrivate(rKey) });
  const responder = new NoiseResponder({ localStatic: rKey });
  const act2 = responder.actTwo(initiator.actOne());
  const { act3, session } = initiator.actThree(act2);
  return { initiator: session, responder: responder.complete(act3) };
}

/** Seconds of process CPU time (user + system) per call: on a shared machine, wall time mostly measures the other jobs. */
function timeBatch(fn: (i: number) => void): number {
  const start = process.cpuUsage();
  for (let i = 0; i < BATCH; i++) fn(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6 / BATCH;
}

export async function run(): Promise<void> {
  const keys = { a: key('a'), b: key('b'), c: key('c') };
  const ids = { a: publicKeyFromPrivate(keys.a), b: publicKeyFromPrivate(keys.b), c: publicKeyFromPrivate(keys.c) };
  const hex = toHex;
  const unlimited = { inboundPerSecond: 1e12, inboundBurst: 1e12 };
  const sender = new OnionMessenger({ nodeKey: keys.a, randomBytes, random: Math.random, policy: unlimited });
  const node = new OnionMessenger({ nodeKey: keys.b, randomBytes, random: Math.random, policy: unlimited });
  sender.peerConnected(hex(ids.b), { onionMessages: true }, 0);
  node.peerConnected(hex(ids.a), { onionMessages: true }, 0);
  node.peerConnected(hex(ids.c), { onionMessages: true }, 0);

  // Distinct onions A → B → C (1,366-byte packets), built once.
  const onions: OnionMessage[] = [];
  for (let i = 0; i < 64; i++) {
    sender.send({ destination: { kind: 'node', nodeId: ids.c }, via: [hex(ids.b)], records: [{ type: APP, value: new Uint8Array(32).fill(i) }] }, 0);
    onions.push(sender.takeNext(hex(ids.b))!.message);
  }
  const ab = sessions();
  const bc = sessions();
  const fromA = hex(ids.a);
  const toC = hex(ids.c);

  /** One forward at B: BOLT 8 in, decode, policy + peel + queue, encode, BOLT 8 out. */
  const forward = (frame: Uint8Array) => {
    const [plaintext] = ab.responder.feed(frame);
    const message = decodeMessage(plaintext!);
    if (message.type !== 'onion_message') throw new Error('not an onion message');
    node.handleOnionMessage(fromA, message, 0);
    const out = node.takeNext(toC);
    if (!out) throw new Error('the forward was dropped');
    bc.initiator.encrypt(encodeMessage(out.message));
  };

  // The primitives of one forward, on inputs of the same sizes.
  const k = key('x');
  const p = ids.c;
  const payloads = new Uint8Array(1300);
  const mu = new Uint8Array(32).fill(1);
  const aeadKey = new Uint8Array(32).fill(2);
  const nonce = new Uint8Array(12);
  const empty = new Uint8Array(0);
  const frameBody = encodeMessage(onions[0]!);
  const sealedBody = aeadEncrypt(aeadKey, nonce, empty, frameBody);
  const sealedLength = aeadEncrypt(aeadKey, nonce, empty, new Uint8Array(2));
  const sealedData = aeadEncrypt(aeadKey, nonce, empty, new Uint8Array(40));
  const ecOnly = () => {
    ecdh(k, p);
    ecdh(k, p);
    pointMultiply(p, k);
    pointMultiply(p, k);
  };
  const cryptoOfForward = () => {
    ecOnly();
    chacha20Stream(aeadKey, 2 * 1300);
    hmacSha256(mu, payloads);
    aeadDecrypt(aeadKey, nonce, empty, sealedData);
    aeadDecrypt(aeadKey, nonce, empty, sealedLength);
    aeadDecrypt(aeadKey, nonce, empty, sealedBody);
    aeadEncrypt(aeadKey, nonce, empty, new Uint8Array(2));
    aeadEncrypt(aeadKey, nonce, empty, frameBody);
  };

  const fwd: number[] = [];
  const cry: number[] = [];
  const ec: number[] = [];
  const ratios: number[] = [];
  forward(ab.initiator.encrypt(encodeMessage(onions[0]!))); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    // Frames must be decrypted in nonce order: encrypt this round's batch first, untimed.
    const frames = Array.from({ length: BATCH }, (_, i) => ab.initiator.encrypt(encodeMessage(onions[(r * BATCH + i) % onions.length]!)));
    const tf = timeBatch((i) => forward(frames[i]!));
    const tc = timeBatch(() => cryptoOfForward());
    const te = timeBatch(() => ecOnly());
    fwd.push(1 / tf);
    cry.push(1 / tc);
    ec.push(1 / te);
    ratios.push(tc / tf);
  }
  const forwards = percentile(fwd, 50);
  const cryptoOps = percentile(cry, 50);
  const ecOps = percentile(ec, 50);
  printTable(['measurement', 'per CPU-second', 'CPU µs each'], [
    ['forwards through one node (1,366-byte onions)', forwards, 1e6 / forwards],
    ['crypto of one forward (2 ECDH, 2 k·P, ChaCha20, HMAC, 5 AEAD)', cryptoOps, 1e6 / cryptoOps],
    ['  of which elliptic curve (2 ECDH + 2 k·P)', ecOps, 1e6 / ecOps],
  ]);
  console.log('');
  printTable(['ratio', 'value'], [
    ['crypto share of a forward (crypto time / forward time)', `${(percentile(ratios, 50) * 100).toFixed(0)}%`],
    ['forwards/s ÷ crypto-bound forwards/s', (forwards / cryptoOps).toFixed(2)],
    ['elliptic-curve share of the crypto', `${((cryptoOps / ecOps) * 100).toFixed(0)}%`],
  ]);
  const stats = node.snapshot(0);
  console.log(`\n(${fwd.length} rounds × ${BATCH} forwards; queue empty at the end: ${stats.queues.totalBytes === 0})`);
}
