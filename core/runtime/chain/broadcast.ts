/**
 * What both chain sources do around a broadcast: read the transaction once (its txid and the
 * outpoints it spends, to explain a rejection), refuse bytes that are not a transaction, and turn a
 * source that cannot be reached into `source_down` rather than an exception.
 */
import { decodeTx, txid as computeTxid, txidToHex } from '../../bitcoin';
import { ChainSourceError, type BroadcastOutcome } from '../../chain';

export interface BroadcastTx {
  readonly txid: string;
  readonly prevouts: readonly { txid: string; vout: number }[];
}

export async function broadcastRaw(raw: Uint8Array, send: (tx: BroadcastTx) => Promise<BroadcastOutcome>): Promise<BroadcastOutcome> {
  let tx: BroadcastTx;
  try {
    const decoded = decodeTx(raw);
    tx = { txid: txidToHex(computeTxid(decoded)), prevouts: decoded.inputs.map((i) => ({ txid: txidToHex(i.prevout.txid), vout: i.prevout.vout })) };
  } catch {
    return { kind: 'rejected', detail: 'not a transaction' };
  }
  try {
    return await send(tx);
  } catch (e) {
    if (e instanceof ChainSourceError) return { kind: 'source_down', detail: `${e.code}: ${e.message}` };
    throw e;
  }
}
