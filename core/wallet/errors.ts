import { GlasswingError } from '../errors';

/**
 * Everything the on-chain wallet refuses, with a stable code. Codes:
 * - `wallet.bad_seed` — a node seed that is not 32 bytes
 * - `wallet.words_count` — backup words: not 24 words (12–24 for `WalletKeys.fromWords`)
 * - `wallet.words_unknown` — a backup word that is not in the BIP39 English list (its position is named)
 * - `wallet.words_checksum` — the words are all valid but their BIP39 checksum does not match (a word is wrong or out of order)
 * - `wallet.bad_address` — not an address, or not one of this wallet's network
 * - `wallet.bad_amount` — an amount that is not a positive number of sat within 21M BTC
 * - `wallet.amount_below_dust` — an output below the dust threshold of its script (BOLT 3 "Dust Limits")
 * - `wallet.bad_fee_rate` / `wallet.fee_rate_too_low` / `wallet.fee_rate_too_high` — a fee rate that is not a
 *   number, is below the relay minimum (or below what a replacement needs), or is above the sanity cap
 * - `wallet.insufficient_funds` — the spendable coins do not cover the amount and its fee
 * - `wallet.reserve_required` — the send would leave less than the anchor reserve (details: reserve, max sendable)
 * - `wallet.unknown_transaction` — no wallet transaction with that txid
 * - `wallet.not_bumpable` — not our own unconfirmed send that we can re-sign (funding, foreign inputs, confirmed, replaced)
 * - `wallet.has_descendants` — a replacement would evict other wallet transactions that spend this one
 * - `wallet.bad_cpfp_input` — the output to spend is not in the parent, not ours, or already spent
 * - `wallet.parent_fee_unknown` — a CPFP parent the wallet did not build needs its fee from the caller
 * - `wallet.parent_confirmed` — the CPFP parent is already confirmed
 * - `wallet.witness_too_large` — a foreign input's witness was larger than declared, so the fee rate is not met
 * - `wallet.bad_funding_script` — a funding output that is not P2WSH
 * - `wallet.not_prepared` — commit/release of a funding transaction the wallet is not holding
 * - `wallet.not_abandonable` — only our own unconfirmed transactions can be abandoned
 * - `wallet.bad_block` — a block reference that is not a height ≥ 0 and a 64-hex-digit hash
 * - `wallet.keys_mismatch` — the store belongs to another wallet (other keys or network)
 */
export class WalletError extends GlasswingError {}
