/**
 * Bitcoin targets: transactions (legacy and BIP 144), block headers and blocks, as chain sources
 * (bitcoind-compatible RPC, Esplora) and peers hand them to us.
 */
import {
  checkProofOfWork, decodeBlock, decodeHeader, decodeTx, encodeHeader, encodeTx, headerHash, targetFromBits, txWeight, txid,
} from '../../core/bitcoin';
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

export const bitcoinBlock: FuzzTarget = {
  name: 'bitcoin-block',
  description: 'byte 0 even: the next 80 bytes as a header (round trip, hash, proof of work); odd: the rest as a block (decodeBlock, its Merkle and witness checks)',
  maxLen: 8192,
  check(data) {
    if (data.length === 0) return;
    const body = data.subarray(1);
    if ((data[0]! & 1) === 0) {
      const header = body.subarray(0, 80);
      const h = decodeOrReject('decodeHeader', () => decodeHeader(header));
      if (h === REJECTED) return;
      expectSameBytes('header: encode(decode(x)) ≠ x', roundTrip('header', h, encodeHeader, decodeHeader), header);
      mustSucceed('headerHash', () => headerHash(h));
      mustSucceed('targetFromBits', () => targetFromBits(h.bits));
      mustSucceed('checkProofOfWork', () => checkProofOfWork(h));
      return;
    }
    const block = decodeOrReject('decodeBlock', () => decodeBlock(body));
    if (block === REJECTED) return;
    // What decoded is consistent: each transaction re-encodes to the bytes it came from.
    for (const t of block.transactions) {
      expectSameBytes('block transaction: encode ≠ its bytes', mustSucceed('encodeTx', () => encodeTx(t.tx)), t.raw);
    }
  },
};
