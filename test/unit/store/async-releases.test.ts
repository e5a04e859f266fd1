/**
 * L1's pending releases (migration 16): a release_held_htlc accepted for a held HTLC whose next
 * channel was not active yet survives a restart (the recipient sends it once).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AsyncReleasesRepository, DATABASE_FILE, openDatabase } from '../../../core/store';
import { tempDir } from '../../support/tmp';

describe('AsyncReleasesRepository', () => {
  it('keeps pending releases across a reopen, once each, in the order they came, until removed', () => {
    const dir = tempDir('glasswing-async-releases-');
    let db = openDatabase(join(dir, DATABASE_FILE));
    let repo = new AsyncReleasesRepository(db);
    expect(repo.pendingReleases()).toEqual([]);
    repo.addPendingRelease('bb:1800000000', 2_000);
    repo.addPendingRelease('aa:1800000000', 1_000);
    repo.addPendingRelease('bb:1800000000', 3_000); // the same release again: kept once
    db.close();

    db = openDatabase(join(dir, DATABASE_FILE));
    repo = new AsyncReleasesRepository(db);
    expect(repo.pendingReleases()).toEqual(['aa:1800000000', 'bb:1800000000']);
    repo.removePendingRelease('aa:1800000000');
    repo.removePendingRelease('not-there');
    expect(repo.pendingReleases()).toEqual(['bb:1800000000']);
    db.close();
  });
});
