/**
 * The wallet core on a real SQLite file: addresses and the look-ahead window, deposits and
 * confirmations, withdraw (amount and all), the anchor reserve, RBF, CPFP (own and foreign
 * inputs), funding with locked coins, conflicts, reorgs, restarts, and the store's atomicity.
 */
import { describe, expect, it } from 'vitest';
import {
  buildScript, decodeTx, decodeWitnessSignature, encodeWitnessSignature, OP, p2wsh, segwitV0Sighash, SIGHASH_ALL, txidToHex,
  txWeight,
} from '../../../core/bitcoin';
import { ecdsaSign, ecdsaVerify, publicKeyFromPrivate, sha256, toHex, utf8 } from '../../../core/crypto';
import { isGlasswingError } from '../../../core/errors';
import type { WalletError} from '../../../core/wallet';
import { WalletKeys, type Wallet, type WalletEvent } from '../../../core/wallet';
import {
  analyse, block, blockHash, fund, KEYS, makeTx, mine, openTestWallet, THEIR_ADDRESS, THEIR_SCRIPT, T0, verifyP2wpkhInputs,
} from './fixtures';

function valuesOf(wallet: Wallet, extra: Record<string, bigint> = {}): (txid: string, vout: number) => bigint {
  return (txid, vout) => {
    if (`${txid}:${vout}` in extra) return extra[`${txid}:${vout}`]!;
    const raw = wallet.rawTransaction(txid);
    if (!raw) throw new Error(`unknown input ${txid}:${vout}`);
    return decodeTx(raw).outputs[vout]!.value;
  };
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isGlasswingError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

const types = (events: readonly WalletEvent[]): string[] => events.map((e) => e.type);

describe('addresses and the look-ahead window', () => {
  it('watches gap-limit scripts on both chains and hands out fresh receive addresses, persisted', () => {
    const { wallet, reopen } = openTestWallet();
    expect(wallet.watchedScripts()).toHaveLength(40);
    const a = wallet.newAddress();
    expect(a.index).toBe(0);
    expect(a.address).toBe(KEYS.address('receive', 0));
    expect(a.newScripts.map(toHex)).toEqual([toHex(KEYS.script('receive', 20))]);
    expect(wallet.newAddress().index).toBe(1);
    expect(reopen().newAddress().index).toBe(2);
  });

  it('extends the window past a used address and finds later payments in the same block', () => {
    const { wallet } = openTestWallet({ config: { gapLimit: 5 } });
    const to = (i: number): Uint8Array => KEYS.script('receive', i);
    // Index 8 is outside the first window [0, 5) until index 4 is seen; both are in one block, 8 first.
    const late = makeTx([{ script: to(8), value: 20_000n }]);
    const early = makeTx([{ script: to(4), value: 10_000n }]);
    const update = wallet.transactionsConfirmed(block(10), [late.raw, early.raw]);
    expect(update.newScripts.length).toBeGreaterThan(0);
    expect(wallet.listUtxos().map((u) => u.index).sort()).toEqual([4, 8]);
    expect(wallet.watchedScripts().map(toHex)).toContain(toHex(to(13)));
    // A new address never reuses a paid one.
    expect(wallet.newAddress().index).toBe(9);
  });

  it('refuses a store written for other keys', () => {
    const { reopen } = openTestWallet();
    expect(code(() => reopen(WalletKeys.fromWords('legal winner thank year wave sausage worth useful legal winner thank yellow', 'regtest')))).toBe(
      'wallet.keys_mismatch',
    );
  });
});

describe('deposits, confirmations and reorgs', () => {
  it('sees a deposit in the mempool, then confirmed, and counts confirmations from the best block', () => {
    const { wallet } = openTestWallet();
    const deposit = makeTx([{ script: KEYS.scriptOf(wallet.newAddress().address), value: 50_000n }, { script: THEIR_SCRIPT, value: 7n }]);
    const seen = wallet.mempoolTransaction(deposit.raw, T0);
    expect(types(seen.events)).toEqual(['wallet.tx_seen', 'wallet.balance_changed']);
    expect(wallet.balance()).toMatchObject({ confirmedSat: 0n, unconfirmedSat: 50_000n, totalSat: 50_000n, availableSat: 0n });
    mine(wallet, 200, [deposit.raw]);
    expect(wallet.balance()).toMatchObject({ confirmedSat: 50_000n, unconfirmedSat: 0n, availableSat: 50_000n });
    wallet.bestBlockUpdated(202, blockHash(202));
    const view = wallet.transaction(deposit.txid)!;
    expect(view).toMatchObject({ label: 'deposit', direction: 'incoming', amountSat: 50_000n, confirmations: 3, feeSat: null, createdAt: T0 });
    // Idempotent: the same block again changes nothing and says nothing.
    expect(wallet.transactionsConfirmed(block(200), [deposit.raw]).events).toEqual([]);
    expect(wallet.mempoolTransaction(deposit.raw, T0).events).toEqual([]);
  });

  it('ignores transactions that neither pay nor spend the wallet', () => {
    const { wallet } = openTestWallet();
    const other = makeTx([{ script: THEIR_SCRIPT, value: 1_000n }]);
    expect(wallet.transactionsConfirmed(block(1), [other.raw]).events).toEqual([]);
    expect(wallet.listTransactions()).toEqual([]);
  });

  it('unconfirms on a reorg (explicitly or by a lower best block) and reconfirms in another block', () => {
    const { wallet } = openTestWallet();
    const [txid] = fund(wallet, [80_000n], 300);
    expect(types(wallet.transactionUnconfirmed(txid!).events)).toEqual(['wallet.tx_unconfirmed', 'wallet.balance_changed']);
    expect(wallet.balance()).toMatchObject({ confirmedSat: 0n, unconfirmedSat: 80_000n });
    mine(wallet, 300, [wallet.rawTransaction(txid!)!], 'b');
    expect(wallet.transaction(txid!)).toMatchObject({ state: 'confirmed', blockHash: blockHash(300, 'b') });
    // The best block drops below it without transactionUnconfirmed: still unconfirmed.
    wallet.bestBlockUpdated(299, blockHash(299));
    expect(wallet.transaction(txid!)!.state).toBe('unconfirmed');
    mine(wallet, 300, [wallet.rawTransaction(txid!)!], 'c');
    // A different block at the same height as the tip also means it left the chain.
    wallet.bestBlockUpdated(300, blockHash(300, 'd'));
    expect(wallet.transaction(txid!)!.state).toBe('unconfirmed');
  });

  it('labels payments to the change chain as sweeps', () => {
    const { wallet } = openTestWallet();
    const dest = wallet.sweepDestination();
    const sweep = makeTx([{ script: dest.scriptPubKey, value: 12_345n }]);
    mine(wallet, 5, [sweep.raw]);
    expect(wallet.transaction(sweep.txid)!.label).toBe('sweep');
  });
});

describe('withdraw', () => {
  it('pays the address at the fee rate with change to a change address, signed as core/bitcoin verifies', () => {
    const { wallet } = openTestWallet();
    fund(wallet, [100_000n, 30_000n]);
    const sent = wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 60_000n, feeRateSatVb: 5, nowMs: T0 });
    const a = analyse(sent.tx, valuesOf(wallet));
    expect(a.txid).toBe(sent.txid);
    expect(a.feeSat).toBe(sent.feeSat);
    expect(a.feeSat * 1000n / BigInt(a.vsize) >= 5000n).toBe(true);
    expect(a.vsize).toBeLessThanOrEqual(sent.vsize);
    const payee = a.tx.outputs.find((o) => toHex(o.scriptPubKey) === toHex(THEIR_SCRIPT))!;
    expect(payee.value).toBe(60_000n);
    const change = a.tx.outputs.find((o) => o !== payee)!;
    expect(toHex(change.scriptPubKey)).toBe(toHex(KEYS.script('change', 0)));
    expect(a.tx.inputs.every((i) => i.sequence === 0xfffffffd)).toBe(true); // BIP 125 signal
    expect(a.tx.locktime).toBe(100); // anti fee sniping at the best height
    verifyP2wpkhInputs(sent.tx, valuesOf(wallet));
    expect(types(sent.events)).toEqual(['wallet.tx_sent', 'wallet.balance_changed']);
    expect(wallet.balance()).toMatchObject({ confirmedSat: 130_000n - a.inputSat, unconfirmedSat: change.value });
    expect(wallet.transaction(sent.txid)).toMatchObject({ direction: 'outgoing', amountSat: 60_000n, netSat: -60_000n - sent.feeSat, label: 'withdraw' });
    expect(wallet.pendingBroadcasts().map((p) => p.txid)).toEqual([sent.txid]);
  });

  it('sends everything with `all` and no change, and refuses what cannot be sent', () => {
    const { wallet } = openTestWallet();
    fund(wallet, [40_000n, 25_000n, 200n]);
    expect(code(() => wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 200n, feeRateSatVb: 1, nowMs: T0 }))).toBe('wallet.amount_below_dust');
    expect(code(() => wallet.withdraw({ address: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', amountSat: 1000n, feeRateSatVb: 1, nowMs: T0 }))).toBe('wallet.bad_address');
    expect(code(() => wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 1000n, feeRateSatVb: 0.5, nowMs: T0 }))).toBe('wallet.fee_rate_too_low');
    expect(code(() => wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 1000n, feeRateSatVb: 20_000, nowMs: T0 }))).toBe('wallet.fee_rate_too_high');
    expect(code(() => wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 1000n, feeRateSatVb: Number.NaN, nowMs: T0 }))).toBe('wallet.bad_fee_rate');
    expect(code(() => wallet.withdraw({ address: THEIR_ADDRESS, amountSat: -5n, feeRateSatVb: 1, nowMs: T0 }))).toBe('wallet.bad_amount');
    try {
      wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 65_000n, feeRateSatVb: 2, nowMs: T0 });
      expect.unreachable();
    } catch (e) {
      expect((e as WalletError).code).toBe('wallet.insufficient_funds');
      expect(BigInt((e as WalletError).details!.maxSendableSat as string)).toBeLessThan(65_000n);
    }
    const all = wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 'all', feeRateSatVb: 2, nowMs: T0 });
    const a = analyse(all.tx, valuesOf(wallet));
    expect(a.tx.outputs).toHaveLength(1);
    // The 200-sat coin is worth more than the 136 sat its input costs at 2 sat/vB: it goes too.
    expect(a.tx.inputs).toHaveLength(3);
    expect(a.tx.outputs[0]!.value).toBe(65_200n - a.feeSat);
    expect(a.feeSat >= BigInt(all.vsize) * 2n).toBe(true);
    expect(a.feeSat < BigInt(all.vsize + 3) * 2n).toBe(true); // at most the signatures' slack
  });

  it('keeps the anchor reserve: a withdraw may not dip into it, `all` leaves it as change', () => {
    const { wallet } = openTestWallet();
    fund(wallet, [100_000n]);
    wallet.setAnchorChannels(3);
    expect(wallet.anchorReserveSat()).toBe(30_000n);
    expect(wallet.balance()).toMatchObject({ reservedSat: 30_000n, availableSat: 70_000n });
    expect(code(() => wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 69_990n, feeRateSatVb: 1, nowMs: T0 }))).toBe('wallet.reserve_required');
    try {
      wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 150_000n, feeRateSatVb: 1, nowMs: T0 });
      expect.unreachable();
    } catch (e) {
      // The most that can be sent keeps the reserve back.
      const max = BigInt((e as WalletError).details!.maxSendableSat as string);
      expect(max > 69_000n && max < 70_000n).toBe(true);
    }
    const all = wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 'all', feeRateSatVb: 1, nowMs: T0 });
    const a = analyse(all.tx, valuesOf(wallet));
    expect(a.tx.outputs.map((o) => o.value).sort()).toEqual([30_000n, 70_000n - a.feeSat].sort());
    wallet.setAnchorChannels(50);
    expect(wallet.anchorReserveSat()).toBe(100_000n); // capped
    wallet.setAnchorChannels(0);
    expect(wallet.anchorReserveSat()).toBe(0n);
  });

  it('never spends coins of an unconfirmed deposit from someone else, but spends its own change', () => {
    const { wallet } = openTestWallet();
    wallet.mempoolTransaction(makeTx([{ script: KEYS.scriptOf(wallet.newAddress().address), value: 90_000n }]).raw, T0);
    expect(code(() => wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 10_000n, feeRateSatVb: 1, nowMs: T0 }))).toBe('wallet.insufficient_funds');
    fund(wallet, [50_000n]);
    const first = wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 10_000n, feeRateSatVb: 1, nowMs: T0 });
    const second = wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 10_000n, feeRateSatVb: 1, nowMs: T0 + 1 });
    expect(decodeTx(second.tx).inputs.map((i) => txidToHex(i.prevout.txid))).toEqual([first.txid]);
    expect(wallet.pendingBroadcasts().map((p) => p.txid)).toEqual([first.txid, second.txid]);
  });
});

