/**
 * The mailbox delivers at least once, and a payer announces over several paths: every async message may arrive
 * twice. Each handler does its work once — a second held_htlc_available (same reply path) is not answered again,
 * a second release_held_htlc releases nothing more (at L1, and at a payer holding the payment itself), a second
 * serve_static_invoice of the invoice L2 keeps only answers again, a second static_invoice_persisted changes
 * nothing. Real cores on real SQLite (the lab of roles.ts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AsyncDelivery, ForwardCandidate } from '../../../../core/payments';
import { DEFAULT_ASYNC_PAYMENTS_PROFILE } from '../../../../core/wire';
import { HtlcHolder, asyncMessage, encodeAsyncContext } from '../../../../core/payments';
import { parseStaticInvoiceBytes } from '../../../../core/offers';
import { L2, R, setup } from './roles';
import { node } from './support';

const L1 = node('L1', 0x66);
const profile = DEFAULT_ASYNC_PAYMENTS_PROFILE;
const NOTHING = { writes: [], actions: [], events: [] };

/** A forward whose incoming add carried hold_htlc, as HtlcSwitch hands it to the hold policy. */
const candidate = (htlcId: bigint): ForwardCandidate => ({
  forwardId: `chan:${htlcId}`, inChannelId: 'chan', outChannelId: 'next', amountMsat: 50_000n, cltvExpiry: 900, paymentHash: '00'.repeat(32), blinded: 'none', holdHtlc: true,
});

/** R's offer ready at L2 (R ticked, L2 answered, R served, L2 persisted). */
function ready() {
  const s = setup();
  s.lab.run('R', s.recipient.current.tick(s.lab.now));
  expect(s.recipient.current.readyOffer()).toBeDefined();
  return s;
}

function heldHtlcAvailable(s: ReturnType<typeof setup>, replyPath = L1.pathTo(encodeAsyncContext({ kind: 'release_held_htlc', holdId: 'cd'.repeat(32), expiresAt: s.lab.now / 1000 + 3600 }))): AsyncDelivery {
  const kept = s.l2store.getStaticInvoice(R.idHex, 0)!;
  const inv = parseStaticInvoiceBytes(kept.invoice, { messagePathsTlv: profile.staticInvoiceMessagePathsTlv }).value!;
  const path = inv.invoice.heldHtlcAvailablePaths![0]!;
  return { bytes: asyncMessage(profile, { type: 'held_htlc_available' }).bytes, context: R.contextOf(path), replyPath };
}

