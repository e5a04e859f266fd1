/**
 * The crash campaign (issue 19 item 2): three real daemons A — B — C on a real btcd, channels
 * A–B and B–C, a steady stream of BOLT 11 payments both ways (A↔C forwarded through B, and
 * direct ones), occasional cooperative closes and reopens, and a SIGKILL of one node (which one,
 * when, and in what moment: from a seeded PRNG) N times, restarting it each time.
 *
 * After every restart (once the node is back and its channels reestablished) the stream pauses
 * and the campaign checks, then resumes:
 *   - every payment started left `pending` (succeeded or failed) within STUCK_BOUND_MS of the
 *     check — none stuck;
 *   - every channel is settled (no HTLC left on either commitment, both ends agree on the
 *     commitment numbers) — no HTLC lost in a channel;
 *   - a payer's `succeeded` ⇔ the payee lists the payment received (and its invoice paid);
 *   - every channel balance and every wallet matches the ledger (ledger.ts) to the msat / sat;
 *   - no funding output was spent by a commitment: every node's monitor classifies every close
 *     it saw as `mutual` (a `revoked` close is one of our revoked commitments on chain, as seen
 *     by the node holding its revocation secret; the campaign never force-closes, so `local` /
 *     `remote` would be a failure to close cooperatively after a crash).
 * The campaign stops at the first violation and reports it with the seed and the kill number.
 *
 * Payments still in flight a moment after the restart (QUICK_DRAIN_MS) — most often a multi-part
 * payment whose payee holds the parts that arrived until its BOLT 4 MPP timeout (60 s) fails them —
 * do not hold up the next kill: the check after that restart is partial (every payment that ended
 * is checked as above; the ones still in flight are carried, each still bound to end within
 * STUCK_BOUND_MS of the last restart), and the checks that need a quiet network (every channel
 * settled, balances and wallets as the ledger says) wait for the first check with nothing in
 * flight, at the latest after MAX_PARTIAL_CHECKS partial ones in a row (that one waits), and always
 * before a close and at the end. The ledger is cumulative, so a check deferred is a check made later.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import type { ClosedChannelInfo, NodeApi, PaymentInfo } from '../../core/api';
import type { ChannelSummary } from '../../core/channel/events';
import { Prng } from '../support/prng';
import { type Btcd, btcToSat, CampaignNode, feeOf, inMempool, mine, rawTx, startRegtest, stopRegtest, synced, waitUntil } from '../support/regtest';
import { cleanUp } from '../support/processes';
import { Ledger } from './ledger';

export type MomentClass = 'forwarding' | 'paying' | 'being_paid' | 'idle' | 'reestablishing' | 'closing' | 'opening' | 'force_closing' | 'sweeping';
export const MOMENT_CLASSES: readonly MomentClass[] = ['forwarding', 'paying', 'being_paid', 'idle', 'reestablishing', 'closing', 'opening', 'force_closing', 'sweeping'];

export interface CrashOptions {
  readonly kills: number;
  readonly seed: number;
  /** Every this many kills, one channel is closed cooperatively and reopened, with the kill during the close or the opening. */
  readonly closeEvery?: number;
  /**
   * Every this many kills, one channel is force-closed (by either end, the peer away) and reopened once
   * everything is swept, with the kill while the commitment waits for its block or when to_local matures
   * (before its sweep confirms). 0: never. Takes the place of the cooperative close of that kill.
   */
  readonly forceEvery?: number;
  /** Payments in flight at once. */
  readonly inFlight?: number;
  /** Run the daemons under `nice -n N`. */
  readonly nice?: number;
  readonly log?: (line: string) => void;
  /** Copy the nodes' data directories here when a violation stops the campaign. */
  readonly keepOnViolation?: string;
  /** Copy the nodes' data directories here when the campaign ends, whatever the outcome (to profile a start-up on a long history). */
  readonly keepDataDirs?: string;
  /** Called with the report so far after every check (a long run can be read while it goes). */
  readonly progress?: (report: CrashReport) => void;
}

export interface Violation {
  readonly seed: number;
  readonly kill: number;
  readonly what: string;
}

export interface KillRecord {
  readonly n: number;
  readonly victim: string;
  readonly moment: MomentClass;
  /** From the SIGKILL to the node back with every channel of its reestablished on both ends, ms (null: killed again before that). */
  readonly recoveryMs: number | null;
  /** Of which the daemon's start-up (spawn to its ready line), ms. */
  readonly startMs: number;
  /** The whole iteration (stream, kill, restart, the check), ms. */
  readonly iterationMs: number;
  /** Where the iteration went, ms (filled in once its check is done): the stream before the kill, the restart to every channel reestablished, draining the payments in flight, the check. */
  phases?: { streamMs: number; restartMs: number; drainMs: number; checkMs: number };
}

export interface CrashReport {
  readonly seed: number;
  readonly killsAsked: number;
  readonly kills: readonly KillRecord[];
  /** Mean phase times over the kills in the stream (KillRecord.phases), ms. */
  readonly phasesMs?: { streamMs: number; restartMs: number; drainMs: number; checkMs: number; kills: number };
  readonly payments: {
    readonly started: number; readonly succeeded: number; readonly failed: number; readonly notStarted: number;
    /** Failed payments by the payer's failure code (and the last part's, after a colon). */
    readonly failures: Readonly<Record<string, number>>;
    /** Payments that never started, by the pay call's error code. */
    readonly refusals: Readonly<Record<string, number>>;
  };
  readonly closes: number;
  readonly reopens: number;
  /** Checks made while payments were still in flight (the quiet-network checks deferred to the next full one). */
  readonly partialChecks?: number;
  /** Force closes whose commitment and sweeps confirmed, checked from the chain. */
  readonly forceCloses?: number;
  readonly checks: number;
  readonly violations: readonly Violation[];
  readonly setupMs: number;
  readonly elapsedMs: number;
}

