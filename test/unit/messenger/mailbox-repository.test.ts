/** The mailbox and traffic-log repositories on real SQLite files in temporary directories. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { toHex } from '../../../core/crypto';
import { DEFAULT_MAILBOX_QUOTAS } from '../../../core/messenger';
import type { MailboxLimits, NewMailboxMessage } from '../../../core/store';
import { DATABASE_FILE, MailboxRepository, MessageLogRepository, openDatabase } from '../../../core/store';
import { tempDir } from '../../support/tmp';

const PEER = `02${'11'.repeat(32)}`;
const OTHER = `03${'22'.repeat(32)}`;

function message(i: number, nodeId = PEER, size = 100): NewMailboxMessage {
  return { messageId: i.toString(16).padStart(16, '0'), nodeId, from: OTHER, pathKey: new Uint8Array(33).fill(i & 0xff), packet: new Uint8Array(size - 37).fill(i & 0xff), size };
}

function open(limits: Partial<MailboxLimits> = {}, dir = tempDir()) {
  const db = openDatabase(join(dir, DATABASE_FILE));
  return { dir, db, repo: new MailboxRepository(db, { ...DEFAULT_MAILBOX_QUOTAS, ...limits }) };
}

describe('MailboxRepository', () => {
  it('keeps the allow-list and stored messages across a reopen, in arrival order', () => {
    const { dir, db, repo } = open();
    repo.allow(PEER, 5);
    for (let i = 1; i <= 3; i++) expect(repo.store(message(i), 10 + i).stored).toBe(true);
    db.close();
    const again = open({}, dir);
    expect(again.repo.isAllowed(PEER)).toBe(true);
    expect(again.repo.listAllowed()).toEqual([{ nodeId: PEER, since: 5 }]);
    const stored = again.repo.listFor(PEER);
    expect(stored.map((m) => m.messageId)).toEqual([1, 2, 3].map((i) => i.toString(16).padStart(16, '0')));
    expect(toHex(stored[0]!.pathKey)).toBe('01'.repeat(33));
    expect(stored[0]!.packet.length).toBe(63);
    expect(stored[0]!.expiresAt).toBe(11 + DEFAULT_MAILBOX_QUOTAS.expiryMs);
    again.db.close();
  });

  it('refuses past the per-peer message and byte quotas with mailbox_peer_quota', () => {
    const { db, repo } = open({ perPeerMessages: 2, perPeerBytes: 1000 });
    expect(repo.store(message(1), 0)).toMatchObject({ stored: true, peerMessages: 1, peerBytes: 100 });
    expect(repo.store(message(2), 0).stored).toBe(true);
    expect(repo.store(message(3), 0)).toMatchObject({ stored: false, reason: 'mailbox_peer_quota' });
    expect(repo.store(message(4, OTHER, 1001), 0)).toMatchObject({ stored: false, reason: 'mailbox_peer_quota' });
    expect(repo.store(message(5, OTHER, 1000), 0).stored).toBe(true);
    db.close();
  });

  it('refuses past the global quota with mailbox_full', () => {
    const { db, repo } = open({ totalMessages: 2 });
    repo.store(message(1, PEER), 0);
    repo.store(message(2, OTHER), 0);
    expect(repo.store(message(3, OTHER), 0)).toMatchObject({ stored: false, reason: 'mailbox_full' });
    db.close();
  });

  it('expires old messages except those being written, and deletes by id once', () => {
    const { db, repo } = open({ expiryMs: 100 });
    const a = repo.store(message(1), 0);
    const b = repo.store(message(2), 0);
    repo.store(message(3), 50);
    if (!a.stored || !b.stored) throw new Error('not stored');
    expect(repo.expire(99)).toEqual([]);
    expect(repo.expire(100, new Set([b.record.id])).map((m) => m.messageId)).toEqual([message(1).messageId]);
    expect(repo.delete(b.record.id)).toBe(true);
    expect(repo.delete(b.record.id)).toBe(false);
    expect(repo.totals()).toEqual({ messages: 1, bytes: 100 });
    db.close();
  });

  it('deny removes a peer from the allow-list but keeps what is already stored for it', () => {
    const { db, repo } = open();
    repo.allow(PEER, 0);
    repo.store(message(1), 0);
    expect(repo.deny(PEER)).toBe(true);
    expect(repo.isAllowed(PEER)).toBe(false);
    expect(repo.listFor(PEER)).toHaveLength(1);
    db.close();
  });

  it('never lets a peer exceed its quotas whatever is stored and deleted (property)', () => {
    const { db, repo } = open({ perPeerMessages: 5, perPeerBytes: 1200, totalMessages: 8, totalBytes: 2000 });
    let n = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom(PEER, OTHER), fc.integer({ min: 40, max: 600 })), { maxLength: 40 }), (ops) => {
        for (const [store, peer, size] of ops) {
          if (store) repo.store(message(++n, peer, size), 0);
          else {
            const first = repo.listFor(peer)[0];
            if (first) repo.delete(first.id);
          }
          for (const p of [PEER, OTHER]) {
            const c = repo.countFor(p);
            expect(c.messages).toBeLessThanOrEqual(5);
            expect(c.bytes).toBeLessThanOrEqual(1200);
          }
          expect(repo.totals().messages).toBeLessThanOrEqual(8);
          expect(repo.totals().bytes).toBeLessThanOrEqual(2000);
        }
      }),
      { numRuns: 30 },
    );
    db.close();
  });
});

describe('MessageLogRepository', () => {
  const row = (i: number, outcome = 'received', peer: string | null = PEER, tlvTypes: string[] = []) => ({
    time: i, messageId: i.toString(16).padStart(16, '0'), outcome, peer, tlvTypes, size: i, event: { type: `onion.${outcome}`, n: i },
  });

  it('keeps only the newest rows up to its capacity', () => {
    const { db } = open();
    const log = new MessageLogRepository(db, 10);
    log.append(Array.from({ length: 7 }, (_, i) => row(i)));
    log.append(Array.from({ length: 7 }, (_, i) => row(i + 7)));
    expect(log.count()).toBe(10);
    expect(log.list({ limit: 100 }).map((r) => r.time)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    db.close();
  });

  it('filters by peer, TLV type and outcome, newest rows oldest first', () => {
    const { db } = open();
    const log = new MessageLogRepository(db, 100);
    log.append([row(1, 'delivered', PEER, ['64']), row(2, 'sent', OTHER, ['640', '65537']), row(3, 'dropped', PEER), row(4, 'delivered', OTHER, ['65537'])]);
    expect(log.list({ peer: PEER }).map((r) => r.time)).toEqual([1, 3]);
    expect(log.list({ tlvType: '64' }).map((r) => r.time)).toEqual([1]); // not 640
    expect(log.list({ tlvType: '65537' }).map((r) => r.time)).toEqual([2, 4]);
    expect(log.list({ outcome: 'delivered', limit: 1 }).map((r) => r.time)).toEqual([4]);
    expect(log.list({ limit: 2 })[1]).toMatchObject({ outcome: 'delivered', tlvTypes: ['65537'], event: { type: 'onion.delivered', n: 4 } });
    db.close();
  });
});
