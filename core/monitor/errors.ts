import { GlasswingError } from '../errors';

/**
 * On-chain enforcement errors. Codes:
 * - `monitor.bad_update` — a channel update the monitor cannot take: undecodable bytes, an update
 *   before `open`, a commitment number going backwards, or a field out of range (named in the message)
 * - `monitor.bad_secret` — a revealed per-commitment secret that does not belong to the peer's
 *   shachain (BOLT 3 insert_secret check) or is not the one of the number it claims
 * - `monitor.bad_snapshot` — a persisted monitor snapshot that does not have the expected shape
 * - `monitor.not_open` — an input that needs the channel's parameters arrived before `open`
 * - `monitor.no_local_commitment` — a force close asked before the peer signed any commitment of ours
 * - `monitor.signer_mismatch` — the signer's basepoints are not the channel's local basepoints
 * - `monitor.bad_request` — a fee-bump request completed with inputs that cannot pay for it
 */
export class MonitorError extends GlasswingError {}
