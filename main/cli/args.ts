/**
 * A command's arguments through node:util parseArgs, with our own words for every mistake: a
 * value that starts with a dash (`--amount-msat -5`) reaches the command's check instead of
 * Node's "argument is ambiguous", and an unknown option points at the command's help.
 */
import { parseArgs } from 'node:util';
import type { CliCommand, CliOptions, CommandArgs } from './command';
import { UsageError } from './command';

/**
 * A string option's value that starts with a dash — `--amount-msat -5`, `--payer-note -hi-` — is
 * joined to its option (`--amount-msat=-5`). A following `--known-option` is left alone.
 */
export function joinDashValues(args: readonly string[], options: CliOptions): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    const next = args[i + 1];
    const nextIsOption = next !== undefined && next.startsWith('--') && Object.hasOwn(options, next.slice(2).split('=')[0]!);
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && next.startsWith('-') && !nextIsOption) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/** node:util parseArgs errors in our words. */
function parseError(e: unknown, command: CliCommand): UsageError {
  const code = (e as { code?: string }).code;
  const message = e instanceof Error ? e.message : String(e);
  const option = /'(--?[^' ]+)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (option && message.includes('does not take an argument')) return new UsageError(`${option} takes no value`);
      return new UsageError(option ? `${option} needs a value` : message);
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`${option ?? 'that option'} is not an option of "${command.name}"; run "glasswing help ${command.name}"`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}; run "glasswing help ${command.name}"`.replace('argument ;', 'argument;'));
    default:
      return new UsageError(message);
  }
}

/** Parses the arguments after the command name; throws UsageError. `datadir` is the command-level --datadir. */
export function parseCommandArgs(command: CliCommand, args: readonly string[]): CommandArgs & { datadir?: string } {
  const options: CliOptions = { datadir: { type: 'string', describe: '' }, ...command.options };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinDashValues(args, options),
      options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type, ...(o.multiple ? { multiple: true } : {}) }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw parseError(e, command);
  }
  const values = { ...parsed.values } as CommandArgs['values'];
  const datadir = values.datadir;
  delete values.datadir;
  return { positionals: parsed.positionals, values, ...(typeof datadir === 'string' ? { datadir } : {}) };
}
