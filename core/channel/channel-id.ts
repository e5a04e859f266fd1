/** BOLT 2 Definition of `channel_id` (v1 channel establishment). */
import type { OutPoint } from '../bitcoin';
import { ChannelError } from './errors';

/**
 * "combining the funding_txid and the funding_output_index, using big-endian exclusive-OR
 * (i.e. funding_output_index alters the last 2 bytes)". The txid is in internal byte order, as
 * funding_created carries it.
 */
export function channelIdFromFundingOutpoint(outpoint: OutPoint): Uint8Array {
  if (outpoint.txid.length !== 32) throw new ChannelError('channel.bad_funding_outpoint', 'funding txid must be 32 bytes');
  if (!Number.isInteger(outpoint.vout) || outpoint.vout < 0 || outpoint.vout > 0xffff) {
    throw new ChannelError('channel.bad_funding_outpoint', 'funding_output_index must fit in 16 bits');
  }
  const id = outpoint.txid.slice();
  id[30]! ^= outpoint.vout >>> 8;
  id[31]! ^= outpoint.vout & 0xff;
  return id;
}