/** A payment the campaign started (or tried to). */
interface Tracked {
  readonly paymentId: string;
  readonly payer: CampaignNode;
  readonly payee: CampaignNode;
  readonly paymentHash: string;
  readonly amountMsat: bigint;
  readonly startedAt: number;
  /** What the payer said last (unknown: the pay call did not answer). */
  status: 'unknown' | 'pending' | 'succeeded' | 'failed' | 'not_started';
  /** Counted in the ledger and checked against the payee. */
  checked: boolean;
  failure?: string;
  /** The pay call's error, when it failed (the payment then usually never started). */
  refusal?: string;
}

/** After every node is back, a payment still pending this long after the check began is stuck. */
export const STUCK_BOUND_MS = 120_000;
/** How long after a restart the stream's payments may take to end before the next kill goes on without them. */
export const QUICK_DRAIN_MS = 10_000;
/** Partial checks in a row before one waits for every payment in flight (and checks the quiet network). */
export const MAX_PARTIAL_CHECKS = 8;
const CHANNEL_SAT = 1_000_000n;
const PUSH_MSAT = 500_000_000n;
const DEPOSIT_SAT = 5_000_000n;
const PAY_TIMEOUT_SECONDS = 30;
const FUNDING_FEERATE = 2;

class CampaignViolation extends Error {}

