import { GlasswingError } from '../errors';

/**
 * A malformed bitcoin encoding or an impossible transaction/script value. Codes:
 * - `bitcoin.eof` — a transaction or signature ended before a field was complete
 * - `bitcoin.trailing_bytes` — bytes left after a complete transaction
 * - `bitcoin.bad_compact_size` — a CompactSize that is not minimally encoded or too large
 * - `bitcoin.bad_tx` — a structurally impossible transaction (no inputs, bad segwit flag, ...)
 * - `bitcoin.bad_value` — an amount or number out of range
 * - `bitcoin.bad_der` — a signature that is not strict DER (BIP 66) or not canonical
 * - `bitcoin.bad_block` — a block or header that is not what it claims: wrong length, no coinbase, a
 *   Merkle root or witness commitment that does not match its transactions
 * - `bitcoin.bad_sighash` — an unknown or unsupported sighash type for the requested algorithm
 */
export class BitcoinError extends GlasswingError {}
