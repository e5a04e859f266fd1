/**
 * The wallet core against a real btcd on regtest, fed block by block over RPC by
 * test/support/wallet-feeder.ts: deposits and confirmations, withdraw, RBF, CPFP (our change and
 * a foreign anchor output), funding, a reorg, restore from words with a rescan, and a crash
 * between "persisted" and "broadcast". btcd is the judge: testmempoolaccept, sendrawtransaction,
 * its mempool's fees and sizes, and gettxout for every coin the wallet says it has.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildScript, decodeTx, encodeWitnessSignature, OP, p2wsh, segwitV0Sighash, SIGHASH_ALL,
} from '../../core/bitcoin';
import { ecdsaSign, publicKeyFromPrivate, randomBytes, sha256, toHex, utf8 } from '../../core/crypto';
import { openDatabase } from '../../core/store';
import { WalletRepository } from '../../core/store/wallet-repository';
import { scriptToAddress, Wallet, WalletKeys, wordsFromSeed } from '../../core/wallet';
import { type Btcd, BtcdRpcError, faucetKey, startBtcd, waitFor } from '../support/btcd';
import { tempDir } from '../support/tmp';
import { WalletFeeder } from '../support/wallet-feeder';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
});

const PAYEE = faucetKey().address;

interface Harness {
  readonly seed: Uint8Array;
  readonly path: string;
  wallet: Wallet;
  feeder: WalletFeeder;
  /** Drops the wallet object (nothing closed, as after kill -9) and opens a new one on the same file. */
  readonly crashAndReopen: () => Wallet;
}

async function newWallet(opts: { seed?: Uint8Array; fromHeight?: number; words?: string } = {}): Promise<Harness> {
  const seed = opts.seed ?? randomBytes(32);
  const path = join(tempDir('glasswing-wallet-it-'), 'glasswing.sqlite');
  const open = (): Wallet =>
    Wallet.open({
      keys: opts.words ? WalletKeys.fromWords(opts.words, 'regtest') : WalletKeys.fromNodeSeed(seed, 'regtest'),
      store: new WalletRepository(openDatabase(path)),
    });
  const wallet = open();
  const feeder = opts.fromHeight === undefined ? await WalletFeeder.atTip(btcd, wallet) : new WalletFeeder(btcd, wallet, opts.fromHeight);
  const h: Harness = {
    seed, path, wallet, feeder,
    crashAndReopen: () => {
      h.wallet = open();
      h.feeder.wallet = h.wallet;
      return h.wallet;
    },
  };
  return h;
}

async function mineAndSync(h: Harness, n = 1): Promise<string[]> {
  const hashes = await btcd.mine(n);
  await h.feeder.sync();
  return hashes;
}

async function send(raw: Uint8Array): Promise<string> {
  const [verdict] = await btcd.rpc<{ txid: string; allowed?: boolean; 'reject-reason'?: string; vsize?: number; fees?: { base: number } }[]>(
    'testmempoolaccept', [[toHex(raw)], 0.1],
  );
  expect(verdict!['reject-reason'] ?? 'allowed').toBe('allowed');
  expect(verdict!.allowed).toBe(true);
  return await btcd.rpc<string>('sendrawtransaction', [toHex(raw)]);
}

const sat = (btc: number): bigint => BigInt(Math.round(btc * 1e8));

/** Every coin the wallet lists exists, unspent, with that value, in btcd's view (mempool included). */
async function expectCoinsOnChain(wallet: Wallet): Promise<void> {
  for (const u of wallet.listUtxos()) {
    const out = await btcd.rpc<{ value: number; confirmations: number } | null>('gettxout', [u.txid, u.vout, true]);
    expect(out, `${u.txid}:${u.vout}`).not.toBeNull();
    expect(sat(out!.value)).toBe(u.amountSat);
    expect(out!.confirmations).toBe(u.confirmations);
  }
}

async function mempool(): Promise<Record<string, { fee: number; vsize: number; depends: string[] }>> {
  return await btcd.rpc('getrawmempool', [true]);
}