describe('a second copy of an async message does nothing twice', () => {
  it('R: held_htlc_available twice with the same reply path is answered once; another HTLC\'s (another reply path) is answered', () => {
    const s = ready();
    const d = heldHtlcAvailable(s);
    const first = s.recipient.current.handleHeldHtlcAvailable(d, s.lab.now);
    expect(first.actions.map((a) => a.kind === 'reply' && a.message.name)).toEqual(['release_held_htlc']);
    expect(s.recipient.current.handleHeldHtlcAvailable(d, s.lab.now + 1)).toEqual(NOTHING);
    // The same path, decoded again from the wire (a copy from the mailbox), is the same reply path.
    expect(s.recipient.current.handleHeldHtlcAvailable({ ...d, replyPath: structuredClone(d.replyPath) }, s.lab.now + 2)).toEqual(NOTHING);
    const other = heldHtlcAvailable(s, L1.pathTo(encodeAsyncContext({ kind: 'release_held_htlc', holdId: 'ef'.repeat(32), expiresAt: s.lab.now / 1000 + 3600 })));
    expect(s.recipient.current.handleHeldHtlcAvailable(other, s.lab.now + 3).actions).toHaveLength(1);
  });

  it('R: static_invoice_persisted twice: the second writes nothing and says nothing', () => {
    const s = ready();
    const persisted = s.lab.log.find((m) => m.name === 'static_invoice_persisted')!;
    const d: AsyncDelivery = { bytes: persisted.bytes, context: R.contextOf(persisted.path), replyPath: persisted.replyPath };
    const before = s.recipient.current.offers();
    expect(s.recipient.current.handleStaticInvoicePersisted(d, s.lab.now + 1000)).toEqual(NOTHING);
    expect(s.recipient.current.offers()).toEqual(before);
  });

  it('L2: the same serve_static_invoice again is only answered again (no write, no event); another invoice replaces it', () => {
    const s = ready();
    const serve = s.lab.log.find((m) => m.name === 'serve_static_invoice')!;
    const d: AsyncDelivery = { bytes: serve.bytes, context: L2.contextOf(serve.path), replyPath: serve.replyPath };
    const kept = s.l2store.getStaticInvoice(R.idHex, 0)!;
    // After the per-recipient rate limit's interval.
    const again = s.server.handleServeStaticInvoice(d, s.lab.now + 120_000);
    expect(again.writes).toEqual([]);
    expect(again.events).toEqual([]);
    expect(again.actions.map((a) => a.kind === 'reply' && a.message.name)).toEqual(['static_invoice_persisted']);
    expect(s.l2store.getStaticInvoice(R.idHex, 0)).toEqual(kept);
  });

  it('L1: release_held_htlc twice for a held HTLC releases it once; after it left, a copy does nothing, and tick releases nothing', () => {
    let now = 1_800_000_000_000;
    const held: string[] = [];
    const holder = new HtlcHolder({ pathTo: (c) => L1.pathTo(c), holdKey: new Uint8Array(32).fill(0x42), heldKeys: () => held }, () => now);
    const path = holder.releasePath('chan', 3n, now);
    const key = holder.hold(candidate(3n))!.key;
    held.push(key);
    const d: AsyncDelivery = { bytes: asyncMessage(profile, { type: 'release_held_htlc' }).bytes, context: L1.contextOf(path), replyPath: undefined };
    expect(holder.handleReleaseHeldHtlc(d, now).actions).toEqual([{ kind: 'release', holdKey: key }]);
    expect(holder.handleReleaseHeldHtlc(d, now + 1)).toEqual({ actions: [], events: [] });
    expect(holder.tick(now + 2)).toEqual({ actions: [], events: [] });
    held.length = 0;
    now += 10;
    expect(holder.tick(now)).toEqual({ actions: [], events: [] });
    expect(holder.handleReleaseHeldHtlc(d, now)).toEqual({ actions: [], events: [] });
  });

  it('property: however many copies of held_htlc_available reach R, across an R restart (its memory gone), L1 releases the HTLC once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 8 }), (copies, restartAt) => {
        const s = ready();
        let now = s.lab.now;
        const held: string[] = [];
        const holder = new HtlcHolder({ pathTo: (c) => L1.pathTo(c), holdKey: new Uint8Array(32).fill(0x42), heldKeys: () => held }, () => now);
        const release = holder.releasePath('chan', 0n, now);
        held.push(holder.hold(candidate(0n))!.key);
        // P announces over several sends with L1's release path; the mailbox hands each over 1–3 times.
        const announced = heldHtlcAvailable(s, release);
        let releases = 0;
        for (const [n, times] of copies.entries()) {
          if (n === restartAt) s.restart();
          for (let i = 0; i <= times; i++) {
            now += 1;
            const step = s.recipient.current.handleHeldHtlcAvailable({ ...announced, replyPath: structuredClone(announced.replyPath) }, now);
            for (const a of step.actions) {
              if (a.kind !== 'reply') continue;
              const out = holder.handleReleaseHeldHtlc({ bytes: a.message.bytes, context: L1.contextOf(release), replyPath: undefined }, now);
              releases += out.actions.filter((x) => x.kind === 'release').length;
            }
            releases += holder.tick(now).actions.filter((x) => x.kind === 'release').length;
          }
        }
        expect(releases).toBe(1);
      }),
      { numRuns: 40 },
    );
  });
});
