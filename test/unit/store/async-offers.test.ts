/**
 * R's async offers per slot (core/store AsyncOffersRepository, migrations 13 and 22): what the invoice L2 keeps asks
 * (`served_pay_info`) and the request or serve waiting for an answer (`awaiting`) are read back as written; a row whose
 * JSON does not read is `store.corrupt`, naming the slot and the column; a row from before migration 22 reads with both null.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AsyncOfferRecord } from '../../../core/payments';
import { AsyncOffersRepository, DATABASE_FILE, StoreError, openDatabase } from '../../../core/store';
import { MIGRATIONS } from '../../../core/store/migrations';
import { tempDir } from '../../support/tmp';

const RECORD: AsyncOfferRecord = {
  slot: 0, status: 'ready', offer: 'lno1xyz', offerId: 'ab'.repeat(32), offerPathsExpiresAt: 1_800_000_000, invoiceCreatedAt: 1_760_000_000,
  invoiceExpiresAt: 1_761_209_600, updatePath: null, updatedAt: 1_760_000_000_123,
  servedPayInfo: { feeBaseMsat: 1_000, feeProportionalMillionths: 1_000, cltvExpiryDelta: 162 },
  awaiting: { kind: 'invoice', since: 1_760_000_100_000, attempts: 3, payInfo: { feeBaseMsat: 1_000, feeProportionalMillionths: 1, cltvExpiryDelta: 58 } },
};

describe('AsyncOffersRepository (migration 22)', () => {
  it('reads back what the served invoice asks and what waits for an answer', () => {
    const db = openDatabase(join(tempDir('glasswing-async-offers-'), DATABASE_FILE));
    const repo = new AsyncOffersRepository(db);
    repo.applyAsyncOfferWrites([{ kind: 'put_async_offer', record: RECORD }, { kind: 'put_async_offer', record: { ...RECORD, slot: 1, servedPayInfo: null, awaiting: { kind: 'paths', since: 5, attempts: 1, payInfo: null } } }]);
    expect(repo.asyncOffers()).toEqual([RECORD, { ...RECORD, slot: 1, servedPayInfo: null, awaiting: { kind: 'paths', since: 5, attempts: 1, payInfo: null } }]);
    db.close();
  });

  it('a row whose JSON does not read is store.corrupt naming the slot and column', () => {
    const db = openDatabase(join(tempDir('glasswing-async-offers-'), DATABASE_FILE));
    const repo = new AsyncOffersRepository(db);
    repo.applyAsyncOfferWrites([{ kind: 'put_async_offer', record: RECORD }]);
    for (const [column, value] of [['awaiting', '{"kind":"paths","since":1,"attempts":0,"payInfo":null}'], ['awaiting', 'not json'], ['served_pay_info', '{"feeBaseMsat":-1,"feeProportionalMillionths":0,"cltvExpiryDelta":0}']] as const) {
      db.prepare(`UPDATE async_offers SET ${column} = ? WHERE slot = 0`).run(value);
      expect(() => repo.asyncOffers()).toThrow(StoreError);
      expect(() => repo.asyncOffers()).toThrow(`async offer slot 0: ${column} does not read`);
      repo.applyAsyncOfferWrites([{ kind: 'put_async_offer', record: RECORD }]);
    }
    db.close();
  });

  it('a slot stored before migration 22 reads with neither', () => {
    const file = join(tempDir('glasswing-async-offers-'), DATABASE_FILE);
    const old = openDatabase(file, { migrations: MIGRATIONS.filter((m) => m.version < 22) });
    old.prepare(`INSERT INTO async_offers (slot, status, offer, offer_id, updated_at) VALUES (0, 'ready', 'lno1xyz', ?, 7)`).run('ab'.repeat(32));
    old.close();
    const db = openDatabase(file);
    expect(new AsyncOffersRepository(db).asyncOffers()).toMatchObject([{ slot: 0, status: 'ready', servedPayInfo: null, awaiting: null }]);
    db.close();
  });
});
