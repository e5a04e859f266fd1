/**
 * Two channel state machines (answering commitment_signed at once, as a node does) joined by
 * two queues that deliver with random delays, under random adds, fulfills, fails, fee updates
 * and commitments near the balance limits. No receiver ever rejects what a sender's checks let
 * through, every intermediate state conserves the funds, and after the queues drain and both
 * sides commit, both agree on both commitments and every stored signature verifies.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256, utf8 } from '../../../core/crypto';
import {
  ChannelCommandError, buildCommitment, changesPendingForRemote, checkLocalCommitmentSignatures, isChannelMessage, lookupRemovableHtlc,
} from '../../../core/channel';
import type { Channel, ChannelMessage, ChannelSigner, ChannelState, ChannelType, CommitmentSpec } from '../../../core/channel';
import { openChannelPair } from '../../../core/simulator';
import { decodeMessage, encodeMessage } from '../../../core/wire';
import { ONION } from './harness';

const FUNDING_SAT = 1_000_000n;
const AMOUNTS = [1_000n, 700_000n, 5_000_000n, 50_000_000n, 200_000_000n, 380_000_000n];
const FEERATES = [253, 2_000, 20_000, 60_000];

type Action =
  | { kind: 'add' | 'fulfill' | 'fail' | 'malformed' | 'fee' | 'sign'; who: 0 | 1; x: number }
  | { kind: 'deliver'; who: 0 | 1; count: number };

const who = fc.constantFrom(0 as const, 1 as const);
const x = fc.nat(1000);
const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('add' as const), who, x }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constantFrom('fulfill', 'fail', 'malformed' as const), who, x }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('fee' as const), who: fc.constant(0 as const), x }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('sign' as const), who, x }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('deliver' as const), who, count: fc.integer({ min: 1, max: 4 }) }), weight: 5 },
);

function preimageOf(who: number, id: bigint): Uint8Array {
  return sha256(utf8.encode(`convergence ${who} ${id}`));
}

function total(spec: CommitmentSpec): bigint {
  return spec.localMsat + spec.remoteMsat + spec.htlcs.reduce((s, h) => s + h.amountMsat, 0n);
}

function checkInvariants(s: ChannelState): void {
  for (const c of [s.localCommit, s.remoteCommit, s.remoteNextCommit]) {
    if (!c) continue;
    expect(total(c.spec)).toBe(FUNDING_SAT * 1000n);
    expect(c.spec.localMsat >= 0n && c.spec.remoteMsat >= 0n).toBe(true);
  }
}

/** The same commitment seen from the other side. */
function mirrored(spec: CommitmentSpec): CommitmentSpec {
  return {
    feeratePerKw: spec.feeratePerKw,
    localMsat: spec.remoteMsat,
    remoteMsat: spec.localMsat,
    htlcs: spec.htlcs
      .map((h) => ({ ...h, offerer: h.offerer === 'local' ? ('remote' as const) : ('local' as const) }))
      .sort((x, y) => (x.offerer !== y.offerer ? (x.offerer === 'local' ? -1 : 1) : Number(x.id - y.id))),
  };
}

function signaturesVerify(ch: Channel, signer: ChannelSigner): boolean {
  const s = ch.state;
  const built = buildCommitment(s.params, 'local', s.localCommit.ctn, s.localCommit.spec, signer.perCommitmentPoint(s.localCommit.ctn));
  return checkLocalCommitmentSignatures(s.params, built, s.localCommit.signature, s.localCommit.htlcSignatures).ok;
}