describe('replace-by-fee', () => {
  it('replaces our withdraw at a higher rate: same inputs and payee, more fee, original marked replaced', () => {
    const { wallet } = openTestWallet();
    fund(wallet, [100_000n]);
    const first = wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 40_000n, feeRateSatVb: 2, nowMs: T0 });
    expect(code(() => wallet.bumpFee({ txid: first.txid, feeRateSatVb: 2.5, nowMs: T0 }))).toBe('wallet.fee_rate_too_low');
    const bump = wallet.bumpFee({ txid: first.txid, feeRateSatVb: 10, nowMs: T0 + 1 });
    const a = analyse(bump.tx, valuesOf(wallet));
    const old = analyse(first.tx, valuesOf(wallet));
    expect(a.tx.inputs.map((i) => toHex(i.prevout.txid))).toEqual(old.tx.inputs.map((i) => toHex(i.prevout.txid)));
    expect(a.tx.outputs.find((o) => toHex(o.scriptPubKey) === toHex(THEIR_SCRIPT))!.value).toBe(40_000n);
    // BIP 125 rules 3 and 4.
    expect(a.feeSat >= old.feeSat + BigInt(a.vsize)).toBe(true);
    expect(a.feeSat * 1000n / BigInt(a.vsize) >= 10_000n).toBe(true);
    verifyP2wpkhInputs(bump.tx, valuesOf(wallet));
    expect(types(bump.events)).toEqual(['wallet.tx_sent', 'wallet.tx_replaced', 'wallet.balance_changed']);
    expect(wallet.transaction(first.txid)).toMatchObject({ state: 'replaced', replacedBy: bump.txid });
    expect(wallet.transaction(bump.txid)).toMatchObject({ state: 'unconfirmed', label: 'bump' });
    expect(wallet.pendingBroadcasts().map((p) => p.txid)).toEqual([bump.txid]);
    // Bumping the bump works too; the replaced one cannot be bumped.
    expect(code(() => wallet.bumpFee({ txid: first.txid, feeRateSatVb: 30, nowMs: T0 }))).toBe('wallet.not_bumpable');
    const again = wallet.bumpFee({ txid: bump.txid, feeRateSatVb: 20, nowMs: T0 + 2 });
    expect(wallet.transaction(bump.txid)!.replacedBy).toBe(again.txid);
  });

  it('drops change that falls below dust, then adds confirmed coins when the originals cannot pay; an `all` pays from its payee', () => {
    const { wallet } = openTestWallet();
    fund(wallet, [50_500n], 100);
    const tight = wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 50_000n, feeRateSatVb: 1, nowMs: T0 });
    expect(decodeTx(tight.tx).outputs).toHaveLength(2);
    fund(wallet, [80_000n], 101);
    // 2 sat/vB: the 359-sat change would fall below 294 → no change, the originals still pay.
    const noChange = wallet.bumpFee({ txid: tight.txid, feeRateSatVb: 2, nowMs: T0 });
    const n = analyse(noChange.tx, valuesOf(wallet));
    expect(n.tx.inputs).toHaveLength(1);
    expect(n.tx.outputs).toHaveLength(1);
    expect(n.feeSat).toBe(500n);
    // 25 sat/vB: the originals cannot pay; a confirmed coin joins (BIP 125 rule 2) with change again.
    const bump = wallet.bumpFee({ txid: noChange.txid, feeRateSatVb: 25, nowMs: T0 });
    const a = analyse(bump.tx, valuesOf(wallet));
    expect(a.tx.inputs).toHaveLength(2);
    expect(a.tx.outputs).toHaveLength(2);
    expect(a.feeSat * 1000n / BigInt(a.vsize) >= 25_000n).toBe(true);
    expect(a.feeSat >= n.feeSat + BigInt(a.vsize)).toBe(true);

    const other = openTestWallet();
    fund(other.wallet, [70_000n]);
    const all = other.wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 'all', feeRateSatVb: 1, nowMs: T0 });
    const bumpAll = other.wallet.bumpFee({ txid: all.txid, feeRateSatVb: 5, nowMs: T0 });
    const b = analyse(bumpAll.tx, valuesOf(other.wallet));
    expect(b.tx.outputs).toHaveLength(1);
    expect(b.tx.outputs[0]!.value).toBe(70_000n - b.feeSat);
  });

  it('refuses to bump what it cannot: confirmed, funding, with descendants', () => {
    const { wallet } = openTestWallet();
    fund(wallet, [100_000n]);
    const w = wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 10_000n, feeRateSatVb: 1, nowMs: T0 });
    const child = wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 10_000n, feeRateSatVb: 1, nowMs: T0 + 1 });
    expect(code(() => wallet.bumpFee({ txid: w.txid, feeRateSatVb: 5, nowMs: T0 }))).toBe('wallet.has_descendants');
    mine(wallet, 101, [w.tx, child.tx]);
    expect(code(() => wallet.bumpFee({ txid: child.txid, feeRateSatVb: 5, nowMs: T0 }))).toBe('wallet.not_bumpable');
    expect(code(() => wallet.bumpFee({ txid: 'ab'.repeat(32), feeRateSatVb: 5, nowMs: T0 }))).toBe('wallet.unknown_transaction');
  });

  it('abandoning a refused replacement brings the original back', () => {
    const { wallet } = openTestWallet();
    fund(wallet, [100_000n]);
    const first = wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 40_000n, feeRateSatVb: 2, nowMs: T0 });
    const bump = wallet.bumpFee({ txid: first.txid, feeRateSatVb: 4, nowMs: T0 });
    expect(types(wallet.abandonTransaction(bump.txid).events)).toContain('wallet.tx_abandoned');
    expect(wallet.transaction(first.txid)!.state).toBe('unconfirmed');
    expect(wallet.pendingBroadcasts().map((p) => p.txid)).toEqual([first.txid]);
    // Should the abandoned one confirm after all, it wins and the original is conflicted.
    mine(wallet, 101, [bump.tx]);
    expect(wallet.transaction(bump.txid)!.state).toBe('confirmed');
    expect(wallet.transaction(first.txid)).toMatchObject({ state: 'conflicted', replacedBy: bump.txid });
  });
});

