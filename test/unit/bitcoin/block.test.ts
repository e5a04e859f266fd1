import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../core/crypto';
import {
  BitcoinError, checkProofOfWork, decodeBlock, decodeHeader, encodeHeader, headerHash, merkleRoot, merkleRootFromBranch, targetFromBits, txidFromHex, txidToHex,
} from '../../../core/bitcoin';
import { CHAIN_HASH_HEX } from '../../../core/wire';
import { buildBlock, merkleBranch, scriptFor, spendTx } from '../../support/chain-builder';

// The mainnet genesis block as every node serializes it (block 0 of the chain whose hash BOLT 0
// names as chain_hash); the regtest genesis differs only in time, bits and nonce.
const GENESIS_TAIL =
  '0101000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000';
const GENESIS_PREFIX = '01000000' + '00'.repeat(32) + '3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a';
const MAINNET_GENESIS = GENESIS_PREFIX + '29ab5f49' + 'ffff001d' + '1dac2b7c' + GENESIS_TAIL;
const REGTEST_GENESIS = GENESIS_PREFIX + 'dae5494d' + 'ffff7f20' + '02000000' + GENESIS_TAIL;

function expectBitcoinError(f: () => unknown, code?: string): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BitcoinError);
    if (code) expect((e as BitcoinError).code).toBe(code);
    return;
  }
  throw new Error('expected a BitcoinError');
}

describe('blocks', () => {
  it('decodes the mainnet and regtest genesis blocks to the chain hashes BOLT 0 names', () => {
    for (const [hex, network] of [[MAINNET_GENESIS, 'mainnet'], [REGTEST_GENESIS, 'regtest']] as const) {
      const block = decodeBlock(fromHex(hex));
      expect(toHex(block.hash)).toBe(CHAIN_HASH_HEX[network]);
      expect(block.transactions).toHaveLength(1);
      expect(txidToHex(block.transactions[0]!.txid)).toBe('4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b');
      expect(checkProofOfWork(block.header)).toBe(true);
      expect(toHex(encodeHeader(block.header))).toBe(hex.slice(0, 160));
    }
  });

  it('decodes a built segwit block and checks its Merkle root and witness commitment', () => {
    const fund = buildBlock({ prevHash: '00'.repeat(32), height: 1 });
    const spend = spendTx([{ txid: fund.txids[0]!, vout: 0 }], [{ script: scriptFor('a'), value: 1000n }]);
    const block = buildBlock({ prevHash: fund.hash, height: 2, txs: [spend] });
    const decoded = decodeBlock(block.raw);
    expect(txidToHex(decoded.hash)).toBe(block.hash);
    expect(decoded.transactions.map((t) => txidToHex(t.txid))).toEqual(block.txids);
    expect(toHex(decoded.transactions[1]!.raw)).toBe(toHex(block.raw.subarray(block.raw.length - decoded.transactions[1]!.raw.length)));
  });

  it('refuses a block whose witness data is not committed to', () => {
    const fund = buildBlock({ prevHash: '00'.repeat(32), height: 1 });
    const spend = spendTx([{ txid: fund.txids[0]!, vout: 0 }], [{ script: scriptFor('a'), value: 1000n }]);
    const block = buildBlock({ prevHash: fund.hash, height: 2, txs: [spend] });
    const raw = block.raw.slice();
    raw[raw.length - 5] ^= 1; // the spend's one witness byte, just before its locktime
    expectBitcoinError(() => decodeBlock(raw), 'bitcoin.bad_block');
  });

  it('reports a Merkle tree with a duplicated last pair as mutated (CVE-2012-2459)', () => {
    const a = fromHex('11'.repeat(32));
    const b = fromHex('22'.repeat(32));
    const c = fromHex('33'.repeat(32));
    const three = merkleRoot([a, b, c]);
    const four = merkleRoot([a, b, c, c]);
    expect(toHex(four.root)).toBe(toHex(three.root));
    expect(three.mutated).toBe(false);
    expect(four.mutated).toBe(true);
  });

  it('reads targets from compact bits and refuses negative or overflowing ones', () => {
    expect(targetFromBits(0x1d00ffff)).toBe(0xffffn << 208n);
    expect(targetFromBits(0x207fffff)).toBe(0x7fffffn << 232n);
    expect(targetFromBits(0x04923456)).toBeNull(); // negative
    expect(targetFromBits(0xff123456)).toBeNull(); // overflow
    expect(targetFromBits(0)).toBeNull();
  });

  it('gives a BitcoinError, never anything else, for random bytes and every truncation', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeBlock(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(BitcoinError);
        }
        try {
          decodeHeader(bytes);
          expect(bytes.length).toBe(80);
        } catch (e) {
          expect(e).toBeInstanceOf(BitcoinError);
        }
      }),
      { numRuns: 500 },
    );
    const block = buildBlock({ prevHash: '00'.repeat(32), height: 7, txs: [spendTx([{ txid: 'ab'.repeat(32), vout: 1 }], [{ script: scriptFor('x'), value: 5n }])] });
    for (let n = 0; n < block.raw.length; n++) expectBitcoinError(() => decodeBlock(block.raw.subarray(0, n)));
  });

  it('refuses any flipped bit in the Merkle root or the transactions; a flip elsewhere in the header changes the hash', () => {
    const fund = buildBlock({ prevHash: '00'.repeat(32), height: 1 });
    const block = buildBlock({
      prevHash: fund.hash,
      height: 2,
      txs: [spendTx([{ txid: fund.txids[0]!, vout: 0 }], [{ script: scriptFor('a'), value: 1000n }, { script: scriptFor('b'), value: 7n }])],
    });
    fc.assert(
      fc.property(fc.nat({ max: block.raw.length * 8 - 1 }), (bit) => {
        const raw = block.raw.slice();
        raw[bit >> 3] ^= 1 << (bit & 7);
        const inMerkleRoot = bit >= 36 * 8 && bit < 68 * 8;
        if (bit < 80 * 8 && !inMerkleRoot) {
          const decoded = decodeBlock(raw);
          expect(txidToHex(headerHash(decoded.header))).not.toBe(block.hash);
        } else {
          expectBitcoinError(() => decodeBlock(raw));
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('Merkle branches (SPV proofs)', () => {
  it('a branch of every position of any tree gives the tree\'s root, and only at that position (property)', () => {
    const leafList = fc.uniqueArray(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 40, selector: (l) => toHex(l) });
    fc.assert(fc.property(leafList, fc.nat(), (leaves, pick) => {
      const txids = leaves.map((l) => txidToHex(l));
      const { root } = merkleRoot(leaves);
      const pos = pick % leaves.length;
      const { merkle } = merkleBranch(txids, pos);
      const branch = merkle.map(txidFromHex);
      expect(toHex(merkleRootFromBranch(leaves[pos]!, branch, pos))).toBe(toHex(root));
      // Another real position proves another root (past the last leaf the tree repeats it: no claim there).
      const other = (pos + 1) % leaves.length;
      if (other !== pos) {
        expect(toHex(merkleRootFromBranch(leaves[pos]!, branch, other))).not.toBe(toHex(root));
      }
    }));
  });

  it('refuses a position the branch cannot reach', () => {
    expect(() => merkleRootFromBranch(new Uint8Array(32), [new Uint8Array(32)], 2)).toThrow(/does not fit/);
    expect(() => merkleRootFromBranch(new Uint8Array(32), [], -1)).toThrow(/does not fit/);
  });
});
