/**
 * The ChannelMonitor on a simulated chain (test/unit/monitor/scenario.ts): output states against a
 * model under random confirmations, reorgs, repeated blocks and restarts; justice batching and the
 * split near expiry; re-bidding; idempotency; what never appears in events; refused inputs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256, toHex } from '../../../core/crypto';
import type { Transaction } from '../../../core/bitcoin';
import { txid, txidToHex } from '../../../core/bitcoin';
import { ChannelMonitor, MonitorError, decodeMonitorSnapshot, encodeMonitorSnapshot, outpointKey } from '../../../core/monitor';
import type { MonitorStep, MonitorView, OutputView } from '../../../core/monitor';
import { MonitoredPair, fakeFunding, preimageOf, signedLocalCommitment } from '../../support/monitor-channel';
import { BASE_HEIGHT, SimChain, feed, forceClosedPair, monitorFor } from './scenario';
import type { Fed } from './scenario';

/** The view without what depends on the monitor's history of bids (claim records). */
function strip(v: MonitorView): unknown {
  return {
    ...v,
    outputs: v.outputs.map((o: OutputView) => ({ ...o, claim: null, status: o.status === 'claiming' ? 'claimable' : o.status })),
  };
}

describe('output states against a model', () => {
  it('follows any sequence of confirmations, reorgs, repeated blocks and restarts exactly as a fresh monitor fed the same chain', () => {
    // The transactions of one resolution: commitment, HTLC-timeout, to_local sweep, second-stage sweep.
    const golden = forceClosedPair();
    for (let i = 0; i < 80 && golden.A.monitor.view().state !== 'closed'; i++) {
      golden.chain.mine();
      feed(golden.chain, golden.A);
    }
    const pool = golden.chain.blocks.flat();
    const label = (tx: Transaction) => {
      const o = golden.A.monitor.view().outputs;
      const id = txidToHex(txid(tx));
      if (golden.step.actions.some((a) => a.type === 'broadcast' && a.txid === id)) return 'commitment';
      return o.find((x) => x.spentBy?.txid === id)?.role ?? 'other';
    };
    expect(pool.map(label).sort()).toEqual(['commitment', 'local_htlc_offered', 'local_second_stage', 'local_to_local']);
    const byLabel = new Map(pool.map((tx) => [label(tx), tx]));
    const cltv = BASE_HEIGHT + 20;
    const delay = 12;

    const op = fc.oneof(
      fc.record({ op: fc.constant('mine' as const), n: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ op: fc.constant('confirm' as const), what: fc.constantFrom('commitment', 'local_htlc_offered', 'local_to_local', 'local_second_stage') }),
      fc.record({ op: fc.constant('reorg' as const), n: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ op: fc.constant('replay' as const) }),
      fc.record({ op: fc.constant('restart' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 16 }), (ops) => {
        const { pair, chain, A } = forceClosedPair();
        const heightOf = () => chain.confirmed();
        for (const o of ops) {
          const confirmed = heightOf();
          const at = (name: string) => confirmed.get(txidToHex(txid(byLabel.get(name)!)));
          if (o.op === 'mine') for (let i = 0; i < o.n; i++) chain.mine([]);
          else if (o.op === 'reorg') {
            const tip = chain.reorg(o.n);
            A.monitor.chainReorged(tip);
            A.fedHeight = tip;
          } else if (o.op === 'replay') {
            if (chain.blocks.length > 0) A.monitor.transactionsConfirmed(chain.blocks.at(-1)!, chain.tip);
          } else if (o.op === 'restart') {
            const snap = decodeMonitorSnapshot(JSON.parse(JSON.stringify(encodeMonitorSnapshot(A.monitor.snapshot()))));
            A.monitor = ChannelMonitor.restore(pair.a.updates, snap, pair.a.monitorSigner, { policy: A.monitor.policy });
            A.monitor.start();
          } else {
            // Only what consensus would accept at the next height.
            const next = chain.tip + 1;
            const c = at('commitment');
            const t = at('local_htlc_offered');
            const ok =
              at(o.what) === undefined &&
              (o.what === 'commitment' ||
                (c !== undefined &&
                  (o.what === 'local_htlc_offered' ? next > cltv : o.what === 'local_to_local' ? next >= c + delay : t !== undefined && next >= t + delay)));
            if (ok) chain.mine([byLabel.get(o.what)!]);
          }
          feed(chain, A);
          // The reference: a fresh monitor fed the same chain from the start.
          const fresh: Fed = { monitor: monitorFor(pair.a), fedHeight: BASE_HEIGHT };
          fresh.monitor.bestBlock(BASE_HEIGHT);
          fresh.monitor.forceClose();
          feed(new SimChain(), fresh);
          for (let h = BASE_HEIGHT + 1; h <= chain.tip; h++) fresh.monitor.transactionsConfirmed(chain.blocks[h - BASE_HEIGHT - 1]!, h);
          if (chain.tip === BASE_HEIGHT) fresh.monitor.bestBlock(BASE_HEIGHT);
          const v = A.monitor.view();
          expect(strip(v)).toEqual(strip(fresh.monitor.view()));

          // The model, output by output.
          const now = heightOf();
          const hc = now.get(txidToHex(txid(byLabel.get('commitment')!)));
          expect(v.state === 'open').toBe(false);
          if (hc === undefined) {
            expect(v.state).toBe('force_closing');
            expect(v.outputs).toEqual([]);
            continue;
          }
          const tip = chain.tip;
          const toLocal = v.outputs.find((x) => x.role === 'local_to_local')!;
          const sweptAt = now.get(txidToHex(txid(byLabel.get('local_to_local')!)));
          if (sweptAt !== undefined) expect(toLocal.spentBy).toMatchObject({ by: 'us', height: sweptAt, depth: tip - sweptAt + 1 });
          else expect(toLocal.status).toBe(tip + 1 >= hc + delay ? 'claiming' : 'maturing');
          const htlc = v.outputs.find((x) => x.role === 'local_htlc_offered')!;
          const timedOutAt = now.get(txidToHex(txid(byLabel.get('local_htlc_offered')!)));
          if (timedOutAt !== undefined) {
            expect(htlc.spentBy).toMatchObject({ by: 'us', path: 'htlc_timeout_tx', height: timedOutAt });
            expect(v.outputs.filter((x) => x.role === 'local_second_stage')).toHaveLength(1);
          } else {
            expect(htlc.status).toBe(tip >= cltv ? 'claiming' : 'maturing');
            expect(htlc.maturesAt).toBe(Math.max(cltv + 1, hc));
            expect(v.outputs.filter((x) => x.role === 'local_second_stage')).toHaveLength(0);
          }
        }
      }),
      { numRuns: 15, examples: [[[{ op: 'mine', n: 9 }, { op: 'mine', n: 12 }, { op: 'confirm', what: 'commitment' }, { op: 'mine', n: 1 }]]] },
    );
  }, 120_000);
});

