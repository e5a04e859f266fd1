/**
 * The root of every typed error Glasswing raises on purpose.
 *
 * Each layer defines its own subclasses with a stable, machine-readable `code`
 * (e.g. `wire.bigsize_not_canonical`). Hosts turn them into JSON errors; tests match
 * on `code`. Anything that is not a GlasswingError reaching a host is a bug.
 */
export class GlasswingError extends Error {
  /** A stable identifier such as `transport.bad_mac`, for programs and tests. */
  readonly code: string;
  /** Optional structured details (never secrets). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  /**
   * `options.cause`: the error this one replaces, when a layer turns something it caught into
   * its own typed error (kept for debugging and the fuzzers, never sent: hosts send code,
   * message and details only).
   */
  constructor(code: string, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** True when `e` is a GlasswingError whose code is `code` or starts with `code + '.'`. */
export function isGlasswingError(e: unknown, code?: string): e is GlasswingError {
  if (!(e instanceof GlasswingError)) return false;
  return code === undefined || e.code === code || e.code.startsWith(code + '.');
}
