/**
 * BOLT 2 "Message Retransmission", case by case: two ChannelLinks with real stores lose what is
 * in flight when the connection drops, exchange channel_reestablish, retransmit what the rules
 * say (and only that, in the original order), and converge. The failure rows of the table
 * (bad numbers, bad secret, proven data loss on either side) are checked too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '../../../core/crypto';
import {
  ChannelCommandError, buildChannelReestablish, forgetUncommittedUpdates, planReestablish,
} from '../../../core/channel';
import type { ChannelReestablish, Message } from '../../../core/wire';
import { decodeMessage } from '../../../core/wire';
import type { LinkNet} from './link-net';
import { LinkParty, expectConverged, linkNet, reconnect } from './link-net';
import { expectCode } from './harness';

let nets: LinkNet[] = [];
afterEach(() => {
  for (const n of nets) n.close();
  nets = [];
});

function net(...args: Parameters<typeof linkNet>): LinkNet {
  const n = linkNet(...args);
  nets.push(n);
  return n;
}

/** A connected, reestablished pair (the opening's channel_ready exchange done). */
function opened(): LinkNet {
  const n = net();
  n.openConnected();
  return n;
}

function lastSentOf(p: LinkParty, type: string): Message {
  const found = [...p.sent].reverse().find((o) => o.message.type === type);
  if (!found) throw new Error(`${p.name} never sent ${type}`);
  return found.message;
}

describe('channel_reestablish: what we send', () => {
  it('on a fresh channel says next_commitment_number 1, next_revocation_number 0 and an all-zero secret', () => {
    const n = net();
    const m = buildChannelReestablish(n.a.state, n.a.signer);
    expect(m.nextCommitmentNumber).toBe(1n);
    expect(m.nextRevocationNumber).toBe(0n);
    expect(toHex(m.yourLastPerCommitmentSecret)).toBe('00'.repeat(32));
    expect(m.myCurrentPerCommitmentPoint).toEqual(n.a.signer.perCommitmentPoint(0));
    expect(m.tlvs).toEqual({});
  });

  it('after commitments both ways carries the last secret received and our current point', () => {
    const n = opened();
    n.a.add(1_000_000n);
    n.a.commit();
    n.deliverAll();
    n.b.commit();
    n.deliverAll();
    // A: commitment 1 signed by B; B revoked its 0 and signed... A's remote is B's 1 after B's revocation of 0.
    const m = buildChannelReestablish(n.a.state, n.a.signer);
    expect(m.nextCommitmentNumber).toBe(BigInt(n.a.state.localCommit.ctn + 1));
    expect(m.nextRevocationNumber).toBe(1n);
    expect(m.yourLastPerCommitmentSecret).toEqual(n.b.signer.releasePerCommitmentSecret(0));
    expect(m.myCurrentPerCommitmentPoint).toEqual(n.a.signer.perCommitmentPoint(n.a.state.localCommit.ctn));
  });
});

