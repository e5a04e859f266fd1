/**
 * Properties of the channel_reestablish handling for any numbers and secret a peer may send:
 * the plan is a value (never an exception), resumes only on the numbers BOLT 2 allows, claims
 * our data loss only with a valid proof, and a link fed such a message either goes on or fails
 * with a typed `channel.*` code and an `error` for the peer.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChannelLink, lastRevokedLocal, lastSignedRemote, planReestablish } from '../../../core/channel';
import type { ChannelState, LastSent } from '../../../core/channel';
import type { ChannelReestablish } from '../../../core/wire';
import { linkNet } from './link-net';

/** A channel that went through a few commitments, with one of ours unrevoked by the peer. */
function fixture() {
  const net = linkNet();
  net.openConnected();
  for (let i = 0; i < 3; i++) {
    net.a.add(1_000_000n);
    net.settle();
  }
  net.a.add(2_000_000n);
  net.a.commit();
  const state: ChannelState = net.a.state;
  const stored = net.a.link.snapshot();
  const signer = net.a.signer;
  const peerSigner = net.b.signer;
  net.close();
  return { state, stored, signer, peerSigner };
}

describe('planReestablish for any channel_reestablish', () => {
  const { state, stored, signer, peerSigner } = fixture();
  const lastRevoked = lastRevokedLocal(state);
  const lastSigned = lastSignedRemote(state);
  const near = (x: number) => fc.oneof(fc.integer({ min: Math.max(0, x - 3), max: x + 3 }).map(BigInt), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
  const secretArb = fc.oneof(
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.integer({ min: 0, max: lastRevoked + 3 }).map((n) => signer.releasePerCommitmentSecret(n)),
    fc.constant(new Uint8Array(32)),
  );
  const messageArb = fc.record({ nc: near(lastSigned + 1), nr: near(lastRevoked + 1), secret: secretArb }).map(
    ({ nc, nr, secret }): ChannelReestablish => ({
      type: 'channel_reestablish',
      channelId: state.params.channelId,
      nextCommitmentNumber: nc,
      nextRevocationNumber: nr,
      yourLastPerCommitmentSecret: secret,
      myCurrentPerCommitmentPoint: peerSigner.perCommitmentPoint(0),
      tlvs: {},
    }),
  );
  const lastSentArb = fc.constantFrom<LastSent>('none', 'commitment_signed', 'revoke_and_ack');

  it('returns a plan, resuming only on the numbers BOLT 2 allows', () => {
    fc.assert(
      fc.property(messageArb, lastSentArb, (m, lastSent) => {
        const plan = planReestablish(state, lastSent, m, signer);
        if (plan.kind === 'resume') {
          expect([BigInt(lastSigned), BigInt(lastSigned + 1)]).toContain(m.nextCommitmentNumber);
          expect([BigInt(lastRevoked), BigInt(lastRevoked + 1)]).toContain(m.nextRevocationNumber);
          expect(plan.retransmit.includes('commitment_signed')).toBe(m.nextCommitmentNumber === BigInt(lastSigned));
          expect(plan.retransmit.includes('revoke_and_ack')).toBe(m.nextRevocationNumber === BigInt(lastRevoked));
        } else {
          expect(plan.error.code).toMatch(/^channel\.(reestablish_|local_data_loss|peer_data_loss)/);
        }
        if (plan.kind === 'fail' && plan.reason === 'local_data_loss') {
          // Only with the proof: the secret of our commitment next_revocation_number - 1.
          expect(m.nextRevocationNumber).toBeGreaterThan(BigInt(lastRevoked + 1));
          expect(m.yourLastPerCommitmentSecret).toEqual(signer.releasePerCommitmentSecret(Number(m.nextRevocationNumber - 1n)));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a link fed any such message goes on, or fails with a typed code and an error for the peer', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const link = new ChannelLink(stored, signer, {});
        link.connected();
        link.markPersisted(link.revision);
        link.takeOutbound();
        const r = link.receive(m, 5);
        if (r.failure) {
          expect(link.phase).toBe('failed');
          expect(r.failure.code).toMatch(/^channel\./);
          expect(link.needsPersist).toBe(true);
          expect(() => link.takeOutbound()).toThrowError(expect.objectContaining({ code: 'channel_link.not_persisted' }));
          link.markPersisted(link.revision);
          expect(link.takeOutbound().map((o) => o.message.type)).toEqual(['error']);
        } else {
          expect(link.phase).toBe('active');
        }
      }),
      { numRuns: 200 },
    );
  });
});
