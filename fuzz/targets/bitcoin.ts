/** Bitcoin targets: transaction parsing (legacy and BIP 144), as chain sources and peers hand them to us. */
import { decodeTx, encodeTx, txWeight, txid } from '../../core/bitcoin';
import { REJECTED, decodeOrReject, expectSameBytes, mustSucceed, roundTrip } from '../harness';
import type { FuzzTarget } from '../harness';

export const bitcoinTx: FuzzTarget = {
  name: 'bitcoin-tx',
  description: 'decodeTx on any bytes; encode → decode round trip to the same bytes; txid and weight of what decoded',
  maxLen: 4096,
  check(data) {
    const tx = decodeOrReject('decodeTx', () => decodeTx(data));
    if (tx === REJECTED) return;
    // Bitcoin Core reads CompactSize only in its shortest form, so an accepted transaction has one serialization.
    expectSameBytes('transaction: encode(decode(x)) ≠ x', roundTrip('transaction', tx, (t) => encodeTx(t), decodeTx), data);
    mustSucceed('txid', () => txid(tx));
    mustSucceed('txWeight', () => txWeight(tx));
  },
};
