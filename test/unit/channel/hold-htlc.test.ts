/**
 * Async payments in the channel core: an add that carries `hold_htlc` (sent by an often-offline
 * payer), remembered on the receiving side (also in its snapshot) and reported at lock-in, and the
 * receiver's revoke_and_ack carrying the release path its node gives for it (StepContext.releasePath).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '../../../core/crypto';
import { Channel, ChannelLink, decodeChannelState, encodeChannelState, rebuildRevokeAndAck } from '../../../core/channel';
import type { ChannelMessage } from '../../../core/channel';
import type { BlindedPath, RevokeAndAck, UpdateAddHtlc } from '../../../core/wire';
import { decodeMessage, encodeMessage } from '../../../core/wire';
import { blindedPath } from '../wire/arbitraries';
import { ONION, deliver, pair, preimage } from './harness';
import { expectConverged, linkNet, reconnect } from './link-net';

const PATH: BlindedPath = fc.sample(blindedPath, { seed: 3, numRuns: 1 })[0]!;

/** Over the wire and back, as the transport carries it (LDK's numbers). */
const wire = (ms: readonly ChannelMessage[]) => ms.map((m) => decodeMessage(encodeMessage(m)) as ChannelMessage);

function holdPair() {
  const p = pair();
  const asked: bigint[] = [];
  // B is the payer's LSP: its node gives a release path for every HTLC that carried hold_htlc.
  const b = new Channel(p.b.state, p.signerB, {}, { releasePath: (id) => (asked.push(id), PATH) });
  return { a: p.a, b, asked };
}

