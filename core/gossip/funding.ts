/**
 * The funding-output check of a channel_announcement, as a port: the gossip core asks for a
 * short_channel_id's output with a `lookup_funding` action, and the host (the chain layer,
 * wired by the node) answers with `GossipManager.fundingResult`. The core never talks to a
 * chain source.
 */
import { compareBytes } from '../crypto';
import { OP, buildScript, p2wsh } from '../bitcoin';

/** What the chain says about the output a short_channel_id names (block, tx index, output). */
export type FundingLookupResult =
  /** The output exists and is unspent. */
  | {
      readonly kind: 'unspent';
      /** The output's scriptPubKey. */
      readonly scriptPubkey: Uint8Array;
      /** The output's value: the channel capacity. */
      readonly amountSat: bigint;
      /** Confirmations of the funding transaction (1 in the tip block). */
      readonly confirmations: number;
      /** The funding transaction's id (hex, as block explorers show it) when the lookup knows it: the graph watches its spend. */
      readonly txid?: string;
    }
  /** The output exists and has been spent (`txid`: the funding transaction's id, when the lookup knows it). */
  | { readonly kind: 'spent'; readonly txid?: string }
  /** No such block, transaction or output. */
  | { readonly kind: 'not_found' }
  /**
   * The short_channel_id's block is above our best tip (`tipHeight`): our chain is behind the
   * peer's. The announcement waits for that block (a few blocks ahead at most), then is looked up again.
   */
  | { readonly kind: 'above_tip'; readonly tipHeight: number }
  /** The chain source could not answer now: the lookup is asked again a little later (a few times), then the announcement is dropped. */
  | { readonly kind: 'unavailable' };

/** A synchronous lookup, for hosts that have the UTXO set at hand (and for tests). */
export interface FundingLookup {
  lookup(shortChannelId: bigint): FundingLookupResult;
}

/**
 * BOLT 3 funding output: P2WSH of `2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG`, the keys in
 * lexicographic order. BOLT 7: "if the short_channel_id's output does NOT correspond to a P2WSH
 * (using bitcoin_key_1 and bitcoin_key_2 ...) ... MUST ignore the message".
 */
export function fundingScriptPubkey(bitcoinKey1: Uint8Array, bitcoinKey2: Uint8Array): Uint8Array {
  const [a, b] = compareBytes(bitcoinKey1, bitcoinKey2) <= 0 ? [bitcoinKey1, bitcoinKey2] : [bitcoinKey2, bitcoinKey1];
  return p2wsh(buildScript({ num: 2 }, a, b, { num: 2 }, OP.OP_CHECKMULTISIG));
}
