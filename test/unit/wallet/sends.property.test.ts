/**
 * Sends on random wallets: every withdraw, bump and CPFP either is a typed WalletError or a
 * signed transaction (verified with core/bitcoin) that never overspends, pays the payee exactly,
 * meets its fee rate by its real size, keeps change ≥ dust or none, and leaves the reserve.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTx } from '../../../core/bitcoin';
import { toHex } from '../../../core/crypto';
import { openDatabase } from '../../../core/store';
import { WalletError, type Wallet } from '../../../core/wallet';
import { analyse, fund, openTestWallet, THEIR_ADDRESS, THEIR_SCRIPT, T0, verifyP2wpkhInputs } from './fixtures';

function values(wallet: Wallet): (txid: string, vout: number) => bigint {
  return (txid, vout) => decodeTx(wallet.rawTransaction(txid)!).outputs[vout]!.value;
}

function expectTyped(f: () => void): boolean {
  try {
    f();
    return true;
  } catch (e) {
    expect(e).toBeInstanceOf(WalletError);
    return false;
  }
}

const CHANGE_DUST = 294n;

interface Case {
  readonly coins: readonly bigint[];
  readonly amount: bigint | 'all';
  readonly rate: number;
  readonly anchors: number;
  readonly bumpBy: number;
  readonly cpfpRate: number;
}

function check(db: ReturnType<typeof openDatabase>, { coins, amount, rate, anchors, bumpBy, cpfpRate }: Case): void {
  const { wallet } = openTestWallet({ db });
  if (coins.length) fund(wallet, coins);
  wallet.setAnchorChannels(anchors);
  const total = coins.reduce((s, c) => s + c, 0n);
  const reserve = wallet.anchorReserveSat();
  let sent: ReturnType<Wallet['withdraw']> | undefined;
  expectTyped(() => {
    sent = wallet.withdraw({ address: THEIR_ADDRESS, amountSat: amount, feeRateSatVb: rate, nowMs: T0 });
  });
  if (!sent) return;
  const a = analyse(sent.tx, values(wallet));
  verifyP2wpkhInputs(sent.tx, values(wallet));
  expect(a.feeSat).toBe(sent.feeSat);
  expect(a.feeSat * 1000n >= BigInt(a.vsize) * BigInt(rate) * 1000n).toBe(true);
  const payee = a.tx.outputs.filter((o) => toHex(o.scriptPubKey) === toHex(THEIR_SCRIPT));
  const change = a.tx.outputs.filter((o) => toHex(o.scriptPubKey) !== toHex(THEIR_SCRIPT));
  expect(payee).toHaveLength(1);
  expect(change.length).toBeLessThanOrEqual(1);
  if (amount !== 'all') expect(payee[0]!.value).toBe(amount);
  for (const c of change) expect(c.value >= CHANGE_DUST).toBe(true);
  // The reserve stays: what is left of the wallet after the send is at least the reserve.
  expect(total - payee[0]!.value - a.feeSat >= reserve).toBe(true);
  if (amount === 'all' && reserve === 0n) expect(change).toHaveLength(0);

  let bump: ReturnType<Wallet['bumpFee']> | undefined;
  expectTyped(() => {
    bump = wallet.bumpFee({ txid: sent!.txid, feeRateSatVb: rate + bumpBy, nowMs: T0 + 1 });
  });
  const current = bump ?? sent;
  if (bump) {
    const b = analyse(bump.tx, values(wallet));
    verifyP2wpkhInputs(bump.tx, values(wallet));
    expect(b.feeSat >= a.feeSat + BigInt(b.vsize)).toBe(true); // BIP 125 rules 3 and 4
    expect(b.feeSat * 1000n >= BigInt(b.vsize) * BigInt(rate + bumpBy) * 1000n).toBe(true);
    const bPayee = b.tx.outputs.filter((o) => toHex(o.scriptPubKey) === toHex(THEIR_SCRIPT));
    expect(bPayee).toHaveLength(1);
    if (amount !== 'all') expect(bPayee[0]!.value).toBe(amount);
    // Every original input is spent again.
    const keys = new Set(b.tx.inputs.map((i) => `${toHex(i.prevout.txid)}:${i.prevout.vout}`));
    for (const i of a.tx.inputs) expect(keys.has(`${toHex(i.prevout.txid)}:${i.prevout.vout}`)).toBe(true);
    expect(wallet.transaction(sent.txid)!.state).toBe('replaced');
  }

  const cur = analyse(current.tx, values(wallet));
  const paidOut = cur.tx.outputs.find((o) => toHex(o.scriptPubKey) === toHex(THEIR_SCRIPT))!.value;
  expect(wallet.balance().totalSat + paidOut + cur.feeSat).toBe(total);
  const vout = cur.tx.outputs.findIndex((o) => toHex(o.scriptPubKey) !== toHex(THEIR_SCRIPT));
  if (vout < 0) return;
  let child: ReturnType<Wallet['buildCpfp']> | undefined;
  expectTyped(() => {
    child = wallet.buildCpfp({ parent: current.tx, spend: { kind: 'wallet', vout }, feeRateSatVb: cpfpRate, nowMs: T0 + 2 });
  });
  if (!child) return;
  const c = analyse(child.tx, values(wallet));
  verifyP2wpkhInputs(child.tx, values(wallet));
  expect((cur.feeSat + c.feeSat) * 1000n >= BigInt(cur.vsize + c.vsize) * BigInt(cpfpRate) * 1000n).toBe(true);
  expect(c.feeSat >= BigInt(c.vsize)).toBe(true);
  expect(c.tx.outputs).toHaveLength(1);
  expect(c.tx.outputs[0]!.value >= CHANGE_DUST).toBe(true);
  // Coins are conserved: what the wallet holds plus what left equals what came in.
  expect(wallet.balance().totalSat + paidOut + cur.feeSat + c.feeSat).toBe(total);
}

describe('sends on random wallets', () => {
  it('withdraw, bump and CPFP keep every invariant or refuse with a WalletError', () => {
    fc.assert(
      fc.property(
        fc.record({
          coins: fc.array(fc.bigInt({ min: 300n, max: 2_000_000n }), { minLength: 0, maxLength: 8 }),
          amount: fc.oneof(fc.bigInt({ min: 1n, max: 3_000_000n }), fc.constant('all' as const)),
          rate: fc.integer({ min: 1, max: 300 }),
          anchors: fc.integer({ min: 0, max: 4 }),
          bumpBy: fc.integer({ min: 1, max: 100 }),
          cpfpRate: fc.integer({ min: 1, max: 200 }),
        }),
        (c) => {
          const db = openDatabase(':memory:');
          try {
            check(db, c);
          } finally {
            db.close();
          }
        },
      ),
      { numRuns: 120 },
    );
  });
});
