import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MonitorView, OpeningInfo } from '../../../core/api/channel-methods';
import { MAX_CHANNEL_SAT, channelSettingsDraft, checkChannelSettings, checkOpenForm, closeSummary, emptyOpenDraft, lifecycleWords, openingWords, resolutionRows } from '../../../renderer/src/lib/channel-lifecycle';

const PEER = `02${'ab'.repeat(32)}`;

describe('the Open channel form', () => {
  it('turns a filled form into openChannel params (push in msat, rate as a number) and says what is wrong per field', () => {
    const ok = checkOpenForm({ ...emptyOpenDraft(PEER), amountSat: '500,000', pushSat: '1000', feeRate: '2.5', zeroconf: true }, { availableSat: 1_000_000n });
    expect(ok.params).toEqual({ nodeId: PEER, amountSat: '500000', pushMsat: '1000000', feeRateSatVb: 2.5, channelType: 'anchors', zeroconf: true });
    expect(checkOpenForm({ ...emptyOpenDraft(PEER), amountSat: '500000' }, { availableSat: null }).params).toEqual({ nodeId: PEER, amountSat: '500000', channelType: 'anchors' });
    const bad = checkOpenForm({ ...emptyOpenDraft('nope'), amountSat: '2000000', pushSat: '3000000', feeRate: '0' }, { availableSat: 1_000_000n });
    expect(bad.params).toBeNull();
    expect(Object.keys(bad.problems).sort()).toEqual(['amountSat', 'feeRate', 'nodeId', 'pushSat']);
    expect(checkOpenForm({ ...emptyOpenDraft(PEER), amountSat: String(MAX_CHANNEL_SAT + 1n) }, { availableSat: null }).problems.amountSat).toMatch(/large_channel/);
    expect(checkOpenForm({ ...emptyOpenDraft(PEER), amountSat: '100' }, { availableSat: null }).problems.amountSat).toMatch(/At least/);
  });

  it('never gives params with a problem, and any params it gives pass the API schema\'s patterns', () => {
    fc.assert(fc.property(fc.string(), fc.string(), fc.string(), fc.string(), fc.boolean(), (nodeId, amountSat, pushSat, feeRate, zeroconf) => {
      const r = checkOpenForm({ nodeId, amountSat, pushSat, feeRate, zeroconf, channelType: 'static_remotekey' }, { availableSat: 5_000_000n });
      if (r.params) {
        expect(Object.keys(r.problems)).toEqual([]);
        expect(r.params.amountSat).toMatch(/^[1-9][0-9]*$/);
        if (r.params.pushMsat !== undefined) expect(BigInt(r.params.pushMsat)).toBeLessThan(BigInt(r.params.amountSat) * 1000n);
      }
    }));
  });
});

describe('lifecycle words', () => {
  const opening = (o: Partial<OpeningInfo>): OpeningInfo => ({
    temporaryChannelId: '00'.repeat(32), channelId: null, peer: PEER, role: 'funder', phase: 'awaiting_lock_in', lifecycle: 'awaiting_confirmations',
    channelType: 'anchors', fundingSat: '500000', pushMsat: '0', announce: false, fundingOutpoint: null, confirmations: 1, minimumDepth: 3,
    shortChannelId: null, failure: null, createdAt: 0, ...o,
  });
  it('an opening counts its confirmations against the minimum depth', () => {
    expect(openingWords(opening({})).label).toBe('awaiting 1 of 3 confirmations');
    expect(openingWords(opening({ confirmations: 9 })).label).toBe('awaiting 3 of 3 confirmations');
    expect(openingWords(opening({ minimumDepth: 0 })).label).toBe('zero-conf');
    expect(openingWords(opening({ lifecycle: 'failed', failure: { code: 'channel_open.peer_error', message: 'refused' } })).explain).toContain('channel_open.peer_error');
  });
  it('a force-closing channel says how many outputs are pending', () => {
    const onChain = { state: 'closing' as const, kind: 'local', closingTxid: 'aa'.repeat(32), confirmations: 2, claimedSat: '0', pendingSat: '5', lostSat: '0', pendingOutputs: 2 };
    expect(lifecycleWords({ lifecycle: 'force_closing', onChain }).label).toBe('force-closing · 2 pending');
    expect(lifecycleWords({ lifecycle: 'closing', onChain: { ...onChain, kind: 'mutual' } }).label).toBe('closing · 2 conf.');
    expect(lifecycleWords({ lifecycle: 'closed', onChain }).tone).toBe('neutral');
  });
  it('the close dialog says who pays and when the funds return', () => {
    const s = closeSummary({ funder: 'local', channelType: 'anchors', localBalanceMsat: '400000000' }, 144);
    expect(s.cooperative).toContain('you pay the closing fee');
    expect(s.force).toContain('400,000 sat are locked for 144 blocks (about 24 hours)');
    expect(s.force).toContain('CPFP');
  });
});

