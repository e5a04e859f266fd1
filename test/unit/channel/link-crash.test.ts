/**
 * Property: two ChannelLinks with real stores, under random adds, fulfills, fails, fee updates,
 * commitments and partial deliveries, interrupted by disconnections and crashes (memory lost,
 * store kept) at any step — including right after a persist whose messages never left, and
 * right after a message arrived but before anything was written — always reestablish and
 * converge: same commitment numbers, HTLC sets and balances on both sides, every signature
 * valid, no irrevocably committed HTLC lost, funds conserved, and no commitment number ever
 * signed twice with different signatures.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../../core/crypto';
import { ChannelCommandError } from '../../../core/channel';
import type { ChannelState } from '../../../core/channel';
import type { LinkNet, LinkParty} from './link-net';
import { expectConverged, linkNet } from './link-net';

const AMOUNTS = [1_000n, 600_000n, 5_000_000n, 50_000_000n, 400_000_000n];
const FEERATES = [253, 1_000, 5_000, 12_000];

type Who = 'a' | 'b';
type Action =
  | { kind: 'add'; who: Who; x: number }
  | { kind: 'fulfill' | 'fail'; who: Who; x: number }
  | { kind: 'commit' | 'crash' | 'crash_on_receive'; who: Who; x: number }
  | { kind: 'fee'; x: number }
  | { kind: 'deliver'; who: Who; count: number }
  | { kind: 'drop_connection' }
  /** Both sign at once, one side's messages partly arrive, and the connection drops. */
  | { kind: 'cross_and_drop'; who: Who; count: number };

const who = fc.constantFrom<Who>('a', 'b');
const x = fc.nat(1000);
const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('add' as const), who, x }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constantFrom('fulfill' as const, 'fail' as const), who, x }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('commit' as const), who, x }), weight: 8 },
  { arbitrary: fc.record({ kind: fc.constant('fee' as const), x }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('deliver' as const), who, count: fc.integer({ min: 1, max: 3 }) }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constantFrom('crash' as const, 'crash_on_receive' as const), who, x }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('drop_connection' as const) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('cross_and_drop' as const), who, count: fc.integer({ min: 0, max: 3 }) }), weight: 2 },
);

/** HTLCs named globally: `A3` is the fourth HTLC A offered. */
function htlcsOf(p: LinkParty, spec: ChannelState['localCommit']['spec']): Map<string, bigint> {
  const other = p.name === 'A' ? 'B' : 'A';
  return new Map(spec.htlcs.map((h) => [`${h.offerer === 'local' ? p.name : other}${h.id}`, h.amountMsat]));
}

let nets: LinkNet[] = [];
afterEach(() => {
  for (const n of nets) n.close();
  nets = [];
});

function run(actions: Action[]): void {
  const n = linkNet();
  nets.push(n);
  n.openConnected();
  const party = (w: Who) => (w === 'a' ? n.a : n.b);
  const initialA = n.a.state.localCommit.spec.localMsat;
  /** HTLCs seen in both sides' local commitments (irrevocably committed, or about to be removed). */
  const committed = new Map<string, bigint>();
  /** The last removal asked for each HTLC. */
  const removals = new Map<string, 'fulfill' | 'fail'>();

  const observe = () => {
    const a = htlcsOf(n.a, n.a.state.localCommit.spec);
    const b = htlcsOf(n.b, n.b.state.localCommit.spec);
    for (const [k, amt] of a) if (b.has(k)) committed.set(k, amt);
  };
  const tryCommand = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof ChannelCommandError)) throw e;
    }
  };

  for (const act of actions) {
    switch (act.kind) {
      case 'add':
        tryCommand(() => party(act.who).add(AMOUNTS[act.x % AMOUNTS.length]!));
        break;
      case 'fulfill':
      case 'fail': {
        const kind: 'fulfill' | 'fail' = act.kind;
        const p = party(act.who);
        const theirs = p.state.localCommit.spec.htlcs.filter((h) => h.offerer === 'remote');
        const h = theirs[act.x % Math.max(1, theirs.length)];
        if (!h) break;
        const name = `${p.name === 'A' ? 'B' : 'A'}${h.id}`;
        tryCommand(() => {
          if (kind === 'fulfill') p.fulfill(h.id);
          else p.fail(h.id);
          removals.set(name, kind);
        });
        break;
      }
      case 'commit':
        tryCommand(() => party(act.who).commit());
        break;
      case 'fee':
        tryCommand(() => n.a.fee(FEERATES[act.x % FEERATES.length]!));
        break;
      case 'deliver':
        for (let i = 0; i < act.count; i++) n.deliverOne(party(act.who));
        break;
      case 'crash':
        // Memory lost (what was persisted but not yet delivered is lost with the connection); it restarts and reconnects.
        party(act.who).crash();
        n.connect();
        break;
      case 'crash_on_receive': {
        // The next message for this party arrived and the process died before writing anything.
        const p = party(act.who);
        n.other(p).inFlight.shift();
        p.crash();
        n.connect();
        break;
      }
      case 'drop_connection':
        n.disconnect();
        n.connect();
        break;
      case 'cross_and_drop':
        tryCommand(() => n.a.commit());
        tryCommand(() => n.b.commit());
        for (let i = 0; i < act.count; i++) n.deliverOne(party(act.who));
        n.disconnect();
        n.connect();
        break;
    }
    observe();
  }

  n.settle();
  expectConverged(n);
  observe();

  // No irrevocably committed HTLC lost: each is still there, or its removal was asked for.
  const finalA = htlcsOf(n.a, n.a.state.localCommit.spec);
  for (const k of committed.keys()) {
    if (!finalA.has(k)) expect(removals.has(k), `HTLC ${k} vanished without a removal`).toBe(true);
  }
  // No removal we asked for is lost: it is written before it leaves and sent again after every reconnection.
  for (const [k, kind] of removals) expect(finalA.has(k), `HTLC ${k}: its ${kind} was lost`).toBe(false);
  // Balances follow from the HTLCs: A's balance = start − what A offered and still locks or paid + what B paid A.
  let expectedA = initialA;
  for (const [k, amt] of committed) {
    const byA = k.startsWith('A');
    if (finalA.has(k)) {
      if (byA) expectedA -= amt;
    } else if (removals.get(k) === 'fulfill') expectedA += byA ? -amt : amt;
  }
  expect(n.a.state.localCommit.spec.localMsat).toBe(expectedA);

  // A commitment number is only ever signed with one signature (retransmissions are identical).
  for (const p of [n.a, n.b]) {
    const byCtn = new Map<number, string>();
    for (const o of p.sent) {
      if (o.message.type !== 'commitment_signed') continue;
      const ctn = o.note.commitmentNumber!;
      const sig = toHex(o.message.signature);
      expect(byCtn.get(ctn) ?? sig, `${p.name} signed commitment ${ctn} twice differently`).toBe(sig);
      byCtn.set(ctn, sig);
    }
  }
}

describe('ChannelLink under crashes and disconnections', () => {
  it('always reestablishes and converges without losing a committed HTLC', () => {
    fc.assert(fc.property(fc.array(action, { minLength: 5, maxLength: 60 }), (actions) => run(actions)), { numRuns: 60 });
  });
});
