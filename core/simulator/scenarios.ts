/** Built-in simulator scenarios, written in the script format of events.ts. */
import { parseSimScript } from './events';
import type { SimScript } from './events';

const A_SIGNS = [
  { from: 'A', msg: 'commitment_signed' },
  { from: 'B', msg: 'revoke_and_ack' },
];
const B_SIGNS = [
  { from: 'B', msg: 'commitment_signed' },
  { from: 'A', msg: 'revoke_and_ack' },
];

const SCENARIOS = {
  /** One HTLC from A to B, added, committed both ways, fulfilled, and the removal committed both ways. */
  'htlc-cycle': {
    summary: 'one HTLC full cycle: add, commit both ways, fulfill, commit both ways',
    events: [
      { from: 'A', msg: 'update_add_htlc', id: 0, amount_msat: 10_000_000 },
      ...A_SIGNS,
      ...B_SIGNS,
      { from: 'B', msg: 'update_fulfill_htlc', id: 0 },
      ...B_SIGNS,
      ...A_SIGNS,
    ],
  },
  /** Both sides add an HTLC at the same time and sign while the other's messages are in flight. */
  'crossing-commits': {
    summary: 'simultaneous adds with crossing commitment_signed and revoke_and_ack',
    events: [
      { from: 'A', msg: 'update_add_htlc', id: 0, amount_msat: 20_000_000, deliver: false },
      { from: 'B', msg: 'update_add_htlc', id: 0, amount_msat: 30_000_000, deliver: false },
      { from: 'A', msg: 'commitment_signed', deliver: false },
      { from: 'B', msg: 'commitment_signed', deliver: false },
      { deliver: 'all' },
      { from: 'A', msg: 'revoke_and_ack', deliver: false },
      { from: 'B', msg: 'revoke_and_ack', deliver: false },
      { deliver: 'all' },
      // Each side now holds the other's HTLC acknowledged but not yet in the peer's commitment.
      { from: 'A', msg: 'commitment_signed', deliver: false },
      { from: 'B', msg: 'commitment_signed', deliver: false },
      { deliver: 'all' },
      { from: 'A', msg: 'revoke_and_ack', deliver: false },
      { from: 'B', msg: 'revoke_and_ack', deliver: false },
      { deliver: 'all' },
    ],
  },
  /** The funder raises the feerate; it reaches B's commitment first, then A's. */
  'fee-update': {
    summary: 'A (the funder) raises the feerate: update_fee, then commitments both ways',
    events: [
      { from: 'A', msg: 'update_add_htlc', id: 0, amount_msat: 5_000_000 },
      { from: 'A', msg: 'update_fee', feerate_per_kw: 2500 },
      ...A_SIGNS,
      ...B_SIGNS,
    ],
  },
  /** Two HTLCs from A: B fulfills one and fails the other in one batch. */
  'fail-and-fulfill': {
    summary: 'two HTLCs from A, B fulfills one and fails the other in the same commitment',
    events: [
      { from: 'A', msg: 'update_add_htlc', id: 0, amount_msat: 7_000_000 },
      { from: 'A', msg: 'update_add_htlc', id: 1, amount_msat: 3_000_000 },
      ...A_SIGNS,
      ...B_SIGNS,
      { from: 'B', msg: 'update_fulfill_htlc', id: 0 },
      { from: 'B', msg: 'update_fail_htlc', id: 1 },
      ...B_SIGNS,
      ...A_SIGNS,
    ],
  },
} as const;

export type ScenarioName = keyof typeof SCENARIOS;

export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

export function scenarioSummary(name: ScenarioName): string {
  return SCENARIOS[name].summary;
}

export function isScenarioName(name: string): name is ScenarioName {
  return Object.prototype.hasOwnProperty.call(SCENARIOS, name);
}

export function scenarioScript(name: ScenarioName): SimScript {
  return parseSimScript({ events: SCENARIOS[name].events });
}
