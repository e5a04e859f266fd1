/**
 * How an output we follow was spent, read from the spending input's witness (BOLT 3 gives each
 * script path its own witness shape), and who that makes the output's owner. Works on any
 * confirmed transaction: a spend we did not make (or made before a crash) is recognised too.
 */
import { sha256, equalBytes } from '../crypto';
import type { Transaction } from '../bitcoin';
import type { OutputRole } from './classify';

export type SpendPath =
  /** `<sig> <>` on a to_local-like script: the holder after its delay. */
  | 'delayed'
  /** `<revocation_sig> 1` (to_local-like) or `<revocation_sig> <revocationpubkey>` (HTLC). */
  | 'revocation'
  /** `<sig> <payment_preimage>`: an offered HTLC taken with its preimage, directly. */
  | 'preimage'
  /** `<sig> <>` on an HTLC script: a received HTLC taken back after its cltv_expiry, directly. */
  | 'timeout'
  /** `0 <remotehtlcsig> <localhtlcsig> <payment_preimage>`: the HTLC-success transaction. */
  | 'htlc_success_tx'
  /** `0 <remotehtlcsig> <localhtlcsig> <>`: the HTLC-timeout transaction. */
  | 'htlc_timeout_tx'
  /** A single-key spend: P2WPKH `<sig> <pubkey>`, anchors `to_remote` or an anchor `<sig>`. */
  | 'key'
  /** An anchor swept by anyone after 16 blocks (`<>`). */
  | 'anyone'
  | 'unknown';

export interface SpendAnalysis {
  readonly path: SpendPath;
  /** Who took the output: us, the peer, or (anchors) anyone. */
  readonly by: 'us' | 'peer' | 'anyone';
  /** A preimage revealed by the witness (checked against the HTLC's payment hash). */
  readonly preimage: Uint8Array | null;
}

const isSig = (b: Uint8Array | undefined): boolean => b !== undefined && b.length >= 9 && b.length <= 73 && b[0] === 0x30;

/** The script path a P2WSH / P2WPKH witness took (shape only: the chain already checked it). */
export function spendPath(witness: readonly Uint8Array[]): SpendPath {
  const n = witness.length;
  if (n === 5 && witness[0]!.length === 0 && isSig(witness[1]) && isSig(witness[2])) {
    if (witness[3]!.length === 32) return 'htlc_success_tx';
    if (witness[3]!.length === 0) return 'htlc_timeout_tx';
    return 'unknown';
  }
  if (n === 3 && isSig(witness[0])) {
    const x = witness[1]!;
    if (x.length === 0) return 'delayed'; // the caller tells a to_local delay from an HTLC timeout by the role
    if (x.length === 1 && x[0] === 1) return 'revocation';
    if (x.length === 33) return 'revocation';
    if (x.length === 32) return 'preimage';
    return 'unknown';
  }
  if (n === 2 && isSig(witness[0])) return 'key';
  if (n === 2 && witness[0]!.length === 0) return 'anyone';
  return 'unknown';
}

function owner(role: OutputRole, path: SpendPath): 'us' | 'peer' | 'anyone' {
  if (path === 'anyone') return 'anyone';
  switch (role) {
    case 'local_to_local':
    case 'local_second_stage':
      return path === 'delayed' ? 'us' : 'peer';
    case 'local_htlc_offered':
      return path === 'htlc_timeout_tx' ? 'us' : 'peer';
    case 'local_htlc_received':
      return path === 'htlc_success_tx' ? 'us' : 'peer';
    case 'to_remote':
    case 'our_anchor':
      return 'us';
    case 'remote_htlc_offered':
      return path === 'preimage' ? 'us' : 'peer';
    case 'remote_htlc_received':
      return path === 'timeout' ? 'us' : 'peer';
    case 'revoked_to_local':
    case 'revoked_second_stage':
      return path === 'revocation' ? 'us' : 'peer';
    case 'revoked_htlc':
      // Revocation, or directly with a preimage / after the timeout: ours. A second-stage transaction: the cheater's.
      return path === 'htlc_success_tx' || path === 'htlc_timeout_tx' ? 'peer' : 'us';
    case 'their_anchor':
    case 'their_main':
      return 'peer';
  }
}

/**
 * Analyses input `inputIndex` of `tx`, which spends an output playing `role` (for HTLC roles,
 * `paymentHash` checks a revealed preimage).
 */
export function analyzeSpend(role: OutputRole, tx: Transaction, inputIndex: number, paymentHash: Uint8Array | null): SpendAnalysis {
  const witness = tx.inputs[inputIndex]?.witness ?? [];
  let path = spendPath(witness);
  // On an HTLC script `<sig> <>` is the timeout path, not a delay.
  if (path === 'delayed' && (role === 'remote_htlc_received' || role === 'local_htlc_received' || role === 'revoked_htlc')) path = 'timeout';
  let preimage: Uint8Array | null = null;
  const candidate = path === 'preimage' ? witness[1] : path === 'htlc_success_tx' ? witness[3] : undefined;
  if (candidate && paymentHash && equalBytes(sha256(candidate), paymentHash)) preimage = candidate.slice();
  return { path, by: owner(role, path), preimage };
}
