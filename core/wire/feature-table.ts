/**
 * BOLT 9 "Assigned Feature Flags": the one table of named features. Each feature is a pair of
 * bits: the even bit means "required" (compulsory), the odd bit "supported" (optional).
 */

/**
 * BOLT 9 context column:
 * `I` init, `N` node_announcement, `C` channel_announcement (`C-` always odd, `C+` always even),
 * `9` BOLT 11 invoices, `B` the `allowed_features` of a blinded path, `T` `channel_type`.
 */
export type FeatureContext = 'I' | 'N' | 'C' | 'C-' | 'C+' | '9' | 'B' | 'T';

export interface FeatureDefinition {
  /** BOLT 9 name, e.g. `option_route_blinding`. */
  readonly name: string;
  /** The even (required) bit; the optional bit is `bit + 1`. */
  readonly bit: number;
  /** Where the feature may be presented (empty for ASSUMED features). */
  readonly contexts: readonly FeatureContext[];
  /** Names of the features this one depends on (BOLT 9 "Dependencies"). */
  readonly dependencies: readonly string[];
  /**
   * BOLT 9: "ASSUMED to be present by all nodes, and can be safely ignored (and the semantics
   * are only defined in prior revisions of this spec)".
   */
  readonly assumed: boolean;
  readonly description: string;
}

function f(
  bit: number,
  name: string,
  contexts: string,
  description: string,
  dependencies: readonly string[] = [],
): FeatureDefinition {
  const ctx = contexts === '' ? [] : (contexts.split('') as FeatureContext[]);
  return Object.freeze({ name, bit, contexts: Object.freeze(ctx), dependencies: Object.freeze([...dependencies]), assumed: description === 'ASSUMED', description });
}

/**
 * Every feature of BOLT 9 (lightning/bolts a3772650), in bit order, and the two bits of HTLC holding
 * for async payments, which are not in BOLT 9 yet (one per profile of async-payments.ts): the
 * draft's 52/53 (lightning/bolts#1149, 09-features.md) and the 152/153 LDK 0.2 advertises ("The
 * BOLTs PR uses feature bit 52/53, so add +100 for the experimental bit", lightning-types 0.3.5
 * features.rs). LDK declares no dependency for its bit; the draft's depends on onion messages.
 */
export const FEATURES: readonly FeatureDefinition[] = Object.freeze([
  f(0, 'option_data_loss_protect', '', 'ASSUMED'),
  f(4, 'option_upfront_shutdown_script', 'IN', 'Commits to a shutdown scriptpubkey when opening channel'),
  // BOLT 9 lists gossip_queries with an empty context column (and no ASSUMED marker).
  f(6, 'gossip_queries', '', 'Peer has useful gossip to share'),
  f(8, 'var_onion_optin', '', 'ASSUMED'),
  f(10, 'gossip_queries_ex', 'IN', 'Gossip queries can include additional information'),
  f(12, 'option_static_remotekey', '', 'ASSUMED'),
  f(14, 'payment_secret', '', 'ASSUMED'),
  f(16, 'basic_mpp', 'IN9', 'Node can receive basic multi-part payments', ['payment_secret']),
  f(18, 'option_support_large_channel', 'IN', 'Can create large channels'),
  f(22, 'option_anchors', 'INT', 'Anchor commitment type with zero fee HTLC transactions'),
  f(24, 'option_route_blinding', 'IN9', 'Node supports blinded paths'),
  f(26, 'option_shutdown_anysegwit', 'IN', 'Future segwit versions allowed in shutdown'),
  f(28, 'option_dual_fund', 'IN', 'Use v2 of channel open, enables dual funding'),
  f(34, 'option_quiesce', 'IN', 'Support for stfu message'),
  f(36, 'option_attribution_data', 'IN9', 'Can generate/relay attribution data in update_fail_htlc and update_fulfill_htlc'),
  f(38, 'option_onion_messages', 'IN', 'Can forward onion messages'),
  f(42, 'option_provide_storage', 'IN', "Can store other nodes' encrypted backup data"),
  f(44, 'option_channel_type', '', 'ASSUMED'),
  f(46, 'option_scid_alias', 'INT', 'Supply channel aliases for routing'),
  f(48, 'option_payment_metadata', '9', 'Payment metadata in tlv record'),
  f(50, 'option_zeroconf', 'INT', 'Understands zeroconf channel types', ['option_scid_alias']),
  f(52, 'option_htlc_hold', 'IN', 'Hold HTLCs and forward on receipt of an onion message (draft, lightning/bolts#1149)', ['option_onion_messages']),
  f(60, 'option_simple_close', 'IN', 'Simplified closing negotiation', ['option_shutdown_anysegwit']),
  f(62, 'option_splice', 'IN', 'Allows replacing the funding transaction with a new one'),
  f(152, 'option_htlc_hold_ldk', 'IN', 'Hold HTLCs and forward on receipt of an onion message (LDK 0.2, the draft bit + 100)'),
]);

/** Looks a feature up by name. */
export function featureByName(name: string, table: readonly FeatureDefinition[] = FEATURES): FeatureDefinition | undefined {
  return table.find((d) => d.name === name);
}

/** Looks a feature up by either of its bits. */
export function featureByBit(bit: number, table: readonly FeatureDefinition[] = FEATURES): FeatureDefinition | undefined {
  const even = bit - (bit % 2);
  return table.find((d) => d.bit === even);
}
