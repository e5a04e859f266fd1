/**
 * A simulation trace as a self-contained SVG sequence diagram: two lifelines (A, B), one row
 * per step, an arrow per message from the step it was sent to the step it was delivered
 * (dashed and open-ended while still in flight), and each party's commitments after the step
 * beside its lifeline. No external fonts, scripts or images.
 */
import type { PartyName } from './events';
import type { Trace, TraceMessage, TraceStep } from './simulator';
import type { ChannelView } from '../channel/view';

const W = 1180;
const TOP = 130;
const ROW = 66;
const X: Record<PartyName, number> = { A: 480, B: 860 };
/** Characters that fit in a state column. */
const COLUMN_CHARS = 44;
const COLORS: Record<string, string> = {
  update_add_htlc: '#2563eb',
  update_fulfill_htlc: '#7c3aed',
  update_fail_htlc: '#db2777',
  update_fail_malformed_htlc: '#db2777',
  update_fee: '#0891b2',
  commitment_signed: '#d97706',
  revoke_and_ack: '#059669',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;
}

function rowTop(step: number): number {
  return TOP + (step - 1) * ROW;
}

function listCounts(v: ChannelView, party: PartyName): string {
  const l = v.lists;
  const names = (list: ChannelView['lists']['localUnacked']) => (list.length ? list.map((c) => changeName(c, party)).join(',') : '-');
  return `lu:${names(l.localUnacked)} la:${names(l.localAcked)} ru:${names(l.remoteUnacked)} ra:${names(l.remoteAcked)}`;
}

/** A change in a list, short: `+A0` add, `=A0` fulfill, `xA0` fail, `fee2500` fee update. */
function changeName(c: ChannelView['lists']['localUnacked'][number], party: PartyName): string {
  if (c.kind === 'fee') return `fee${c.feeratePerKw}`;
  const [side, id] = (c.htlc ?? ':').split(':');
  const who = side === 'local' ? party : party === 'A' ? 'B' : 'A';
  return `${c.kind === 'add' ? '+' : c.kind === 'fulfill' ? '=' : 'x'}${who}${id}`;
}

function clip(line: string): string {
  return line.length > COLUMN_CHARS ? `${line.slice(0, COLUMN_CHARS - 1)}…` : line;
}

function partySummary(step: TraceStep, party: PartyName): string[] {
  const st = step.state[party];
  const v = step.views[party];
  const fmt = (h: readonly string[]) => (h.length ? h.join(' ') : '–');
  const sat = (msat: string) => (BigInt(msat) / 1000n).toLocaleString('en-US');
  return [
    `local  #${st.local.ctn}: ${fmt(st.local.htlcs)}${v.revocationOwed ? '  (owes RAA)' : ''}`,
    `remote #${st.remote.ctn}: ${fmt(st.remote.htlcs)}${v.awaitingRevocation ? '  (awaits RAA)' : ''}`,
    listCounts(v, party),
    `balance ${sat(v.localCommit.localMsat)} | ${sat(v.localCommit.remoteMsat)} sat`,
  ].map(clip);
}

function eventLabel(e: Record<string, unknown>): string {
  if (!('from' in e)) return `deliver ${String(e.deliver)}`;
  return `${String(e.from)}: ${String(e.msg)}${e.deliver === false ? ' (held)' : ''}`;
}

function arrow(m: TraceMessage, sendIdx: number, recvIdx: number, inFlightY: number): string {
  const color = COLORS[m.type] ?? '#444';
  const x1 = X[m.from];
  const y1 = rowTop(m.sentAtStep) + 18 + sendIdx * 7;
  const label = `${m.type}${m.summary ? ` ${m.summary}` : ''}`;
  if (m.deliveredAtStep === null) {
    const x2 = (X.A + X.B) / 2 + (m.from === 'A' ? -30 : 30);
    const y2 = inFlightY + sendIdx * 14;
    return [
      `<line x1="${x1}" y1="${y1.toFixed(1)}" x2="${x2}" y2="${y2.toFixed(1)}" stroke="${color}" stroke-width="1.6" stroke-dasharray="6 4"/>`,
      `<circle cx="${x2}" cy="${y2.toFixed(1)}" r="4" fill="white" stroke="${color}" stroke-width="1.6"/>`,
      text(x2 + (m.from === 'A' ? -8 : 8), y2 + 4, `${label} (in flight)`, `fill="${color}" font-size="11" text-anchor="${m.from === 'A' ? 'end' : 'start'}" class="halo"`),
    ].join('\n');
  }
  const x2 = X[m.to];
  const y2 = m.deliveredAtStep === m.sentAtStep ? y1 + 24 : rowTop(m.deliveredAtStep) + 26 + recvIdx * 7;
  return [
    `<line x1="${x1}" y1="${y1.toFixed(1)}" x2="${x2 + (m.from === 'A' ? -6 : 6)}" y2="${y2.toFixed(1)}" stroke="${color}" stroke-width="1.6" marker-end="url(#head-${m.type})"/>`,
    text((x1 + x2) / 2, (y1 + y2) / 2 - 5, label, `fill="${color}" font-size="11" text-anchor="middle" class="halo"`),
  ].join('\n');
}