describe('justice', () => {
  function cheated() {
    const funding = fakeFunding('justice');
    const pair = new MonitoredPair({ fundingOutpoint: funding, channelType: 'anchors', toSelfDelay: 40 });
    pair.add(pair.b, 40_000_000n, 'near', BASE_HEIGHT + 30);
    pair.add(pair.b, 30_000_000n, 'far', BASE_HEIGHT + 90);
    pair.commit(pair.a);
    const old = signedLocalCommitment(pair.b);
    pair.add(pair.a, 10_000_000n, 'more', BASE_HEIGHT + 100);
    pair.commit(pair.a);
    const chain = new SimChain();
    chain.external.add(outpointKey(funding));
    const A: Fed = { monitor: monitorFor(pair.a), fedHeight: BASE_HEIGHT };
    A.monitor.bestBlock(BASE_HEIGHT);
    chain.mine([old.tx]);
    return { pair, chain, A, old };
  }

  it('takes to_local and every HTLC in one penalty transaction, and gives an HTLC its own when security_delay blocks from its expiry', () => {
    const { chain, A, old } = cheated();
    const steps = feed(chain, A);
    const first = steps.flatMap((s) => s.actions).filter((a) => a.type === 'broadcast');
    const batch = first.find((a) => a.type === 'broadcast' && a.key === `justice:${txidToHex(old.txid)}`);
    expect(batch?.type === 'broadcast' && batch.tx.inputs.length).toBe(3);
    const batchFee = A.monitor.snapshot().claims.find((c) => c.key === `justice:${txidToHex(old.txid)}`)!.feeSat;
    // Nothing confirms; the near HTLC (expiry BASE+30) comes within 18 blocks of its expiry at BASE+12.
    let split: { solo: bigint; rest: bigint } | null = null;
    for (let h = BASE_HEIGHT + 2; h <= BASE_HEIGHT + 12 && !split; h++) {
      chain.mine([]);
      feed(chain, A);
      const claims = A.monitor.snapshot().claims.filter((c) => c.key.startsWith('justice:'));
      if (claims.length === 2) {
        const solo = claims.find((c) => c.inputs.length === 1)!;
        const rest = claims.find((c) => c.inputs.length === 2)!;
        split = { solo: solo.feeSat, rest: rest.feeSat };
        expect(h).toBe(BASE_HEIGHT + 12);
      }
    }
    expect(split).not.toBeNull();
    // Each replaces the batch in mempools: each pays more than the batch did (BIP 125 rule 3) plus relay (rule 4).
    expect(split!.solo).toBeGreaterThan(batchFee);
    expect(split!.rest).toBeGreaterThan(batchFee);
  });

  it("takes the cheater's confirmed second-stage output with the revocation key", () => {
    const { pair, chain, A, old } = cheated();
    feed(chain, A);
    // B's HTLC-timeout for `near` confirms first (its locktime is the HTLC's expiry; the simulation does not check it).
    const oldLocal = pair.b.channel.state;
    expect(oldLocal).toBeDefined();
    const index = old.built.htlcTxs.findIndex((h) => h.kind === 'htlc_timeout' && h.spentValueSat === 40_000n);
    expect(index).toBeGreaterThanOrEqual(0);
    const hx = old.built.htlcTxs[index]!;
    const fake: Transaction = {
      ...hx.tx,
      inputs: [{ ...hx.tx.inputs[0]!, witness: [new Uint8Array(0), new Uint8Array(72).fill(0x30), new Uint8Array(72).fill(0x30), new Uint8Array(0), hx.spentWitnessScript] }],
    };
    chain.mine([fake]);
    const actions = feed(chain, A).flatMap((s) => s.actions);
    const second = actions.find((a) => a.type === 'broadcast' && a.label === 'justice_second_stage');
    expect(second?.type === 'broadcast' && outpointKey(second.tx.inputs[0]!.prevout)).toBe(`${txidToHex(txid(fake))}:0`);
    const v = A.monitor.view();
    expect(v.outputs.find((o) => o.role === 'revoked_second_stage')).toMatchObject({ status: 'claiming', parent: expect.any(String) });
    // The batch no longer includes the HTLC the cheater took to its second stage.
    const batch = A.monitor.snapshot().claims.find((c) => c.key === `justice:${txidToHex(old.txid)}`)!;
    expect(batch.inputs).toHaveLength(2);
  });
});

