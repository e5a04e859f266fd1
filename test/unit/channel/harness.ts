/** Test helpers: a channel pair with message pipes, and assertions on typed errors. */
import { expect } from 'vitest';
import { sha256, utf8 } from '../../../core/crypto';
import { isGlasswingError } from '../../../core/errors';
import type { Channel, ChannelMessage, ChannelStep } from '../../../core/channel';
import { openChannelPair } from '../../../core/simulator';
import type { PairOptions } from '../../../core/simulator';

export const ONION = new Uint8Array(1366);

export function preimage(name: string): Uint8Array {
  return sha256(utf8.encode(`test preimage ${name}`));
}

/** Feeds `messages` to `to` in order and returns everything it answered. */
export function deliver(to: Channel, messages: readonly ChannelMessage[]): ChannelMessage[] {
  const out: ChannelMessage[] = [];
  for (const m of messages) out.push(...to.receive(m).outbound);
  return out;
}

/** A pair whose channels answer commitment_signed at once (autoRevoke, as a node does). */
export function pair(opts: PairOptions = {}) {
  const p = openChannelPair(opts);
  const { a, b } = p;
  return {
    ...p,
    /** `from` offers an HTLC of `amountMsat` named `name` (its preimage is preimage(name)); delivered. */
    add(from: Channel, amountMsat: bigint, name: string, cltvExpiry = 500): ChannelStep {
      const to = from === a ? b : a;
      const s = from.addHtlc({ amountMsat, paymentHash: sha256(preimage(name)), cltvExpiry, onionRoutingPacket: ONION });
      deliver(to, s.outbound);
      return s;
    },
    /** `from` signs, the other revokes (and the RAA is delivered back). */
    sign(from: Channel): void {
      const to = from === a ? b : a;
      const back = deliver(to, from.signCommitment().outbound);
      deliver(from, back);
    },
    /** Commit everything pending both ways: from signs, then the other signs. */
    commitBoth(from: Channel): void {
      const to = from === a ? b : a;
      this.sign(from);
      this.sign(to);
    },
  };
}

/** Asserts `fn` throws a GlasswingError of class `cls` with code `code`. */
export function expectCode(fn: () => unknown, cls: abstract new (...args: never[]) => Error, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected ${code}`).toBeInstanceOf(cls);
  expect(isGlasswingError(thrown) ? thrown.code : String(thrown)).toBe(code);
}
