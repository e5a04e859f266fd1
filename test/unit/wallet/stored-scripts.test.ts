/**
 * The wallet's derived scripts kept in SQLite (migration 21, issue 19: a start must not grow with the
 * addresses handed out): a restart reads them and derives only the highest index of each chain (to
 * check them against its keys) and new indexes; a store holding other keys' scripts is
 * `wallet.keys_mismatch`, a changed or missing row `store.corrupt`.
 */
import { describe, expect, it, vi } from 'vitest';
import { toHex } from '../../../core/crypto';
import { isGlasswingError } from '../../../core/errors';
import { WalletRepository } from '../../../core/store/wallet-repository';
import { Wallet, WalletKeys } from '../../../core/wallet';
import { MNEMONIC, openTestWallet, seededRandom } from './fixtures';

const OTHER = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

/** Fresh keys (nothing cached) whose script derivations are counted. */
function countedKeys(words = MNEMONIC): { keys: WalletKeys; derived: () => number } {
  const keys = WalletKeys.fromWords(words, 'regtest');
  const spy = vi.spyOn(keys, 'script');
  return { keys, derived: () => spy.mock.calls.length };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isGlasswingError(e) ? e.code : `untyped: ${String(e)}`;
  }
  return 'no error';
}

/** A wallet that handed out `receive` addresses and `change` sweep scripts. */
function used(receive: number, change: number) {
  const t = openTestWallet();
  for (let i = 0; i < receive; i++) t.wallet.newAddress();
  for (let i = 0; i < change; i++) t.wallet.sweepDestination();
  return t;
}

/** The scripts as a set (a live wallet lists a later window's scripts last; a reopened one, chain by chain). */
const hex = (list: readonly Uint8Array[]) => list.map(toHex).sort();

describe('stored wallet scripts', () => {
  it('a restart derives only the highest stored index of each chain, and watches the same scripts', () => {
    const { wallet, reopen } = used(60, 25);
    const watched = hex(wallet.watchedScripts());
    expect(watched.length).toBe(60 + 20 + 25 + 20);
    const { keys, derived } = countedKeys();
    const again = reopen(keys);
    expect(derived()).toBe(2);
    expect(hex(again.watchedScripts())).toEqual(watched);
    // The same wallet goes on: a new index is derived (and stored), one derivation more.
    const next = again.newAddress();
    expect(next.newScripts.length).toBe(1);
    expect(derived()).toBe(2 + 1); // the window's new script (the address handed out is a stored one)
    const { keys: k2, derived: d2 } = countedKeys();
    expect(hex(reopen(k2).watchedScripts())).toEqual([...watched, ...hex(next.newScripts)].sort());
    expect(d2()).toBe(2);
  });

  it('a store from before migration 21 (no scripts) derives them once and stores them', () => {
    const { wallet, db, reopen } = used(30, 0);
    db.prepare('DELETE FROM wallet_scripts').run();
    db.prepare('DELETE FROM wallet_script_chains').run();
    const first = countedKeys();
    expect(hex(reopen(first.keys).watchedScripts())).toEqual(hex(wallet.watchedScripts()));
    expect(first.derived()).toBe(30 + 20 + 20);
    const second = countedKeys();
    expect(hex(reopen(second.keys).watchedScripts())).toEqual(hex(wallet.watchedScripts()));
    expect(second.derived()).toBe(2);
  });

  it('refuses a store whose scripts are other keys\' (account id and digests intact)', () => {
    const mine = used(5, 0);
    const theirs = openTestWallet({ keys: WalletKeys.fromWords(OTHER, 'regtest') });
    for (let i = 0; i < 5; i++) theirs.wallet.newAddress();
    mine.db.prepare('DELETE FROM wallet_scripts').run();
    mine.db.prepare('DELETE FROM wallet_script_chains').run();
    for (const r of theirs.db.prepare('SELECT chain, idx, script FROM wallet_scripts').all() as { chain: string; idx: number; script: Uint8Array }[]) {
      mine.db.prepare('INSERT INTO wallet_scripts (chain, idx, script) VALUES (?, ?, ?)').run(r.chain, r.idx, r.script);
    }
    for (const r of theirs.db.prepare('SELECT chain, count, digest FROM wallet_script_chains').all() as { chain: string; count: number; digest: Uint8Array }[]) {
      mine.db.prepare('INSERT INTO wallet_script_chains (chain, count, digest) VALUES (?, ?, ?)').run(r.chain, r.count, r.digest);
    }
    expect(code(() => mine.reopen())).toBe('wallet.keys_mismatch');
    // And other keys on this store are refused as before (its account id).
    expect(code(() => theirs.reopen(WalletKeys.fromWords(MNEMONIC, 'regtest')))).toBe('wallet.keys_mismatch');
  });

  it('a changed, missing, extra or malformed script row is store.corrupt', () => {
    const damage: ((db: ReturnType<typeof openTestWallet>['db']) => void)[] = [
      (db) => db.prepare("UPDATE wallet_scripts SET script = ? WHERE chain = 'receive' AND idx = 3").run(new Uint8Array([0x00, 0x14, ...new Uint8Array(20).fill(7)])),
      (db) => db.prepare("DELETE FROM wallet_scripts WHERE chain = 'change' AND idx = 0").run(),
      (db) => db.prepare("DELETE FROM wallet_scripts WHERE chain = 'receive' AND idx = (SELECT MAX(idx) FROM wallet_scripts WHERE chain = 'receive')").run(),
      (db) => db.prepare("INSERT INTO wallet_scripts (chain, idx, script) VALUES ('receive', 999, ?)").run(new Uint8Array(22)),
      (db) => db.prepare("UPDATE wallet_scripts SET script = 'text' WHERE chain = 'receive' AND idx = 1").run(),
      (db) => db.prepare("UPDATE wallet_scripts SET script = ? WHERE chain = 'receive' AND idx = 1").run(new Uint8Array(34)),
      (db) => db.prepare("UPDATE wallet_scripts SET chain = 'elsewhere' WHERE idx = 2 AND chain = 'change'").run(),
      (db) => db.prepare("UPDATE wallet_script_chains SET digest = ? WHERE chain = 'change'").run(new Uint8Array(32)),
      (db) => db.prepare("UPDATE wallet_script_chains SET count = count + 1 WHERE chain = 'receive'").run(),
    ];
    for (const d of damage) {
      const { db, reopen } = used(8, 3);
      d(db);
      expect(code(() => reopen())).toBe('store.corrupt');
    }
  });

  it('keeps what it derived past a failed write for the next one (the scripts are only a cache)', () => {
    const { db } = used(3, 0);
    const repo = new WalletRepository(db);
    let fail = false;
    const store = { load: () => repo.load(), apply: (c: Parameters<WalletRepository['apply']>[0]) => {
      if (fail) throw new Error('disk full');
      repo.apply(c);
    } };
    const wallet = Wallet.open({ keys: WalletKeys.fromWords(MNEMONIC, 'regtest'), store, randomBytes: seededRandom() });
    fail = true;
    expect(() => wallet.newAddress()).toThrow('disk full');
    fail = false;
    const a = wallet.newAddress();
    expect(a.index).toBe(3);
    const { keys, derived } = countedKeys();
    const again = Wallet.open({ keys, store: repo, randomBytes: seededRandom() });
    expect(derived()).toBe(2);
    expect(hex(again.watchedScripts())).toEqual(hex(wallet.watchedScripts()));
  });
});
