/**
 * bench/wallet: what the wallet core costs as its history grows, measured side by side in one run.
 *
 * 1. Ingesting blocks: a wallet (real SQLite in memory: the file's fsync is the store's cost, not
 *    the core's) fed blocks of 50 deposits until it holds N transactions — deposits per second.
 *    A new transaction that conflicts with nothing updates the derived UTXO state incrementally,
 *    so this should not fall with N.
 * 2. A withdraw (select, build, sign two inputs, persist) followed by abandoning it (which does
 *    recompute the derived state from every transaction), next to the floor of the withdraw: two
 *    BIP 143 digests and two ECDSA signatures.
 */
import { encodeTx, p2pkh, segwitV0Sighash, SIGHASH_ALL, txidToHex, type Transaction } from '../core/bitcoin';
import { ecdsaSign, sha256, utf8 } from '../core/crypto';
import { openDatabase } from '../core/store';
import { WalletRepository } from '../core/store/wallet-repository';
import { Wallet, WalletKeys } from '../core/wallet';
import { measure, printTable } from './harness';

const KEYS = WalletKeys.fromWords('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about', 'regtest');
const PAYEE = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';

let counter = 0;
function deposit(script: Uint8Array, value: bigint): Uint8Array {
  counter++;
  const tx: Transaction = {
    version: 2, locktime: 0,
    inputs: [{ prevout: { txid: sha256(utf8.encode(`bench ${counter}`)), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }],
    outputs: [{ value, scriptPubKey: script }],
  };
  return encodeTx(tx);
}

function walletWith(txCount: number): { wallet: Wallet; seconds: number } {
  const wallet = Wallet.open({ keys: KEYS, store: new WalletRepository(openDatabase(':memory:')) });
  const start = performance.now();
  let height = 1;
  for (let done = 0; done < txCount; height++) {
    const batch: Uint8Array[] = [];
    for (let i = 0; i < 50 && done < txCount; i++, done++) batch.push(deposit(KEYS.script('receive', done % 15), 10_000n + BigInt(done)));
    const hash = txidToHex(sha256(utf8.encode(`block ${height}`)));
    wallet.transactionsConfirmed({ height, hash, time: 1_700_000_000 + height * 600 }, batch);
    wallet.bestBlockUpdated(height, hash);
  }
  return { wallet, seconds: (performance.now() - start) / 1000 };
}

export async function run(): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const n of [100, 1000, 3000]) {
    const { wallet, seconds } = walletWith(n);
    const withdraw = measure(`withdraw @${n}`, () => {
      const sent = wallet.withdraw({ address: PAYEE, amountSat: 15_000n, feeRateSatVb: 2, nowMs: 1 });
      wallet.abandonTransaction(sent.txid);
    }, 1);
    rows.push([n, n / seconds, withdraw.opsPerSec]);
  }
  printTable(['wallet txs', 'deposits ingested/s', 'withdraw+abandon/s'], rows);

  // The floor of a two-input withdraw: two BIP 143 digests and two ECDSA signatures.
  const key = KEYS.privateKey('receive', 0);
  const tx: Transaction = {
    version: 2, locktime: 0,
    inputs: [0, 1].map((i) => ({ prevout: { txid: sha256(utf8.encode(`f${i}`)), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] })),
    outputs: [{ value: 1000n, scriptPubKey: KEYS.script('change', 0) }],
  };
  const pk = KEYS.publicKey('receive', 0);
  const floor = measure('2 × (BIP 143 digest + ECDSA sign)', () => {
    for (let i = 0; i < 2; i++) ecdsaSign(segwitV0Sighash(tx, i, p2pkh(pk), 10_000n, SIGHASH_ALL), key);
  });
  printTable(['floor', 'ops/s'], [[floor.name, floor.opsPerSec]]);
}
