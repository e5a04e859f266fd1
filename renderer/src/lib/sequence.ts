/**
 * Layout of a two-party sequence diagram (the inspector's live message flow and the lab's
 * trace): two lanes, one row per step (lab) or per message (inspector), one arrow per message
 * from the row it was sent in to the row it arrived in — so messages that cross on the wire
 * (crossing commitment_signed) are drawn crossing. A message not yet delivered at the current
 * row is "in flight": drawn only part of the way; rows after the current one are there but not
 * played yet (no arrows). Pure geometry; the component draws it.
 */

export type MessageFamily = 'add' | 'settle' | 'fail' | 'fee' | 'commit' | 'revoke' | 'reestablish' | 'error' | 'other';

/** The colour family of a BOLT 2 message type. */
export function messageFamily(type: string): MessageFamily {
  switch (type) {
    case 'update_add_htlc':
      return 'add';
    case 'update_fulfill_htlc':
      return 'settle';
    case 'update_fail_htlc':
    case 'update_fail_malformed_htlc':
      return 'fail';
    case 'update_fee':
      return 'fee';
    case 'commitment_signed':
      return 'commit';
    case 'revoke_and_ack':
      return 'revoke';
    case 'channel_reestablish':
      return 'reestablish';
    case 'error':
    case 'warning':
      return 'error';
    default:
      return 'other';
  }
}

export interface SeqMessageInput {
  readonly key: string;
  /** The lane it leaves from: 0 (left) or 1 (right). */
  readonly from: 0 | 1;
  readonly type: string;
  /** Short text next to the arrow (e.g. `A0 20,000 sat`). */
  readonly label: string;
  readonly sentRow: number;
  /** The row it arrived in; null while in flight. */
  readonly arriveRow: number | null;
  readonly retransmission?: boolean;
  /** Tooltip. */
  readonly title?: string;
}

export interface SeqInput {
  readonly width: number;
  readonly rows: number;
  readonly lanes: readonly [string, string];
  readonly messages: readonly SeqMessageInput[];
  /** Labels in the left gutter, one per row. */
  readonly rowLabels?: readonly string[];
  /** Rows after this one are not shown yet (lab playback). Default: all. */
  readonly currentRow?: number;
  /** A row to mark (a failed step). */
  readonly errorRow?: number | null;
  readonly rowHeight?: number;
  readonly gutter?: number;
}

export interface SeqArrow {
  readonly key: string;
  readonly family: MessageFamily;
  readonly type: string;
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  /** Not delivered by the current row: drawn part of the way, without a head. */
  readonly inFlight: boolean;
  readonly retransmission: boolean;
  /** Sent or delivered in the current row. */
  readonly fresh: boolean;
  readonly text: string;
  readonly textX: number;
  readonly textY: number;
  /** Labels sit by the lane they leave from: left-aligned from the left lane, right-aligned from the right. */
  readonly anchor: 'start' | 'end';
  readonly title: string;
}

export interface SeqRow {
  readonly index: number;
  readonly y: number;
  readonly height: number;
  readonly label: string;
  readonly current: boolean;
  /** Not played yet (lab playback): drawn faint, without its arrows. */
  readonly future: boolean;
  readonly error: boolean;
}

export interface SeqLayout {
  readonly width: number;
  readonly height: number;
  readonly header: number;
  readonly lanes: readonly { readonly x: number; readonly label: string }[];
  readonly rows: readonly SeqRow[];
  readonly arrows: readonly SeqArrow[];
}

export const SEQ_HEADER = 44;
/** Width of one character of an arrow label (11 px monospace), for keeping labels inside. */
export const CHAR_WIDTH = 6.7;

