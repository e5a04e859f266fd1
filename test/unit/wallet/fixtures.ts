/**
 * Wallets on real SQLite (a file, or `:memory:` for the property tests that open thousands) and
 * transactions from "the rest of the world": unsigned transactions paying our scripts from
 * outpoints nobody knows, which is all the wallet sees of a deposit.
 */
import { join } from 'node:path';
import {
  decodeTx, decodeWitnessSignature, encodeTx, p2pkh, segwitV0Sighash, SIGHASH_ALL, txid as computeTxid, txidFromHex, txidToHex,
  txWeight, type Transaction,
} from '../../../core/bitcoin';
import { ecdsaVerify, sha256, utf8 } from '../../../core/crypto';
import { openDatabase, type Database } from '../../../core/store';
import { WalletRepository } from '../../../core/store/wallet-repository';
import { scriptToAddress, Wallet, WalletKeys, type WalletConfig } from '../../../core/wallet';
import { tempDir } from '../../support/tmp';

export const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
export const KEYS = WalletKeys.fromWords(MNEMONIC, 'regtest');
export const T0 = 1_700_000_000_000;

/** A foreign P2WPKH-shaped script (not ours). */
export const THEIR_SCRIPT = new Uint8Array([0x00, 0x14, ...sha256(utf8.encode('someone else')).slice(0, 20)]);
export const THEIR_ADDRESS = scriptToAddress(THEIR_SCRIPT, 'regtest')!;

/** Deterministic "randomness" for the change position. */
export function seededRandom(seed = 1): (n: number) => Uint8Array {
  let state = seed;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      out[i] = state & 0xff;
    }
    return out;
  };
}

export interface TestWallet {
  readonly wallet: Wallet;
  readonly db: Database;
  readonly reopen: (keys?: WalletKeys) => Wallet;
}

export function openTestWallet(opts: { file?: boolean; keys?: WalletKeys; config?: Partial<WalletConfig>; db?: Database } = {}): TestWallet {
  const db = opts.db ?? openDatabase(opts.file === false ? ':memory:' : join(tempDir('glasswing-wallet-'), 'glasswing.sqlite'));
  const open = (keys: WalletKeys = opts.keys ?? KEYS): Wallet =>
    Wallet.open({ keys, store: new WalletRepository(db), config: opts.config, randomBytes: seededRandom() });
  return { wallet: open(), db, reopen: open };
}

let external = 0;
/** A fresh outpoint nobody in the test knows (a deposit's funding). */
export function externalOutpoint(): { txid: Uint8Array; vout: number } {
  external++;
  return { txid: sha256(utf8.encode(`external ${external}`)), vout: external % 3 };
}

/** A transaction with these inputs (external when omitted) and outputs; no witnesses. */
export function makeTx(
  outputs: readonly { script: Uint8Array; value: bigint }[],
  inputs: readonly { txid: Uint8Array | string; vout: number }[] = [externalOutpoint()],
): { raw: Uint8Array; txid: string; tx: Transaction } {
  const tx: Transaction = {
    version: 2,
    locktime: 0,
    inputs: inputs.map((i) => ({
      prevout: { txid: typeof i.txid === 'string' ? txidFromHex(i.txid) : i.txid, vout: i.vout }, scriptSig: new Uint8Array(0),
      sequence: 0xfffffffd, witness: [],
    })),
    outputs: outputs.map((o) => ({ value: o.value, scriptPubKey: o.script })),
  };
  return { raw: encodeTx(tx), txid: txidToHex(computeTxid(tx)), tx };
}

export function blockHash(height: number, fork = ''): string {
  return txidToHex(sha256(utf8.encode(`block ${height}${fork}`)));
}

/** A block at `height` (on fork `fork`), ten minutes apart. */
export function block(height: number, fork = ''): { height: number; hash: string; time: number } {
  return { height, hash: blockHash(height, fork), time: T0 / 1000 + height * 600 };
}

/** Confirms `txs` in a block at `height` and makes it the tip. */
export function mine(wallet: Wallet, height: number, txs: readonly Uint8Array[], fork = ''): void {
  wallet.transactionsConfirmed(block(height, fork), txs);
  wallet.bestBlockUpdated(height, blockHash(height, fork));
}

/** Deposits `values` to fresh receive addresses, confirmed at `height`. */
export function fund(wallet: Wallet, values: readonly bigint[], height = 100): string[] {
  const txs = values.map((value) => makeTx([{ script: KEYS.scriptOf(wallet.newAddress().address), value }]));
  mine(wallet, height, txs.map((t) => t.raw));
  return txs.map((t) => t.txid);
}

export interface Analysed {
  readonly tx: Transaction;
  readonly txid: string;
  readonly vsize: number;
  readonly inputSat: bigint;
  readonly outputSat: bigint;
  readonly feeSat: bigint;
}

/** Fee and size of a wallet-built transaction, with input values looked up in `values`. */
export function analyse(raw: Uint8Array, values: (txid: string, vout: number) => bigint): Analysed {
  const tx = decodeTx(raw);
  const inputSat = tx.inputs.reduce((s, i) => s + values(txidToHex(i.prevout.txid), i.prevout.vout), 0n);
  const outputSat = tx.outputs.reduce((s, o) => s + o.value, 0n);
  return { tx, txid: txidToHex(computeTxid(tx)), vsize: Math.ceil(txWeight(tx) / 4), inputSat, outputSat, feeSat: inputSat - outputSat };
}

/**
 * Cross-check with core/bitcoin (our BOLT 3 transaction code): every P2WPKH input's signature
 * verifies against the BIP 143 digest core/bitcoin computes, with SIGHASH_ALL.
 */
export function verifyP2wpkhInputs(raw: Uint8Array, values: (txid: string, vout: number) => bigint, skip: readonly number[] = []): void {
  const tx = decodeTx(raw);
  tx.inputs.forEach((input, i) => {
    if (skip.includes(i)) return;
    if (input.witness.length !== 2) throw new Error(`input ${i}: a P2WPKH witness has 2 items`);
    const [sigItem, pubkey] = input.witness as [Uint8Array, Uint8Array];
    const { signature, sighashType } = decodeWitnessSignature(sigItem);
    if (sighashType !== SIGHASH_ALL) throw new Error(`input ${i}: sighash ${sighashType}`);
    const digest = segwitV0Sighash(tx, i, p2pkh(pubkey), values(txidToHex(input.prevout.txid), input.prevout.vout), SIGHASH_ALL);
    if (!ecdsaVerify(signature, digest, pubkey)) throw new Error(`input ${i}: signature does not verify`);
  });
}