describe('the resolution rows', () => {
  it('give each output its role, status tone and timing against the tip', () => {
    const view: MonitorView = {
      channelId: 'cc'.repeat(32), bestHeight: 200, state: 'closing',
      closing: { kind: 'local', txid: 'dd'.repeat(32), height: 150, depth: 51, commitmentNumber: 3 },
      outputs: [
        { outpoint: `${'dd'.repeat(32)}:0`, role: 'local_to_local', valueSat: '390000', status: 'maturing', maturesAt: 294, deadline: null, claim: null, spentBy: null, htlc: null, parent: null },
        { outpoint: `${'dd'.repeat(32)}:1`, role: 'their_main', valueSat: '100000', status: 'theirs', maturesAt: null, deadline: null, claim: null, spentBy: null, htlc: null, parent: null },
        {
          outpoint: `${'dd'.repeat(32)}:2`, role: 'local_htlc_offered', valueSat: '10000', status: 'spent', maturesAt: 180, deadline: 190,
          claim: { key: 'k', txid: 'ee'.repeat(32), feeratePerKw: 2500, since: 180 }, spentBy: { txid: 'ee'.repeat(32), height: 181, depth: 20, by: 'us', path: 'timeout' as never }, htlc: null, parent: null,
        },
      ],
      htlcs: [],
      totals: { claimedSat: '10000', pendingSat: '390000', lostSat: '0' },
    };
    const rows = resolutionRows(view);
    expect(rows.map((r) => [r.role, r.tone, r.timing])).toEqual([
      ['Ours (to_local, delayed)', 'warn', 'matures in 94 blocks (#294)'],
      ['The peer’s balance', 'neutral', null],
      ['HTLC we offered', 'good', 'deadline passed (#190)'],
    ]);
    expect(rows[2]).toMatchObject({ claimTxid: 'ee'.repeat(32), depth: 20 });
    expect(rows[2]!.spender).toMatch(/^us · eeeeeeeeee/);
  });
});

describe('the channel settings form', () => {
  const current = { minFundingSat: '20000', maxFundingSat: '1000000000', maxToSelfDelay: 2016, toSelfDelay: 144, minimumDepth: 3, trustedZeroconfPeers: [] as string[] };
  it('saves only what changed; names what is wrong', () => {
    expect(checkChannelSettings(channelSettingsDraft(current), current)).toEqual({ problems: {}, change: null });
    const d = { ...channelSettingsDraft(current), minimumDepth: '6', trusted: `${PEER}\n${PEER.toUpperCase()}, ` };
    expect(checkChannelSettings(d, current).change).toEqual({ minimumDepth: 6, trustedZeroconfPeers: [PEER] });
    const bad = checkChannelSettings({ ...d, minFundingSat: '2000000000', minimumDepth: '0', trusted: 'x' }, current);
    expect(bad.change).toBeNull();
    expect(Object.keys(bad.problems).sort()).toEqual(['minFundingSat', 'minimumDepth', 'trusted']);
  });
});
