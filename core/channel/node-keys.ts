/**
 * Channel keys from the node key: each channel gets a 32-byte seed derived from the node's
 * private key and a per-channel key index, so the store keeps only the index and a restarted
 * node re-creates the same signer (basepoints, per-commitment secrets) for every channel.
 */
import { concatBytes, hmacSha256, utf8 } from '../crypto';
import { InMemoryChannelSigner } from './signer';

const LABEL = utf8.encode('glasswing channel seed');

/** HMAC-SHA256(node_key, "glasswing channel seed" || u32 key_index). Secret: zero it after use. */
export function channelSeed(nodeKey: Uint8Array, keyIndex: number): Uint8Array {
  if (!Number.isInteger(keyIndex) || keyIndex < 0 || keyIndex > 0xffffffff) throw new RangeError(`channel key index ${keyIndex} out of range`);
  const index = new Uint8Array(4);
  new DataView(index.buffer).setUint32(0, keyIndex);
  return hmacSha256(nodeKey, concatBytes(LABEL, index));
}

/** The signer of channel `keyIndex` (its seed is zeroed once the keys are derived). */
export function channelSignerFromNodeKey(nodeKey: Uint8Array, keyIndex: number): InMemoryChannelSigner {
  const seed = channelSeed(nodeKey, keyIndex);
  try {
    return new InMemoryChannelSigner(seed);
  } finally {
    seed.fill(0);
  }
}