describe('fee bids', () => {
  it("re-bids a claim with a deadline every block it stays unconfirmed (+25% at least) and keeps a sweep without one", () => {
    const { pair, chain, A, step } = forceClosedPair('anchors');
    const B: Fed = { monitor: monitorFor(pair.b), fedHeight: BASE_HEIGHT };
    B.monitor.bestBlock(BASE_HEIGHT);
    B.monitor.applyUpdates([{ kind: 'preimage', preimage: preimageOf('out') }]);
    expect(step.actions.some((a) => a.type === 'request_cpfp')).toBe(true);
    const commitment = step.actions.find((a) => a.type === 'broadcast')!;
    chain.mine([commitment.type === 'broadcast' ? commitment.tx : (undefined as never)]);
    feed(chain, A);
    feed(chain, B);
    const bids: { preimage: number[]; toRemote: string[] } = { preimage: [], toRemote: [] };
    for (let i = 0; i < 5; i++) {
      chain.mine([]);
      const actions = feed(chain, B).flatMap((s) => s.actions);
      for (const a of actions) {
        if (a.type !== 'broadcast') continue;
        const rec = B.monitor.snapshot().claims.find((c) => c.key === a.key)!;
        if (a.label === 'htlc_preimage') bids.preimage.push(rec.feeratePerKw);
        if (a.label === 'to_remote') bids.toRemote.push(a.txid);
      }
    }
    expect(bids.preimage.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < bids.preimage.length; i++) expect(bids.preimage[i]!).toBeGreaterThanOrEqual(Math.ceil(bids.preimage[i - 1]! * 1.25));
    expect(new Set(bids.toRemote).size).toBe(1);
    // Estimates rise: the sweep is re-bid once.
    const before = B.monitor.snapshot().claims.find((c) => c.key.startsWith('to_remote:'))!;
    const s = B.monitor.feeratesUpdated([{ targetBlocks: 1, feeratePerKw: 50_000 }, { targetBlocks: 144, feeratePerKw: 10_000 }]);
    const rebid = s.actions.find((a) => a.type === 'broadcast' && a.label === 'to_remote');
    expect(rebid?.type === 'broadcast' && rebid.txid).not.toBe(before.txid);
    expect(B.monitor.snapshot().claims.find((c) => c.key === before.key)!.feeratePerKw).toBe(10_000);
  });
});

