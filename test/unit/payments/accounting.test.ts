/**
 * OutboundPayments' split and retry accounting (issue 15: a payer was once seen with ~8.7 M sat of
 * parts in flight for a 6 M sat payment over a ~5 M sat channel). Property, over random channel
 * sizes and balances on two routes A–B–C and A–D–C (so forwards fail for liquidity, parts are split
 * and retried), random connection drops on A's channels while parts are being added (updates
 * forgotten, channel_reestablish), and random payment amounts: at every step of the network,
 * - the payment's records never have more in flight (and succeeded) than its amount (BOLT 4
 *   basic_mpp writer: "MUST NOT send another HTLC if the total amt_to_forward of the HTLC set is
 *   already greater or equal to total_msat");
 * - the HTLCs of this payment on A's channels (any commitment, either side's) never carry more than
 *   the amount plus its maximum fee, and per channel no more than that channel could send;
 * and in the end the payment is settled one way or the other with nothing left on the channels.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../../core/crypto';
import { PayNet } from './net';
import type { ChannelEnd, PayNode } from './net';

let net: PayNet | undefined;
afterEach(() => {
  net?.close();
  net = undefined;
});

const RUNS = Number(process.env.GLASSWING_PAYMENTS_RUNS ?? 6);
const LIVE = new Set(['adding', 'inflight', 'failing']);

/** Our HTLCs of `hash` on one channel end, by id, from every commitment it knows. */
function ourHtlcs(end: ChannelEnd, hash: string): Map<bigint, bigint> {
  const s = end.link.state;
  const out = new Map<bigint, bigint>();
  for (const spec of [s.localCommit.spec, s.remoteCommit.spec, s.remoteNextCommit?.spec]) {
    for (const h of spec?.htlcs ?? []) if (h.offerer === 'local' && toHex(h.paymentHash) === hash) out.set(h.id, h.amountMsat);
  }
  return out;
}

function sum(xs: Iterable<bigint>): bigint {
  let t = 0n;
  for (const x of xs) t += x;
  return t;
}

describe('OutboundPayments accounting (property)', () => {
  it('never more in flight than the amount left, on the records or on the channels, whatever fails or drops', () => {
    const sat = (min: bigint, max: bigint) => fc.bigInt({ min, max });
    fc.assert(
      fc.property(
        fc.record({
          ab: sat(300_000n, 3_000_000n), ad: sat(300_000n, 3_000_000n), bc: sat(300_000n, 3_000_000n), dc: sat(300_000n, 3_000_000n),
          // What B and D can still send on to C: a fraction of their channel, so forwards fail.
          bcOut: fc.integer({ min: 5, max: 95 }), dcOut: fc.integer({ min: 5, max: 95 }),
          amountSat: sat(20_000n, 3_000_000n),
          drops: fc.array(fc.record({ at: fc.integer({ min: 0, max: 40 }), channel: fc.integer({ min: 0, max: 1 }) }), { maxLength: 3 }),
        }),
        (p) => {
          net = new PayNet();
          const [a, b, c, d] = ['A', 'B', 'C', 'D'].map((n) => net!.node(n)) as [PayNode, PayNode, PayNode, PayNode];
          // A funds its two channels and keeps it all; B and D fund theirs to C and keep bcOut / dcOut %.
          const ab = net.open(a, b, { fundingSat: p.ab, pushMsat: 0n });
          const ad = net.open(a, d, { fundingSat: p.ad, pushMsat: 0n });
          net.open(b, c, { fundingSat: p.bc, pushMsat: (p.bc * 1000n * BigInt(100 - p.bcOut)) / 100n });
          net.open(d, c, { fundingSat: p.dc, pushMsat: (p.dc * 1000n * BigInt(100 - p.dcOut)) / 100n });
          const ours = [ab.a, ad.a];
          const couldSend = ours.map((e) => e.link.state.localCommit.spec.localMsat);
          const amountMsat = p.amountSat * 1000n;
          const inv = c.invoice({ amountMsat, description: 'x' });
          const hash = toHex(inv.paymentHash);
          const paymentId = 'prop';
          a.run(a.payments.outbound.pay({ paymentId, target: { kind: 'bolt11', invoice: inv } }, net.now));
          const maxFee = a.store.getPayment(paymentId)!.maxFeeMsat;

          const check = () => {
            const payment = a.store.getPayment(paymentId)!;
            const parts = a.store.partsOf(paymentId);
            const counted = sum(parts.filter((x) => LIVE.has(x.status) || x.status === 'succeeded').map((x) => x.amountMsat));
            expect(counted).toBeLessThanOrEqual(payment.amountMsat);
            let onChannels = 0n;
            ours.forEach((end, i) => {
              const here = sum(ourHtlcs(end, hash).values());
              expect(here).toBeLessThanOrEqual(couldSend[i]!);
              onChannels += here;
            });
            expect(onChannels).toBeLessThanOrEqual(amountMsat + maxFee);
          };

          const down = new Set<number>();
          for (let round = 0; round < 3000; round++) {
            check();
            for (const drop of p.drops) {
              if (drop.at === round) {
                net.disconnect(ours[drop.channel]!);
                down.add(drop.channel);
              }
            }
            // A dropped connection comes back a few rounds later.
            if (round % 8 === 7) {
              for (const i of down) net.reconnect(ours[i]!);
              down.clear();
            }
            if (!net.step() && down.size === 0) {
              if (a.store.getPayment(paymentId)!.status !== 'pending') break;
              // Quiet but pending: time passes (deadlines, MPP timeouts at C).
              net.advance(5_000);
            }
          }
          check();
          const final = a.store.getPayment(paymentId)!;
          expect(final.status).not.toBe('pending');
          for (const end of ours) expect(ourHtlcs(end, hash).size).toBe(0);
          if (final.status === 'succeeded') {
            const delivered = sum(a.store.partsOf(paymentId).filter((x) => x.status === 'succeeded').map((x) => x.amountMsat));
            expect(delivered).toBe(amountMsat);
          }
          net.close();
          net = undefined;
        },
      ),
      { numRuns: RUNS },
    );
  }, 240_000);
});
