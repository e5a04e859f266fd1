/**
 * BOLT 8 transport benchmark (`npm run bench -- transport`), side by side in one run with
 * @node-lightning/noise (node-lightning's BOLT 8: libsecp256k1 through its own N-API `secp256k1`,
 * node:crypto ChaCha20-Poly1305) and with raw node:crypto ChaCha20-Poly1305:
 * - full in-memory handshakes per second (initiator + responder, random ephemeral keys), next to
 *   one ECDH of our backend (a handshake does six, plus k·G for the two ephemeral keys). Each side
 *   is given its node key as one array for every handshake, as the node does: ours derives that
 *   key's public key once (see core/transport/handshake.ts), node-lightning's NoiseState derives it
 *   in its constructor, per handshake (its API takes no public key);
 * - encrypt + decrypt throughput for 1 KB and "64 KB" messages — 65,535 bytes, the largest legal
 *   Lightning message — through our session (its frame as the node writes it, in three parts, and
 *   joined into one array) and node-lightning's, next to a raw node:crypto ChaCha20-Poly1305 seal +
 *   open of the same bytes (one AEAD each way; a BOLT 8 frame has two), and next to the two a frame
 *   needs with node:crypto (the 2-byte length's and the body's). node:crypto sets up a cipher context
 *   per AEAD (~3–4 µs of CPU here), which alone would bound a frame at about 0.87 of one AEAD of
 *   64 KiB; the libsecp backend seals and opens the length in the addon instead (RustCrypto, no
 *   context: ~0.8 µs; core/crypto/backend-libsecp.ts), and the body in node:crypto as the raw one.
 *
 * MB/s counts message bytes (10^6 bytes per MB), not the 34 bytes of framing per message.
 * The contenders are measured in turn in short slices, ROUNDS times, and the medians reported,
 * because the machine is shared and its load drifts during a run. Each slice is timed by the
 * wall clock and by this process's CPU time (process.cpuUsage): ratios are given for both, the
 * CPU ones being what the same code does on a core of its own.
 */
import { createCipheriv, createDecipheriv, randomBytes as nodeRandomBytes } from 'node:crypto';
import { NoiseState } from '@node-lightning/noise';
import { concatBytes, cryptoBackendInfo, ecdh, publicKeyFromPrivate, randomBytes, randomPrivateKey } from '../core/crypto';
import { MAX_MESSAGE_LENGTH, NoiseInitiator, NoiseResponder } from '../core/transport';
import type { NoiseSession } from '../core/transport';
import { percentile, printTable } from './harness';

/** Frames per turn in frameHalves. */
const BATCH = 25;

/** Rounds of alternating measurements; each contender gets SLICE seconds per round. */
const ROUNDS = 7;
const SLICE = 0.3;

/** Calls `fn` for about `seconds` (after a short warm-up): ops per wall-clock second and per CPU second. */
function slice(fn: () => void, seconds: number): { wall: number; cpu: number } {
  const warmUntil = performance.now() + 50;
  while (performance.now() < warmUntil) fn();
  let calls = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (now - start < seconds * 1000) {
    for (let i = 0; i < 4; i++) fn();
    calls += 4;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: calls / ((now - start) / 1000), cpu: calls / ((cpu.user + cpu.system) / 1e6) };
}

interface SideBySide {
  /** Median ops per wall-clock second, per contender. */
  readonly ops: number[];
  /** Median ops per CPU second, per contender. */
  readonly cpuOps: number[];
  /** Median per-round ratio of the first contender to each (wall clock, then CPU time). */
  readonly ratios: number[];
  readonly cpuRatios: number[];
}

/**
 * Measures each function in turn, ROUNDS times, so all see the same machine load, and returns
 * the medians of each and of the per-round ratios of the first to each other.
 */
function sideBySide(fns: readonly (() => void)[]): SideBySide {
  const wall: number[][] = fns.map(() => []);
  const cpu: number[][] = fns.map(() => []);
  const ratios: number[][] = fns.map(() => []);
  const cpuRatios: number[][] = fns.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    const round = fns.map((f) => slice(f, SLICE));
    round.forEach((v, i) => {
      wall[i]!.push(v.wall);
      cpu[i]!.push(v.cpu);
      ratios[i]!.push(round[0]!.wall / v.wall);
      cpuRatios[i]!.push(round[0]!.cpu / v.cpu);
    });
  }
  const median = (xs: number[][]) => xs.map((x) => percentile(x, 50));
  return { ops: median(wall), cpuOps: median(cpu), ratios: median(ratios), cpuRatios: median(cpuRatios) };
}