export async function runCrash(opts: CrashOptions): Promise<CrashReport> {
  const log = opts.log ?? (() => {});
  const closeEvery = opts.closeEvery ?? 10;
  const forceEvery = opts.forceEvery ?? 30;
  const inFlight = opts.inFlight ?? 3;
  const killPrng = new Prng(opts.seed);
  const payPrng = new Prng(opts.seed ^ 0x5bd1e995);
  const t0 = Date.now();
  const ledger = new Ledger();
  const tracked: Tracked[] = [];
  const kills: KillRecord[] = [];
  const violations: Violation[] = [];
  let closes = 0;
  let reopens = 0;
  let forceCloses = 0;
  /** Channels the campaign force-closed → the closer's node id (its close is `local` there, `remote` at the peer). */
  const forced = new Map<string, string>();
  let checks = 0;
  let partialChecks = 0;
  /** When the last restarted node was back with its channels (a payment in flight is bound from then). */
  let lastBack = Date.now();
  let setupMs = 0;
  let killNo = 0;
  let btcd: Btcd | null = null;
  const liveNodes: CampaignNode[] = [];

  const snapshot = (): CrashReport => {
    const final = tracked;
    return {
      seed: opts.seed, killsAsked: opts.kills, kills, closes, reopens, forceCloses, checks, partialChecks, violations, setupMs, elapsedMs: Date.now() - t0, phasesMs: meanPhases(kills),
      payments: {
        started: final.filter((t) => t.status !== 'not_started').length,
        succeeded: final.filter((t) => t.status === 'succeeded').length,
        failed: final.filter((t) => t.status === 'failed').length,
        notStarted: final.filter((t) => t.status === 'not_started').length,
        refusals: final.reduce<Record<string, number>>((m, t) => (t.status === 'not_started' ? { ...m, [t.refusal ?? '?']: (m[t.refusal ?? '?'] ?? 0) + 1 } : m), {}),
        failures: final.reduce<Record<string, number>>((m, t) => (t.failure ? { ...m, [t.failure]: (m[t.failure] ?? 0) + 1 } : m), {}),
      },
    };
  };
  const violation = (what: string): never => {
    throw new CampaignViolation(what);
  };

  try {
    btcd = await startRegtest();
    const chain = btcd;
    const [a, b, c] = await Promise.all(['A', 'B', 'C'].map((n) => CampaignNode.create(n, chain, { nice: opts.nice })));
    const nodes = [a!, b!, c!];
    liveNodes.push(...nodes);
    const byId = () => new Map(nodes.map((n) => [n.nodeId, n]));
    await Promise.all(nodes.map((n) => n.start()));
    await synced(chain, nodes);
    log(`nodes up: ${nodes.map((n) => `${n.name} ${n.nodeId.slice(0, 12)}…@${n.port}`).join(', ')}`);

    // Deposits: each wallet gets DEPOSIT_SAT, confirmed.
    for (const n of nodes) await chain.fund((await n.api.newAddress({})).address, DEPOSIT_SAT);
    await mine(chain, 1, nodes);
    for (const n of nodes) {
      await waitUntil(async () => ((await n.api.getBalance({})).confirmedSat === String(DEPOSIT_SAT) ? true : undefined), `${n.name}'s deposit`);
      ledger.setWallet(n.nodeId, DEPOSIT_SAT);
    }
    await a!.api.connect({ address: b!.address, reconnect: true });
    await b!.api.connect({ address: c!.address, reconnect: true });

    const pairs: [CampaignNode, CampaignNode][] = [[a!, b!], [b!, c!]];
    /** Opens a channel between a pair (the end with more in its wallet funds it); returns its id once active on both ends. */
    const openChannel = async (x: CampaignNode, y: CampaignNode, onLockIn?: () => Promise<void>): Promise<string> => {
      const [funder, fundee] = ledger.wallet(x.nodeId) >= ledger.wallet(y.nodeId) ? [x, y] : [y, x];
      const opened = await funder.api.openChannel({ nodeId: fundee.nodeId, amountSat: String(CHANNEL_SAT), pushMsat: String(PUSH_MSAT), feeRateSatVb: FUNDING_FEERATE });
      await waitUntil(async () => ((await inMempool(chain, opened.fundingTxid)) || (await chain.rpc<{ confirmations?: number }>('getrawtransaction', [opened.fundingTxid, 1])).confirmations ? true : undefined), 'the funding transaction broadcast');
      ledger.open({ channelId: opened.channelId, funder: funder.nodeId, fundee: fundee.nodeId, capacitySat: CHANNEL_SAT, pushMsat: PUSH_MSAT, fundingFeeSat: await feeOf(chain, opened.fundingTxid) });
      if (onLockIn) await onLockIn();
      await mine(chain, opened.minimumDepth, nodes);
      const summaries = await Promise.all([funder, fundee].map((n) => channelOf(n, opened.channelId, (s) => s.lifecycle === 'active' && s.state === 'active', 'active', 120_000)));
      for (const s of summaries) ledger.nameChannel(opened.channelId, [s.shortChannelId, s.aliases.local, s.aliases.remote]);
      return opened.channelId;
    };
    const open = new Map<string, string>(); // pair key → channel id
    const pairKey = (x: CampaignNode, y: CampaignNode) => [x.name, y.name].sort().join('');
    for (const [x, y] of pairs) open.set(pairKey(x, y), await openChannel(x, y));
    setupMs = Date.now() - t0;
    log(`channels active after ${setupMs} ms: ${[...open.values()].map((id) => id.slice(0, 12)).join(', ')}`);

    // ----- the payment stream -----------------------------------------------------------------
    let streaming = false;
    let paymentNo = 0;
    const tasks = new Set<Promise<void>>();
    /** Payments of earlier iterations still in flight (their tasks wait for the outcome while the next kills go on). */
    const carried = new Set<Promise<void>>();
    const ROUTES: [CampaignNode, CampaignNode, number][] = [[a!, c!, 3], [c!, a!, 3], [a!, b!, 1], [b!, a!, 1], [b!, c!, 1], [c!, b!, 1]];
    const pickRoute = (): [CampaignNode, CampaignNode] => {
      const total = ROUTES.reduce((s, r) => s + r[2], 0);
      let x = payPrng.next() * total;
      for (const [p, q, w] of ROUTES) if ((x -= w) < 0) return [p, q];
      return [ROUTES[0]![0], ROUTES[0]![1]];
    };
    const onePayment = async (): Promise<void> => {
      const [payer, payee] = pickRoute();
      const amountMsat = BigInt(payPrng.int(1_000, 5_000_000));
      const paymentId = `crash-${opts.seed}-${++paymentNo}`;
      // Not through a node that is down (B carries A ↔ C): such a payment fails at once with no route, in a spin.
      if (!payer.alive || !payee.alive || (payer !== b && payee !== b && !b!.alive)) {
        await new Promise((r) => setTimeout(r, 200));
        return;
      }
      let invoice: string;
      let paymentHash: string;
      try {
        const inv = await payee.api.createInvoice({ amountMsat: String(amountMsat), description: paymentId });
        invoice = inv.bolt11;
        paymentHash = inv.paymentHash;
      } catch {
        return; // the payee went down: nothing started
      }
      const t: Tracked = { paymentId, payer, payee, paymentHash, amountMsat, startedAt: Date.now(), status: 'unknown', checked: false };
      tracked.push(t);
      try {
        const p = await payer.api.pay({ invoice, paymentId, wait: false, timeoutSeconds: PAY_TIMEOUT_SECONDS, maxFeeMsat: '50000' });
        t.status = p.status;
        // Wait for the outcome while the payer is up (a kill ends the wait; the check finds the outcome).
        while (t.status === 'pending' && payer.alive) {
          await new Promise((r) => setTimeout(r, 250));
          t.status = (await payer.api.getPayment({ paymentId })).status;
        }
      } catch (e) {
        // Refused (e.g. no route while a channel reestablishes), or the payer went down: the check asks it again.
        // No code: the campaign's own client was not connected yet (the payer was restarting).
        t.refusal = (e as { code?: string }).code ?? 'payer_restarting';
      }
      // A failure frees its slot a moment later: channels that just came back are not hammered.
      if (t.status === 'failed' || t.status === 'unknown') await new Promise((r) => setTimeout(r, 200));
    };
    const stream = async (): Promise<void> => {
      while (streaming) {
        while (streaming && tasks.size < inFlight) {
          const task = onePayment().finally(() => tasks.delete(task));
          tasks.add(task);
        }
        await Promise.race([...tasks, new Promise((r) => setTimeout(r, 200))]);
      }
    };
    let streamDone: Promise<void> = Promise.resolve();
    const startStream = () => {
      streaming = true;
      streamDone = stream();
    };
    /** Stops the stream; payments still in flight after `quickMs` are carried (their tasks go on). */
    const stopStream = async (quickMs = Infinity) => {
      streaming = false;
      await streamDone;
      if (quickMs === Infinity) {
        await Promise.all([...tasks, ...carried]);
      } else {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([Promise.all([...tasks]), new Promise((r) => (timer = setTimeout(r, quickMs)))]);
        clearTimeout(timer);
      }
      for (const task of tasks) {
        carried.add(task);
        void task.finally(() => carried.delete(task));
      }
      tasks.clear();
    };

    // ----- kills, restarts, checks ----------------------------------------------------------
    const momentOf = (victim: CampaignNode): MomentClass => {
      const pending = tracked.filter((t) => t.status === 'pending' || t.status === 'unknown');
      if (victim === b && pending.some((t) => t.payer !== b && t.payee !== b)) return 'forwarding';
      if (pending.some((t) => t.payer === victim)) return 'paying';
      if (pending.some((t) => t.payee === victim)) return 'being_paid';
      return 'idle';
    };
    const neighbours = (n: CampaignNode) => (n === b ? [a!, c!] : [b!]);

    /**
     * Kills `victim`, restarts it, reconnects it and waits until its channels are active on both
     * ends. With `interruptMs`, kills it again that long after its ready line (while it reestablishes).
     */
    const killAndRestart = async (victim: CampaignNode, moment: MomentClass, iterationStart: number, interruptMs?: number): Promise<void> => {
      const n = ++killNo;
      const killedAt = Date.now();
      await victim.kill();
      const startBegin = Date.now();
      await victim.start();
      const startMs = Date.now() - startBegin;
      if (interruptMs !== undefined && killNo < opts.kills) {
        await new Promise((r) => setTimeout(r, interruptMs));
        kills.push({ n, victim: victim.name, moment, recoveryMs: null, startMs, iterationMs: Date.now() - iterationStart });
        log(`kill ${n}/${opts.kills}: ${victim.name} while ${moment}; killed again ${interruptMs} ms after its start-up (${startMs} ms)`);
        return await killAndRestart(victim, 'reestablishing', Date.now());
      }
      // The node redials the peers it dialled; the others find it at its fixed address sooner this way.
      for (const peer of neighbours(victim)) {
        await waitUntil(async () => (await victim.api.connect({ address: peer.address, reconnect: true })) && true, `${victim.name} reconnected to ${peer.name}`, 60_000, 250);
      }
      await waitUntil(async () => {
        for (const id of open.values()) {
          const ends = ledger.channel(id);
          if (!ends || (ends.funder !== victim.nodeId && ends.fundee !== victim.nodeId)) continue;
          for (const nodeId of [ends.funder, ends.fundee]) {
            const s = await summary(byId().get(nodeId)!.api, id);
            // A channel being closed may stay short of `active` (its close goes on after the reestablish).
            if (!s || (s.state !== 'active' && s.lifecycle === 'active')) return undefined;
          }
        }
        return true;
      }, `${victim.name}'s channels reestablished`, 120_000, 100).catch(() => violation(`${victim.name}'s channels not reestablished 120 s after its restart`));
      lastBack = Date.now();
      kills.push({ n, victim: victim.name, moment, recoveryMs: Date.now() - killedAt, startMs, iterationMs: Date.now() - iterationStart });
      log(`kill ${n}/${opts.kills}: ${victim.name} while ${moment}; back in ${Date.now() - killedAt} ms (start-up ${startMs} ms)`);
    };

    /**
     * The checks after a restart. `wait`: every payment must end (within STUCK_BOUND_MS), then every
     * check runs. Without it, payments still in flight are carried to a later check (each bound to
     * end within STUCK_BOUND_MS of the last restart; they may take until `until` first), the ones that ended are checked, and the checks
     * that need a quiet network run only if nothing is left in flight. Returns whether it was full.
     */
    const check = async ({ wait, until = 0 }: { wait: boolean; until?: number }): Promise<boolean> => {
      checks++;
      const began = Date.now();
      // 1. Every payment ends (none stuck). One listPayments per payer and poll (the payments since
      // the last check are that payer's newest), not one getPayment per payment.
      const unchecked = tracked.filter((t) => !t.checked);
      const payers = [...new Set(unchecked.map((t) => t.payer))];
      const infos = new Map<string, PaymentInfo | null>();
      const newest = async (payer: CampaignNode): Promise<Map<string, PaymentInfo>> => {
        const count = unchecked.filter((t) => t.payer === payer).length;
        return new Map((await payer.api.listPayments({ limit: Math.min(10_000, count + 10) })).payments.map((p) => [p.paymentId, p]));
      };
      const poll = async (): Promise<true | undefined> => {
        for (const payer of payers) {
          const left = unchecked.filter((t) => t.payer === payer && !infos.has(t.paymentId));
          if (left.length === 0) continue;
          const listed = await newest(payer);
          for (const t of left) {
            let p = listed.get(t.paymentId);
            if (!p) {
              // Not among the newest: never stored (the pay call failed before it), or older — asked alone.
              try {
                p = await payer.api.getPayment({ paymentId: t.paymentId });
              } catch (e) {
                if ((e as { code?: string }).code !== 'payments.not_found') throw e;
                infos.set(t.paymentId, null);
                continue;
              }
            }
            // A payment that ended with a part still in flight (a succeeded MPP's later fulfill) is not done yet either.
            const live = p.parts.some((x) => x.status === 'adding' || x.status === 'inflight' || x.status === 'failing');
            if (p.status !== 'pending' && (wait || !live)) infos.set(t.paymentId, p);
          }
        }
        return infos.size === unchecked.length ? true : undefined;
      };
      if (wait) {
        await waitUntil(poll, 'every payment resolved', Math.max(1_000, began + STUCK_BOUND_MS - Date.now()), 250).catch(() => {
          const t = unchecked.find((x) => !infos.has(x.paymentId))!;
          violation(`payment ${t.paymentId} (${t.payer.name} → ${t.payee.name}) still pending ${STUCK_BOUND_MS / 1000} s after every node was back`);
        });
      } else {
        // Until `until` (the restart's quick drain: a restarted payer's own payments end a moment after it is back), then what is left is carried.
        await waitUntil(poll, 'every payment resolved', Math.max(0, until - Date.now()), 250).catch(() => undefined);
        for (const t of unchecked) {
          if (!infos.has(t.paymentId) && Date.now() - Math.max(t.startedAt, lastBack) > STUCK_BOUND_MS) {
            violation(`payment ${t.paymentId} (${t.payer.name} → ${t.payee.name}) still pending ${STUCK_BOUND_MS / 1000} s after every node was back`);
          }
        }
      }
      // What ended is checked now; what is still in flight is carried to a later check.
      const ended = unchecked.filter((t) => infos.has(t.paymentId));
      const full = ended.length === unchecked.length;
      if (!full) partialChecks++;
      for (const t of ended) {
        const info = infos.get(t.paymentId)!;
        t.status = info === null ? 'not_started' : info.status;
        if (info?.status === 'failed') t.failure = `${info.failure?.code ?? '?'}:${info.parts.at(-1)?.failure?.code ?? '-'}`;
      }
      // 2. Payer and payee agree on every payment (the payments received since the last check are the payee's newest).
      const received = new Map<CampaignNode, Set<string>>();
      for (const n of nodes) {
        const count = unchecked.filter((t) => t.payee === n).length;
        received.set(n, new Set((await n.api.listReceived({ limit: Math.min(10_000, count + 10) })).received.map((r) => r.paymentHash)));
      }
      for (const t of ended) {
        const got = received.get(t.payee)!.has(t.paymentHash);
        if (t.status === 'succeeded' && !got) violation(`payment ${t.paymentId}: ${t.payer.name} says succeeded, ${t.payee.name} never received it`);
        if (t.status !== 'succeeded' && got) violation(`payment ${t.paymentId}: ${t.payee.name} received it, ${t.payer.name} says ${t.status} (an HTLC lost for the payer)`);
      }
      // 3. Every channel settled; both ends agree (only with nothing in flight: a payment carried holds HTLCs).
      const settled: [string, CampaignNode, ChannelSummary, CampaignNode, ChannelSummary][] = [];
      if (full) {
        for (const id of open.values()) {
          const e = ledger.channel(id)!;
          const [x, y] = [byId().get(e.funder)!, byId().get(e.fundee)!];
          const [sx, sy] = await waitUntil(async () => {
            const [cx, cy] = await Promise.all([summary(x.api, id), summary(y.api, id)]);
            return cx && cy && cx.numHtlcs === 0 && cy.numHtlcs === 0 && cx.state === 'active' && cy.state === 'active' && cx.localCtn === cy.remoteCtn && cy.localCtn === cx.remoteCtn ? [cx, cy] as const : undefined;
          }, `channel ${id.slice(0, 12)} settled`, 90_000, 200).catch(() => violation(`channel ${id} between ${x.name} and ${y.name} not settled 90 s after every node was back (HTLCs left or commitments disagree)`));
          if (sx.localBalanceMsat !== sy.remoteBalanceMsat || sy.localBalanceMsat !== sx.remoteBalanceMsat) violation(`channel ${id}: the ends disagree (${x.name} ${sx.localBalanceMsat}/${sx.remoteBalanceMsat}, ${y.name} ${sy.localBalanceMsat}/${sy.remoteBalanceMsat})`);
          settled.push([id, x, sx, y, sy]);
        }
      }
      // 4. No HTLC left: every channel settled, no part of a payment may still be in flight in its payer's books.
      for (const payer of [...new Set(ended.map((t) => t.payer))]) {
        const listed = await newest(payer);
        for (const t of ended) {
          if (t.payer !== payer || t.status === 'not_started') continue;
          const p = listed.get(t.paymentId) ?? (await payer.api.getPayment({ paymentId: t.paymentId }));
          const live = p.parts.filter((x) => x.status === 'adding' || x.status === 'inflight' || x.status === 'failing');
          if (live.length) {
            violation(`payment ${t.paymentId} (${t.payer.name} → ${t.payee.name}) is ${p.status} in ${t.payer.name}'s books with part(s) ${live.map((x) => `${x.partId} (${x.status}, ${x.amountMsat} msat)`).join(', ')} still in flight, though ${full ? 'no HTLC is left on any channel' : 'it had none a moment ago'}`);
          }
          if (p.status !== t.status) violation(`payment ${t.paymentId} (${t.payer.name} → ${t.payee.name}) went from ${t.status} to ${p.status} in ${t.payer.name}'s books`);
          // Into the ledger only now, every part settled: a payment succeeds at its first fulfill, and
          // another part may still be in flight when step 1 read it (seed 2030 kill 9: a 2-part payment
          // whose second fulfill came 2.4 s after the first was counted with one part).
          if (p.status === 'succeeded') for (const part of p.parts) if (part.status === 'succeeded') ledger.applyPart(t.payer.nodeId, part);
        }
      }
      // 5. Balances as the ledger says.
      for (const [id, x, sx, y, sy] of settled) {
        for (const [n, s] of [[x, sx], [y, sy]] as const) {
          const want = ledger.local(id, n.nodeId);
          if (BigInt(s.localBalanceMsat) !== want) {
            const since = unchecked.filter((t) => t.payer === n || t.payee === n || n === b).map((t) => `${t.paymentId} ${t.payer.name}→${t.payee.name} ${t.amountMsat} ${t.status}`);
            violation(`channel ${id}: ${n.name} holds ${s.localBalanceMsat} msat, the ledger says ${want} (${BigInt(s.localBalanceMsat) - want} more); payments since the last check: ${since.join(', ')}`);
          }
        }
      }
      for (const t of ended) t.checked = true;
      // 6. No commitment on chain but the campaign's force closes (no revoked one of ours, and no force
      // close after a crash); those were checked from the chain when they closed (forceCloseAndReopen).
      for (const n of nodes) {
        for (const cc of (await n.api.listClosedChannels({})).channels) {
          const kind = cc.onChain.closing?.kind;
          const closer = forced.get(cc.channel.channelId);
          const allowed = closer === undefined ? 'mutual' : closer === n.nodeId ? 'local' : 'remote';
          if (kind && kind !== allowed) violation(`${n.name} saw channel ${cc.channel.channelId} closed by a ${kind} transaction ${cc.onChain.closing!.txid}${kind === 'revoked' ? ' — a revoked commitment broadcast' : ''} (expected ${allowed})`);
        }
      }
      // 7. Wallets as the ledger says.
      if (full) {
        for (const n of nodes) {
          await waitUntil(async () => (BigInt((await n.api.getBalance({})).totalSat) === ledger.wallet(n.nodeId) ? true : undefined), `${n.name}'s wallet`, 30_000, 200)
            .catch(async () => violation(`${n.name}'s wallet holds ${(await n.api.getBalance({})).totalSat} sat, the ledger says ${ledger.wallet(n.nodeId)}`));
        }
      }
      return full;
    };

    /** A cooperative close of one channel and its reopening, with the kill in one of the two. */
    const closeAndReopen = async (iterationStart: number): Promise<void> => {
      const [x, y] = killPrng.pick(pairs);
      const key = pairKey(x, y);
      const id = open.get(key)!;
      const closer = killPrng.pick([x, y]);
      const victim = killPrng.pick([x, y]);
      const moment: MomentClass = killPrng.chance(0.5) ? 'closing' : 'opening';
      const delayMs = killPrng.int(0, 400);
      const fundingTxid = (await summary(x.api, id))!.fundingOutpoint.split(':')[0]!;
      await closer.api.closeChannel({ channelId: id });
      if (moment === 'closing') {
        await new Promise((r) => setTimeout(r, delayMs));
        await killAndRestart(victim, moment, iterationStart);
      }
      const closingTxid = await waitUntil(async () => {
        for (const txid of await chain.rpc<string[]>('getrawmempool')) if ((await rawTx(chain, txid)).vin.some((i) => i.txid === fundingTxid)) return txid;
        return undefined;
      }, 'the closing transaction in the mempool', 120_000, 250).catch(() => violation(`channel ${id}: no closing transaction 120 s after closechannel (${closer.name} closed${moment === 'closing' ? `, ${victim.name} killed during the close` : ''})`));
      const outs = (await rawTx(chain, closingTxid)).vout.map((o) => btcToSat(o.value));
      await mine(chain, 1, nodes);
      await mine(chain, 6, nodes);
      for (const n of [x, y]) await channelOf(n, id, (s) => s.lifecycle === 'closed', 'closed', 60_000).catch(() => violation(`channel ${id} not closed on ${n.name} 6 blocks after its closing transaction confirmed`));
      try {
        const paid = ledger.cooperativeClose(id, outs);
        log(`closed ${id.slice(0, 12)} (${closer.name} closed): ${byId().get(paid.payer)!.name} paid the ${paid.feeSat}-sat fee`);
      } catch (e) {
        violation(`channel ${id}: ${(e as Error).message}`);
      }
      open.delete(key);
      closes++;
      open.set(key, await openChannel(x, y, moment === 'opening' ? async () => {
        await new Promise((r) => setTimeout(r, delayMs));
        await killAndRestart(victim, moment, iterationStart);
      } : undefined));
      reopens++;
    };

    /** Every transaction in blocks `from`…tip spending an output: outpoint → spender txid and its block height. */
    const spendsSince = async (from: number): Promise<Map<string, { txid: string; height: number; sequence: number }>> => {
      const out = new Map<string, { txid: string; height: number; sequence: number }>();
      const tip = await chain.rpc<number>('getblockcount');
      for (let h = from; h <= tip; h++) {
        // btcd's getblock at verbosity 2 lists the transactions under `rawtx`.
        const block = await chain.rpc<{ rawtx?: { txid: string; vin: { txid?: string; vout?: number; sequence: number }[] }[] }>('getblock', [await chain.rpc<string>('getblockhash', [h]), 2]);
        for (const t of block.rawtx ?? []) for (const i of t.vin) if (i.txid) out.set(`${i.txid}:${i.vout}`, { txid: t.txid, height: h, sequence: i.sequence });
      }
      return out;
    };

    /**
     * A force close of one channel by one end (the peer away, as a user would: a connected peer answers
     * our error by failing the channel too) with a kill in it, everything swept, and the channel reopened.
     * Checked from the chain: the transaction that spent the funding output is a commitment with no HTLC
     * output paying the non-funder exactly the ledger's balance (so not an older state with other
     * balances), and its to_local left through the delayed path (a BIP 68 relative lock of to_self_delay
     * blocks in the spending input, consensus-enforced) — never the revocation path, which the peer
     * would take at once on one of our revoked commitments. And nothing lost: each wallet gained its
     * own share (the spent outputs its close view calls its own, less their spenders' fees), together
     * the capacity less every fee on chain (commitment, sweeps, CPFP children) and the outputs left
     * unspent (anchors nobody needed).
     */
    const forceCloseAndReopen = async (iterationStart: number): Promise<void> => {
      const [x, y] = killPrng.pick(pairs);
      const key = pairKey(x, y);
      const id = open.get(key)!;
      const closer = killPrng.pick([x, y]);
      const other = closer === x ? y : x;
      const victim = killPrng.pick([x, y]);
      const moment: MomentClass = killPrng.chance(0.5) ? 'force_closing' : 'sweeping';
      const delayMs = killPrng.int(0, 400);
      const entry = ledger.channel(id)!;
      const fundingOutpoint = (await summary(x.api, id))!.fundingOutpoint;
      const startHeight = (await chain.rpc<number>('getblockcount')) + 1;
      const before = new Map(nodes.map((n) => [n, ledger.wallet(n.nodeId)] as const));
      for (const [p, q] of [[closer, other], [other, closer]] as const) await p.api.disconnect({ nodeId: q.nodeId });
      await waitUntil(async () => ((await closer.api.listPeers({})).peers.some((p) => p.nodeId === other.nodeId) || (await other.api.listPeers({})).peers.some((p) => p.nodeId === closer.nodeId) ? undefined : true), `${closer.name} and ${other.name} apart`);
      const forcedAt = await closer.api.closeChannel({ channelId: id, force: true });
      const commitmentTxid = (forcedAt as { commitmentTxid?: string }).commitmentTxid ?? violation(`channel ${id}: the force close named no commitment`);
      forced.set(id, closer.nodeId);
      open.delete(key);
      await waitUntil(async () => ((await inMempool(chain, commitmentTxid)) ? true : undefined), 'the commitment in the mempool', 60_000, 250)
        .catch(() => violation(`channel ${id}: ${closer.name}'s commitment ${commitmentTxid} never reached btcd's mempool`));
      if (moment === 'force_closing') {
        await new Promise((r) => setTimeout(r, delayMs));
        await killAndRestart(victim, moment, iterationStart);
      }
      await mine(chain, 1, nodes);
      const view = await closedOn(closer, id, (c) => c.onChain.outputs.some((o) => o.role === 'local_to_local' && o.maturesAt !== null), 'knowing when to_local matures');
      const maturesAt = view.onChain.outputs.find((o) => o.role === 'local_to_local')!.maturesAt!;
      const tip = await chain.rpc<number>('getblockcount');
      if (maturesAt > tip) await mine(chain, maturesAt - tip, nodes);
      if (moment === 'sweeping') {
        await new Promise((r) => setTimeout(r, delayMs));
        await killAndRestart(victim, moment, iterationStart);
      }
      // Everything resolves: mine until both ends call the channel closed.
      for (let i = 0; ; i++) {
        const done = await Promise.all([closer, other].map(async (n) => (await summary(n.api, id))?.lifecycle === 'closed'));
        if (done.every(Boolean)) break;
        if (i === 40) violation(`channel ${id}: not closed on both ends 40 blocks after to_local matured (${moment}, ${victim.name} killed)`);
        await mine(chain, 1, nodes);
      }
      // From the chain: what spent the funding output, and what spent its outputs (a sweep still in the mempool mined first).
      await mine(chain, 1, nodes);
      const spends = await spendsSince(startHeight);
      const closing = spends.get(fundingOutpoint) ?? violation(`channel ${id}: the funding output ${fundingOutpoint} is unspent on chain after the force close`);
      if (closing.txid !== commitmentTxid) violation(`channel ${id}: the funding output was spent by ${closing.txid}, not by ${closer.name}'s newest commitment ${commitmentTxid}`);
      const commitment = await rawTx(chain, commitmentTxid);
      const values = commitment.vout.map((o) => btcToSat(o.value));
      const fundee = entry.fundee;
      const fundeeSat = ledger.local(id, fundee) / 1000n;
      const funderSat = ledger.local(id, entry.funder) / 1000n;
      const ANCHOR_SAT = 330n;
      const main = values.filter((v) => v !== ANCHOR_SAT);
      // BOLT 3: the funder pays the commitment fee (and the anchors); the non-funder's output is its balance to the satoshi.
      if (fundeeSat >= 546n && !main.includes(fundeeSat)) violation(`channel ${id}: the commitment on chain ${commitmentTxid} pays ${main.join(', ')} sat, none the non-funder's ${fundeeSat} sat of the ledger — an older state`);
      if (main.length > 2) violation(`channel ${id}: the commitment on chain ${commitmentTxid} has ${main.length} non-anchor outputs (${main.join(', ')} sat): HTLCs on a settled channel — an older state`);
      const funderOut = main.find((v, i) => v !== fundeeSat || main.indexOf(v) !== i) ?? 0n;
      if (funderOut > funderSat || funderOut < funderSat - 50_000n) violation(`channel ${id}: the funder's output ${funderOut} sat is no fee away from its ledger balance ${funderSat} sat`);
      const toLocalOutpoint = view.onChain.outputs.find((o) => o.role === 'local_to_local')!.outpoint;
      const toLocalSpend = spends.get(toLocalOutpoint);
      if (toLocalSpend) {
        // BIP 68: bit 31 clear and bit 22 clear — a relative lock in blocks, the low 16 bits.
        const lock = (toLocalSpend.sequence & 0x80000000) === 0 && (toLocalSpend.sequence & 0x00400000) === 0 ? toLocalSpend.sequence & 0xffff : 0;
        if (lock < 2 || toLocalSpend.height - closing.height < lock) {
          violation(`channel ${id}: to_local ${toLocalOutpoint} of ${closer.name}'s commitment was spent by ${toLocalSpend.txid} ${toLocalSpend.height - closing.height} blocks after it with no to_self_delay lock (sequence ${toLocalSpend.sequence.toString(16)}) — the revocation path`);
        }
      }
      // Nothing lost: capacity = Σ wallet gains + every fee on chain + what is left unspent. And each end's
      // own share: the commitment outputs its close view calls its own (to_local, to_remote, its anchor)
      // that were spent — by its sweeps, or its CPFP of its anchor — less the fees of those transactions
      // (a CPFP's wallet inputs come back as its change). The third node gains nothing.
      const owner = new Map<string, CampaignNode>();
      for (const n of [closer, other]) {
        const v = await closedOn(n, id, (c) => c.onChain.outputs.length > 0, 'listing its outputs');
        for (const o of v.onChain.outputs) if (o.role === 'local_to_local' || o.role === 'to_remote' || o.role === 'our_anchor') owner.set(o.outpoint, n);
      }
      let fees = await feeOf(chain, commitmentTxid);
      let unspent = 0n;
      const spenders = new Set<string>();
      const share = new Map<CampaignNode, bigint>(nodes.map((n) => [n, 0n]));
      for (const o of commitment.vout) {
        const outpoint = `${commitmentTxid}:${o.n}`;
        const sp = spends.get(outpoint);
        if (!sp) {
          unspent += btcToSat(o.value);
          continue;
        }
        const n = owner.get(outpoint) ?? violation(`channel ${id}: ${outpoint} (${btcToSat(o.value)} sat) was spent by ${sp.txid}, and neither end's close view calls it its own`);
        share.set(n, share.get(n)! + btcToSat(o.value));
        if (spenders.has(sp.txid)) continue;
        spenders.add(sp.txid);
        const fee = await feeOf(chain, sp.txid);
        fees += fee;
        share.set(n, share.get(n)! - fee);
      }
      const expected = entry.capacitySat - fees - unspent;
      const gains = new Map<CampaignNode, bigint>();
      await waitUntil(async () => {
        for (const n of nodes) gains.set(n, BigInt((await n.api.getBalance({})).totalSat) - before.get(n)!);
        return nodes.every((n) => gains.get(n) === share.get(n)) ? true : undefined;
      }, 'each wallet to hold its share of the channel less its fees', 60_000, 500).catch(() => {
        const gained = nodes.reduce((a, n) => a + gains.get(n)!, 0n);
        const each = nodes.map((n) => `${n.name} gained ${gains.get(n)} sat, its share ${share.get(n)}`).join('; ');
        violation(`channel ${id} (force-closed by ${closer.name}): ${each}; in all ${gained} sat, the chain says ${expected} (capacity ${entry.capacitySat} − fees ${fees} − unspent ${unspent})`);
      });
      for (const n of nodes) ledger.setWallet(n.nodeId, BigInt((await n.api.getBalance({})).totalSat));
      ledger.forget(id);
      forceCloses++;
      log(`force-closed ${id.slice(0, 12)} (${closer.name} closed, ${victim.name} killed ${moment}): fees ${fees} sat, ${unspent} sat left unspent, swept in ${spenders.size} transaction(s)`);
      // Reconnected (the one that dials), then the channel opens again.
      await waitUntil(async () => (await x.api.connect({ address: y.address, reconnect: true })) && true, `${x.name} reconnected to ${y.name}`, 60_000, 250);
      open.set(key, await openChannel(x, y));
      reopens++;
    };

    await check({ wait: true });
    /** Partial checks since the last full one. */
    let partialInARow = 0;
    while (killNo < opts.kills) {
      const iterationStart = Date.now();
      const quiet = (killNo + 1) % forceEvery === 0 || (killNo + 1) % closeEvery === 0;
      if (quiet && partialInARow > 0) {
        // A close needs a quiet ledger: every payment carried ends and is checked first.
        await stopStream();
        await check({ wait: true });
        partialInARow = 0;
      }
      if (forceEvery > 0 && (killNo + 1) % forceEvery === 0) {
        await forceCloseAndReopen(iterationStart);
      } else if (closeEvery > 0 && (killNo + 1) % closeEvery === 0) {
        // On a quiet ledger (just checked), so the balances that go on chain are the ledger's.
        await closeAndReopen(iterationStart);
      } else {
        startStream();
        await new Promise((r) => setTimeout(r, killPrng.int(200, 3_000)));
        const streamEnd = Date.now();
        const victim = killPrng.pick(nodes);
        // Sometimes killed again while it reestablishes its channels.
        const interrupt = killPrng.chance(0.15) ? killPrng.int(0, 1_000) : undefined;
        const first = kills.length;
        await killAndRestart(victim, momentOf(victim), iterationStart, interrupt);
        const restartEnd = Date.now();
        // Payments still in flight after QUICK_DRAIN_MS go on beside the next kills (MAX_PARTIAL_CHECKS at most).
        const waitAll = partialInARow >= MAX_PARTIAL_CHECKS;
        await stopStream(waitAll ? Infinity : QUICK_DRAIN_MS);
        const drainEnd = Date.now();
        const full = await check({ wait: waitAll, until: restartEnd + QUICK_DRAIN_MS });
        partialInARow = full ? 0 : partialInARow + 1;
        const last = kills.at(-1);
        if (last && kills.length > first) {
          last.phases = { streamMs: streamEnd - iterationStart, restartMs: restartEnd - streamEnd, drainMs: drainEnd - restartEnd, checkMs: Date.now() - drainEnd };
          log(`  kill ${last.n}: stream ${last.phases.streamMs} ms, restart ${last.phases.restartMs} ms, drain ${last.phases.drainMs} ms, checks ${last.phases.checkMs} ms${full ? '' : ` (partial: ${tracked.filter((t) => !t.checked).length} payment(s) in flight carried)`}`);
        }
        opts.progress?.(snapshot());
        continue;
      }
      await check({ wait: true });
      opts.progress?.(snapshot());
    }
    // The end: every payment carried ends, and the whole network is checked once more.
    if (partialInARow > 0) {
      await stopStream();
      await check({ wait: true });
      opts.progress?.(snapshot());
    }
  } catch (e) {
    if (!(e instanceof CampaignViolation)) throw e;
    violations.push({ seed: opts.seed, kill: killNo, what: e.message });
    log(`VIOLATION at kill ${killNo} (seed ${opts.seed}): ${e.message}`);
    if (opts.keepOnViolation) {
      // The nodes' data directories as they were (SQLite files, config), for a post-mortem.
      for (const n of liveNodes) cpSync(n.datadir, join(opts.keepOnViolation, n.name), { recursive: true });
      log(`the nodes' data directories are kept in ${opts.keepOnViolation}`);
    }
  } finally {
    if (opts.keepDataDirs) {
      // Stopped first (SIGKILL, as a crash), so the copies are what a restart would open.
      for (const n of liveNodes) {
        await n.kill();
        cpSync(n.datadir, join(opts.keepDataDirs, n.name), { recursive: true });
      }
      log(`the nodes' data directories are kept in ${opts.keepDataDirs}`);
    }
    if (btcd) await stopRegtest(btcd).catch(() => {});
    cleanUp();
  }
  return snapshot();
}

