/**
 * BOLT 8 targets: the framed session (`NoiseSession.feed`, fed what an honest sender framed, cut
 * anywhere, with bytes flipped or junk added) and the three handshake acts (fed as received).
 */
import { publicKeyFromPrivate } from '../../core/crypto';
import { NoiseInitiator, NoiseResponder } from '../../core/transport';
import { NoiseSession } from '../../core/transport/session';
import { Finding, REJECTED, decodeOrReject, expectSameBytes } from '../harness';
import type { FuzzTarget } from '../harness';

const key = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const INITIATOR_STATIC = key(0x11);
const RESPONDER_STATIC = key(0x21);
const RESPONDER_ID = publicKeyFromPrivate(RESPONDER_STATIC);
const INITIATOR_ID = publicKeyFromPrivate(INITIATOR_STATIC);

/** A sender and a receiver session that share keys (as after a handshake), fresh per input. */
function pair(): { sender: NoiseSession; receiver: NoiseSession } {
  const sk = key(0x31);
  const rk = key(0x32);
  const ck = key(0x33);
  return {
    sender: new NoiseSession({ sendingKey: sk, receivingKey: rk, chainingKey: ck, remoteStatic: RESPONDER_ID }),
    receiver: new NoiseSession({ sendingKey: rk, receivingKey: sk, chainingKey: ck, remoteStatic: INITIATOR_ID }),
  };
}