/** A BOLT 3 anchor-shaped output: `<key> OP_CHECKSIG OP_IFDUP OP_NOTIF OP_16 OP_CSV OP_ENDIF`. */
function anchor(): { key: Uint8Array; witnessScript: Uint8Array; script: Uint8Array } {
  const key = sha256(utf8.encode('anchor key'));
  const witnessScript = buildScript(publicKeyFromPrivate(key), OP.OP_CHECKSIG, OP.OP_IFDUP, OP.OP_NOTIF, OP.OP_16, OP.OP_CHECKSEQUENCEVERIFY, OP.OP_ENDIF);
  return { key, witnessScript, script: p2wsh(witnessScript) };
}

describe('child pays for parent', () => {
  it('spends our unconfirmed change so parent and child reach the package rate', () => {
    const { wallet } = openTestWallet();
    fund(wallet, [100_000n]);
    const parent = wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 30_000n, feeRateSatVb: 1, nowMs: T0 });
    const changeVout = decodeTx(parent.tx).outputs.findIndex((o) => toHex(o.scriptPubKey) !== toHex(THEIR_SCRIPT));
    const child = wallet.buildCpfp({ parent: parent.tx, spend: { kind: 'wallet', vout: changeVout }, feeRateSatVb: 25, nowMs: T0 });
    const p = analyse(parent.tx, valuesOf(wallet));
    const c = analyse(child.tx, valuesOf(wallet));
    expect(c.tx.inputs[0]!.prevout.vout).toBe(changeVout);
    expect(c.tx.outputs).toHaveLength(1);
    expect((p.feeSat + c.feeSat) * 1000n / BigInt(p.vsize + c.vsize) >= 25_000n).toBe(true);
    expect(c.feeSat >= BigInt(c.vsize)).toBe(true);
    verifyP2wpkhInputs(child.tx, valuesOf(wallet));
    expect(wallet.transaction(child.txid)).toMatchObject({ label: 'cpfp', direction: 'self' });
    expect(wallet.pendingBroadcasts().map((x) => x.txid)).toEqual([parent.txid, child.txid]);
    expect(code(() => wallet.buildCpfp({ parent: parent.tx, spend: { kind: 'wallet', vout: changeVout }, feeRateSatVb: 25, nowMs: T0 }))).toBe('wallet.bad_cpfp_input');
  });

  it("spends a foreign anchor output signed by the caller's callback, adding wallet coins for the fee", () => {
    const { wallet } = openTestWallet();
    fund(wallet, [20_000n]);
    const a = anchor();
    // A commitment-like parent the wallet does not know: an anchor and another output, fee given by the caller.
    const parent = makeTx([{ script: a.script, value: 330n }, { script: THEIR_SCRIPT, value: 500_000n }]);
    expect(code(() => wallet.buildCpfp({ parent: parent.raw, spend: { kind: 'foreign', vout: 0, maxWitnessSize: 116, sign: () => [] }, feeRateSatVb: 10, nowMs: T0 }))).toBe(
      'wallet.parent_fee_unknown',
    );
    let seen = -1;
    const child = wallet.buildCpfp({
      parent: parent.raw, parentFeeSat: 200n, feeRateSatVb: 10, nowMs: T0,
      spend: {
        kind: 'foreign', vout: 0, maxWitnessSize: 1 + 1 + 73 + 1 + a.witnessScript.length,
        sign: ({ tx, inputIndex, valueSat }) => {
          seen = inputIndex;
          const digest = segwitV0Sighash(tx, inputIndex, a.witnessScript, valueSat, SIGHASH_ALL);
          return [encodeWitnessSignature(ecdsaSign(digest, a.key), SIGHASH_ALL), a.witnessScript];
        },
      },
    });
    expect(seen).toBe(0);
    const values = valuesOf(wallet, { [`${parent.txid}:0`]: 330n });
    const c = analyse(child.tx, values);
    const parentVsize = Math.ceil(txWeight(decodeTx(parent.raw)) / 4);
    expect((200n + c.feeSat) * 1000n / BigInt(parentVsize + c.vsize) >= 10_000n).toBe(true);
    verifyP2wpkhInputs(child.tx, values, [0]);
    // The anchor's witness verifies against core/bitcoin's digest too.
    const { witness } = c.tx.inputs[0]!;
    expect(toHex(witness[1]!)).toBe(toHex(a.witnessScript));
    expect(ecdsaVerify(decodeWitnessSignature(witness[0]!).signature, segwitV0Sighash(c.tx, 0, a.witnessScript, 330n, SIGHASH_ALL), publicKeyFromPrivate(a.key))).toBe(true);
    expect(code(() => wallet.bumpFee({ txid: child.txid, feeRateSatVb: 50, nowMs: T0 }))).toBe('wallet.not_bumpable');
  });

  it('refuses a foreign witness larger than declared (the fee would be short)', () => {
    const { wallet } = openTestWallet();
    fund(wallet, [20_000n]);
    const a = anchor();
    const parent = makeTx([{ script: a.script, value: 330n }]);
    expect(code(() => wallet.buildCpfp({
      parent: parent.raw, parentFeeSat: 100n, feeRateSatVb: 5, nowMs: T0,
      spend: { kind: 'foreign', vout: 0, maxWitnessSize: 50, sign: () => [new Uint8Array(72), a.witnessScript] },
    }))).toBe('wallet.witness_too_large');
    expect(wallet.listTransactions()).toHaveLength(1); // nothing recorded
  });
});