describe('channel_reestablish: retransmission', () => {
  it('retransmits channel_ready when next_commitment_number is 1 on both sides, and the redundant one is ignored', () => {
    const n = net();
    const sent = reconnect(n);
    expect(sent.a).toEqual(['channel_reestablish', 'channel_ready']);
    expect(sent.b).toEqual(['channel_reestablish', 'channel_ready']);
    n.deliverAll();
    expect(n.a.link.phase).toBe('active');
    expect(n.b.link.phase).toBe('active');
    expect(n.a.state.status.kind).toBe('normal');
  });

  it('retransmits nothing once a commitment was exchanged and nothing was lost', () => {
    const n = opened();
    n.a.add(2_000_000n);
    n.a.commit();
    n.settle();
    n.disconnect();
    const sent = reconnect(n);
    expect(sent).toEqual({ a: ['channel_reestablish'], b: ['channel_reestablish'] });
    n.a.add(3_000_000n);
    n.settle();
    expectConverged(n);
  });

  it('re-sends a lost commitment_signed with the same number and signature, after the updates it covers', () => {
    const n = opened();
    n.a.add(5_000_000n);
    n.a.fee(1000);
    n.a.commit();
    const original = lastSentOf(n.a, 'commitment_signed');
    expect(n.types(n.a)).toEqual(['update_add_htlc', 'update_fee', 'commitment_signed']);
    n.disconnect();
    const sent = reconnect(n);
    // No commitment was received on either side yet, so channel_ready goes again too.
    expect(sent.a).toEqual(['channel_reestablish', 'channel_ready', 'update_add_htlc', 'update_fee', 'commitment_signed']);
    expect(sent.b).toEqual(['channel_reestablish', 'channel_ready']);
    expect(lastSentOf(n.a, 'commitment_signed')).toEqual(original);
    n.settle();
    expectConverged(n);
    expect(n.a.state.localCommit.spec.htlcs).toHaveLength(1);
    expect(n.a.state.localCommit.spec.feeratePerKw).toBe(1000);
  });

  it('re-sends a lost revoke_and_ack when next_revocation_number names the last one sent', () => {
    const n = opened();
    n.a.add(5_000_000n);
    n.a.commit();
    n.deliverOne(n.a);
    n.deliverOne(n.a);
    expect(n.types(n.b)).toEqual(['revoke_and_ack']);
    const original = lastSentOf(n.b, 'revoke_and_ack');
    n.disconnect();
    const sent = reconnect(n);
    expect(sent.b).toEqual(['channel_reestablish', 'revoke_and_ack']);
    expect(sent.a).toEqual(['channel_reestablish']);
    expect(lastSentOf(n.b, 'revoke_and_ack')).toEqual(original);
    n.settle();
    expectConverged(n);
  });

  it('keeps commitment_signed before revoke_and_ack when both were lost in that order', () => {
    const n = opened();
    n.a.add(4_000_000n);
    n.b.add(3_000_000n);
    n.deliverAll();
    n.a.commit();
    n.b.commit();
    // B's commitment_signed reaches A, which answers; nothing of A's reaches B.
    n.deliverOne(n.b);
    expect(n.types(n.a)).toEqual(['commitment_signed', 'revoke_and_ack']);
    n.disconnect();
    const sent = reconnect(n);
    // A's add was never covered by a commitment_signed B received: B forgot it, A sends it again.
    expect(sent.a).toEqual(['channel_reestablish', 'update_add_htlc', 'commitment_signed', 'revoke_and_ack']);
    expect(sent.b).toEqual(['channel_reestablish']);
    n.settle();
    expectConverged(n);
    expect(n.a.state.localCommit.spec.htlcs).toHaveLength(2);
  });

  it('keeps revoke_and_ack before commitment_signed when both were lost in that order', () => {
    const n = opened();
    n.b.add(3_000_000n);
    n.b.commit();
    n.deliverOne(n.b);
    n.deliverOne(n.b);
    // A answered B's commitment_signed, then added and signed; none of it reaches B.
    n.a.add(2_000_000n);
    n.a.commit();
    expect(n.types(n.a)).toEqual(['revoke_and_ack', 'update_add_htlc', 'commitment_signed']);
    n.disconnect();
    const sent = reconnect(n);
    expect(sent.a).toEqual(['channel_reestablish', 'revoke_and_ack', 'update_add_htlc', 'commitment_signed']);
    expect(sent.b).toEqual(['channel_reestablish']);
    n.settle();
    expectConverged(n);
    expect(n.b.state.localCommit.spec.htlcs).toHaveLength(2);
  });

  it('forgets updates no commitment_signed covered, on both sides, and reuses their HTLC ids', () => {
    const n = opened();
    n.a.add(1_000_000n);
    n.b.add(2_000_000n);
    n.deliverAll();
    expect(n.b.state.changes).toHaveLength(2);
    n.disconnect();
    for (const p of [n.a, n.b]) {
      expect(p.state.changes).toHaveLength(0);
      expect(p.state.nextLocalHtlcId).toBe(0n);
      expect(p.state.nextRemoteHtlcId).toBe(0n);
      expect(p.state.incomingHtlcs).toHaveLength(0);
      expect(p.link.snapshot().sentUpdates).toHaveLength(0);
    }
    n.connect();
    n.deliverAll();
    expect(n.a.add(1_500_000n)).toBe(0n);
    n.settle();
    expectConverged(n);
  });

  it('keeps the peer\'s updates a received commitment_signed covered (forgetUncommittedUpdates)', () => {
    const n = opened();
    n.b.add(2_000_000n);
    n.b.commit();
    n.deliverOne(n.b);
    n.deliverOne(n.b);
    const { forgotten } = forgetUncommittedUpdates(n.a.state);
    expect(forgotten).toHaveLength(0);
  });

  /** A offered B an HTLC of 1,000,000 msat, committed both ways. */
  function withIncomingForB(): LinkNet {
    const n = opened();
    n.a.add(1_000_000n);
    n.settle();
    expect(n.b.state.localCommit.spec.htlcs).toHaveLength(1);
    return n;
  }

  it('re-sends our fulfill the peer reversed on disconnection, after channel_reestablish, and the HTLC settles', () => {
    const n = withIncomingForB();
    const bBefore = n.b.state.localCommit.spec.localMsat;
    n.b.fulfill(0n);
    n.deliverAll(); // A saw the preimage, but no commitment_signed covered it
    n.disconnect();
    const bForgot = n.b.results.at(-1)!.forgotten;
    expect(bForgot).toHaveLength(0);
    expect(n.a.state.changes).toHaveLength(0);
    const sent = reconnect(n);
    expect(sent.b).toEqual(['channel_reestablish', 'update_fulfill_htlc']);
    expect(n.b.sent.at(-1)!.note.retransmission).toBe(true);
    expect(sent.a).toEqual(['channel_reestablish']);
    n.settle();
    expectConverged(n);
    expect(n.b.state.localCommit.spec.htlcs).toHaveLength(0);
    expect(n.b.state.localCommit.spec.localMsat).toBe(bBefore + 1_000_000n);
  });

  it('keeps a fulfill across a crash right after it was queued, and settles the HTLC on reconnection', () => {
    const n = withIncomingForB();
    const bBefore = n.b.state.localCommit.spec.localMsat;
    n.b.fulfill(0n);
    expect(n.b.store.loadChannel(n.b.id)!.state.changes.map((c) => c.update.kind)).toEqual(['fulfill']);
    n.b.crash(); // the update_fulfill_htlc never left
    n.connect();
    n.settle();
    expectConverged(n);
    expect(n.b.state.localCommit.spec.localMsat).toBe(bBefore + 1_000_000n);
    expect(n.a.state.localCommit.spec.htlcs).toHaveLength(0);
  });

  it('re-sends our update_fail_htlc after a reconnection, and a second removal of that HTLC stays refused meanwhile', () => {
    const n = withIncomingForB();
    const aBefore = n.a.state.localCommit.spec.localMsat;
    n.b.fail(0n);
    n.disconnect();
    n.connect();
    expectCode(() => n.b.link.fulfillHtlc(0n, new Uint8Array(32)), ChannelCommandError, 'channel_command.not_active');
    n.deliverOne(n.a);
    n.deliverOne(n.b);
    expectCode(() => n.b.fulfill(0n), ChannelCommandError, 'channel_command.htlc_already_removed');
    expect(n.types(n.b)).toEqual(['update_fail_htlc']);
    n.settle();
    expectConverged(n);
    expect(n.a.state.localCommit.spec.localMsat).toBe(aBefore + 1_000_000n);
  });

  it('refuses commands until the peer\'s channel_reestablish arrived', () => {
    const n = opened();
    n.disconnect();
    expectCode(() => n.a.link.addHtlc({ amountMsat: 1n, paymentHash: new Uint8Array(32), cltvExpiry: 1, onionRoutingPacket: new Uint8Array(1366) }),
      ChannelCommandError, 'channel_command.not_active');
    n.connect();
    expectCode(() => n.a.link.commit(), ChannelCommandError, 'channel_command.not_active');
  });

  it('answers a channel message that comes before channel_reestablish with a warning and a disconnection', () => {
    const n = opened();
    n.disconnect();
    n.connect();
    const result = n.a.link.receive({ type: 'update_fee', channelId: n.a.link.channelId, feeratePerKw: 300 }, 0);
    expect(result.disconnect).toBe(true);
    expect(n.a.link.takeOutbound().map((o) => o.message.type)).toEqual(['warning']);
    expect(n.a.state.status.kind).toBe('normal');
  });
});

