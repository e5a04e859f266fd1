/**
 * Writing a BOLT 11 invoice from its parts: `encodeUnsignedBolt11` lays out the human-readable
 * part, timestamp and tagged fields exactly in the order given (so a decoded invoice encodes back
 * to the same string), and the result is signed with the node key. Writer requirements about
 * which fields to include are the builder's (builder.ts); this layer refuses only what cannot be
 * written at all.
 */
import { equalBytes, publicKeyFromPrivate } from '../../crypto';
import { encodeBech32 } from './bech32';
import type { Bolt11Invoice, DecodeOptions } from './decode';
import { TIMESTAMP_WORDS, decodeBolt11, firstField } from './decode';
import { Bolt11SemanticError } from './errors';
import type { Bolt11Field } from './fields';
import { writeField } from './fields';
import type { Bolt11Network } from './hrp';
import { formatHrp } from './hrp';
import type { Bolt11Signature } from './signature';
import { SIGNATURE_WORDS, signDigest, signingHash, writeSignature } from './signature';
import { uintToFixedWords } from './words';

/** "timestamp: seconds-since-1970 (35 bits, big-endian)". */
export const MAX_TIMESTAMP = 2 ** 35 - 1;

export interface UnsignedBolt11 {
  readonly network: Bolt11Network;
  /** Undefined for an invoice of any amount. Written with the largest multiplier that is exact. */
  readonly amountMsat?: bigint | undefined;
  /** Seconds since 1970-01-01 UTC, from the caller's clock. */
  readonly timestamp: number;
  /** The tagged fields, in the order they are written. */
  readonly fields: readonly Bolt11Field[];
}

/** An invoice laid out and waiting for its signature. */
export class UnsignedBolt11Invoice {
  /** The human-readable part. */
  readonly hrp: string;
  /** Timestamp and tagged fields as 5-bit words: the data part before the signature. */
  readonly dataWords: Uint8Array;
  /** The digest the payee signs. */
  readonly signingHash: Uint8Array;
  /** The key of the `n` field, when there is one: the only key that may sign. */
  readonly payeeNodeId: Uint8Array | undefined;

  constructor(hrp: string, dataWords: Uint8Array, payeeNodeId: Uint8Array | undefined) {
    this.hrp = hrp;
    this.dataWords = dataWords;
    this.signingHash = signingHash(hrp, dataWords);
    this.payeeNodeId = payeeNodeId;
  }

  /**
   * Writer: "MUST set signature to a valid compact ECDSA signature ... followed by a trailing
   * 1-byte recovery id". Deterministic (RFC 6979) and low-S, so readers that check `n` accept it.
   */
  signatureBy(nodeKey: Uint8Array): Bolt11Signature {
    // Writer: "MUST set n to the public key used to create the signature."
    if (this.payeeNodeId && !equalBytes(publicKeyFromPrivate(nodeKey), this.payeeNodeId)) {
      throw new Bolt11SemanticError('bolt11.writer.wrong_signing_key');
    }
    return signDigest(this.signingHash, nodeKey);
  }

  /** The invoice string with `signature` (lower case; writers "SHOULD use upper case for QR codes"). */
  encode(signature: Bolt11Signature): string {
    const words = new Uint8Array(this.dataWords.length + SIGNATURE_WORDS);
    words.set(this.dataWords, 0);
    words.set(writeSignature(signature), this.dataWords.length);
    return encodeBech32(this.hrp, words);
  }

  /**
   * Signs with the node key and returns the invoice as a reader sees it: the string is decoded
   * again, so this throws rather than return an invoice a reader would reject.
   */
  sign(nodeKey: Uint8Array, opts: DecodeOptions = {}): Bolt11Invoice {
    return decodeBolt11(this.encode(this.signatureBy(nodeKey)), opts);
  }
}

/** Lays out an invoice. Throws `bolt11.writer.*` for a value that has no encoding. */
export function encodeUnsignedBolt11(u: UnsignedBolt11): UnsignedBolt11Invoice {
  if (!Number.isSafeInteger(u.timestamp) || u.timestamp < 0 || u.timestamp > MAX_TIMESTAMP) {
    throw new Bolt11SemanticError('bolt11.writer.invalid_parameter', `timestamp must be an integer in 0..2^35-1`);
  }
  const hrp = formatHrp(u.network, u.amountMsat);
  const parts: Uint8Array[] = [uintToFixedWords(u.timestamp, TIMESTAMP_WORDS)];
  let length = TIMESTAMP_WORDS;
  for (const field of u.fields) {
    const { type, words } = writeField(field);
    // "type (5 bits), data_length (10 bits, big-endian), data (data_length x 5 bits)".
    parts.push(Uint8Array.of(type, words.length >> 5, words.length & 31), words);
    length += 3 + words.length;
  }
  const dataWords = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    dataWords.set(p, at);
    at += p.length;
  }
  return new UnsignedBolt11Invoice(hrp, dataWords, firstField(u.fields, 'n')?.payeeNodeId);
}
