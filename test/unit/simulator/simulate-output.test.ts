/** The simulator's outputs: the SVG sequence diagram and the `glasswing simulate` command. */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseSimScript, runSimulation, scenarioScript, traceToSvg } from '../../../core/simulator';
import { REPO_ROOT } from '../../support/vectors';

/** Minimal XML well-formedness: every tag closes in order, attributes are quoted, text is escaped. */
function expectWellFormed(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    const between = xml.slice(last, m.index);
    expect(between, 'stray markup').not.toMatch(/[<>]/);
    expect(between.replace(/&(amp|lt|gt|quot|#\d+);/g, ''), 'unescaped &').not.toContain('&');
    last = m.index + m[0].length;
    if (m[1]) expect(stack.pop(), `closing </${m[2]}>`).toBe(m[2]);
    else if (!m[4]) stack.push(m[2]!);
  }
  expect(xml.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}

describe('SVG sequence diagram', () => {
  it('is well-formed, self-contained SVG with both lifelines, one arrow per message and the state after each step', () => {
    const { trace } = runSimulation(scenarioScript('crossing-commits'));
    const svg = traceToSvg(trace, 'crossing & <commits>');
    expectWellFormed(svg.slice(svg.indexOf('<svg')));
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).not.toMatch(/<script|<image|@import|url\(http|href="http/);
    expect(svg).toContain('A (funder)');
    expect(svg).toContain('crossing &amp; &lt;commits&gt;');
    const arrows = svg.match(/marker-end="url\(#head-/g) ?? [];
    expect(arrows).toHaveLength(trace.messages.length);
    for (const s of trace.steps) expect(svg).toContain(`local  #${s.state.A.local.ctn}`);
  });

  it('draws messages still in flight as open dashed arrows and marks the failing step', () => {
    const script = parseSimScript([
      { from: 'A', msg: 'update_add_htlc', amount_msat: 5_000_000 },
      { from: 'A', msg: 'commitment_signed', deliver: false },
      { from: 'B', msg: 'revoke_and_ack' },
    ]);
    const { trace, error } = runSimulation(script);
    expect(error?.code).toBe('channel_command.nothing_to_revoke');
    const svg = traceToSvg(trace);
    expectWellFormed(svg);
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(1);
    expect(svg).toContain('(in flight)');
    expect(svg).toContain('channel_command.nothing_to_revoke');
  });
});

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'bin/glasswing.mjs');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI, ...args], { cwd: REPO_ROOT });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('glasswing simulate', () => {
  it('--json prints one line per step with both parties\' commitments, --svg writes the diagram', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glasswing-sim-'));
    const out = join(dir, 'cycle.svg');
    const r = await cli(['simulate', 'htlc-cycle', '--json', '--svg', out]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const { trace } = runSimulation(scenarioScript('htlc-cycle'));
    expect(lines).toEqual(trace.steps.map((s) => ({ step: s.step, state: s.state })));
    expect(lines[1]).toEqual({
      step: 2,
      state: { A: { local: { ctn: 0, htlcs: [] }, remote: { ctn: 1, htlcs: ['A0'] } }, B: { local: { ctn: 1, htlcs: ['A0'] }, remote: { ctn: 0, htlcs: [] } } },
    });
    expect(readFileSync(out, 'utf8')).toMatch(/^<svg /);
  }, 60_000);

  it('runs an events file and exits 1 with the typed error of a forbidden step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glasswing-sim-'));
    const file = join(dir, 'events.json');
    writeFileSync(file, JSON.stringify({ push_msat: 0, events: [
      { from: 'A', msg: 'update_add_htlc', id: 0, amount_msat: 1000 },
      { from: 'B', msg: 'update_fee', feerate_per_kw: 1000 },
    ] }));
    const r = await cli(['simulate', '--events', file, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stderr).error).toMatchObject({ code: 'channel_command.not_funder', details: { step: 2 } });
    const usage = await cli(['simulate', 'no-such-scenario']);
    expect(usage.code).toBe(2);
  }, 60_000);
});
