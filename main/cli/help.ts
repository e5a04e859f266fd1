/**
 * Help text, printed from what each command declares (command.ts): `glasswing help` lists the
 * commands, `glasswing help CMD` and `glasswing CMD --help` show one in full.
 */
import type { CliCommand, CliOption } from './command';

/** The options every command takes (parsed by main.ts). */
export const GLOBAL_OPTIONS: Readonly<Record<string, CliOption>> = {
  datadir: { type: 'string', value: 'DIR', describe: 'the node\'s data directory (default: $GLASSWING_DATADIR, else the platform\'s, e.g. ~/.local/share/glasswing)' },
  help: { type: 'boolean', describe: 'show this help' },
};

const INDENT = '  ';
const COLUMN = 28;

function twoColumns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.min(COLUMN, Math.max(...rows.map(([left]) => left.length)) + 2);
  return rows.map(([left, right]) => (left.length + 2 > width ? `${INDENT}${left}\n${INDENT}${' '.repeat(width)}${right}` : `${INDENT}${left.padEnd(width)}${right}`));
}

function optionLabel(name: string, o: CliOption): string {
  const value = o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : '';
  return `--${name}${value}${o.multiple ? ' (repeatable)' : ''}`;
}

/** `glasswing help CMD`: what it does, usage, arguments, options, examples. */
export function commandHelp(c: CliCommand): string {
  const lines = [`glasswing ${c.name} — ${c.summary}`, '', 'usage:', `${INDENT}glasswing [--datadir DIR] ${c.usage}`];
  if (c.arguments?.length) lines.push('', 'arguments:', ...twoColumns(c.arguments.map((a) => [a.name, a.describe])));
  const options = Object.entries({ ...c.options, ...GLOBAL_OPTIONS });
  lines.push('', 'options:', ...twoColumns(options.map(([name, o]) => [optionLabel(name, o), o.describe])));
  if (c.details?.length) lines.push('', ...c.details);
  lines.push('', c.examples.length > 1 ? 'examples:' : 'example:', ...c.examples.map((e) => `${INDENT}glasswing ${e}`));
  return lines.join('\n');
}

/** `glasswing help`: every command with its one line. */
export function overviewHelp(commands: readonly CliCommand[]): string {
  const lines = ['usage: glasswing [--datadir DIR] <command> [args]', '', 'commands:'];
  lines.push(...twoColumns(commands.map((c) => [c.name, c.summary])));
  lines.push(
    '',
    'Run "glasswing help COMMAND" (or "glasswing COMMAND --help") for its options and an example.',
    'Every command prints JSON; errors are JSON on stderr with a non-zero exit (2 for usage errors).',
  );
  return lines.join('\n');
}