describe('funding transactions', () => {
  const fundingScript = p2wsh(buildScript(2, new Uint8Array(33).fill(2), new Uint8Array(33).fill(3), 2, OP.OP_CHECKMULTISIG));

  it('pays exactly the amount to the P2WSH script, locks its coins until committed or released', () => {
    const { wallet, reopen } = openTestWallet();
    fund(wallet, [300_000n]);
    expect(code(() => wallet.buildFunding({ scriptPubKey: THEIR_SCRIPT, amountSat: 100_000n, feeRateSatVb: 2, nowMs: T0 }))).toBe('wallet.bad_funding_script');
    const f = wallet.buildFunding({ scriptPubKey: fundingScript, amountSat: 250_000n, feeRateSatVb: 2, nowMs: T0 });
    const tx = decodeTx(f.tx);
    expect(tx.outputs[f.outputIndex]).toEqual({ value: 250_000n, scriptPubKey: fundingScript });
    expect(tx.inputs.every((i) => i.sequence === 0xfffffffe)).toBe(true); // no RBF signal: the txid must not change
    expect(types(f.events)).toEqual(['wallet.funding_prepared', 'wallet.balance_changed']);
    expect(wallet.balance()).toMatchObject({ lockedSat: 300_000n, confirmedSat: 0n });
    expect(wallet.pendingBroadcasts()).toEqual([]); // not before funding_signed
    expect(code(() => wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 10_000n, feeRateSatVb: 1, nowMs: T0 }))).toBe('wallet.insufficient_funds');
    // Survives a restart; released, the coins are free again.
    const again = reopen();
    expect(again.balance().lockedSat).toBe(300_000n);
    again.releaseFunding(f.txid);
    expect(again.balance()).toMatchObject({ lockedSat: 0n, confirmedSat: 300_000n });
    expect(again.transaction(f.txid)).toBeUndefined();
    expect(code(() => again.commitFunding(f.txid))).toBe('wallet.not_prepared');
  });

  it('commit releases it for broadcast; confirming it settles the coins', () => {
    const { wallet } = openTestWallet();
    fund(wallet, [300_000n]);
    const f = wallet.buildFunding({ scriptPubKey: fundingScript, amountSat: 100_000n, feeRateSatVb: 2, nowMs: T0 });
    const committed = wallet.commitFunding(f.txid);
    expect(toHex(committed.tx)).toBe(toHex(f.tx));
    expect(wallet.commitFunding(f.txid).events).toEqual([]); // idempotent
    expect(wallet.pendingBroadcasts().map((p) => p.txid)).toEqual([f.txid]);
    expect(wallet.transaction(f.txid)).toMatchObject({ label: 'funding', direction: 'outgoing', amountSat: 100_000n });
    mine(wallet, 101, [f.tx]);
    expect(wallet.balance().lockedSat).toBe(0n);
    expect(wallet.balance().confirmedSat).toBe(200_000n - f.feeSat);
  });

  it('a prepared funding transaction seen on chain (broadcast without commit) is simply confirmed', () => {
    const { wallet } = openTestWallet();
    fund(wallet, [300_000n]);
    const f = wallet.buildFunding({ scriptPubKey: fundingScript, amountSat: 100_000n, feeRateSatVb: 2, nowMs: T0 });
    mine(wallet, 101, [f.tx]);
    expect(wallet.transaction(f.txid)!.state).toBe('confirmed');
    expect(wallet.balance().lockedSat).toBe(0n);
  });
});