describe('the wallet on a real btcd', () => {
  it('sees a deposit in the mempool, then its confirmations, and the balance follows', async () => {
    const h = await newWallet();
    const address = h.wallet.newAddress().address;
    const txid = await btcd.fund(address, 250_000n);
    await h.feeder.sync();
    expect(h.wallet.balance()).toMatchObject({ confirmedSat: 0n, unconfirmedSat: 250_000n, totalSat: 250_000n });
    expect(h.wallet.transaction(txid)).toMatchObject({ state: 'unconfirmed', confirmations: 0, label: 'deposit', amountSat: 250_000n });
    await mineAndSync(h);
    expect(h.wallet.balance()).toMatchObject({ confirmedSat: 250_000n, unconfirmedSat: 0n });
    expect(h.wallet.transaction(txid)!.confirmations).toBe(1);
    await mineAndSync(h, 2);
    expect(h.wallet.transaction(txid)!.confirmations).toBe(3);
    await expectCoinsOnChain(h.wallet);
  });

  it('withdraws: btcd accepts it, its fee and size are what the wallet says, and it confirms', async () => {
    const h = await newWallet();
    await btcd.fund(h.wallet.newAddress().address, 150_000n);
    await btcd.fund(h.wallet.newAddress().address, 90_000n);
    await mineAndSync(h);
    const sent = h.wallet.withdraw({ address: PAYEE, amountSat: 200_000n, feeRateSatVb: 3, nowMs: Date.now() });
    expect(h.wallet.pendingBroadcasts().map((p) => p.txid)).toEqual([sent.txid]);
    expect(await send(sent.tx)).toBe(sent.txid);
    const entry = (await mempool())[sent.txid]!;
    expect(sat(entry.fee)).toBe(sent.feeSat);
    expect(entry.vsize).toBe(sent.vsize);
    expect(sent.feeSat * 1000n / BigInt(entry.vsize)).toBeGreaterThanOrEqual(3000n);
    await h.feeder.sync();
    await expectCoinsOnChain(h.wallet);
    const [hash] = await mineAndSync(h);
    expect((await btcd.rpc<{ tx: string[] }>('getblock', [hash, 1])).tx).toContain(sent.txid);
    expect(h.wallet.transaction(sent.txid)).toMatchObject({ state: 'confirmed', confirmations: 1, amountSat: 200_000n });
    expect(h.wallet.balance().totalSat).toBe(240_000n - 200_000n - sent.feeSat);
    expect(h.wallet.pendingBroadcasts()).toEqual([]);
    await expectCoinsOnChain(h.wallet);
  });

  it('bumps the fee by RBF: btcd takes the replacement, evicts the original, and mines the replacement', async () => {
    const h = await newWallet();
    await btcd.fund(h.wallet.newAddress().address, 120_000n);
    await mineAndSync(h);
    const first = h.wallet.withdraw({ address: PAYEE, amountSat: 70_000n, feeRateSatVb: 1, nowMs: Date.now() });
    await send(first.tx);
    await h.feeder.sync();
    const bump = h.wallet.bumpFee({ txid: first.txid, feeRateSatVb: 6, nowMs: Date.now() });
    expect(await send(bump.tx)).toBe(bump.txid);
    const pool = await mempool();
    expect(Object.keys(pool)).toContain(bump.txid);
    expect(Object.keys(pool)).not.toContain(first.txid);
    expect(sat(pool[bump.txid]!.fee)).toBe(bump.feeSat);
    await h.feeder.sync();
    expect(h.wallet.transaction(first.txid)).toMatchObject({ state: 'replaced', replacedBy: bump.txid });
    await mineAndSync(h);
    expect(h.wallet.transaction(bump.txid)!.state).toBe('confirmed');
    expect(h.wallet.transaction(first.txid)!.state).toBe('replaced');
    expect(h.wallet.balance().totalSat).toBe(120_000n - 70_000n - bump.feeSat);
    await expectCoinsOnChain(h.wallet);
  });

  it('CPFP on our change: btcd takes the child, the package pays the target rate, and both are mined', async () => {
    const h = await newWallet();
    await btcd.fund(h.wallet.newAddress().address, 100_000n);
    await mineAndSync(h);
    const parent = h.wallet.withdraw({ address: PAYEE, amountSat: 40_000n, feeRateSatVb: 1, nowMs: Date.now() });
    await send(parent.tx);
    const vout = decodeTx(parent.tx).outputs.findIndex((o) => scriptToAddress(o.scriptPubKey, 'regtest') !== PAYEE);
    const child = h.wallet.buildCpfp({ parent: parent.tx, spend: { kind: 'wallet', vout }, feeRateSatVb: 20, nowMs: Date.now() });
    await send(child.tx);
    const pool = await mempool();
    expect(pool[child.txid]!.depends).toEqual([parent.txid]);
    const packageFee = sat(pool[parent.txid]!.fee) + sat(pool[child.txid]!.fee);
    const packageSize = BigInt(pool[parent.txid]!.vsize + pool[child.txid]!.vsize);
    expect(packageFee * 1000n / packageSize).toBeGreaterThanOrEqual(20_000n);
    const [hash] = await mineAndSync(h);
    const mined = (await btcd.rpc<{ tx: string[] }>('getblock', [hash, 1])).tx;
    expect(mined).toEqual(expect.arrayContaining([parent.txid, child.txid]));
    expect(h.wallet.transaction(child.txid)).toMatchObject({ state: 'confirmed', label: 'cpfp' });
    await expectCoinsOnChain(h.wallet);
  });

  it('CPFP through a foreign anchor output whose witness the caller signs: accepted and mined', async () => {
    const h = await newWallet();
    await btcd.fund(h.wallet.newAddress().address, 100_000n);
    await mineAndSync(h);
    // A BOLT 3 anchor-shaped output (330 sat, P2WSH of <key> OP_CHECKSIG OP_IFDUP OP_NOTIF OP_16 OP_CSV OP_ENDIF).
    const key = sha256(utf8.encode(`anchor ${toHex(h.seed)}`));
    const witnessScript = buildScript(publicKeyFromPrivate(key), OP.OP_CHECKSIG, OP.OP_IFDUP, OP.OP_NOTIF, OP.OP_16, OP.OP_CHECKSEQUENCEVERIFY, OP.OP_ENDIF);
    const anchorAddress = scriptToAddress(p2wsh(witnessScript), 'regtest')!;
    const parent = h.wallet.withdraw({ address: anchorAddress, amountSat: 330n, feeRateSatVb: 1, nowMs: Date.now() });
    await send(parent.tx);
    const vout = decodeTx(parent.tx).outputs.findIndex((o) => o.value === 330n);
    const child = h.wallet.buildCpfp({
      parent: parent.tx, feeRateSatVb: 15, nowMs: Date.now(),
      spend: {
        kind: 'foreign', vout, maxWitnessSize: 1 + 1 + 73 + 1 + witnessScript.length,
        sign: ({ tx, inputIndex, valueSat }) => [
          encodeWitnessSignature(ecdsaSign(segwitV0Sighash(tx, inputIndex, witnessScript, valueSat, SIGHASH_ALL), key), SIGHASH_ALL),
          witnessScript,
        ],
      },
    });
    await send(child.tx);
    const pool = await mempool();
    const packageFee = sat(pool[parent.txid]!.fee) + sat(pool[child.txid]!.fee);
    expect(packageFee * 1000n / BigInt(pool[parent.txid]!.vsize + pool[child.txid]!.vsize)).toBeGreaterThanOrEqual(15_000n);
    await mineAndSync(h);
    expect(h.wallet.transaction(child.txid)!.state).toBe('confirmed');
    expect(await btcd.rpc('gettxout', [parent.txid, vout, true])).toBeNull(); // the anchor is spent
    await expectCoinsOnChain(h.wallet);
  });

  it('funds a channel output only when committed; btcd accepts and confirms it', async () => {
    const h = await newWallet();
    await btcd.fund(h.wallet.newAddress().address, 500_000n);
    await mineAndSync(h);
    const fundingScript = p2wsh(buildScript(2, publicKeyFromPrivate(sha256(utf8.encode('a'))), publicKeyFromPrivate(sha256(utf8.encode('b'))), 2, OP.OP_CHECKMULTISIG));
    const f = h.wallet.buildFunding({ scriptPubKey: fundingScript, amountSat: 300_000n, feeRateSatVb: 2, nowMs: Date.now() });
    expect(h.wallet.pendingBroadcasts()).toEqual([]);
    expect(h.wallet.balance().lockedSat).toBe(500_000n);
    const { tx } = h.wallet.commitFunding(f.txid);
    await send(tx);
    await mineAndSync(h);
    const out = await btcd.rpc<{ value: number; scriptPubKey: { hex: string } }>('gettxout', [f.txid, f.outputIndex, true]);
    expect(sat(out.value)).toBe(300_000n);
    expect(out.scriptPubKey.hex).toBe(toHex(fundingScript));
    expect(h.wallet.balance()).toMatchObject({ lockedSat: 0n, confirmedSat: 200_000n - f.feeSat });
  });

  it('a reorg (invalidateblock) unconfirms a deposit and the balance follows; it reconfirms in the new block', async () => {
    const h = await newWallet();
    const txid = await btcd.fund(h.wallet.newAddress().address, 77_000n);
    const [hash] = await mineAndSync(h);
    expect(h.wallet.transaction(txid)).toMatchObject({ state: 'confirmed', blockHash: hash });
    await btcd.rpc('invalidateblock', [hash]);
    await waitFor(async () => ((await btcd.rpc<string[]>('getrawmempool')).includes(txid) ? true : undefined), 'the deposit back in the mempool');
    await h.feeder.sync();
    expect(h.wallet.transaction(txid)).toMatchObject({ state: 'unconfirmed', confirmations: 0, blockHash: null });
    expect(h.wallet.balance()).toMatchObject({ confirmedSat: 0n, unconfirmedSat: 77_000n });
    const [other] = await mineAndSync(h);
    expect(other).not.toBe(hash);
    expect(h.wallet.transaction(txid)).toMatchObject({ state: 'confirmed', blockHash: other, confirmations: 1 });
    expect(h.wallet.balance()).toMatchObject({ confirmedSat: 77_000n, unconfirmedSat: 0n });
    await expectCoinsOnChain(h.wallet);
  });

  it('restores from the words on an empty store and finds every coin by rescanning, past the first gap-limit window', async () => {
    const birthday = await btcd.height();
    const a = await newWallet();
    const addresses = Array.from({ length: 41 }, () => a.wallet.newAddress().address);
    await btcd.fund(addresses[3]!, 30_000n);
    await btcd.fund(addresses[15]!, 45_000n);
    await mineAndSync(a);
    // Index 30 is outside the first window [0, 20), found once 15 is; index 40 is outside [0, 35)
    // and in the same block as 30: found only when that block is looked at again with 30's window.
    await btcd.mine(2); // two mature faucet coins, so funding does not mine between the two payments
    const near = await btcd.fund(addresses[30]!, 60_000n);
    const far = await btcd.fund(addresses[40]!, 65_000n);
    const [block] = await mineAndSync(a);
    expect((await btcd.rpc<{ tx: string[] }>('getblock', [block, 1])).tx).toEqual(expect.arrayContaining([near, far]));
    const sent = a.wallet.withdraw({ address: PAYEE, amountSat: 50_000n, feeRateSatVb: 2, nowMs: Date.now() });
    await send(sent.tx);
    await mineAndSync(a);
    const expected = a.wallet.listUtxos().map((u) => `${u.txid}:${u.vout}:${u.amountSat}`).sort();
    expect(expected.length).toBeGreaterThan(0);

    const restored = await newWallet({ words: wordsFromSeed(a.seed), fromHeight: birthday });
    expect(restored.wallet.balance().totalSat).toBe(0n);
    await restored.feeder.sync();
    expect(restored.wallet.listUtxos().map((u) => `${u.txid}:${u.vout}:${u.amountSat}`).sort()).toEqual(expected);
    expect(restored.wallet.balance()).toEqual(a.wallet.balance());
    expect(restored.wallet.transaction(far)).toMatchObject({ label: 'deposit', amountSat: 65_000n, state: 'confirmed' });
    expect(restored.wallet.transaction(sent.txid)).toMatchObject({ label: 'withdraw', direction: 'outgoing', amountSat: 50_000n, state: 'confirmed' });
    // It never hands out an address that was already paid.
    expect(restored.wallet.newAddress().index).toBe(41);
  });

  it('after a crash between "persisted" and "broadcast" it rebroadcasts the send and never double-spends its coins', async () => {
    const h = await newWallet();
    await btcd.fund(h.wallet.newAddress().address, 80_000n);
    await btcd.fund(h.wallet.newAddress().address, 80_000n);
    await mineAndSync(h);
    const sent = h.wallet.withdraw({ address: PAYEE, amountSat: 100_000n, feeRateSatVb: 2, nowMs: Date.now() });
    // Crash: the send was written but never broadcast.
    const after = h.crashAndReopen();
    expect(after.pendingBroadcasts()).toEqual([{ txid: sent.txid, tx: sent.tx }]);
    // The coins it spends are not spendable again; only its change is.
    expect(() => after.withdraw({ address: PAYEE, amountSat: 100_000n, feeRateSatVb: 2, nowMs: Date.now() })).toThrow(
      expect.objectContaining({ code: 'wallet.insufficient_funds' }),
    );
    for (const p of after.pendingBroadcasts()) await send(p.tx);
    // A second broadcast (another restart) is harmless: the node already has it.
    await expect(btcd.rpc('sendrawtransaction', [toHex(sent.tx)])).rejects.toBeInstanceOf(BtcdRpcError);
    await mineAndSync(h);
    expect(after.transaction(sent.txid)!.state).toBe('confirmed');
    expect(after.balance().totalSat).toBe(160_000n - 100_000n - sent.feeSat);
    await expectCoinsOnChain(after);
  });
});
