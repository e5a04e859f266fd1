import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runSimulationRequest } from '../../../core/simulator/request';
import { CHAR_WIDTH, SEQ_HEADER, layoutSequence, messageFamily, type SeqMessageInput } from '../../../renderer/src/lib/sequence';

const crossing = runSimulationRequest({ scenario: 'crossing-commits' }).trace;

/** The simulator's messages as arrows: rows are steps (step s is row s - 1). */
function traceArrows(trace: typeof crossing): SeqMessageInput[] {
  return trace.messages.map((m) => ({
    key: `m${m.n}`, from: m.from === 'A' ? 0 : 1, type: m.type, label: m.summary, sentRow: m.sentAtStep - 1, arriveRow: m.deliveredAtStep === null ? null : m.deliveredAtStep - 1,
  }));
}

describe('sequence diagram layout', () => {
  it('draws crossing commitment_signed as crossing arrows', () => {
    const layout = layoutSequence({ width: 900, rows: crossing.steps.length, lanes: ['A', 'B'], messages: traceArrows(crossing) });
    const [aSig, bSig] = [layout.arrows.find((a) => a.key === 'm2')!, layout.arrows.find((a) => a.key === 'm3')!];
    expect(aSig.type).toBe('commitment_signed');
    expect(aSig.x1).toBeLessThan(aSig.x2);
    expect(bSig.x1).toBeGreaterThan(bSig.x2);
    // A's leaves above B's and arrives below where B's leaves: the lines cross.
    expect(aSig.y1).toBeLessThan(bSig.y1);
    expect(aSig.y2).toBeGreaterThan(bSig.y1);
    expect(layout.arrows.every((a) => !a.inFlight)).toBe(true);
  });

  it('draws messages only up to the current step, and those not yet delivered as in flight', () => {
    const layout = layoutSequence({ width: 900, rows: crossing.steps.length, lanes: ['A', 'B'], messages: traceArrows(crossing), currentRow: 3 });
    expect(layout.rows).toHaveLength(crossing.steps.length);
    expect(layout.rows[3]!.current).toBe(true);
    expect(layout.rows.map((r) => r.future)).toEqual(crossing.steps.map((_, i) => i > 3));
    // Steps 1–4 sent four messages; all are in flight until step 5 delivers them.
    expect(layout.arrows).toHaveLength(4);
    expect(layout.arrows.every((a) => a.inFlight)).toBe(true);
    for (const a of layout.arrows) {
      // Part of the way, toward the other lane, and not below the current row.
      expect(Math.abs(a.x2 - a.x1)).toBeLessThan(Math.abs(layout.lanes[1]!.x - layout.lanes[0]!.x));
      expect(a.y2).toBeLessThanOrEqual(SEQ_HEADER + 4 * 40);
    }
  });

  it('keeps every arrow inside the drawing for any messages (property)', () => {
    const msg = fc.record({
      from: fc.constantFrom(0 as const, 1 as const),
      sentRow: fc.nat(9),
      delay: fc.option(fc.nat(3), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(msg, { maxLength: 20 }), fc.integer({ min: 200, max: 1400 }), fc.nat(9), (ms, width, current) => {
        const layout = layoutSequence({
          width, rows: 10, lanes: ['L', 'R'], currentRow: current,
          messages: ms.map((m, i) => ({ key: String(i), from: m.from, type: 'update_fee', label: '', sentRow: m.sentRow, arriveRow: m.delay === null ? null : Math.min(9, m.sentRow + m.delay) })),
        });
        const labelInside = (a: (typeof layout.arrows)[number]) => {
          const w = a.text.length * CHAR_WIDTH;
          const [left, right] = a.anchor === 'start' ? [a.textX, a.textX + w] : [a.textX - w, a.textX];
          return w > layout.width - 20 || (left >= 0 && right <= layout.width);
        };
        return layout.arrows.every((a) => [a.x1, a.x2].every((x) => x >= 0 && x <= layout.width) && [a.y1, a.y2].every((y) => y >= SEQ_HEADER && y <= layout.height) && labelInside(a));
      }),
    );
  });

  it('marks retransmitted messages and keeps their longer label inside the drawing', () => {
    const layout = layoutSequence({
      width: 420, rows: 2, lanes: ['This node', 'Peer'], gutter: 72,
      messages: [
        { key: 'a', from: 1, type: 'channel_reestablish', label: 'next commitment 3, next revocation 2', sentRow: 0, arriveRow: 0 },
        { key: 'b', from: 0, type: 'commitment_signed', label: 'signs theirs #3', sentRow: 1, arriveRow: 1, retransmission: true },
      ],
    });
    const [reestablish, again] = layout.arrows;
    expect(reestablish!.family).toBe('reestablish');
    expect(again!.retransmission).toBe(true);
    expect(again!.anchor).toBe('start');
    expect(again!.textX + (again!.text.length + 2) * CHAR_WIDTH).toBeLessThanOrEqual(layout.width - 6 + 1e-9);
  });

  it('colours messages by what they do', () => {
    expect(messageFamily('update_add_htlc')).toBe('add');
    expect(messageFamily('update_fail_malformed_htlc')).toBe('fail');
    expect(messageFamily('revoke_and_ack')).toBe('revoke');
    expect(messageFamily('channel_reestablish')).toBe('reestablish');
    expect(messageFamily('stfu')).toBe('other');
  });
});
