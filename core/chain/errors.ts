import { GlasswingError } from '../errors';

/**
 * Misuse of the chain core or a chain it cannot follow. Codes:
 * - `chain.bad_argument` — a watch, transaction or option that is not well formed
 * - `chain.unexpected_answer` — an answer that does not match the outstanding request
 * - `chain.reorg_too_deep` — the source's chain forks below the headers we keep; the tracker stops
 * - `chain.wrong_chain` — the source's chain does not share our genesis block
 */
export class ChainError extends GlasswingError {}

/**
 * A chain source that is down, slow, or says something that cannot be true. Codes:
 * - `chain.source.unreachable` — connection refused, reset, DNS failure
 * - `chain.source.timeout` — no complete answer within the request timeout
 * - `chain.source.auth` — credentials refused (HTTP 401/403) or the cookie file unreadable
 * - `chain.source.http_status` — an HTTP status other than the ones the API defines
 * - `chain.source.rpc_error` — a JSON-RPC error the request cannot do without
 * - `chain.source.bad_response` — garbage: unparsable JSON, wrong shapes, bytes whose hash,
 *   Merkle root or proof of work does not match what was asked for
 * - `chain.source.too_large` — a response over the size limit
 * - `chain.source.not_found` — the source does not know the block or transaction asked for
 * - `chain.source.wrong_network` — the source's genesis block is not the configured network's
 * - `chain.source.unsupported` — the request does not exist for this kind of source
 */
export class ChainSourceError extends GlasswingError {}

/** True for the codes a retry may fix (everything except a wrong network or an unsupported call). */
export function isTransientSourceError(e: unknown): boolean {
  return e instanceof ChainSourceError && e.code !== 'chain.source.wrong_network' && e.code !== 'chain.source.unsupported';
}