/** Reads the script an input encodes; running out of bytes ends it. */
class Script {
  #at = 0;
  constructor(private readonly data: Uint8Array) {}
  get done(): boolean {
    return this.#at >= this.data.length;
  }
  u8(): number {
    return this.data[this.#at++] ?? 0;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  bytes(n: number): Uint8Array {
    const out = this.data.slice(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }
}

/**
 * Script ops (op byte % 5): 0 frame a message of the next byte's length from the input;
 * 1 frame a message of u16 length, all one byte (reaches the 65,535-byte limit; once per input,
 * later ones are as 0); 2 append junk;
 * 3 flip one bit at a u16 position; 4 cut the stream there (the receiver gets it in pieces).
 */
export const transportFrames: FuzzTarget = {
  name: 'transport-frames',
  description: 'NoiseSession.feed on honest frames cut anywhere, with bits flipped and junk appended',
  maxLen: 4096,
  check(data) {
    const { sender, receiver } = pair();
    const script = new Script(data);
    const expected: Uint8Array[] = [];
    const parts: Uint8Array[] = [];
    let length = 0;
    const flips: Array<[number, number]> = [];
    const cuts: number[] = [];
    let tampered = false;
    let frames = 0;
    let large = 0;
    while (!script.done && frames < 64) {
      const op = script.u8() % 5;
      if (op === 0 || op === 1) {
        // One large message per input is enough to reach the 65,535-byte limit; more only costs time.
        const big = op === 1 && large++ === 0;
        const plaintext = big ? new Uint8Array(script.u16()).fill(script.u8()) : script.bytes(script.u8());
        const frame = sender.encrypt(plaintext);
        expected.push(plaintext);
        parts.push(frame);
        length += frame.length;
        frames++;
      } else if (op === 2) {
        const junk = script.bytes(script.u8() % 64);
        parts.push(junk);
        length += junk.length;
        tampered = true;
      } else if (op === 3) {
        const at = script.u16();
        if (length > 0) {
          flips.push([at % length, 1 << script.u8() % 8]);
          tampered = true;
        }
      } else {
        cuts.push(script.u16());
      }
    }
    const stream = new Uint8Array(length);
    let offset = 0;
    for (const p of parts) {
      stream.set(p, offset);
      offset += p.length;
    }
    for (const [at, bit] of flips) stream[at]! ^= bit;
    const points = [...new Set(cuts.map((c) => Math.min(c, stream.length)))].sort((a, b) => a - b);
    const received: Uint8Array[] = [];
    let failed = false;
    let prev = 0;
    for (const p of [...points, stream.length]) {
      const got = decodeOrReject('NoiseSession.feed', () => receiver.feed(stream.slice(prev, p)));
      prev = p;
      if (got === REJECTED) {
        failed = true;
        break;
      }
      received.push(...got);
    }
    if (failed) {
      if (!tampered) throw new Finding('feed rejected frames an honest sender made');
      // After a failure the receiving direction is dead: every later feed is transport.closed.
      const again = decodeOrReject('feed after failure', () => receiver.feed(new Uint8Array(1)));
      if (again !== REJECTED) throw new Finding('feed accepted bytes after a MAC failure');
    } else if (!tampered && received.length !== expected.length) {
      throw new Finding(`feed gave ${received.length} messages of ${expected.length}`);
    }
    // Whatever came out is what was sent, in order (a flipped bit is never delivered).
    if (received.length > expected.length) throw new Finding('feed gave more messages than were sent');
    received.forEach((m, i) => expectSameBytes(`message ${i}`, m, expected[i]!));
    if (!tampered && receiver.bufferedBytes !== 0) throw new Finding('bytes left buffered after whole frames');
  },
};

/** Byte 0 picks the act: 0 Act One to a responder, 1 Act Two to an initiator, 2 Act Three after a real Act One and Two. */
let acts: { act1: Uint8Array; act3: Uint8Array } | undefined;

/** The honest Act One and Act Three between the fixed keys (computed once: they never change). */
function honestActs(): { act1: Uint8Array; act3: Uint8Array } {
  if (acts === undefined) {
    const i = new NoiseInitiator({ localStatic: INITIATOR_STATIC, remoteStatic: RESPONDER_ID, ephemeral: key(0x12) });
    const r = new NoiseResponder({ localStatic: RESPONDER_STATIC, ephemeral: key(0x22) });
    const act1 = i.actOne();
    acts = { act1, act3: i.actThree(r.actTwo(act1)).act3 };
  }
  return acts;
}

/** The keys the handshake target uses, for its seeds. */
export const HANDSHAKE_KEYS = { INITIATOR_STATIC, RESPONDER_STATIC, RESPONDER_ID, initiatorEphemeral: key(0x12), responderEphemeral: key(0x22) };

export const transportHandshake: FuzzTarget = {
  name: 'transport-handshake',
  description: 'first byte picks the act (one, two, three); the rest is fed to the receiving side as the act',
  maxLen: 128,
  check(data) {
    if (data.length === 0) return;
    const act = data.subarray(1);
    const ephemeral = { initiator: key(0x12), responder: key(0x22) };
    switch (data[0]! % 3) {
      case 0: {
        const r = new NoiseResponder({ localStatic: RESPONDER_STATIC, ephemeral: ephemeral.responder });
        decodeOrReject('NoiseResponder.actTwo', () => r.actTwo(act));
        return;
      }
      case 1: {
        const i = new NoiseInitiator({ localStatic: INITIATOR_STATIC, remoteStatic: RESPONDER_ID, ephemeral: ephemeral.initiator });
        i.actOne();
        decodeOrReject('NoiseInitiator.actThree', () => i.actThree(act));
        return;
      }
      default: {
        // The responder's side only: it gets the honest Act One, answers, and is fed Act Three.
        const { act1, act3: honest } = honestActs();
        const r = new NoiseResponder({ localStatic: RESPONDER_STATIC, ephemeral: ephemeral.responder });
        r.actTwo(act1);
        const session = decodeOrReject('NoiseResponder.complete', () => r.complete(act));
        // Act Three authenticates every byte: only the honest one may complete.
        if (session !== REJECTED) {
          expectSameBytes('completed with a forged act three', act, honest);
          if (!(session instanceof NoiseSession)) throw new Finding('complete returned no session');
        } else if (act.length === honest.length && act.every((b, k) => b === honest[k])) {
          throw new Finding('the honest act three was rejected');
        }
      }
    }
  },
};