describe('watches', () => {
  it('watches each output once: an output unwatched once its spend is final is not watched again (each new watch rescans the chain from its block)', () => {
    const { chain, A, step } = forceClosedPair();
    const steps: MonitorStep[] = [step];
    for (let i = 0; i < 80 && A.monitor.view().state !== 'closed'; i++) {
      chain.mine();
      feed(chain, A, steps);
    }
    expect(A.monitor.view().state).toBe('closed');
    const watched = steps.flatMap((s) => s.actions).filter((a) => a.type === 'watch').map((a) => (a.type === 'watch' ? a.key : ''));
    const unwatched = steps.flatMap((s) => s.actions).filter((a) => a.type === 'unwatch');
    expect(unwatched.length).toBeGreaterThan(0);
    expect(watched.length).toBe(new Set(watched).size);
    // Blocks after the close change nothing.
    chain.mine();
    expect(feed(chain, A).flatMap((s) => s.actions).filter((a) => a.type === 'watch')).toEqual([]);
  });
});

describe('inputs', () => {
  it('changes nothing when a block is fed twice', () => {
    const { chain, A } = forceClosedPair();
    chain.mine();
    feed(chain, A);
    chain.mine();
    feed(chain, A);
    const again = A.monitor.transactionsConfirmed(chain.blocks.at(-1)!, chain.tip);
    expect(again).toEqual({ actions: [], events: [], persist: false });
  });

  it('never puts a preimage or a secret in an event', () => {
    const pair = new MonitoredPair({ fundingOutpoint: fakeFunding('secrets'), channelType: 'static_remotekey' });
    pair.add(pair.a, 20_000_000n, 's1', BASE_HEIGHT + 20);
    pair.add(pair.b, 20_000_000n, 's2', BASE_HEIGHT + 20);
    pair.commit(pair.a);
    const old = signedLocalCommitment(pair.b);
    pair.fulfill(pair.b, 0n, 's1');
    pair.fulfill(pair.a, 0n, 's2');
    pair.commit(pair.a);
    const chain = new SimChain();
    const A: Fed = { monitor: monitorFor(pair.a), fedHeight: BASE_HEIGHT };
    chain.mine([old.tx]);
    const steps = feed(chain, A);
    for (let i = 0; i < 30; i++) {
      chain.mine();
      feed(chain, A, steps);
    }
    const text = JSON.stringify(steps.flatMap((s) => s.events), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    expect(A.monitor.view().closing?.kind).toBe('revoked');
    for (const secret of [preimageOf('s1'), preimageOf('s2'), A.monitor.data.revokedSecret(A.monitor.view().closing!.commitmentNumber!)!]) {
      expect(text).not.toContain(toHex(secret));
    }
  });

  it('warns when the funding output is spent by none of our or the peer’s commitments nor a closing we signed', () => {
    const { pair, chain, A } = forceClosedPair();
    const rogue: Transaction = {
      version: 2,
      locktime: 0,
      inputs: [{ prevout: pair.a.channel.state.params.fundingOutpoint, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }],
      outputs: [{ value: 900_000n, scriptPubKey: new Uint8Array(22) }],
    };
    chain.mine([rogue]);
    const events = feed(chain, A).flatMap((s) => s.events);
    expect(events.find((e) => e.type === 'monitor.warning')).toMatchObject({ code: 'funding_spent_unknown' });
    expect(A.monitor.view().closing?.kind).toBe('unknown');
  });

  it('refuses a signer that is not the channel’s, a force close without a commitment, and updates that do not follow', () => {
    const pair = new MonitoredPair({ fundingOutpoint: fakeFunding('refusals') });
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(MonitorError);
        return (e as MonitorError).code;
      }
      return 'no error';
    };
    expect(code(() => ChannelMonitor.open(pair.a.updates, pair.b.monitorSigner))).toBe('monitor.signer_mismatch');
    expect(code(() => ChannelMonitor.open([pair.a.updates[0]!], pair.a.monitorSigner).forceClose())).toBe('monitor.no_local_commitment');
    expect(code(() => ChannelMonitor.open(pair.a.updates.slice(1), pair.a.monitorSigner))).toBe('monitor.bad_update');
    pair.add(pair.a, 10_000_000n, 'r', BASE_HEIGHT + 50);
    pair.commit(pair.a);
    const m = monitorFor(pair.a);
    // A second, different secret for a number already revoked; a second, different commitment of ours with the same number.
    const revoked = pair.a.updates.find((u) => u.kind === 'remote_secret');
    expect(code(() => m.applyUpdates([{ kind: 'remote_secret', ctn: revoked?.kind === 'remote_secret' ? revoked.ctn : -1, secret: new Uint8Array(32).fill(7) }]))).toBe('monitor.bad_secret');
    const local = pair.a.channel.state.localCommit;
    expect(code(() => m.applyUpdates([{ kind: 'local_commitment', commitment: { ...local, signature: new Uint8Array(64).fill(1) } }]))).toBe('monitor.bad_update');
    // A secret that does not belong to the peer's shachain.
    expect(code(() => m.applyUpdates([{ kind: 'remote_secret', ctn: m.data.revokedUpTo + 1, secret: new Uint8Array(32).fill(9) }]))).toBe('monitor.bad_secret');
    // Repeating an update already applied is a no-op.
    expect(() => m.applyUpdates(pair.a.updates.slice(1))).not.toThrow();
  });
});

