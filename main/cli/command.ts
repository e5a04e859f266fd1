/**
 * The shape of a CLI command. Each command lives in its own file under main/cli/commands/
 * and is listed once in main/cli/commands/index.ts.
 */
import type { ParseArgsConfig } from 'node:util';
import { GlasswingError } from '../../core/errors';

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

export interface CommandArgs {
  /** Positional arguments after the command name (subcommands included). */
  readonly positionals: string[];
  /** Parsed options, as node:util parseArgs returns them. */
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
}

export interface CliContext {
  /** The data directory (from --datadir or the platform default). */
  readonly datadir: string;
  /** Writes one JSON line to stdout (for streaming commands such as `listen`). */
  emitLine(value: unknown): void;
}

export interface CliCommand {
  readonly name: string;
  /** One line for `glasswing help`. */
  readonly summary: string;
  /** Usage after `glasswing`, e.g. `connect NODEID@HOST:PORT`. */
  readonly usage: string;
  readonly options?: OptionsConfig;
  /** The command parses its own arguments: it receives every argument after its name as positionals. */
  readonly passThrough?: boolean;
  /**
   * Runs the command. The resolved value is printed as JSON on stdout (undefined prints
   * nothing). Throw a GlasswingError (or UsageError) to fail with a JSON error on stderr.
   */
  run(ctx: CliContext, args: CommandArgs): Promise<unknown>;
}

/** Wrong arguments: printed as a JSON error with the command's usage; exit code 2. */
export class UsageError extends GlasswingError {
  constructor(message: string) {
    super('cli.usage', message);
  }
}

export function requireString(values: CommandArgs['values'], name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name} is required`);
  return v;
}

export function stringList(values: CommandArgs['values'], name: string): string[] {
  const v = values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}
