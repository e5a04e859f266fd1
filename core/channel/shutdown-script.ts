/**
 * BOLT 2 `shutdown` scriptpubkey forms (also what an `upfront_shutdown_script` must be) and the
 * BOLT 3 "Dust Limits" of the outputs a closing transaction pays to them.
 */
import { equalBytes } from '../crypto';

/** What a scriptpubkey is, as far as closing cares. */
export type ShutdownScriptKind = 'p2wpkh' | 'p2wsh' | 'p2a' | 'segwit' | 'op_return' | 'p2pkh' | 'p2sh' | 'other';

/** The features that widen the allowed forms (both must be negotiated in `init`). */
export interface ShutdownScriptFeatures {
  /** `option_shutdown_anysegwit` */
  readonly anySegwit: boolean;
  /** `option_simple_close` */
  readonly simpleClose: boolean;
}

const OP_0 = 0x00;
const OP_1 = 0x51;
const OP_16 = 0x60;
const OP_RETURN = 0x6a;
const OP_PUSHDATA1 = 0x4c;
const OP_DUP = 0x76;
const OP_HASH160 = 0xa9;
const OP_EQUAL = 0x87;
const OP_EQUALVERIFY = 0x88;
const OP_CHECKSIG = 0xac;
/** BIP 433 pay-to-anchor: `OP_1 <0x4e73>`. */
const P2A = Uint8Array.of(OP_1, 0x02, 0x4e, 0x73);

export function shutdownScriptKind(script: Uint8Array): ShutdownScriptKind {
  const n = script.length;
  // "OP_0 20 20-bytes (version 0 pay to witness pubkey hash)"
  if (n === 22 && script[0] === OP_0 && script[1] === 20) return 'p2wpkh';
  // "OP_0 32 32-bytes (version 0 pay to witness script hash)"
  if (n === 34 && script[0] === OP_0 && script[1] === 32) return 'p2wsh';
  if (equalBytes(script, P2A)) return 'p2a';
  // "OP_1 through OP_16 inclusive, followed by a single push of 2 to 40 bytes (witness program versions 1 through 16)"
  if (n >= 4 && script[0]! >= OP_1 && script[0]! <= OP_16 && script[1]! >= 2 && script[1]! <= 40 && n === script[1]! + 2) return 'segwit';
  // "OP_RETURN followed by one of: 6 to 75 inclusive followed by exactly that many bytes,
  //  76 followed by 76 to 80 followed by exactly that many bytes"
  if (n >= 2 && script[0] === OP_RETURN) {
    const push = script[1]!;
    if (push >= 6 && push <= 75 && n === push + 2) return 'op_return';
    if (push === OP_PUSHDATA1 && n >= 3 && script[2]! >= 76 && script[2]! <= 80 && n === script[2]! + 3) return 'op_return';
    return 'other';
  }
  if (n === 25 && script[0] === OP_DUP && script[1] === OP_HASH160 && script[2] === 20 && script[23] === OP_EQUALVERIFY && script[24] === OP_CHECKSIG) return 'p2pkh';
  if (n === 23 && script[0] === OP_HASH160 && script[1] === 20 && script[22] === OP_EQUAL) return 'p2sh';
  return 'other';
}

/** BOLT 2 shutdown, sender: "MUST set scriptpubkey in one of the following forms". */
export function isValidShutdownScript(script: Uint8Array, features: ShutdownScriptFeatures): boolean {
  if (!(script instanceof Uint8Array)) return false;
  switch (shutdownScriptKind(script)) {
    case 'p2wpkh':
    case 'p2wsh':
      return true;
    case 'p2a':
    case 'segwit':
      // "if (and only if) option_shutdown_anysegwit is negotiated"
      return features.anySegwit;
    case 'op_return':
      // "if (and only if) option_simple_close is negotiated"
      return features.simpleClose;
    default:
      return false;
  }
}

/**
 * BOLT 3 "Dust Limits": the Bitcoin Core threshold below which an output to this script does not
 * relay (0 for OP_RETURN: "these are never dust").
 */
export function dustThresholdSat(script: Uint8Array): bigint {
  switch (shutdownScriptKind(script)) {
    case 'p2pkh':
      return 546n;
    case 'p2sh':
      return 540n;
    case 'p2wpkh':
      return 294n;
    case 'p2wsh':
      return 330n;
    case 'p2a':
      return 240n;
    case 'segwit':
      return 354n;
    case 'op_return':
      return 0n;
    default:
      // Not a standard form: treat as the largest threshold (p2pkh).
      return 546n;
  }
}

export function isOpReturn(script: Uint8Array): boolean {
  return script.length > 0 && script[0] === OP_RETURN;
}