describe('channel_reestablish: failures', () => {
  /** Reconnects, then hands A a channel_reestablish from B altered by `edit`. */
  function alteredFromB(n: LinkNet, edit: (m: ChannelReestablish) => ChannelReestablish) {
    n.connect();
    const bytes = n.b.inFlight.shift()!;
    const theirs = decodeMessage(bytes) as ChannelReestablish;
    return n.a.apply(n.a.link.receive(edit(theirs), 7));
  }

  function cycled(): LinkNet {
    const n = opened();
    n.a.add(1_000_000n);
    n.settle();
    n.b.fulfill(0n);
    n.settle();
    n.disconnect();
    return n;
  }

  it('fails the channel when next_commitment_number is 0', () => {
    const n = cycled();
    const r = alteredFromB(n, (m) => ({ ...m, nextCommitmentNumber: 0n }));
    expect(r.failure?.code).toBe('channel.reestablish_zero_commitment_number');
    expect(n.a.link.phase).toBe('failed');
    expect(n.a.sent.at(-1)!.message.type).toBe('error');
  });

  it('fails the channel when next_commitment_number is neither the last nor the next commitment it would sign', () => {
    const n = cycled();
    const r = alteredFromB(n, (m) => ({ ...m, nextCommitmentNumber: m.nextCommitmentNumber + 3n }));
    expect(r.failure?.code).toBe('channel.reestablish_bad_commitment_number');
  });

  it('fails the channel when your_last_per_commitment_secret is wrong', () => {
    const n = cycled();
    const r = alteredFromB(n, (m) => ({ ...m, yourLastPerCommitmentSecret: randomBytes(32) }));
    expect(r.failure?.code).toBe('channel.reestablish_bad_secret');
  });

  it('fails the channel when next_revocation_number is ahead without a valid proof', () => {
    const n = cycled();
    const r = alteredFromB(n, (m) => ({ ...m, nextRevocationNumber: m.nextRevocationNumber + 2n, yourLastPerCommitmentSecret: randomBytes(32) }));
    expect(r.failure?.code).toBe('channel.reestablish_bad_revocation_number');
    expect(n.a.link.dataLoss).toBeNull();
  });

  it('fails the channel when the peer never got a revocation but next_revocation_number is not 0', () => {
    const n = opened();
    n.disconnect();
    const r = alteredFromB(n, (m) => ({ ...m, nextRevocationNumber: 1n }));
    expect(r.failure?.code).toBe('channel.reestablish_bad_revocation_number');
  });

  /** A backs up after one HTLC, moves on three more, then restarts from the backup and reconnects. */
  function restoredFromOldBackup(): { n: ReturnType<typeof opened>; restored: LinkParty } {
    const n = opened();
    n.a.add(1_000_000n);
    n.settle();
    const backup = n.a.link.snapshot();
    for (let i = 0; i < 3; i++) {
      n.a.add(1_000_000n);
      n.settle();
    }
    n.disconnect();
    // A restarts from the old backup (a fresh store holding it).
    const restored = new LinkParty('A', backup, n.a.signer, {});
    n.a.db.close();
    (n as { a: LinkParty }).a = restored;
    restored.net = n;
    n.connect();
    n.deliverAll();
    return { n, restored };
  }

  it('detects that we lost data when the peer proves a revocation we do not remember, and never signs again', () => {
    const { n, restored } = restoredFromOldBackup();
    expect(restored.link.phase).toBe('failed');
    expect(restored.state.status).toMatchObject({ kind: 'failed', code: 'channel.local_data_loss' });
    expect(restored.link.dataLoss).toMatchObject({ behind: 'local', code: 'channel.local_data_loss', detectedAt: 1_000 });
    // B sees A far behind: it fails the channel too (it would broadcast its latest commitment).
    expect(n.b.state.status).toMatchObject({ kind: 'failed', code: 'channel.peer_data_loss' });
    expect(n.b.link.dataLoss).toMatchObject({ behind: 'remote' });
    // Recorded durably, and the restored node sent an error, never a commitment_signed or revoke_and_ack.
    expect(restored.store.loadChannel(restored.id)!.dataLoss).toMatchObject({ behind: 'local' });
    expect(restored.sent.map((o) => o.message.type)).toEqual(['channel_reestablish', 'error']);
    expectCode(() => restored.link.commit(), ChannelCommandError, 'channel_command.channel_failed');
    // On the next connection it only repeats the error.
    n.disconnect();
    n.connect();
    expect(restored.sent.slice(2).map((o) => o.message.type)).toEqual(['error']);
  });

  it('sends a peer that lost data its channel_reestablish again before the error on every reconnection', () => {
    const { n } = restoredFromOldBackup();
    expect(n.b.link.dataLoss).toMatchObject({ behind: 'remote' });
    const before = n.b.sent.length;
    n.disconnect();
    n.connect();
    // B is failed, yet the behind peer still gets the proof (a reestablish) and then the error.
    expect(n.b.sent.slice(before).map((o) => o.message.type)).toEqual(['channel_reestablish', 'error']);
  });

  it('keeps a failed channel failed across a restart and repeats its error', () => {
    const n = cycled();
    alteredFromB(n, (m) => ({ ...m, nextCommitmentNumber: 0n }));
    n.disconnect();
    n.a.crash();
    expect(n.a.link.phase).toBe('failed');
    n.connect();
    expect(n.a.sent.at(-1)!.message.type).toBe('error');
    // Anything else from the peer is ignored.
    const r = n.a.link.receive({ type: 'update_fee', channelId: n.a.link.channelId, feeratePerKw: 300 }, 0);
    expect(r).toMatchObject({ failure: null, disconnect: false });
  });
});

