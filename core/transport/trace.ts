/**
 * Internal: a debugging trace of the intermediate values BOLT 8 Appendix A prints as comments
 * (h, ss, HKDF inputs, ck/temp_k, AEAD calls, final and rotated keys). It exists so the test
 * vectors can check every step, not only the bytes on the wire.
 *
 * The trace carries SECRETS (chaining keys, temp keys, session keys). It is deliberately not
 * exported from core/transport/index.ts and is switched on only through the symbol-keyed
 * option below, so it cannot be enabled from plain data (config, JSON, IPC). Never connect it
 * to logs or events.
 */
/** One traced step. Field names and hex formatting follow the vector file's `trace` entries. */
export interface TraceEvent {
  readonly op: string;
  readonly [field: string]: string | readonly string[];
}

export type TraceSink = (event: TraceEvent) => void;

/** The option key that enables tracing: `{ [TRACE]: (e) => events.push(e) }`. */
export const TRACE: unique symbol = Symbol('glasswing.transport.trace');

/** Options objects that may carry a trace sink. */
export interface Traceable {
  readonly [TRACE]?: TraceSink;
}

