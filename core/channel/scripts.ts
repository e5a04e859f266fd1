/** BOLT 3 witness scripts: funding, to_local, to_remote (anchors), anchors and HTLC outputs. */
import { compareBytes, ripemd160, sha256 } from '../crypto';
import { OP, buildScript, pushNumber } from '../bitcoin';

/** `option_static_remotekey` alone, or `option_anchors` (which implies static_remotekey). */
export type ChannelType = 'static_remotekey' | 'anchors';

/** BOLT 3 Funding Transaction Output: `2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG`, keys sorted. */
export function fundingScript(pubkeyA: Uint8Array, pubkeyB: Uint8Array): Uint8Array {
  const [k1, k2] = compareBytes(pubkeyA, pubkeyB) <= 0 ? [pubkeyA, pubkeyB] : [pubkeyB, pubkeyA];
  return buildScript({ num: 2 }, k1, k2, { num: 2 }, OP.OP_CHECKMULTISIG);
}

/**
 * BOLT 3 `to_local` Output (also the output of HTLC-success/HTLC-timeout transactions):
 * OP_IF <revocationpubkey> OP_ELSE `to_self_delay` OP_CSV OP_DROP <local_delayedpubkey> OP_ENDIF OP_CHECKSIG
 */
export function toLocalScript(revocationPubkey: Uint8Array, toSelfDelay: number, localDelayedPubkey: Uint8Array): Uint8Array {
  return buildScript(
    OP.OP_IF,
    revocationPubkey,
    OP.OP_ELSE,
    { num: toSelfDelay },
    OP.OP_CHECKSEQUENCEVERIFY,
    OP.OP_DROP,
    localDelayedPubkey,
    OP.OP_ENDIF,
    OP.OP_CHECKSIG,
  );
}

/** BOLT 3 `to_remote` Output with option_anchors: `<remotepubkey> OP_CHECKSIGVERIFY 1 OP_CHECKSEQUENCEVERIFY` */
export function toRemoteAnchorsScript(remotePubkey: Uint8Array): Uint8Array {
  return buildScript(remotePubkey, OP.OP_CHECKSIGVERIFY, { num: 1 }, OP.OP_CHECKSEQUENCEVERIFY);
}

/** BOLT 3 anchor output: `<funding_pubkey> OP_CHECKSIG OP_IFDUP OP_NOTIF OP_16 OP_CSV OP_ENDIF` */
export function anchorScript(fundingPubkey: Uint8Array): Uint8Array {
  return buildScript(
    fundingPubkey,
    OP.OP_CHECKSIG,
    OP.OP_IFDUP,
    OP.OP_NOTIF,
    { num: 16 },
    OP.OP_CHECKSEQUENCEVERIFY,
    OP.OP_ENDIF,
  );
}

export interface HtlcScriptKeys {
  readonly revocationPubkey: Uint8Array;
  /** `local_htlcpubkey` of the commitment holder. */
  readonly localHtlcPubkey: Uint8Array;
  /** `remote_htlcpubkey` */
  readonly remoteHtlcPubkey: Uint8Array;
}

/** BOLT 3 Offered HTLC Outputs (with the `1 OP_CSV OP_DROP` line when option_anchors applies). */
export function offeredHtlcScript(keys: HtlcScriptKeys, paymentHash: Uint8Array, channelType: ChannelType): Uint8Array {
  return htlcScriptBuilder(keys, channelType).offered(paymentHash);
}

/** BOLT 3 Received HTLC Outputs (with the `1 OP_CSV OP_DROP` line when option_anchors applies). */
export function receivedHtlcScript(
  keys: HtlcScriptKeys,
  paymentHash: Uint8Array,
  cltvExpiry: number,
  channelType: ChannelType,
): Uint8Array {
  return htlcScriptBuilder(keys, channelType).received(paymentHash, cltvExpiry);
}

/** The HTLC output scripts of one commitment (its keys and channel type fixed). */
export interface HtlcScriptBuilder {
  /** BOLT 3 Offered HTLC Output for `payment_hash`. */
  offered(paymentHash: Uint8Array): Uint8Array;
  /** BOLT 3 Received HTLC Output for `payment_hash` and `cltv_expiry`. */
  received(paymentHash: Uint8Array, cltvExpiry: number): Uint8Array;
}