describe('planReestablish, the retransmission table as a pure function', () => {
  it('classifies every next_revocation_number around the expected one', () => {
    const n = opened();
    for (let i = 0; i < 3; i++) {
      n.a.add(1_000_000n);
      n.settle();
    }
    const s = n.a.state; // A revoked its commitments 0..k-1; the last revoke_and_ack revoked k-1.
    const k = s.localCommit.ctn;
    const theirs = (nr: number, secretOf: number | null): ChannelReestablish => ({
      type: 'channel_reestablish',
      channelId: s.params.channelId,
      nextCommitmentNumber: BigInt(s.remoteCommit.ctn + 1),
      nextRevocationNumber: BigInt(nr),
      yourLastPerCommitmentSecret: secretOf === null ? new Uint8Array(32) : n.a.signer.releasePerCommitmentSecret(secretOf),
      myCurrentPerCommitmentPoint: n.b.signer.perCommitmentPoint(0),
      tlvs: {},
    });
    const plan = (nr: number, secretOf: number | null) => planReestablish(s, 'revoke_and_ack', theirs(nr, secretOf), n.a.signer);
    expect(plan(k, k - 1)).toMatchObject({ kind: 'resume', retransmit: [] });
    expect(plan(k - 1, k - 2)).toMatchObject({ kind: 'resume', retransmit: ['revoke_and_ack'] });
    expect(plan(k - 2, k - 3)).toMatchObject({ kind: 'fail', reason: 'peer_data_loss' });
    expect(plan(k + 1, k)).toMatchObject({ kind: 'fail', reason: 'local_data_loss' });
    expect(plan(k + 1, k - 1)).toMatchObject({ kind: 'fail', reason: 'protocol' });
    expect(plan(k, k - 2)).toMatchObject({ kind: 'fail', reason: 'protocol', error: { code: 'channel.reestablish_bad_secret' } });
  });
});