describe('preimages wanted on chain', () => {
  /** A offered B an HTLC (committed on both sides); B knows no preimage for it. */
  function incoming(channelType: 'anchors' | 'static_remotekey') {
    const funding = fakeFunding(`wanted ${channelType}`);
    const pair = new MonitoredPair({ fundingOutpoint: funding, channelType, toSelfDelay: 12 });
    pair.add(pair.a, 40_000_000n, 'in', BASE_HEIGHT + 60);
    pair.commit(pair.a);
    const chain = new SimChain();
    chain.external.add(outpointKey(funding));
    const B: Fed = { monitor: monitorFor(pair.b), fedHeight: BASE_HEIGHT };
    B.monitor.bestBlock(BASE_HEIGHT);
    return { pair, chain, B };
  }
  const wanted = (steps: readonly MonitorStep[]) => steps.flatMap((s) => s.actions).filter((a) => a.type === 'preimage_wanted');

  for (const closer of ['ours', 'theirs'] as const) {
    it(`asks once for the preimage of an unspent incoming HTLC on the confirmed commitment (${closer}), again after a restart, and claims it once given`, () => {
      const { pair, chain, B } = incoming('static_remotekey');
      const commitment = closer === 'ours' ? signedLocalCommitment(pair.b).tx : signedLocalCommitment(pair.a).tx;
      // Nothing is asked before a commitment confirms.
      expect(wanted([B.monitor.bestBlock(BASE_HEIGHT)])).toEqual([]);
      chain.mine([commitment]);
      const asked = wanted(feed(chain, B));
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatchObject({ htlc: { offerer: 'remote', id: 0n, amountMsat: 40_000_000n, paymentHash: sha256(preimageOf('in')) } });
      chain.mine([]);
      expect(wanted(feed(chain, B))).toEqual([]);
      // A restart asks again (an answer lost in a crash is asked for anew).
      expect(wanted([B.monitor.start()])).toHaveLength(1);
      // The preimage given: the HTLC is claimed on chain (BOLT 5: "MUST resolve the output by spending it") and nothing more is asked.
      const given = B.monitor.applyUpdates([{ kind: 'preimage', preimage: preimageOf('in') }]);
      expect(given.actions.some((a) => a.type === 'broadcast' && (a.label === 'htlc_success' || a.label === 'htlc_preimage'))).toBe(true);
      expect(wanted([B.monitor.start()])).toEqual([]);
    });
  }

  it('asks nothing when the preimage is known, nor for a revoked commitment', () => {
    const known = incoming('static_remotekey');
    known.B.monitor.applyUpdates([{ kind: 'preimage', preimage: preimageOf('in') }]);
    known.chain.mine([signedLocalCommitment(known.pair.a).tx]);
    expect(wanted(feed(known.chain, known.B))).toEqual([]);

    const { pair, chain } = incoming('static_remotekey');
    const old = signedLocalCommitment(pair.a).tx;
    pair.add(pair.b, 10_000_000n, 'later', BASE_HEIGHT + 70);
    pair.commit(pair.b);
    // B's monitor with every update (A's old commitment revoked).
    const B: Fed = { monitor: monitorFor(pair.b), fedHeight: BASE_HEIGHT };
    B.monitor.bestBlock(BASE_HEIGHT);
    chain.mine([old]);
    expect(wanted(feed(chain, B))).toEqual([]);
    expect(B.monitor.view().closing?.kind).toBe('revoked');
  });
});