/**
 * Builds the HTLC scripts of one commitment. Everything but RIPEMD160(payment_hash) (and the
 * received HTLC's cltv_expiry) is the same for every HTLC of a commitment, so those parts —
 * the revocation key's HASH160 included — are assembled once here and each script is one copy
 * of them around the per-HTLC pushes.
 */
export function htlcScriptBuilder(keys: HtlcScriptKeys, channelType: ChannelType): HtlcScriptBuilder {
  const revocationHash = ripemd160(sha256(keys.revocationPubkey));
  const anchorsLine = channelType === 'anchors' ? [{ num: 1 }, OP.OP_CHECKSEQUENCEVERIFY, OP.OP_DROP] : [];
  const offeredHead = buildScript(
    OP.OP_DUP, OP.OP_HASH160, revocationHash, OP.OP_EQUAL,
    OP.OP_IF,
    OP.OP_CHECKSIG,
    OP.OP_ELSE,
    keys.remoteHtlcPubkey, OP.OP_SWAP, OP.OP_SIZE, { num: 32 }, OP.OP_EQUAL,
    OP.OP_NOTIF,
    // To local node via HTLC-timeout transaction (timelocked).
    OP.OP_DROP, { num: 2 }, OP.OP_SWAP, keys.localHtlcPubkey, { num: 2 }, OP.OP_CHECKMULTISIG,
    OP.OP_ELSE,
    // To remote node with preimage: OP_HASH160 <RIPEMD160(payment_hash)> ...
    OP.OP_HASH160,
  );
  const offeredTail = buildScript(OP.OP_EQUALVERIFY, OP.OP_CHECKSIG, OP.OP_ENDIF, ...anchorsLine, OP.OP_ENDIF);
  const receivedHead = buildScript(
    OP.OP_DUP, OP.OP_HASH160, revocationHash, OP.OP_EQUAL,
    OP.OP_IF,
    OP.OP_CHECKSIG,
    OP.OP_ELSE,
    keys.remoteHtlcPubkey, OP.OP_SWAP, OP.OP_SIZE, { num: 32 }, OP.OP_EQUAL,
    OP.OP_IF,
    // To local node via HTLC-success transaction: OP_HASH160 <RIPEMD160(payment_hash)> ...
    OP.OP_HASH160,
  );
  const receivedMiddle = buildScript(
    OP.OP_EQUALVERIFY,
    { num: 2 }, OP.OP_SWAP, keys.localHtlcPubkey, { num: 2 }, OP.OP_CHECKMULTISIG,
    OP.OP_ELSE,
    // To remote node after timeout: OP_DROP <cltv_expiry> ...
    OP.OP_DROP,
  );
  const receivedTail = buildScript(OP.OP_CHECKLOCKTIMEVERIFY, OP.OP_DROP, OP.OP_CHECKSIG, OP.OP_ENDIF, ...anchorsLine, OP.OP_ENDIF);
  return {
    offered: (paymentHash) => joinParts(offeredHead, ripemd160(paymentHash), offeredTail, EMPTY, EMPTY),
    received: (paymentHash, cltvExpiry) => joinParts(receivedHead, ripemd160(paymentHash), receivedMiddle, pushNumber(cltvExpiry), receivedTail),
  };
}

const EMPTY = new Uint8Array(0);

/** `head || <20-byte push of hash20> || a || b || c` in one allocation. */
function joinParts(head: Uint8Array, hash20: Uint8Array, a: Uint8Array, b: Uint8Array, c: Uint8Array): Uint8Array {
  const out = new Uint8Array(head.length + 21 + a.length + b.length + c.length);
  out.set(head, 0);
  let pos = head.length;
  out[pos++] = 20; // a 20-byte push
  out.set(hash20, pos);
  pos += 20;
  out.set(a, pos);
  pos += a.length;
  out.set(b, pos);
  out.set(c, pos + b.length);
  return out;
}
