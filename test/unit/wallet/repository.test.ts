/** The wallet repository on a real SQLite file: what goes in comes back, atomically; damage is store.corrupt. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGlasswingError } from '../../../core/errors';
import { openDatabase, schemaVersion } from '../../../core/store';
import { WalletRepository } from '../../../core/store/wallet-repository';
import type { WalletTxRecord } from '../../../core/wallet';
import { tempDir } from '../../support/tmp';
import { makeTx, T0 } from './fixtures';

function open(): { repo: WalletRepository; db: ReturnType<typeof openDatabase>; path: string } {
  const path = join(tempDir('glasswing-wallet-repo-'), 'glasswing.sqlite');
  const db = openDatabase(path);
  return { repo: new WalletRepository(db), db, path };
}

const RAW = makeTx([{ script: new Uint8Array([0x00, 0x14, ...new Uint8Array(20)]), value: 1_234n }]).raw;
const record = (extra: Partial<WalletTxRecord> = {}): WalletTxRecord => ({
  txid: 'aa'.repeat(32), raw: RAW, label: 'withdraw', ours: true,
  state: 'unconfirmed', blockHeight: null, blockHash: null, replacedBy: null, feeSat: 2_100_000_000_000_000n - 1n, createdAt: T0,
  meta: { sendAll: true, replaces: 'bb'.repeat(32) }, ...extra,
});

describe('WalletRepository', () => {
  it('applies the wallet migration', () => {
    expect(schemaVersion(open().db)).toBeGreaterThanOrEqual(7);
  });

  it('is empty until written, then returns what was written, across a reopen', () => {
    const { repo, path } = open();
    expect(repo.load()).toBeNull();
    repo.apply({
      meta: { accountId: 'regtest:00', bestHeight: 5, bestHash: 'cc'.repeat(32) },
      keychains: [{ chain: 'receive', nextIndex: 3, usedIndex: 1 }, { chain: 'change', nextIndex: 0, usedIndex: -1 }],
      upsertTxs: [record(), record({ txid: 'dd'.repeat(32), meta: null, feeSat: null, state: 'confirmed', blockHeight: 5, blockHash: 'cc'.repeat(32), ours: false, label: 'deposit' })],
    });
    repo.apply({ upsertTxs: [record({ state: 'replaced', replacedBy: 'ee'.repeat(32) })], deleteTxs: ['dd'.repeat(32)] });
    const again = new WalletRepository(openDatabase(path)).load()!;
    expect(again.meta).toEqual({ accountId: 'regtest:00', bestHeight: 5, bestHash: 'cc'.repeat(32) });
    expect(again.keychains).toEqual(expect.arrayContaining([{ chain: 'receive', nextIndex: 3, usedIndex: 1 }, { chain: 'change', nextIndex: 0, usedIndex: -1 }]));
    expect(again.txs).toEqual([record({ state: 'replaced', replacedBy: 'ee'.repeat(32) })]);
  });

  it('writes all of a change or nothing', () => {
    const { repo, db } = open();
    repo.apply({ meta: { accountId: 'x', bestHeight: null, bestHash: null } });
    // A write that fails halfway (the second row violates NOT NULL) leaves nothing behind.
    expect(() => repo.apply({ upsertTxs: [record({ txid: '33'.repeat(32) }), record({ txid: '44'.repeat(32), createdAt: null as never })] })).toThrow();
    expect(db.prepare("SELECT COUNT(*) AS n FROM wallet_txs WHERE txid = ?").get('33'.repeat(32))).toEqual({ n: 0 });
  });

  it('reports damaged rows as store.corrupt', () => {
    const { repo, db } = open();
    repo.apply({ meta: { accountId: 'x', bestHeight: null, bestHash: null }, upsertTxs: [record()] });
    db.prepare("UPDATE wallet_txs SET state = 'lost'").run();
    expect(() => repo.load()).toThrow(expect.objectContaining({ code: 'store.corrupt' }));
    db.prepare("UPDATE wallet_txs SET state = 'confirmed', raw = 'xyz'").run();
    try {
      repo.load();
      expect.unreachable();
    } catch (e) {
      expect(isGlasswingError(e, 'store.corrupt')).toBe(true);
    }
  });
});