describe('conflicts', () => {
  it('a conflicting confirmation releases what lost: our send and its change are gone, its coins are spent by the winner', () => {
    const { wallet } = openTestWallet();
    const [deposit] = fund(wallet, [100_000n]);
    const ours = wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 30_000n, feeRateSatVb: 1, nowMs: T0 });
    // The same coin spent elsewhere (e.g. the words restored in another wallet) confirms.
    const vout = decodeTx(wallet.rawTransaction(deposit!)!).outputs.findIndex(() => true);
    const winner = makeTx([{ script: THEIR_SCRIPT, value: 99_000n }], [{ txid: deposit!, vout }]);
    const update = wallet.transactionsConfirmed(block(101), [winner.raw]);
    expect(types(update.events)).toEqual(['wallet.tx_conflicted', 'wallet.tx_seen', 'wallet.tx_confirmed', 'wallet.balance_changed']);
    expect(wallet.transaction(ours.txid)).toMatchObject({ state: 'conflicted', replacedBy: winner.txid });
    expect(wallet.balance().totalSat).toBe(0n);
    expect(wallet.pendingBroadcasts()).toEqual([]);
    expect(wallet.transaction(winner.txid)).toMatchObject({ label: 'withdraw', direction: 'outgoing' });
  });

  it('a mempool replacement of an incoming deposit replaces it', () => {
    const { wallet } = openTestWallet();
    const address = wallet.newAddress().address;
    const outpoint = { txid: sha256(utf8.encode('payer coin')), vout: 0 };
    const first = makeTx([{ script: KEYS.scriptOf(address), value: 10_000n }], [outpoint]);
    const second = makeTx([{ script: KEYS.scriptOf(address), value: 9_000n }], [outpoint]);
    wallet.mempoolTransaction(first.raw, T0);
    const update = wallet.mempoolTransaction(second.raw, T0);
    expect(types(update.events)).toEqual(['wallet.tx_replaced', 'wallet.tx_seen', 'wallet.balance_changed']);
    expect(wallet.balance().unconfirmedSat).toBe(9_000n);
    // Old news: a mempool spend of coins a confirmed transaction spent is ignored.
    mine(wallet, 5, [second.raw]);
    expect(wallet.mempoolTransaction(first.raw, T0).events).toEqual([]);
    expect(wallet.transaction(first.txid)!.state).toBe('replaced');
  });
});