/** Renders the trace. */
export function traceToSvg(trace: Trace, title = 'Glasswing channel simulation'): string {
  const rows = Math.max(trace.steps.length, 1);
  const inFlight = trace.messages.filter((m) => m.deliveredAtStep === null).length;
  const H = TOP + rows * ROW + (inFlight ? 36 + 14 * inFlight : 30) + (trace.error ? 52 : 0);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace">`);
  out.push(`<title>${esc(title)}</title>`);
  out.push('<style>.halo{paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}</style>');
  out.push('<defs>');
  for (const [type, color] of Object.entries(COLORS)) {
    out.push(`<marker id="head-${type}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`);
  }
  out.push('</defs>');
  out.push(`<rect width="${W}" height="${H}" fill="#fcfcfd"/>`);
  const p = trace.params;
  out.push(text(20, 28, title.length > 120 ? `${title.slice(0, 119)}…` : title, 'font-size="15" font-weight="bold" fill="#111"'));
  out.push(text(20, 48, `funding ${BigInt(p.fundingSat).toLocaleString('en-US')} sat, push ${p.pushMsat} msat, ${p.feeratePerKw} sat/kw, ${p.channelType}; A is the funder`, 'font-size="11" fill="#555"'));
  out.push(text(20, 78, 'changes: +A0 add, =A0 fulfill, xA0 fail, fee2500 update_fee; balance = own | peer, before fees', 'font-size="10" fill="#777"'));
  out.push(text(20, 64, 'local = newest own commitment signed by the peer, remote = newest peer commitment signed; lists lu/la/ru/ra = local-unacked/-acked, remote-unacked/-acked', 'font-size="10" fill="#777"'));

  // Lifelines and their heads.
  for (const party of ['A', 'B'] as const) {
    const x = X[party];
    out.push(`<line x1="${x}" y1="${TOP - 22}" x2="${x}" y2="${H - 16}" stroke="#9ca3af" stroke-width="2"/>`);
    out.push(`<rect x="${x - 58}" y="${TOP - 46}" width="116" height="26" rx="5" fill="#111827"/>`);
    out.push(text(x, TOP - 28, party === 'A' ? 'A (funder)' : 'B', 'font-size="13" fill="#fff" text-anchor="middle" font-weight="bold"'));
  }

  // Rows: step number, event, and each party's state after the step.
  for (const s of trace.steps) {
    const y = rowTop(s.step);
    if (s.step % 2 === 0) out.push(`<rect x="0" y="${y}" width="${W}" height="${ROW}" fill="#f3f4f6" opacity="0.6"/>`);
    out.push(text(8, y + 14, `${s.step}`, 'font-size="11" fill="#6b7280" font-weight="bold"'));
    out.push(text(30, y + 14, eventLabel(s.event), 'font-size="11" fill="#374151"'));
    partySummary(s, 'A').forEach((line, i) => out.push(text(X.A - 12, y + 22 + i * 11.5, line, 'font-size="10" fill="#111" text-anchor="end"')));
    partySummary(s, 'B').forEach((line, i) => out.push(text(X.B + 12, y + 22 + i * 11.5, line, 'font-size="10" fill="#111"')));
  }

  // Messages.
  const inFlightY = rowTop(rows) + ROW + (trace.error ? 52 : 0) + 18;
  const sendIdx = new Map<number, number>();
  const recvIdx = new Map<number, number>();
  for (const s of trace.steps) {
    s.sent.forEach((n, i) => sendIdx.set(n, i));
    s.delivered.forEach((n, i) => recvIdx.set(n, i));
  }
  for (const m of trace.messages) out.push(arrow(m, sendIdx.get(m.n) ?? 0, recvIdx.get(m.n) ?? 0, inFlightY));

  if (trace.error) {
    const y = rowTop(trace.error.step) + ROW - 4;
    out.push(`<rect x="${X.A - 10}" y="${y}" width="${X.B - X.A + 20}" height="34" rx="4" fill="#fee2e2" stroke="#dc2626"/>`);
    out.push(text((X.A + X.B) / 2, y + 14, trace.error.code, 'font-size="11" fill="#b91c1c" text-anchor="middle" font-weight="bold"'));
    const msg = trace.error.message.length > 70 ? `${trace.error.message.slice(0, 67)}...` : trace.error.message;
    out.push(text((X.A + X.B) / 2, y + 27, msg, 'font-size="10" fill="#b91c1c" text-anchor="middle"'));
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