function meanPhases(kills: readonly KillRecord[]): CrashReport['phasesMs'] {
  const with_ = kills.map((k) => k.phases).filter((p): p is NonNullable<KillRecord['phases']> => p !== undefined);
  if (with_.length === 0) return undefined;
  const mean = (f: (p: NonNullable<KillRecord['phases']>) => number) => Math.round(with_.reduce((s, p) => s + f(p), 0) / with_.length);
  return { streamMs: mean((p) => p.streamMs), restartMs: mean((p) => p.restartMs), drainMs: mean((p) => p.drainMs), checkMs: mean((p) => p.checkMs), kills: with_.length };
}

async function summary(api: NodeApi, channelId: string): Promise<ChannelSummary | undefined> {
  return (await api.listChannels({})).channels.find((c) => c.channelId === channelId);
}

async function closedOn(n: CampaignNode, channelId: string, ok: (c: ClosedChannelInfo) => boolean, what: string, timeoutMs = 120_000): Promise<ClosedChannelInfo> {
  return await waitUntil(async () => {
    const c = (await n.api.listClosedChannels({})).channels.find((x) => x.channel.channelId === channelId);
    return c && ok(c) ? c : undefined;
  }, `channel ${channelId.slice(0, 12)} ${what} on ${n.name}`, timeoutMs, 250);
}

async function channelOf(n: CampaignNode, channelId: string, ok: (s: ChannelSummary) => boolean, what: string, timeoutMs: number): Promise<ChannelSummary> {
  return await waitUntil(async () => {
    const s = await summary(n.api, channelId);
    return s && ok(s) ? s : undefined;
  }, `channel ${channelId.slice(0, 12)} ${what} on ${n.name}`, timeoutMs, 200);
}
