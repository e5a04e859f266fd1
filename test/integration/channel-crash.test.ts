/**
 * Crash tests with real processes: two channel nodes (test/support/channel-node.ts) exchange
 * adds, fulfills, fails, fee updates and commitments while one of them is killed with SIGKILL —
 * right after a step was persisted and before its messages went out, right after a
 * commitment_signed / revoke_and_ack arrived and before anything was written, right after one
 * was handed to the connection, or at a random moment from outside. The dead node restarts on
 * its data directory, reconnects, reestablishes, and the two must converge: same commitment
 * numbers, HTLC sets, balances and feerates on both sides, every signature valid, no
 * irrevocably committed HTLC lost, balances that add up, and no commitment number ever signed
 * twice differently nor signed again after its revocation.
 *
 * Each run is driven by a seed (workload and kill plan from a seeded PRNG; message timing is
 * the OS's). A failure names the seed; set GLASSWING_CRASH_SEEDS=1,2,3 to replay or explore.
 */
import { describe, expect, it } from 'vitest';
import { HarnessNode, isSettled, openHarnessChannel, settle, waitFor } from '../support/channel-harness';
import type { ChannelStateSummary } from '../support/channel-harness';

type KillKind = 'after_persist' | 'before_persist' | 'after_send' | 'external';
type Target = 'A' | 'B';

interface Plan {
  readonly seed: number;
  readonly kills: readonly { readonly target: Target; readonly kind: KillKind }[];
}

/** The default runs: every kill point on both nodes, then a second kill of another kind. */
const KINDS: KillKind[] = ['after_persist', 'before_persist', 'after_send', 'external'];
const DEFAULT_PLANS: Plan[] = KINDS.flatMap((kind, i) =>
  (['A', 'B'] as const).map((target, j) => ({
    seed: 1000 + 2 * i + j,
    kills: [
      { target, kind },
      { target: target === 'A' ? ('B' as const) : ('A' as const), kind: KINDS[(i + 1 + j) % KINDS.length]! },
    ],
  })),
);

function plansFromEnv(): Plan[] | null {
  const env = process.env.GLASSWING_CRASH_SEEDS;
  if (!env) return null;
  return env.split(',').map((s) => {
    const seed = Number(s);
    const r = rng(seed);
    return { seed, kills: [0, 1, 2].map(() => ({ target: r() < 0.5 ? ('A' as const) : ('B' as const), kind: KINDS[Math.floor(r() * KINDS.length)]! })) };
  });
}

