/**
 * `glasswing [--datadir DIR] <command> [args]`. Prints JSON on stdout; on failure prints
 * `{"error":{"code":...,"message":...}}` on stderr and exits non-zero (2 for usage errors).
 * `glasswing help [CMD]` and `glasswing CMD --help` print help text (help.ts).
 */
import { isGlasswingError } from '../../core/errors';
import { COMMANDS } from './commands';
import type { CliCommand, CliContext, CommandArgs } from './command';
import { parseCommandArgs } from './args';
import { UsageError } from './command';
import { commandHelp, overviewHelp } from './help';
import { stringifyJson } from './json';
import { defaultDataDir } from '../datadir';

function fail(error: unknown, command?: CliCommand): never {
  const isUsage = error instanceof UsageError;
  const body = isGlasswingError(error)
    ? { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) }
    : { code: 'internal', message: error instanceof Error ? error.message : String(error) };
  const out: Record<string, unknown> = { error: body };
  if (isUsage && command) out.usage = `glasswing ${command.usage}`;
  if (isUsage && command) out.help = `glasswing help ${command.name}`;
  process.stderr.write(stringifyJson(out) + '\n');
  process.exit(isUsage ? 2 : 1);
}

function findCommand(name: string): CliCommand {
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) fail(new UsageError(`unknown command "${name}"; run "glasswing help" for the list`));
  return command;
}

/** Whether the arguments ask for help (before a `--` that ends the options). */
function wantsHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
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
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(overviewHelp(COMMANDS) + '\n');
    return;
  }
  if (name === 'help') {
    const topic = rest.find((a) => !a.startsWith('-'));
    process.stdout.write((topic ? commandHelp(findCommand(topic)) : overviewHelp(COMMANDS)) + '\n');
    return;
  }
  const command = findCommand(name);
  if (wantsHelp(rest)) {
    process.stdout.write(commandHelp(command) + '\n');
    return;
  }
  const emitLine = (v: unknown) => process.stdout.write(stringifyJson(v) + '\n');

  if (command.passThrough) {
    const own = rest.some((a) => a === '--datadir' || a.startsWith('--datadir='));
    const args = datadir !== undefined && !own ? ['--datadir', datadir, ...rest] : rest;
    const ctx: CliContext = { datadir: datadir ?? defaultDataDir(), datadirGiven: datadir !== undefined || own, emitLine };
    try {
      await command.run(ctx, { positionals: args, values: {} });
    } catch (e) {
      fail(e, command);
    }
    return;
  }
  let parsed: CommandArgs & { datadir?: string };
  try {
    parsed = parseCommandArgs(command, rest);
  } catch (e) {
    fail(e, command);
  }
  if (parsed.datadir !== undefined) datadir = parsed.datadir;
  const ctx: CliContext = { datadir: datadir ?? defaultDataDir(), datadirGiven: datadir !== undefined, emitLine };
  try {
    const result = await command.run(ctx, { positionals: parsed.positionals, values: parsed.values });
    if (result !== undefined) process.stdout.write(stringifyJson(result, true) + '\n');
  } catch (e) {
    fail(e, command);
  }
}

await main(process.argv.slice(2));
