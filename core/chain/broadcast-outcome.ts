/**
 * What became of a transaction we handed to a chain source, and how the answers of bitcoind,
 * btcd and Esplora (which passes bitcoind's on) map to it.
 *
 * Sources read: Bitcoin Core's RPC error codes (rpc/protocol.h: -25 RPC_VERIFY_ERROR, -26
 * RPC_VERIFY_REJECTED, -27 RPC_VERIFY_ALREADY_IN_CHAIN), its node/transaction.cpp
 * (MISSING_INPUTS → -25, ALREADY_IN_UTXO_SET → -27 "Transaction outputs already in utxo set",
 * MEMPOOL_REJECTED → -26 with the reject reason: "txn-mempool-conflict", "min relay fee not met",
 * "insufficient fee", "dust", "non-final", ...); btcd v0.26.0 rpcserver.go handleSendRawTransaction
 * (rule errors: -26, "transaction already exists" → -27, "orphan transaction" → -25) and
 * mempool/mempool.go (the rule error texts matched below); electrs' REST broadcast, which answers
 * HTTP 400 with `sendrawtransaction RPC error: {"code":-26,"message":"..."}`.
 */

export type BroadcastOutcomeKind =
  /** The source took it into its mempool. */
  | 'accepted'
  /** The source already had it in its mempool. */
  | 'already_known'
  /** It is already in the source's best chain. */
  | 'already_confirmed'
  /** An input is already spent by another transaction (a double spend) that will not be replaced. */
  | 'conflict'
  /** The fee is below what the source relays or below what a replacement must pay. */
  | 'insufficient_fee'
  /** Refused by relay policy (dust, unknown output types, too small, ...). */
  | 'non_standard'
  /** Its absolute or relative locktime has not been reached yet. */
  | 'not_final'
  /** An input does not exist or is spent, as far as the source can tell. */
  | 'missing_inputs'
  /** Invalid for another reason (bad signature, consensus rule). */
  | 'rejected'
  /** The source could not be asked (down, timing out, answering garbage). */
  | 'source_down';

export interface BroadcastOutcome {
  readonly kind: BroadcastOutcomeKind;
  /** The source's own words (its reject reason or our transport error), when there are any. */
  readonly detail?: string;
  /** The RPC error code the source gave, when there was one. */
  readonly rpcCode?: number;
}

/** RPC_VERIFY_ERROR: "General error during transaction or block submission". */
export const RPC_VERIFY_ERROR = -25;
/** RPC_VERIFY_REJECTED: "Transaction or block was rejected by network rules". */
export const RPC_VERIFY_REJECTED = -26;
/** RPC_VERIFY_ALREADY_IN_CHAIN: "Transaction already in chain" (now: outputs already in the UTXO set). */
export const RPC_VERIFY_ALREADY_IN_CHAIN = -27;

const RULES: readonly { readonly kind: BroadcastOutcomeKind; readonly needles: readonly string[] }[] = [
  // Order matters: btcd wraps "transaction is not finalized" in "... is not standard: ...".
  // Our own node's safety limit (bitcoind's maxfeerate, -25): not something a retry or a bump fixes.
  { kind: 'rejected', needles: ['fee exceeds maximum', 'max-fee-exceeded', 'absurdly-high-fee', 'absurdly high fees'] },
  { kind: 'already_known', needles: ['txn-already-in-mempool', 'txn-already-known', 'txn-same-nonwitness-data-in-mempool', 'already have transaction'] },
  { kind: 'already_confirmed', needles: ['transaction already exists', 'already in block chain', 'outputs already in utxo set', 'txn-already-confirmed'] },
  { kind: 'not_final', needles: ['non-final', 'non-bip68-final', 'not finalized', 'sequence locks on inputs not met'] },
  {
    kind: 'insufficient_fee',
    needles: ['insufficient fee', 'min relay fee not met', 'mempool min fee not met', 'insufficient priority', 'under the required amount', 'due to low fees', 'has an insufficient', 'mempool full'],
  },
  { kind: 'conflict', needles: ['txn-mempool-conflict', 'output already spent in mempool', 'bad-txns-spends-conflicting-tx', 'already spent by transaction'] },
  { kind: 'missing_inputs', needles: ['missing inputs', 'missingorspent', 'missing-inputs', 'orphan transaction', 'inputs missing or spent'] },
  {
    kind: 'non_standard',
    needles: [
      'non-standard', 'nonstandard', 'is not standard', 'dust', 'scriptpubkey', 'tx-size-small', 'is too small', 'tx-size', 'multi-op-return',
      'too-long-mempool-chain', 'scriptsig-size', 'scriptsig-not-pushonly', 'bare-multisig',
    ],
  },
];

/**
 * Maps a source's refusal (RPC code and message, or an Esplora error text) to an outcome. Unknown
 * texts are `rejected`, except that RPC -27 is always `already_confirmed` and an unknown -25 is
 * `missing_inputs` (bitcoind's MISSING_INPUTS has no reject reason of its own in older versions).
 */
export function classifyRejection(message: string, rpcCode?: number): BroadcastOutcome {
  const text = message.toLowerCase();
  const base = { detail: message.slice(0, 500), ...(rpcCode !== undefined ? { rpcCode } : {}) };
  for (const rule of RULES) {
    if (rule.needles.some((n) => text.includes(n))) return { kind: rule.kind, ...base };
  }
  // Bitcoin Core's reject reason for a transaction version it does not relay is just "version".
  if (text.trim() === 'version') return { kind: 'non_standard', ...base };
  if (rpcCode === RPC_VERIFY_ALREADY_IN_CHAIN) return { kind: 'already_confirmed', ...base };
  if (rpcCode === RPC_VERIFY_ERROR) return { kind: 'missing_inputs', ...base };
  return { kind: 'rejected', ...base };
}

/**
 * Reads electrs' broadcast error body (`sendrawtransaction RPC error: {"code":-26,"message":"…"}`)
 * into an outcome; any other text is classified as it stands.
 */
export function classifyEsploraRejection(body: string): BroadcastOutcome {
  const at = body.indexOf('{');
  if (at >= 0) {
    try {
      const parsed: unknown = JSON.parse(body.slice(at));
      if (parsed && typeof parsed === 'object') {
        const { code, message } = parsed as { code?: unknown; message?: unknown };
        if (typeof message === 'string') return classifyRejection(message, typeof code === 'number' ? code : undefined);
      }
    } catch {
      // not JSON after all: classify the text itself
    }
  }
  return classifyRejection(body);
}

/** Outcomes after which the transaction is where we want it (in a mempool or a block). */
export function isBroadcastSuccess(o: BroadcastOutcome): boolean {
  return o.kind === 'accepted' || o.kind === 'already_known' || o.kind === 'already_confirmed';
}