/**
 * Wall-clock ms of `fn(i)` for i in [0, count): a turn is too short for process.cpuUsage, which the
 * kernel may count in scheduler ticks; the turns alternate, so a preemption weighs on either alike.
 */
function timeOf(count: number, fn: (i: number) => void): number {
  const start = performance.now();
  for (let i = 0; i < count; i++) fn(i);
  return performance.now() - start;
}

/**
 * Encrypt and decrypt apart, ROUNDS times: `count` frames through a fresh session pair (the sender's
 * parts kept, then given to the receiver as one buffer each, the way a socket read delivers them,
 * joined outside the timing) next to the same count of raw node:crypto seals and opens of a frame's
 * two AEADs, and of the body's alone (one AEAD: the reference of issue 17's target), in alternating
 * turns. Medians of the per-turn ratios raw / Glasswing: 1 = no cost over the raw AEADs.
 */
function frameHalves(ik: Uint8Array, rk: Uint8Array, rpub: Uint8Array, size: number, count: number): { encrypt: number; decrypt: number; both: number; joined: number; one: number } {
  const message = randomBytes(size);
  const messageBuf = Buffer.from(message);
  const lengthBuf = Buffer.from([size >> 8, size & 0xff]);
  const key = nodeRandomBytes(32);
  const nonce = Buffer.alloc(12);
  const seal = (m: Buffer) => {
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    const body = c.update(m);
    c.final();
    return { body, tag: c.getAuthTag() };
  };
  const open = (sealed: { body: Buffer; tag: Buffer }) => {
    const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    d.setAuthTag(sealed.tag);
    d.update(sealed.body);
    d.final();
  };
  const sealedLength = seal(lengthBuf);
  const sealedBody = seal(messageBuf);
  const ratios = { encrypt: [] as number[], decrypt: [] as number[], both: [] as number[], joined: [] as number[], one: [] as number[] };
  // Round 0 warms the code up and is not counted.
  for (let r = 0; r <= ROUNDS; r++) {
    const [a, b] = fullHandshake(ik, rk, rpub);
    const parts: Uint8Array[][] = new Array<Uint8Array[]>(count);
    const frames: Uint8Array[] = new Array<Uint8Array>(count);
    // In turns of BATCH frames, ours then raw, so both see the same moments of the machine (and of GC);
    // a turn that was preempted is an outlier the median leaves out.
    const [c] = fullHandshake(ik, rk, rpub); // the joined frame (`encrypt`), timed beside the parts
    const turns: { ours: number; raw: number; oursOpen: number; rawOpen: number; joined: number; one: number; oneOpen: number }[] = [];
    for (let at = 0; at < count; at += BATCH) {
      const n = Math.min(BATCH, count - at);
      const ours = timeOf(n, (i) => void (parts[at + i] = a.encryptParts(message)));
      const raw = timeOf(n, () => {
        seal(lengthBuf);
        seal(messageBuf);
      });
      const joined = timeOf(n, () => void c.encrypt(message));
      const one = timeOf(n, () => void seal(messageBuf));
      turns.push({ ours, raw, oursOpen: 0, rawOpen: 0, joined, one, oneOpen: 0 });
    }
    for (let i = 0; i < count; i++) frames[i] = concatBytes(...parts[i]!);
    for (let at = 0, k = 0; at < count; at += BATCH, k++) {
      const n = Math.min(BATCH, count - at);
      turns[k]!.oursOpen = timeOf(n, (i) => {
        if (b.feed(frames[at + i]!).length !== 1) throw new Error('benchmark: expected exactly one message back');
      });
      turns[k]!.rawOpen = timeOf(n, () => {
        open(sealedLength);
        open(sealedBody);
      });
      turns[k]!.oneOpen = timeOf(n, () => open(sealedBody));
    }
    a.destroy();
    b.destroy();
    c.destroy();
    if (r === 0) continue;
    for (const t of turns) {
      ratios.joined.push(t.raw / t.joined);
      ratios.encrypt.push(t.raw / t.ours);
      ratios.decrypt.push(t.rawOpen / t.oursOpen);
      ratios.both.push((t.raw + t.rawOpen) / (t.ours + t.oursOpen));
      ratios.one.push((t.one + t.oneOpen) / (t.ours + t.oursOpen));
    }
  }
  const median = (xs: number[]) => percentile(xs, 50);
  return { encrypt: median(ratios.encrypt), decrypt: median(ratios.decrypt), both: median(ratios.both), joined: median(ratios.joined), one: median(ratios.one) };
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

/** What a BOLT 8 frame needs of the same AEAD: the 2-byte length and the body, each sealed and opened. */
function rawFrameAead(key: Buffer, nonce: Buffer, length: Buffer, message: Buffer): void {
  rawAead(key, nonce, length);
  rawAead(key, nonce, message);
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
    ['handshake (initiator + responder, in memory)', 'ops/s', 'ops per CPU-s', 'Glasswing / this', 'same, CPU time', 'in our ECDHs (CPU)'],
    [
      ['Glasswing', hs.ops[0]!, hs.cpuOps[0]!, 1, 1, hs.cpuOps[2]! / hs.cpuOps[0]!],
      ['@node-lightning/noise', hs.ops[1]!, hs.cpuOps[1]!, hs.ratios[1]!, hs.cpuRatios[1]!, hs.cpuOps[2]! / hs.cpuOps[1]!],
      ['one ECDH (our backend)', hs.ops[2]!, hs.cpuOps[2]!, '', '', 1],
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
        // As the node does (core/runtime/peer/connection.ts): the frame's three parts, written
        // together; the receiver is handed them as reads that it may keep (feedOwned), in turn.
        // Nonces and key rotation (every 500 messages) advance exactly as on a live connection.
        const [lc, body, tag] = a.encryptParts(message);
        b.feedOwned(lc);
        b.feedOwned(body);
        if (b.feedOwned(tag).length !== 1) throw new Error('benchmark: expected exactly one message back');
      },
      () => {
        // The frame as one array (session.encrypt joins the parts), fed whole.
        if (b.feed(a.encrypt(message)).length !== 1) throw new Error('benchmark: expected exactly one message back');
      },
      () => {
        const frame = na.encryptMessage(messageBuf);
        const length = nb.decryptLength(frame.subarray(0, 18));
        if (nb.decryptMessage(frame.subarray(18)).length !== length) throw new Error('benchmark: node-lightning lost bytes');
      },
      () => rawAead(key, nonce, messageBuf),
      () => rawFrameAead(key, nonce, Buffer.from([size >> 8, size & 0xff]), messageBuf),
    ]);
    a.destroy();
    b.destroy();
    const mbps = (opsPerSec: number) => (opsPerSec * size) / 1e6;
    rows.push([label, 'Glasswing session (the parts, as the node writes them)', mbps(m.ops[0]!), mbps(m.cpuOps[0]!), 1, 1]);
    rows.push([label, 'Glasswing session.encrypt (the parts joined)', mbps(m.ops[1]!), mbps(m.cpuOps[1]!), m.ratios[1]!, m.cpuRatios[1]!]);
    rows.push([label, '@node-lightning/noise', mbps(m.ops[2]!), mbps(m.cpuOps[2]!), m.ratios[2]!, m.cpuRatios[2]!]);
    rows.push([label, 'raw node:crypto AEAD (one seal + open)', mbps(m.ops[3]!), mbps(m.cpuOps[3]!), m.ratios[3]!, m.cpuRatios[3]!]);
    rows.push([label, 'raw node:crypto, a frame’s AEADs (length + body)', mbps(m.ops[4]!), mbps(m.cpuOps[4]!), m.ratios[4]!, m.cpuRatios[4]!]);
  }
  printTable(['encrypt + decrypt', 'implementation', 'MB/s', 'MB per CPU-s', 'Glasswing / this', 'same, CPU time'], rows);
  console.log('');

  // Each half on its own: the node writes a frame as its parts (one gathered socket write, no join:
  // core/runtime/peer/connection.ts) and reads it as the socket delivers it, one buffer; above, the
  // session's `encrypt` joins the parts for a caller that wants one array.
  const halfRows: (string | number)[][] = [];
  for (const [label, size, count] of [['1 KB (1,024 B)', 1024, 4000], ['64 KB (65,535 B, max message)', MAX_MESSAGE_LENGTH, 300]] as const) {
    const h = frameHalves(ik, rk, rpub, size, count);
    halfRows.push([label, 'encrypt: session parts / raw seals (length + body)', h.encrypt]);
    halfRows.push([label, 'decrypt: session feed of a frame / raw opens (length + body)', h.decrypt]);
    halfRows.push([label, 'both', h.both]);
    halfRows.push([label, 'both, against one raw AEAD of the body (seal + open; the target’s reference)', h.one]);
    halfRows.push([label, 'encrypt into one array (session.encrypt: the parts joined) / raw seals', h.joined]);
  }
  printTable(['per frame, alternating turns', 'raw node:crypto / Glasswing (median of per-turn ratios)', 'ratio'], halfRows);
  console.log('\ntargets (issue 17): handshakes ≥ 1.2 × @node-lightning/noise; 64 KB encrypt+decrypt ≥ 0.9 × raw node:crypto');
}