describe('hold_htlc through the channel', () => {
  it('B remembers the hold, gives the release path in its revoke_and_ack, and reports it at lock-in', () => {
    const { a, b, asked } = holdPair();
    const add = a.addHtlc({ amountMsat: 1_000_000n, paymentHash: sha256(preimage('h')), cltvExpiry: 500, onionRoutingPacket: ONION, holdHtlc: true });
    const sent = wire(add.outbound);
    expect((sent[0] as UpdateAddHtlc).tlvs?.holdHtlc).toBe(true);
    deliver(b, sent);
    expect(b.state.incomingHtlcs).toMatchObject([{ id: 0n, holdHtlc: true }]);
    // The flag survives the store's codec.
    expect(decodeChannelState(JSON.parse(JSON.stringify(encodeChannelState(b.state)))).incomingHtlcs[0]!.holdHtlc).toBe(true);
    const raa = wire(deliver(b, a.signCommitment().outbound)).find((m): m is RevokeAndAck => m.type === 'revoke_and_ack')!;
    expect(raa.tlvs?.releaseHeldHtlcMessagePaths).toEqual([{ htlcId: 0n, path: PATH }]);
    expect(asked).toEqual([0n]);
    deliver(a, [raa]);
    // B signs, A revokes: on A's revoke_and_ack the add is locked in at B.
    const aRaa = wire(deliver(a, b.signCommitment().outbound));
    const locked = b.receive(aRaa[0]!).events.filter((e) => e.type === 'htlc_locked_in');
    expect(locked).toMatchObject([{ type: 'htlc_locked_in', holdHtlc: true }]);
  });

  it('an add without hold_htlc gets no release path', () => {
    const { a, b, asked } = holdPair();
    deliver(b, wire(a.addHtlc({ amountMsat: 1_000_000n, paymentHash: sha256(preimage('n')), cltvExpiry: 500, onionRoutingPacket: ONION }).outbound));
    const raa = wire(deliver(b, a.signCommitment().outbound)).find((m): m is RevokeAndAck => m.type === 'revoke_and_ack')!;
    expect(raa.tlvs?.releaseHeldHtlcMessagePaths).toBeUndefined();
    expect(asked).toEqual([]);
    expect(b.state.incomingHtlcs[0]!.holdHtlc).toBeUndefined();
  });

  it('a revoke_and_ack lost in a disconnection goes again with its release paths (the payer may never have read the first)', () => {
    const n = linkNet();
    try {
      const asked: bigint[] = [];
      // B is the payer's LSP: its link gives a release path for every HTLC that carried hold_htlc.
      n.b.link = new ChannelLink(n.b.store.loadChannel(n.b.id)!, n.b.signer, n.b.policy, { releasePath: (id) => (asked.push(id), PATH) });
      n.openConnected();
      n.a.apply(n.a.link.addHtlc({ amountMsat: 2_000_000n, paymentHash: sha256(preimage('r')), cltvExpiry: 500, onionRoutingPacket: ONION, holdHtlc: true }));
      n.a.apply(n.a.link.addHtlc({ amountMsat: 1_000_000n, paymentHash: sha256(preimage('s')), cltvExpiry: 500, onionRoutingPacket: ONION }));
      n.a.commit();
      n.deliverOne(n.a);
      n.deliverOne(n.a);
      n.deliverOne(n.a);
      n.b.commit();
      expect(n.types(n.b)).toEqual(['revoke_and_ack', 'commitment_signed']);
      const first = wire([n.b.sent.find((o) => o.message.type === 'revoke_and_ack')!.message as ChannelMessage])[0] as RevokeAndAck;
      expect(first.tlvs?.releaseHeldHtlcMessagePaths).toEqual([{ htlcId: 0n, path: PATH }]);
      // A goes away before it reads B's revoke_and_ack (and commitment_signed): B sends both again, with the path.
      n.disconnect();
      const sent = reconnect(n);
      expect(sent.b).toEqual(['channel_reestablish', 'revoke_and_ack', 'commitment_signed']);
      const again = wire([[...n.b.sent].reverse().find((o) => o.message.type === 'revoke_and_ack')!.message as ChannelMessage])[0] as RevokeAndAck;
      expect(again.perCommitmentSecret).toEqual(first.perCommitmentSecret);
      expect(again.tlvs?.releaseHeldHtlcMessagePaths).toEqual([{ htlcId: 0n, path: PATH }]);
      expect(asked).toEqual([0n, 0n]);
      n.settle();
      expectConverged(n);
      // Committed on both sides: a copy rebuilt now names no path (the HTLC is held; its release path was given).
      expect(rebuildRevokeAndAck(n.b.state, n.b.signer, () => PATH).tlvs).toBeUndefined();
    } finally {
      n.close();
    }
  });

  it('property: whenever the connection drops, the payer gets a release path for every held add before it is committed on both sides, and none for another add', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(fc.integer({ min: 0, max: 14 }), { maxLength: 3 }), (holds, cuts) => {
        const n = linkNet();
        try {
          const asked: bigint[] = [];
          n.b.link = new ChannelLink(n.b.store.loadChannel(n.b.id)!, n.b.signer, n.b.policy, { releasePath: (id) => (asked.push(id), PATH) });
          n.openConnected();
          const held: bigint[] = [];
          for (let i = 0; i < holds; i++) {
            held.push(n.a.state.nextLocalHtlcId);
            n.a.apply(n.a.link.addHtlc({ amountMsat: 1_000_000n, paymentHash: sha256(preimage(`p${i}`)), cltvExpiry: 500, onionRoutingPacket: ONION, holdHtlc: true }));
          }
          const plain = n.a.state.nextLocalHtlcId;
          n.a.apply(n.a.link.addHtlc({ amountMsat: 1_000_000n, paymentHash: sha256(preimage('plain')), cltvExpiry: 500, onionRoutingPacket: ONION }));
          n.a.commit();
          // What A (the payer) read of B's revoke_and_acks: the HTLC ids it got a release path for.
          const got = new Set<bigint>();
          let delivered = 0;
          for (let round = 0; round < 200; round++) {
            let moved = false;
            for (const p of [n.a, n.b]) {
              const d = n.deliverOne(p);
              if (!d) continue;
              moved = true;
              delivered++;
              if (d.from === 'B' && d.message.type === 'revoke_and_ack') for (const r of d.message.tlvs?.releaseHeldHtlcMessagePaths ?? []) got.add(r.htlcId!);
              if (cuts.includes(delivered)) {
                n.disconnect();
                reconnect(n);
              }
            }
            for (const p of [n.a, n.b]) {
              const st = p.state;
              const pending = st.changes.some((c) => (c.list === 'remote_unacked' || c.list === 'remote_acked') && c.signedInRemote === null);
              if (pending && !st.remoteNextCommit && p.link.phase === 'active') {
                p.commit();
                moved = true;
              }
            }
            if (!moved) break;
          }
          expectConverged(n);
          expect(n.b.state.incomingHtlcs.map((h) => h.id).sort()).toEqual([...held, plain].sort());
          expect([...got].sort()).toEqual([...held].sort());
          expect(asked.every((id) => held.includes(id))).toBe(true);
        } finally {
          n.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