describe('crashes and the store', () => {
  it('after a crash between persist and broadcast, the new wallet object rebroadcasts and never spends those coins again', () => {
    const { wallet, reopen } = openTestWallet();
    fund(wallet, [60_000n, 60_000n]);
    const sent = wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 50_000n, feeRateSatVb: 3, nowMs: T0 });
    // "kill -9": the object is dropped without closing anything; a new one opens the same file.
    const after = reopen();
    expect(after.pendingBroadcasts()).toEqual([{ txid: sent.txid, tx: sent.tx }]);
    const next = after.withdraw({ address: THEIR_ADDRESS, amountSat: 50_000n, feeRateSatVb: 3, nowMs: T0 + 1 });
    const spentBefore = decodeTx(sent.tx).inputs.map((i) => `${toHex(i.prevout.txid)}:${i.prevout.vout}`);
    const spentNow = decodeTx(next.tx).inputs.map((i) => `${toHex(i.prevout.txid)}:${i.prevout.vout}`);
    expect(spentNow.filter((k) => spentBefore.includes(k))).toEqual([]);
    expect(code(() => after.withdraw({ address: THEIR_ADDRESS, amountSat: 50_000n, feeRateSatVb: 3, nowMs: T0 + 2 }))).toBe('wallet.insufficient_funds');
  });

  it('a failed write leaves the wallet as the store has it (nothing half-done)', () => {
    const { wallet, db } = openTestWallet();
    fund(wallet, [60_000n]);
    const before = wallet.balance();
    db.pragma('query_only = 1'); // the disk refuses writes
    expect(() => wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 10_000n, feeRateSatVb: 1, nowMs: T0 })).toThrow();
    expect(() => wallet.transactionsConfirmed(block(102), [makeTx([{ script: KEYS.script('receive', 3), value: 5_000n }]).raw])).toThrow();
    expect(wallet.balance()).toEqual(before);
    expect(wallet.pendingBroadcasts()).toEqual([]);
    db.pragma('query_only = 0');
    expect(wallet.withdraw({ address: THEIR_ADDRESS, amountSat: 10_000n, feeRateSatVb: 1, nowMs: T0 }).txid).toMatch(/^[0-9a-f]{64}$/);
  });

  it('chain input that is not a transaction is a typed error', () => {
    const { wallet } = openTestWallet();
    expect(code(() => wallet.mempoolTransaction(new Uint8Array([1, 2, 3]), T0))).toMatch(/^bitcoin\./);
    expect(code(() => wallet.transactionsConfirmed({ height: -1, hash: 'zz', time: 0 }, []))).toBe('wallet.bad_block');
  });
});