describe('refused requests', () => {
  it('hands a refused CPFP request out again at once (its commitment first), and nothing else; a second step at the same height hands out nothing', () => {
    const { A, step } = forceClosedPair('anchors');
    const cpfp = step.actions.find((a) => a.type === 'request_cpfp');
    expect(cpfp?.type).toBe('request_cpfp');
    const key = cpfp!.type === 'request_cpfp' ? cpfp!.request.key : '';
    // Without a refusal: nothing again before the next block.
    expect(A.monitor.bestBlock(BASE_HEIGHT).actions.filter((a) => a.type === 'broadcast' || a.type === 'request_cpfp')).toEqual([]);
    const again = A.monitor.claimRefused(key);
    expect(again.persist).toBe(true);
    const handed = again.actions.filter((a) => a.type === 'broadcast' || a.type === 'request_cpfp');
    expect(handed.map((a) => (a.type === 'broadcast' ? a.label : a.type))).toEqual(['commitment', 'request_cpfp']);
    // The same bid: a retry, not a re-bid.
    expect(handed[1]!.type === 'request_cpfp' && handed[1]!.request.targetFeeratePerKw).toBe(cpfp!.type === 'request_cpfp' && cpfp!.request.targetFeeratePerKw);
    expect(A.monitor.bestBlock(BASE_HEIGHT).actions.filter((a) => a.type === 'broadcast' || a.type === 'request_cpfp')).toEqual([]);
    // An unknown key, or a claim that is not a request, changes nothing.
    expect(A.monitor.claimRefused('cpfp:999').actions.filter((a) => a.type === 'broadcast' || a.type === 'request_cpfp')).toEqual([]);
    expect(A.monitor.claimRefused(key.replace(/^cpfp:/, 'commitment:')).actions.filter((a) => a.type === 'broadcast' || a.type === 'request_cpfp')).toEqual([]);
  });
});
