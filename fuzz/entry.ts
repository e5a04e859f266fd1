/**
 * The module Jazzer.js loads (bundled to CommonJS by fuzz/run.ts, then instrumented for coverage).
 * `GLASSWING_FUZZ_TARGET` names the target; libFuzzer calls `fuzz` once per input.
 */
import { targetByName } from './targets';

const name = process.env.GLASSWING_FUZZ_TARGET ?? '';
const target = targetByName(name);
if (target === undefined) throw new Error(`unknown fuzz target "${name}"`);
const { check } = target;

export function fuzz(data: Uint8Array): void {
  // libFuzzer hands a Buffer over its own memory: core takes plain Uint8Arrays, so copy it.
  check(Uint8Array.from(data));
}
