import { describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../../core/api/events';
import type { ChangeView, ChannelMessageInfo, ChannelSummary, ChannelView } from '../../../core/api/channels';
import { runSimulationRequest } from '../../../core/simulator/request';
import {
  FAIL_BACK_WORDS, OUR_NAMES, balanceShares, causeText, changeLabel, channelMessageLabel, lastSentOf, changeProgress, channelMessageOf, dustExposure, htlcRows, mergeChannelMessages,
  funderWords, partyNames, pendingChanges, reduceChannels,
} from '../../../renderer/src/lib/channels';

const ID = 'cc'.repeat(32);
let seq = 0;
const ev = (body: Record<string, unknown>): NodeEvent => ({ seq: ++seq, time: 1000 + seq, ...body }) as unknown as NodeEvent;

function summary(over: Partial<ChannelSummary>): ChannelSummary {
  return {
    channelId: ID, peer: '02' + '11'.repeat(32), state: 'active', funder: 'local', channelType: 'anchors', fundingOutpoint: 'ab:0', capacitySat: '1000',
    localBalanceMsat: '600000', remoteBalanceMsat: '300000', localCtn: 0, remoteCtn: 0, numHtlcs: 1, feeratePerKw: 253, toSelfDelay: 144, failure: null, dataLoss: null, createdAt: 1,
    lifecycle: 'active', shortChannelId: null, aliases: { local: null, remote: null }, onChain: null,
    ...over,
  };
}

/** A real view from the simulator: crossing-commits at step 5 (A's side). */
function crossingView(party: 'A' | 'B', step = 5): ChannelView {
  return runSimulationRequest({ scenario: 'crossing-commits' }).trace.steps[step - 1]!.views[party];
}

describe('channel list', () => {
  it('inserts and replaces channels from channel.updated, and marks failures', () => {
    let list = reduceChannels([], ev({ type: 'channel.updated', channel: summary({}), view: {}, persisted: true, cause: 'opened', forgotten: [] }));
    expect(list).toHaveLength(1);
    list = reduceChannels(list, ev({ type: 'channel.updated', channel: summary({ localCtn: 3 }), view: {}, persisted: true, cause: 'commit', forgotten: [] }));
    expect(list).toHaveLength(1);
    expect(list[0]!.localCtn).toBe(3);
    list = reduceChannels(list, ev({ type: 'channel.failed', channelId: ID, peer: 'x', code: 'channel.bad_commitment_signature', message: 'bad sig', dataLoss: null }));
    expect(list[0]).toMatchObject({ state: 'failed', failure: { code: 'channel.bad_commitment_signature', message: 'bad sig' } });
    expect(reduceChannels(list, ev({ type: 'peer.pong', nodeId: 'x', rttMs: 1 }))).toBe(list);
  });

  it('splits the capacity into ours, in flight and theirs', () => {
    const s = balanceShares(summary({}));
    expect(s).toEqual({ local: 0.6, inFlight: 0.1, remote: 0.3, inFlightMsat: 100000n });
    expect(balanceShares(summary({ capacitySat: '0' })).local).toBe(0);
  });
});

describe('channel inspector', () => {
  it('lists every HTLC once with its place in each commitment', () => {
    const view = crossingView('A');
    // At step 5 A holds B0 in its commitment and has signed A0 into B's.
    expect(htlcRows(view).map((r) => [r.ref, r.inLocal, r.inRemote])).toEqual([
      ['local:0', null, 'output'],
      ['remote:0', 'output', null],
    ]);
    const trimmed: ChannelView = {
      ...view,
      localCommit: { ...view.localCommit, htlcs: [{ ...view.localCommit.htlcs[0]!, trimmed: true }] },
    };
    expect(htlcRows(trimmed).find((r) => r.ref === 'remote:0')!.inLocal).toBe('trimmed');
  });

  it('marks an incoming HTLC that must be failed back, from either commitment', () => {
    const view = crossingView('A');
    expect(htlcRows(view).map((r) => r.failBack)).toEqual([null, null]);
    const flagged: ChannelView = {
      ...view,
      localCommit: { ...view.localCommit, htlcs: view.localCommit.htlcs.map((h) => (h.offerer === 'remote' ? { ...h, trimmed: true, failBack: 'dust_exposure' as const } : h)) },
    };
    const row = htlcRows(flagged).find((r) => r.ref === 'remote:0')!;
    expect(row).toMatchObject({ inLocal: 'trimmed', failBack: 'dust_exposure' });
    expect(FAIL_BACK_WORDS[row.failBack!].label).toBe('must fail back (dust exposure)');
    expect(FAIL_BACK_WORDS.dust_exposure.explain).toMatch(/max_dust_htlc_exposure_msat.*never fulfilled/);
  });

  it('shows a commitment’s dust exposure against the limit', () => {
    // The simulator plays without the dust limit: it is the channel's capacity.
    const c = crossingView('A').localCommit;
    expect(dustExposure(c)).toMatchObject({ exposureMsat: 0n, share: 0, over: false, text: 'dust exposure 0 sat, no limit' });
    expect(dustExposure({ dustExposureMsat: '1500000', maxDustExposureMsat: '5000000' })).toEqual({
      exposureMsat: 1_500_000n, limitMsat: 5_000_000n, share: 0.3, over: false, amounts: '1,500 of 5,000 sat', text: 'dust exposure 1,500 of 5,000 sat',
    });
    expect(dustExposure({ dustExposureMsat: '6000500', maxDustExposureMsat: '5000000' })).toMatchObject({ share: 1, over: true, text: 'dust exposure 6,000.5 of 5,000 sat' });
    expect(dustExposure({ dustExposureMsat: '5000000', maxDustExposureMsat: '5000000' })).toMatchObject({ share: 1, over: false });
    expect(dustExposure({ dustExposureMsat: '0', maxDustExposureMsat: '0' }).share).toBe(0);
  });

  it('names HTLCs from our side in the inspector and by party in the lab', () => {
    expect(OUR_NAMES('local:3')).toBe('ours 3');
    expect(OUR_NAMES('remote:0')).toBe('theirs 0');
    expect(partyNames('A')('local:1')).toBe('A1');
    expect(partyNames('B')('local:1')).toBe('B1');
    expect(partyNames('B')('remote:2')).toBe('A2');
  });

  it('puts changes in words, with the commitments they reached', () => {
    const add: ChangeView = { seq: 0, origin: 'local', kind: 'add', htlc: 'local:0', amountMsat: '20000000', feeratePerKw: null, signedInRemote: 1, inLocal: null };
    expect(changeLabel(add, OUR_NAMES)).toBe('add ours 0 · 20,000 sat');
    expect(changeProgress(add)).toEqual(['in theirs #1']);
    const fee: ChangeView = { ...add, kind: 'fee', htlc: null, amountMsat: null, feeratePerKw: 2500 };
    expect(changeLabel(fee, OUR_NAMES)).toBe('fee → 2500 sat/kw');
    const view = crossingView('A');
    expect(pendingChanges(view)).toBe(2);
    expect(view.lists.localUnacked.map((c) => changeLabel(c, partyNames('A')))).toEqual(['add B0 · 30,000 sat']);
  });

  it('merges the stored and live message history once each (by the node’s message number), oldest first', () => {
    const m = (n: number, time: number): ChannelMessageInfo => ({
      n, time, channelId: ID, peer: 'p', direction: 'out', messageType: 'update_add_htlc', htlcId: 'local:0', commitmentNumber: null, signature: null, summary: '', retransmission: false,
    });
    // The live copy of message 2 carries the event's time, not the record's: still the same message.
    const list = mergeChannelMessages([m(1, 10), m(2, 20)], [m(2, 21), m(3, 30), m(3, 31)]);
    expect(list.map((x) => x.n)).toEqual([1, 2, 3]);
    expect(mergeChannelMessages([m(5, 50)], [m(4, 49)]).map((x) => x.n)).toEqual([4, 5]);
    expect(mergeChannelMessages(list, [m(4, 40)], 2).map((x) => x.n)).toEqual([3, 4]);
    const event = ev({ type: 'channel.message', ...m(5, 50) });
    expect(channelMessageOf(event)).toMatchObject({ n: 5, messageType: 'update_add_htlc' });
    expect(channelMessageOf(ev({ type: 'peer.pong', nodeId: 'x', rttMs: 1 }))).toBeNull();
  });

  it('labels messages from this node’s side for the diagram', () => {
    const base = { htlcId: null, commitmentNumber: null, summary: '' };
    expect(channelMessageLabel({ ...base, direction: 'out', messageType: 'update_add_htlc', htlcId: 'local:0', summary: '10000000 msat, expiry 1000' })).toBe('ours 0 · 10,000 sat');
    expect(channelMessageLabel({ ...base, direction: 'in', messageType: 'update_fulfill_htlc', htlcId: 'local:0', summary: 'fulfilled' })).toBe('ours 0');
    expect(channelMessageLabel({ ...base, direction: 'out', messageType: 'commitment_signed', commitmentNumber: 4, summary: '1 htlc signature' })).toBe('signs theirs #4');
    expect(channelMessageLabel({ ...base, direction: 'in', messageType: 'commitment_signed', commitmentNumber: 2, summary: '0 htlc signatures' })).toBe('signs ours #2');
    expect(channelMessageLabel({ ...base, direction: 'out', messageType: 'revoke_and_ack', commitmentNumber: 3 })).toBe('revokes ours #3');
    expect(channelMessageLabel({ ...base, direction: 'in', messageType: 'update_fee', summary: '2500 sat/kw' })).toBe('2500 sat/kw');
  });

  it('says what caused a step and what we sent last', () => {
    expect(causeText('add_htlc')).toBe('we added an HTLC');
    expect(causeText('revoke_and_ack')).toBe('revoke_and_ack received');
    const ms = [
      { direction: 'out' as const, messageType: 'commitment_signed' },
      { direction: 'in' as const, messageType: 'revoke_and_ack' },
      { direction: 'out' as const, messageType: 'update_add_htlc' },
    ];
    expect(lastSentOf(ms, 'none')).toBe('commitment_signed');
    expect(lastSentOf([], 'revoke_and_ack')).toBe('revoke_and_ack');
  });
});

describe('commitment cards', () => {
  it('say that balances are before the fee and who pays it, in the inspector’s words and the lab’s', () => {
    expect(funderWords('us')).toEqual({ basis: 'Balances before fees, which we pay as the funder.', pays: 'fee paid by us', after: 'to us after fees' });
    expect(funderWords('them').basis).toBe('Balances before fees, which they pay as the funder.');
    expect(funderWords('A')).toEqual({ basis: 'Balances before fees, which A pays as the funder.', pays: 'fee paid by A', after: 'to A after fees' });
  });

  it('give the funder’s balance after fees as the node computes it: before fees minus what it pays', () => {
    const { trace } = runSimulationRequest({ scenario: 'htlc-cycle' });
    for (const step of trace.steps) {
      for (const view of [step.views.A, step.views.B]) {
        for (const c of [view.localCommit, view.remoteCommit]) {
          const funderBefore = BigInt(view.funder === 'local' ? c.localMsat : c.remoteMsat);
          expect(BigInt(c.funderBalanceAfterFeesMsat)).toBe(funderBefore - BigInt(c.funderCostMsat));
        }
      }
    }
  });
});
