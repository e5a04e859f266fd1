/**
 * The CLI framework (issue 18 item 3): every command's help from what it declares, shown by
 * `glasswing help CMD` and `glasswing CMD --help`; numbers read one way with our own messages
 * (never Node's "argument is ambiguous"). The real `glasswing` command (bin/glasswing.mjs, the
 * bundle a user runs) for the process-level cases.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../main/cli/commands';
import { commandHelp, overviewHelp } from '../../../main/cli/help';
import { joinDashValues, parseCommandArgs } from '../../../main/cli/args';
import { UsageError, decimal, integer } from '../../../main/cli/command';
import { SCENARIO_NAMES_FOR_HELP } from '../../../main/cli/commands/simulate';
import { CHAIN_NAMES } from '../../../main/cli/commands/decode';
import { SCENARIO_NAMES } from '../../../core/simulator';
import { CHAIN_HASHES } from '../../../core/offers';
import { REPO_ROOT } from '../../support/vectors';
import { tempDir } from '../../support/tmp';

const BIN = join(REPO_ROOT, 'bin/glasswing.mjs');

function glasswing(...args: string[]): { status: number | null; stdout: string; stderr: string; error?: { code: string; message: string } } {
  // A data directory of its own, so a node in the user's default one changes nothing here.
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, GLASSWING_DATADIR: tempDir('glasswing-cli-') } });
  let error: { code: string; message: string } | undefined;
  try {
    error = (JSON.parse(r.stderr) as { error?: { code: string; message: string } }).error;
  } catch {
    error = undefined;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ...(error ? { error } : {}) };
}

describe('help from what each command declares', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s: usage, every option with a line, an example', (_name, c) => {
    expect(c.examples.length).toBeGreaterThan(0);
    for (const e of c.examples) expect(e.replace(/^--datadir \S+ /, '').split(' ')[0]).toBe(c.name);
    const help = commandHelp(c);
    expect(help).toContain(`glasswing [--datadir DIR] ${c.usage}`);
    for (const [name, o] of Object.entries(c.options ?? {})) {
      expect(o.describe.length).toBeGreaterThan(10);
      expect(help).toContain(`--${name}`);
    }
    for (const a of c.arguments ?? []) expect(help).toContain(a.name);
    expect(help).toMatch(/examples?:\n {2}glasswing /);
    expect(overviewHelp(COMMANDS)).toContain(c.name);
  });

  it('lists for help exactly the scenarios and chains the code knows', () => {
    expect([...SCENARIO_NAMES_FOR_HELP]).toEqual(SCENARIO_NAMES);
    expect([...CHAIN_NAMES]).toEqual(Object.keys(CHAIN_HASHES));
  });

  it('glasswing help CMD and glasswing CMD --help print the same help, for a passthrough command too', () => {
    const a = glasswing('help', 'offer');
    const b = glasswing('offer', '--help');
    expect(a.status).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(a.stdout).toContain('--amount-msat N');
    expect(a.stdout).toContain('glasswing offer --description "espresso" --amount-msat 150000');
    const d = glasswing('daemon', '--help');
    expect(d.status).toBe(0);
    expect(d.stdout).toContain('--crypto libsecp|native|wasm|noble|auto');
    expect(glasswing('help', 'nosuchcommand')).toMatchObject({ status: 2, error: { code: 'cli.usage', message: expect.stringContaining('unknown command "nosuchcommand"') } });
    expect(glasswing().stdout).toContain('Run "glasswing help COMMAND"');
  });
});

describe('numbers and options in our own words', () => {
  const values = (v: Record<string, string>) => v;

  it('reads whole numbers as decimal digits only, naming the option and what was given', () => {
    expect(integer(values({ n: '42' }), 'n', 0, 100)).toBe(42);
    expect(decimal(values({ m: '18446744073709551615' }), 'm')).toBe('18446744073709551615');
    expect(decimal(values({ m: '007' }), 'm')).toBe('7');
    for (const bad of ['-5', '1e3', '0x10', '1.5', ' 1', '', '+1', 'Infinity', '1_000']) {
      expect(() => integer(values({ n: bad }), 'n', 0, 100)).toThrow(new UsageError(`--n must be a whole number from 0 to 100, got ${JSON.stringify(bad)}`));
      expect(() => decimal(values({ m: bad }), 'm')).toThrow(UsageError);
    }
    expect(() => integer(values({ n: '101' }), 'n', 0, 100)).toThrow(/from 0 to 100, got "101"/);
    expect(() => decimal(values({ m: '18446744073709551616' }), 'm')).toThrow(/at most|from 0 to 18446744073709551615/);
  });

  it('joins a value that starts with a dash to its option, but not a following known option', () => {
    const options = { amount: { type: 'string', describe: 'x' }, flag: { type: 'boolean', describe: 'x' }, note: { type: 'string', describe: 'x' } } as const;
    expect(joinDashValues(['--amount', '-5', 'pos'], options)).toEqual(['--amount=-5', 'pos']);
    expect(joinDashValues(['--note', '-hi-', '--flag'], options)).toEqual(['--note=-hi-', '--flag']);
    expect(joinDashValues(['--note', '--amount', '5'], options)).toEqual(['--note', '--amount', '5']);
    expect(joinDashValues(['--flag', '-5'], options)).toEqual(['--flag', '-5']);
    expect(joinDashValues(['--', '--amount', '-5'], options)).toEqual(['--', '--amount', '-5']);
  });

  it('says what is wrong with an option instead of Node\'s parser messages', () => {
    const offer = COMMANDS.find((c) => c.name === 'offer')!;
    expect(() => parseCommandArgs(offer, ['--frobnicate'])).toThrow('--frobnicate is not an option of "offer"; run "glasswing help offer"');
    expect(() => parseCommandArgs(offer, ['--description'])).toThrow('--description needs a value');
    expect(() => parseCommandArgs(offer, ['--description', '--amount-msat', '5'])).toThrow('--description needs a value');
    expect(parseCommandArgs(offer, ['--amount-msat', '-5', '--datadir', '/d'])).toEqual({ positionals: [], values: { 'amount-msat': '-5' }, datadir: '/d' });
  });

  it.each([
    [['offer', '--description', 'x', '--amount-msat', '-5'], '--amount-msat must be a whole number from 0 to 18446744073709551615, got "-5"'],
    [['offer', '--description', 'x', '--amount-msat', '1e3'], '--amount-msat must be a whole number from 0 to 18446744073709551615, got "1e3"'],
    [['fetchinvoice', 'lno1qgsq', '--quantity=-1'], '--quantity must be a whole number from 0 to 18446744073709551615, got "-1"'],
    [['ping', '02'.padEnd(66, 'a'), '--bytes', '-1'], '--bytes must be a whole number from 0 to 65531, got "-1"'],
    [['listmessages', '--limit', '0x10'], '--limit must be a whole number from 1 to 10000, got "0x10"'],
    // Only a live step: a received message is logged by what became of it.
    [['listmessages', '--outcome', 'received'], '--outcome must be one of delivered, forwarded, sent, replied, dropped, mailbox_stored, mailbox_wake, mailbox_forwarded, mailbox_expired (received messages are logged by what became of them: delivered, forwarded, dropped or mailbox_stored)'],
    [['settings', '--onion-rate', '-2'], '--onion-rate must be a whole number from 1 to 10000, got "-2"'],
    [['settings', '--async-release-window-seconds', '9'], '--async-release-window-seconds must be a whole number from 10 to 604800, got "9"'],
    [['settings', '--async-release-window-seconds', '1h'], '--async-release-window-seconds must be a whole number from 10 to 604800, got "1h"'],
    [['offer', '--description', 'x', '--bogus'], '--bogus is not an option of "offer"; run "glasswing help offer"'],
  ])('glasswing %j exits 2 with: %s', (args, message) => {
    const r = glasswing(...args);
    expect(r.status).toBe(2);
    expect(r.error).toEqual({ code: 'cli.usage', message });
    expect(r.stderr).not.toMatch(/ambiguous/);
  });
});