/** mulberry32: a small seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AMOUNTS = ['1000', '600000', '5000000', '40000000', '300000000'];
const FEERATES = [253, 1000, 3000, 8000];
const INITIAL_MSAT = 5_000_000_000n;

async function runPlan(plan: Plan): Promise<void> {
  const r = rng(plan.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const nodes = { A: new HarnessNode('A'), B: new HarnessNode('B') };
  const { A: a, B: b } = nodes;
  await Promise.all([a.start(), b.start()]);
  let channelId = '';
  /** HTLCs seen in both local commitments, by global name (`A3`: A's fourth HTLC). */
  const committed = new Map<string, bigint>();
  /** The last removal asked for each HTLC. */
  const removals = new Map<string, 'fulfill' | 'fail'>();
  const last: Partial<Record<Target, ChannelStateSummary>> = {};
  const notes: string[] = [];

  const globalNames = (who: Target, htlcs: ChannelStateSummary['localHtlcs']) =>
    new Map(htlcs.map((h) => [`${h.offerer === 'local' ? who : who === 'A' ? 'B' : 'A'}${h.id}`, BigInt(h.amountMsat)]));
  const observe = async () => {
    if (!a.alive || !b.alive) return;
    const [sa, sb] = await Promise.all([a.state(channelId), b.state(channelId)]).catch(() => [null, null]);
    if (!sa || !sb) return;
    last.A = sa;
    last.B = sb;
    const inB = globalNames('B', sb.localHtlcs);
    for (const [k, amt] of globalNames('A', sa.localHtlcs)) if (inB.has(k)) committed.set(k, amt);
  };
  const quiet = async (p: Promise<unknown>) => {
    try {
      await p;
      return true;
    } catch {
      return false; // refused by the protocol right now, or the node just died
    }
  };

  /** One random operation of the workload. */
  const step = async () => {
    const who: Target = r() < 0.5 ? 'A' : 'B';
    const n = nodes[who];
    const x = r();
    if (x < 0.3) await quiet(n.control('add', { channelId, amountMsat: pick(AMOUNTS) }));
    else if (x < 0.5) {
      const removable = last[who]?.removable ?? [];
      if (removable.length === 0) return;
      const htlcId = pick(removable);
      const kind = r() < 0.7 ? 'fulfill' : 'fail';
      // A node killed mid-command may have persisted the removal before it died (it is then
      // re-sent after the restart), so a removal asked of a node that died counts as asked.
      if ((await quiet(n.control(kind, { channelId, htlcId }))) || !n.alive) removals.set(`${who === 'A' ? 'B' : 'A'}${htlcId}`, kind);
    } else if (x < 0.75) await quiet(n.control('commit', { channelId }));
    else if (x < 0.8) await quiet(a.control('fee', { channelId, feeratePerKw: pick(FEERATES) }));
    else await new Promise((res) => setTimeout(res, Math.floor(r() * 40)));
    await observe();
  };

  const reconnect = async () => {
    await quiet(a.control('connect', { address: b.address }));
    const outcome = await waitFor(async () => {
      const [sa, sb] = await Promise.all([a.state(channelId), b.state(channelId)]);
      if (sa.phase === 'failed' || sb.phase === 'failed') return `the channel failed: A ${sa.status}, B ${sb.status}`;
      return sa.phase === 'active' && sb.phase === 'active' ? 'active' : null;
    }, 'both sides active after the restart', 30_000);
    if (outcome !== 'active') throw new Error(outcome);
  };

  try {
    await a.control('connect', { address: b.address });
    channelId = await openHarnessChannel(a, b);
    await observe();
    for (const kill of plan.kills) {
      const victim = nodes[kill.target];
      // Build up some state first, so the kill interrupts a channel with HTLCs in every stage.
      const warmup = 4 + Math.floor(r() * 10);
      for (let i = 0; i < warmup; i++) await step();
      let external: NodeJS.Timeout | undefined;
      if (kill.kind === 'external') external = setTimeout(() => void victim.kill(), 100 + Math.floor(r() * 700));
      else await victim.control('arm_kill', { point: kill.kind, after: 1 + Math.floor(r() * 4) });
      let ops = 0;
      while (victim.alive && ops++ < 150) await step();
      clearTimeout(external);
      if (victim.alive) {
        notes.push(`${kill.target} ${kill.kind}: the kill point never came; killed from outside`);
        await victim.kill();
      }
      const how = await victim.exited;
      expect(how.signal, `${kill.target} should die by SIGKILL`).toBe('SIGKILL');
      notes.push(`${kill.target} killed (${kill.kind}) after ${ops} operations`);
      await victim.start();
      await reconnect();
      await observe();
      for (let i = 0; i < 8; i++) await step();
    }

    // Converge: both sides sign until nothing is pending.
    const [sa, sb] = await settle(a, b, channelId, 30_000);
    expect(isSettled(sa, sb)).toBe(true);
    await observe();
    const names = (who: Target, h: ChannelStateSummary['localHtlcs']) => [...globalNames(who, h).entries()].sort();
    // Same HTLC sets and balances on the four commitments (each side's local is the other's remote).
    expect(names('A', sa.localHtlcs)).toEqual(names('B', sb.remoteHtlcs));
    expect(names('B', sb.localHtlcs)).toEqual(names('A', sa.remoteHtlcs));
    expect(names('A', sa.localHtlcs)).toEqual(names('B', sb.localHtlcs));
    expect([sa.localMsat, sa.remoteMsat]).toEqual([sb.remoteMsat, sb.localMsat]);
    expect([sa.feeratePerKw, sa.remoteFeeratePerKw]).toEqual([sb.remoteFeeratePerKw, sb.feeratePerKw]);
    expect(sa.signaturesValid && sb.signaturesValid).toBe(true);

    // No irrevocably committed HTLC lost, and the balances add up.
    const final = globalNames('A', sa.localHtlcs);
    let expectedA = INITIAL_MSAT;
    for (const [k, amt] of committed) {
      const byA = k.startsWith('A');
      if (final.has(k)) {
        if (byA) expectedA -= amt;
      } else {
        expect(removals.has(k), `HTLC ${k} vanished without a removal`).toBe(true);
        if (removals.get(k) === 'fulfill') expectedA += byA ? -amt : amt;
      }
    }
    expect(BigInt(sa.localMsat)).toBe(expectedA);
    expect(BigInt(sa.localMsat) + BigInt(sa.remoteMsat) + [...final.values()].reduce((s, v) => s + v, 0n)).toBe(10_000_000_000n);

    // Never two signatures for one commitment number, never a signature after its revocation.
    for (const n of [a, b]) {
      const byCtn = new Map<number, string>();
      let revoked = -1;
      for (const line of n.commitmentLog()) {
        if ('revoked' in line) revoked = Math.max(revoked, line.revoked);
        else {
          expect(line.signed, `${n.name} signed commitment ${line.signed} after its revocation`).toBeGreaterThan(revoked);
          expect(byCtn.get(line.signed) ?? line.signature, `${n.name} signed commitment ${line.signed} twice differently`).toBe(line.signature);
          byCtn.set(line.signed, line.signature);
        }
      }
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(`crash run with seed ${plan.seed} (${plan.kills.map((k) => `${k.target}:${k.kind}`).join(', ')}) failed: ${message}\n` +
      `notes: ${notes.join('; ')}\nA log tail:\n${a.logs.slice(-8).join('\n')}\nB log tail:\n${b.logs.slice(-8).join('\n')}`);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

describe('channel crash tests (real processes, SIGKILL)', () => {
  const plans = plansFromEnv() ?? DEFAULT_PLANS;
  it.each(plans.map((p) => [p.seed, p.kills.map((k) => `${k.target}:${k.kind}`).join(' then '), p] as const))(
    'seed %i: %s — restarts, reestablishes and converges with no HTLC lost',
    async (_seed, _label, plan) => {
      await runPlan(plan);
    },
    240_000,
  );
});
