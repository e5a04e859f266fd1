/**
 * CRC32C (Castagnoli, RFC 3720 Appendix B.4), used by BOLT 7 `checksums_tlv`: "the CRC32C
 * checksum ... of this channel_update without its signature and timestamp fields".
 */
const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    // The reflected Castagnoli polynomial 0x1EDC6F41 is 0x82F63B78.
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC32C of the concatenation of `parts` (an unsigned 32-bit number). */
export function crc32c(...parts: Uint8Array[]): number {
  let crc = 0xffffffff;
  for (const p of parts) for (const b of p) crc = TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Offsets in a `channel_update` message (type included). */
const TYPE = 2;
const SIGNATURE = 64;
const CHAIN_AND_SCID = 32 + 8;
const TIMESTAMP = 4;

/**
 * BOLT 7 `channel_update` checksum over the message bytes (type included, as they are sent): the
 * fields after `signature` without `timestamp`, i.e. chain_hash ‖ short_channel_id ‖ everything
 * after timestamp (message_flags … htlc_maximum_msat and any extension), as Core Lightning reads it.
 */
export function channelUpdateChecksum(update: Uint8Array): number {
  const start = TYPE + SIGNATURE;
  return crc32c(update.subarray(start, start + CHAIN_AND_SCID), update.subarray(start + CHAIN_AND_SCID + TIMESTAMP));
}
