/**
 * The shape of a CLI command. Each command lives in its own file under main/cli/commands/
 * and is listed once in main/cli/commands/index.ts. A command declares everything its help shows
 * — usage, arguments, each option with a line about it, and at least one example — and the
 * framework (main.ts, help.ts) prints it for `glasswing help CMD` and `glasswing CMD --help`.
 */
import { GlasswingError } from '../../core/errors';

/** One option of a command (`--name`), as parsed and as its help shows it. */
export interface CliOption {
  readonly type: 'string' | 'boolean';
  /** May be given more than once (the values come as a list). */
  readonly multiple?: boolean;
  /** The value's placeholder in help, e.g. `N`, `SECONDS`, `NODEID` (string options; default `VALUE`). */
  readonly value?: string;
  /** One line for help: what it does, its unit, its default. */
  readonly describe: string;
}

export type CliOptions = Readonly<Record<string, CliOption>>;

/** A positional argument, for help. */
export interface CliArgument {
  readonly name: string;
  readonly describe: string;
}

export interface CommandArgs {
  /** Positional arguments after the command name (subcommands included). */
  readonly positionals: string[];
  /** Parsed options, as node:util parseArgs returns them. */
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
}

export interface CliContext {
  /** The data directory (from --datadir or the platform default). */
  readonly datadir: string;
  /** Whether --datadir was given (before the command or among its options). */
  readonly datadirGiven: boolean;
  /** Writes one JSON line to stdout (for streaming commands such as `listen`). */
  emitLine(value: unknown): void;
}

export interface CliCommand {
  readonly name: string;
  /** One line for `glasswing help`. */
  readonly summary: string;
  /** Usage after `glasswing`, e.g. `connect NODEID@HOST:PORT`. */
  readonly usage: string;
  readonly arguments?: readonly CliArgument[];
  readonly options?: CliOptions;
  /** Whole command lines after `glasswing` (at least one), shown under "examples". */
  readonly examples: readonly string[];
  /** Further lines for help: exit codes, what the output holds, caveats. */
  readonly details?: readonly string[];
  /**
   * The command parses its own arguments: it receives every argument after its name as
   * positionals (`options` then only feed its help).
   */
  readonly passThrough?: boolean;
  /**
   * Runs the command. The resolved value is printed as JSON on stdout (undefined prints
   * nothing). Throw a GlasswingError (or UsageError) to fail with a JSON error on stderr.
   */
  run(ctx: CliContext, args: CommandArgs): Promise<unknown>;
}

/** A node id as the CLI takes it: a compressed public key, 66 lowercase hex characters. */
export const NODE_ID = /^0[23][0-9a-f]{64}$/;

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

// ---- numbers: one reading for every command, one wording for every mistake ----

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const DIGITS = /^[0-9]+$/;

/** `"-5"` → `"-5"`; keeps what the user typed readable in messages (and bounded). */
function shown(v: unknown): string {
  const text = typeof v === 'string' ? v : String(v);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * A whole number option in `min..max` (decimal digits only: no sign, no exponent, no hex, no
 * fraction), or undefined when not given.
 */
export function integer(values: CommandArgs['values'], name: string, min: number, max: number): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const bad = (): never => {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got ${shown(v)}`);
  };
  if (typeof v !== 'string' || !DIGITS.test(v) || v.length > 16) return bad();
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) return bad();
  return n;
}

/** A u64 option as a decimal string (millisatoshi, quantities), or undefined when not given. */
export function decimal(values: CommandArgs['values'], name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !DIGITS.test(v) || v.length > 20 || BigInt(v) > U64_MAX) {
    throw new UsageError(`--${name} must be a whole number from 0 to 18446744073709551615, got ${shown(v)}`);
  }
  return BigInt(v).toString(); // no leading zeros
}