/** Positions of every lane, row and arrow for the given width. */
export function layoutSequence(input: SeqInput): SeqLayout {
  const rowH = input.rowHeight ?? 40;
  const gutter = input.gutter ?? (input.rowLabels ? Math.min(240, Math.max(120, input.width * 0.2)) : 16);
  const width = Math.max(input.width, gutter + 240);
  const current = input.currentRow ?? input.rows - 1;
  // Room for the lane boxes (140 px wide, centred on their lane).
  const margin = Math.max(78, Math.min(110, (width - gutter) * 0.16));
  const laneX: [number, number] = [gutter + margin, width - margin];
  const rowY = (r: number) => SEQ_HEADER + r * rowH;

  // How many messages leave / arrive in each row, so several in one row do not overlap.
  const sentIn = new Map<number, string[]>();
  const arriveIn = new Map<number, string[]>();
  for (const m of input.messages) {
    if (m.sentRow > current) continue;
    (sentIn.get(m.sentRow) ?? sentIn.set(m.sentRow, []).get(m.sentRow)!).push(m.key);
    if (m.arriveRow !== null && m.arriveRow <= current && m.arriveRow !== m.sentRow) {
      (arriveIn.get(m.arriveRow) ?? arriveIn.set(m.arriveRow, []).get(m.arriveRow)!).push(m.key);
    }
  }
  const slot = (list: string[] | undefined, key: string, from: number, span: number): number => {
    if (!list || list.length <= 1) return from + span / 2;
    const i = list.indexOf(key);
    return from + (span * (i + 0.5)) / list.length;
  };

  const arrows: SeqArrow[] = [];
  for (const m of input.messages) {
    if (m.sentRow > current) continue;
    const x1 = laneX[m.from];
    const x2 = laneX[m.from === 0 ? 1 : 0];
    const top = rowY(m.sentRow);
    const sameRow = m.arriveRow === m.sentRow;
    const y1 = sameRow ? slot(sentIn.get(m.sentRow), m.key, top + 6, rowH * 0.35) : slot(sentIn.get(m.sentRow), m.key, top + 8, rowH * 0.45);
    const delivered = m.arriveRow !== null && m.arriveRow <= current;
    let y2: number;
    let xEnd = x2;
    if (delivered && sameRow) y2 = y1 + rowH * 0.5;
    else if (delivered) y2 = slot(arriveIn.get(m.arriveRow!), m.key, rowY(m.arriveRow!) + rowH * 0.45, rowH * 0.5);
    else {
      // In flight: aim at where it would arrive (the next row, or later), cut at the current row's end.
      const target = rowY(Math.max(current + 1, m.arriveRow ?? current + 1)) + rowH * 0.6;
      const cut = rowY(current) + rowH * 0.92;
      const t = Math.min(0.8, Math.max(0.18, (cut - y1) / Math.max(1, target - y1)));
      xEnd = x1 + (x2 - x1) * t;
      y2 = y1 + (target - y1) * t;
    }
    // The label starts just off the sending lane, above the line where it is, and stays inside
    // the drawing (11 px monospace is about 6.7 px per character).
    const dx = 14 * Math.sign(xEnd - x1 || 1);
    const t = Math.min(1, Math.abs(dx / (xEnd - x1 || 1)));
    const text = m.label ? `${m.type} · ${m.label}` : m.type;
    const textWidth = (text.length + (m.retransmission ? 2 : 0)) * CHAR_WIDTH;
    let textX = x1 + dx;
    if (dx > 0) textX = Math.max(gutter + 4, Math.min(textX, width - 6 - textWidth));
    else textX = Math.min(width - 6, Math.max(textX, gutter + 4 + textWidth));
    arrows.push({
      key: m.key,
      family: messageFamily(m.type),
      type: m.type,
      x1, y1, x2: xEnd, y2,
      inFlight: !delivered,
      retransmission: m.retransmission ?? false,
      fresh: m.sentRow === current || m.arriveRow === current,
      text,
      textX,
      textY: y1 + (y2 - y1) * t - 6,
      anchor: dx > 0 ? 'start' : 'end',
      title: m.title ?? (m.label ? `${m.type}: ${m.label}` : m.type),
    });
  }
  const rows: SeqRow[] = Array.from({ length: input.rows }, (_, i) => ({
    index: i,
    y: rowY(i),
    height: rowH,
    label: input.rowLabels?.[i] ?? '',
    current: input.currentRow !== undefined && i === current,
    future: i > current,
    error: input.errorRow === i && i <= current,
  }));
  return {
    width,
    height: SEQ_HEADER + Math.max(input.rows, 1) * rowH + 16,
    header: SEQ_HEADER,
    lanes: [
      { x: laneX[0], label: input.lanes[0] },
      { x: laneX[1], label: input.lanes[1] },
    ],
    rows,
    arrows,
  };
}