function run(actions: Action[], channelType: ChannelType): void {
  // Without option_anchors a fee increase trims more HTLCs, and a funder's update_fee crossing the fundee's
  // dust adds may legitimately fail the channel (BOLT 2 update_fee receiver "MAY fail the channel", see
  // dust.ts): no sender can see that race coming, so there the limit is out of reach. With anchors the
  // default max_dust_htlc_exposure_msat applies (refused adds, incoming HTLCs flagged to be failed back).
  const policy = channelType === 'anchors' ? {} : { maxDustHtlcExposureMsat: FUNDING_SAT * 1000n };
  const p = openChannelPair({ fundingSat: FUNDING_SAT, pushMsat: 400_000_000n, channelType, policyA: policy, policyB: policy });
  const ch = [p.a, p.b];
  const queues: ChannelMessage[][] = [[], []]; // queues[i]: from ch[i] to the other
  // Every message crosses as BOLT 1 bytes through core/wire.
  const send = (i: number, out: readonly ChannelMessage[]) => {
    for (const m of out) {
      const decoded = decodeMessage(encodeMessage(m));
      if (!isChannelMessage(decoded)) throw new Error(`${m.type} did not decode as a channel message`);
      queues[i]!.push(decoded);
    }
  };
  const deliverOne = (i: number) => {
    const m = queues[i]!.shift();
    if (m) send(1 - i, ch[1 - i]!.receive(m).outbound); // a ChannelError here fails the test
  };
  const attempt = (i: number, f: () => { outbound: readonly ChannelMessage[] }) => {
    try {
      send(i, f().outbound);
    } catch (e) {
      if (!(e instanceof ChannelCommandError)) throw e; // refused commands are fine, nothing else is
    }
  };

  for (const a of actions) {
    const me = ch[a.who]!;
    if (a.kind === 'deliver') {
      for (let k = 0; k < a.count; k++) deliverOne(a.who);
    } else {
      // Removals mostly target HTLCs that may be removed now, sometimes any HTLC (refused).
      const incoming = me.state.localCommit.spec.htlcs.filter((h) => h.offerer === 'remote');
      const removable = incoming.filter((h) => lookupRemovableHtlc(me.state, 'remote', h.id).kind === 'committed');
      const pool = removable.length && a.x % 5 !== 0 ? removable : incoming;
      const target = pool.length ? pool[a.x % pool.length]!.id : BigInt(a.x % 3);
      switch (a.kind) {
        case 'add': {
          const id = me.state.nextLocalHtlcId;
          attempt(a.who, () => me.addHtlc({ amountMsat: AMOUNTS[a.x % AMOUNTS.length]!, paymentHash: sha256(preimageOf(a.who, id)), cltvExpiry: 500 + a.x, onionRoutingPacket: ONION }));
          break;
        }
        case 'fulfill':
          attempt(a.who, () => me.fulfillHtlc(target, preimageOf(1 - a.who, target)));
          break;
        case 'fail':
          attempt(a.who, () => me.failHtlc(target, utf8.encode('no')));
          break;
        case 'malformed':
          attempt(a.who, () => me.failMalformedHtlc(target, new Uint8Array(32), 0xc005));
          break;
        case 'fee':
          attempt(a.who, () => me.updateFee(FEERATES[a.x % FEERATES.length]!));
          break;
        case 'sign':
          attempt(a.who, () => me.signCommitment());
          break;
      }
    }
    checkInvariants(ch[0]!.state);
    checkInvariants(ch[1]!.state);
  }

  // Drain: deliver everything, and whoever has something to commit signs, until quiet.
  for (let round = 0; round < 20; round++) {
    while (queues[0]!.length || queues[1]!.length) {
      deliverOne(0);
      deliverOne(1);
    }
    let signed = false;
    for (let i = 0; i < 2; i++) {
      const s = ch[i]!.state;
      if (!s.remoteNextCommit && changesPendingForRemote(s).length > 0) {
        send(i, ch[i]!.signCommitment().outbound);
        signed = true;
      }
    }
    if (!signed && !queues[0]!.length && !queues[1]!.length) break;
  }

  const [A, B] = [ch[0]!.state, ch[1]!.state];
  expect(A.changes).toEqual([]);
  expect(B.changes).toEqual([]);
  expect(A.remoteNextCommit ?? B.remoteNextCommit).toBeNull();
  expect(A.localCommit.ctn).toBe(B.remoteCommit.ctn);
  expect(B.localCommit.ctn).toBe(A.remoteCommit.ctn);
  expect(mirrored(A.localCommit.spec)).toEqual(B.remoteCommit.spec);
  expect(mirrored(B.localCommit.spec)).toEqual(A.remoteCommit.spec);
  // Both commitments hold the same HTLCs and balances once everything is committed both ways.
  expect(A.localCommit.spec).toEqual(A.remoteCommit.spec);
  expect(A.status.kind).toBe('normal');
  expect(B.status.kind).toBe('normal');
  expect(signaturesVerify(ch[0]!, p.signerA)).toBe(true);
  expect(signaturesVerify(ch[1]!, p.signerB)).toBe(true);
}

describe('two channel state machines over delaying queues', () => {
  it('always converge: same HTLC sets and balances on both commitments, every signature valid, no receiver rejection', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 20, maxLength: 80, size: 'max' }), fc.constantFrom<ChannelType>('anchors', 'static_remotekey'), run),
      { numRuns: 15 },
    );
  }, 600_000);

  it('converge in a fee race: the funder raises the fee while the other side adds HTLCs', () => {
    // A raises the fee to the most it can afford while B's adds are in flight: B's adds must
    // not make A's update_fee unacceptable, and A's fee must not make B's adds unacceptable.
    const script: Action[] = [
      { kind: 'add', who: 1, x: 4 }, { kind: 'add', who: 1, x: 3 },
      { kind: 'fee', who: 0, x: 3 }, { kind: 'fee', who: 0, x: 2 },
      { kind: 'add', who: 0, x: 4 }, { kind: 'sign', who: 0, x: 0 }, { kind: 'sign', who: 1, x: 0 },
      { kind: 'deliver', who: 1, count: 3 }, { kind: 'deliver', who: 0, count: 4 },
      { kind: 'add', who: 1, x: 5 }, { kind: 'fee', who: 0, x: 3 }, { kind: 'deliver', who: 0, count: 4 },
    ];
    run(script, 'static_remotekey');
    run(script, 'anchors');
  }, 120_000);
});
