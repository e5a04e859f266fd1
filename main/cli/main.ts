/**
 * `glasswing [--datadir DIR] <command> [args]`. Prints JSON on stdout; on failure prints
 * `{"error":{"code":...,"message":...}}` on stderr and exits non-zero (2 for usage errors).
 */
import { parseArgs } from 'node:util';
import { isGlasswingError } from '../../core/errors';
import { COMMANDS } from './commands';
import type { CliCommand, CliContext } from './command';
import { UsageError } from './command';
import { stringifyJson } from './json';
import { defaultDataDir } from '../datadir';

function usage(): string {
  const lines = ['usage: glasswing [--datadir DIR] <command> [args]', '', 'commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.usage}`, `      ${c.summary}`);
  lines.push('', 'Every command prints JSON; errors are JSON on stderr with a non-zero exit (2 for usage errors).');
  return lines.join('\n');
}

function fail(error: unknown, command?: CliCommand): never {
  const isUsage = error instanceof UsageError;
  const body = isGlasswingError(error)
    ? { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) }
    : { code: 'internal', message: error instanceof Error ? error.message : String(error) };
  const out: Record<string, unknown> = { error: body };
  if (isUsage && command) out.usage = `glasswing ${command.usage}`;
  process.stderr.write(stringifyJson(out) + '\n');
  process.exit(isUsage ? 2 : 1);
}

async function main(argv: string[]): Promise<void> {
  // Global options come before the command name.
  let datadir: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--datadir') datadir = argv[++i];
    else if (a.startsWith('--datadir=')) datadir = a.slice('--datadir='.length);
    else break;
  }
  const name = argv[i];
  const rest = argv.slice(i + 1);
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage() + '\n');
    return;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) fail(new UsageError(`unknown command "${name}"; run "glasswing help"`));

  if (command.passThrough) {
    const args = datadir !== undefined && !rest.some((a) => a === '--datadir' || a.startsWith('--datadir=')) ? ['--datadir', datadir, ...rest] : rest;
    const ctx: CliContext = { datadir: datadir ?? defaultDataDir(), emitLine: (v) => process.stdout.write(stringifyJson(v) + '\n') };
    try {
      await command.run(ctx, { positionals: args, values: {} });
    } catch (e) {
      fail(e, command);
    }
    return;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: { datadir: { type: 'string' }, ...command.options }, allowPositionals: true, strict: true });
  } catch (e) {
    fail(new UsageError(e instanceof Error ? e.message : String(e)), command);
  }
  const values = parsed.values as Record<string, string | boolean | (string | boolean)[] | undefined>;
  if (typeof values.datadir === 'string') datadir = values.datadir;
  const ctx: CliContext = {
    datadir: datadir ?? defaultDataDir(),
    emitLine: (v) => process.stdout.write(stringifyJson(v) + '\n'),
  };
  try {
    const result = await command.run(ctx, { positionals: parsed.positionals, values });
    if (result !== undefined) process.stdout.write(stringifyJson(result, true) + '\n');
  } catch (e) {
    fail(e, command);
  }
}

await main(process.argv.slice(2));
