import { GlasswingError } from '../errors';

/**
 * Persistence failures. Codes:
 * - `store.locked` — the seed is encrypted and no (or a wrong) passphrase was given
 * - `store.corrupt` — a file in the data directory does not have the expected shape
 * - `store.too_new` — the database was written by a newer Glasswing (unknown migration)
 * - `store.busy` — another process holds the data directory
 * - `store.seed_exists` — a seed to restore was given, but the data directory already has one
 * - `store.bad_monitor` — a stored channel monitor (update log or snapshot) that does not decode
 * - `store.bad_opening` — a stored channel opening record that does not decode
 * - `store.stale_opening` — an opening record older than the one stored
 */
export class StoreError extends GlasswingError {}
