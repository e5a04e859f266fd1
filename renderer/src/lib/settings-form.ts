/**
 * The Settings form: the node's settings as editable text, checked as they are typed against
 * the same bounds as the node's schema (core/api/settings.ts), and turned into the smallest
 * `updateSettings` change (only what differs from the settings in force).
 */
import type { SettingName, SettingsInfo, UpdateSettingsParams } from '../../../core/api/settings';
import { exactSize, formatBytes, formatCount, formatSize } from './format';

export interface SettingsDraft {
  alias: string;
  /** `host:port`, or empty: do not accept connections. */
  listen: string;
  /** Addresses to announce, separated by commas or spaces; empty: the listen address. */
  announceAddresses: string;
  ratePerSecond: string;
  burst: string;
  queueBytes: string;
  memoryCapBytes: string;
  perPeerMessages: string;
  perPeerBytes: string;
  totalBytes: string;
  expiryHours: string;
}

export type SettingsField = keyof SettingsDraft;

/** Bounds of the node's schema (`positive(max)`). */
export const LIMITS: Readonly<Record<Exclude<SettingsField, 'alias' | 'listen' | 'announceAddresses'>, { max: number; bytes: boolean; what: string }>> = {
  ratePerSecond: { max: 10_000, bytes: false, what: 'messages per second' },
  burst: { max: 100_000, bytes: false, what: 'messages' },
  queueBytes: { max: 1 << 30, bytes: true, what: 'bytes' },
  memoryCapBytes: { max: 1 << 30, bytes: true, what: 'bytes' },
  perPeerMessages: { max: 1_000_000, bytes: false, what: 'messages' },
  perPeerBytes: { max: 1 << 30, bytes: true, what: 'bytes' },
  totalBytes: { max: 1 << 30, bytes: true, what: 'bytes' },
  expiryHours: { max: 24 * 365, bytes: false, what: 'hours' },
};

/** BOLT 7 node_announcement: the alias is 32 bytes. */
export const MAX_ALIAS_BYTES = 32;

export function draftOf(s: SettingsInfo): SettingsDraft {
  return {
    alias: s.alias,
    listen: s.listen ?? '',
    announceAddresses: s.announceAddresses.join(', '),
    ratePerSecond: String(s.onion.ratePerSecond),
    burst: String(s.onion.burst),
    // Sizes in the unit that states them exactly (a value saved as "512 KiB" reads back so).
    queueBytes: sizeText(s.onion.queueBytes),
    memoryCapBytes: sizeText(s.onion.memoryCapBytes),
    perPeerMessages: String(s.mailbox.perPeerMessages),
    perPeerBytes: sizeText(s.mailbox.perPeerBytes),
    totalBytes: sizeText(s.mailbox.totalBytes),
    expiryHours: String(s.mailbox.expiryHours),
  };
}

/** A size as the form shows it: exact with a unit when possible, else the number of bytes. */
export function sizeText(bytes: number): string {
  return exactSize(bytes) ?? String(bytes);
}

/**
 * What a size typed in a field comes to, in the unit it was typed in: `512 KiB = 524,288 bytes`;
 * a bare number of bytes gets its exact unit (`524,288 bytes = 512 KiB`) or an SI approximation.
 */
export function sizeHint(text: string, bytes: number): string {
  const m = /^([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([a-zA-Z]+)$/.exec(text.trim());
  const unit = m ? UNIT_NAMES[m[2]!.toLowerCase()] : undefined;
  if (m && unit && unit !== 'B') return `${m[1]} ${unit} = ${formatCount(bytes)} bytes`;
  const exact = exactSize(bytes);
  if (bytes < 1000) return `${formatCount(bytes)} bytes`;
  return exact ? `${formatCount(bytes)} bytes = ${exact}` : `${formatCount(bytes)} bytes (about ${formatBytes(bytes)})`;
}

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, kb: 1000, kib: 1024, mb: 1e6, mib: 1 << 20, gb: 1e9, gib: 1 << 30 };
const UNIT_NAMES: Readonly<Record<string, string>> = { b: 'B', kb: 'kB', kib: 'KiB', mb: 'MB', mib: 'MiB', gb: 'GB', gib: 'GiB' };

/** A size as typed: `262144`, `256 KiB`, `1.5 MB`. */
export function parseSize(text: string): number | null {
  const m = /^([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  if (!m) return null;
  const unit = UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return null;
  const v = Number(m[1]!.replace(/[_,]/g, '')) * unit;
  return Number.isFinite(v) ? Math.round(v) : null;
}

export type FieldCheck = { readonly ok: true; readonly value: number; readonly hint: string } | { readonly ok: false; readonly reason: string };

export function checkLimit(field: Exclude<SettingsField, 'alias' | 'listen' | 'announceAddresses'>, text: string): FieldCheck {
  const { max, bytes, what } = LIMITS[field];
  if (text.trim() === '') return { ok: false, reason: 'Enter a number.' };
  const v = bytes ? parseSize(text) : /^[0-9][0-9_,]*$/.test(text.trim()) ? Number(text.trim().replace(/[_,]/g, '')) : null;
  if (v === null) return { ok: false, reason: bytes ? 'A size: 262144, 256 KiB or 8 MiB.' : 'A whole number.' };
  if (!Number.isInteger(v)) return { ok: false, reason: 'A whole number.' };
  if (v < 1) return { ok: false, reason: 'At least 1.' };
  if (v > max) return { ok: false, reason: `At most ${bytes ? formatSize(max) : formatCount(max)}.` };
  return { ok: true, value: v, hint: bytes ? sizeHint(text, v) : `${formatCount(v)} ${what}` };
}

export function checkAlias(text: string): FieldCheck {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_ALIAS_BYTES) return { ok: false, reason: `${bytes} bytes; an alias is at most ${MAX_ALIAS_BYTES} bytes of UTF-8.` };
  return { ok: true, value: bytes, hint: text === '' ? 'No alias: peers see only the node id.' : `${bytes} of ${MAX_ALIAS_BYTES} bytes.` };
}

/** `host:port` (a name, IPv4 or [IPv6]), or empty to stop listening. */
export function checkListen(text: string): FieldCheck {
  const t = text.trim();
  if (t === '') return { ok: true, value: 0, hint: 'Empty: the node does not accept connections (it still connects out).' };
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(t);
  if (!m) return { ok: false, reason: t.includes(':') ? 'HOST:PORT, e.g. 127.0.0.1:9735 or [::1]:9735.' : 'Add :port, e.g. 0.0.0.0:9735.' };
  const port = Number(m[2]);
  if (port > 65535) return { ok: false, reason: 'The port is between 0 and 65535 (0: any free port).' };
  return { ok: true, value: port, hint: port === 0 ? 'Port 0: the system picks a free port.' : `Accept peers on ${t}.` };
}

/** The node announces at most this many addresses (core/node/settings.ts MAX_ANNOUNCE_ADDRESSES). */
export const MAX_ANNOUNCE_ADDRESSES = 8;

/** The addresses typed in the announce field, in order. */
export function announceList(text: string): string[] {
  return text.split(/[\s,]+/).filter((a) => a !== '');
}

/**
 * Addresses to announce: each `host:port` (IPv4, [IPv6], a Tor v3 .onion or a DNS name); the node
 * checks each fully (an onion's checksum, one DNS name at most) and says which one is wrong.
 */
export function checkAnnounce(text: string, announcedNow: readonly string[]): FieldCheck {
  const list = announceList(text);
  if (list.length === 0) {
    return { ok: true, value: 0, hint: announcedNow.length > 0 ? `Empty: peers learn your listen address (${announcedNow.join(', ')}).` : 'Empty: your listen address is announced (none can be now).' };
  }
  if (list.length > MAX_ANNOUNCE_ADDRESSES) return { ok: false, reason: `At most ${MAX_ANNOUNCE_ADDRESSES} addresses.` };
  for (const a of list) {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(a);
    if (!m) return { ok: false, reason: `${a}: HOST:PORT, e.g. 203.0.113.5:9735, [2001:db8::1]:9735 or node.example.com:9735.` };
    const port = Number(m[2]);
    if (port < 1 || port > 65535) return { ok: false, reason: `${a}: the port is between 1 and 65535.` };
  }
  return { ok: true, value: list.length, hint: `Your node_announcement gives ${list.length === 1 ? 'this address' : `these ${list.length} addresses`} to the network (with a public channel).` };
}

export interface SettingsCheck {
  readonly fields: Readonly<Record<SettingsField, FieldCheck>>;
  /** Warnings that do not block saving. */
  readonly warnings: Partial<Record<SettingsField, string>>;
  /** The change to save (only what differs), or null when nothing changed or something is wrong. */
  readonly change: UpdateSettingsParams | null;
  readonly changed: readonly SettingName[];
  readonly valid: boolean;
}

export function checkSettings(d: SettingsDraft, current: SettingsInfo): SettingsCheck {
  const fields = {
    alias: checkAlias(d.alias),
    listen: checkListen(d.listen),
    announceAddresses: checkAnnounce(d.announceAddresses, current.announcedAddresses),
    ratePerSecond: checkLimit('ratePerSecond', d.ratePerSecond),
    burst: checkLimit('burst', d.burst),
    queueBytes: checkLimit('queueBytes', d.queueBytes),
    memoryCapBytes: checkLimit('memoryCapBytes', d.memoryCapBytes),
    perPeerMessages: checkLimit('perPeerMessages', d.perPeerMessages),
    perPeerBytes: checkLimit('perPeerBytes', d.perPeerBytes),
    totalBytes: checkLimit('totalBytes', d.totalBytes),
    expiryHours: checkLimit('expiryHours', d.expiryHours),
  } satisfies Record<SettingsField, FieldCheck>;
  const warnings: Partial<Record<SettingsField, string>> = {};
  const v = (f: SettingsField) => (fields[f].ok ? fields[f].value : null);
  if ((v('queueBytes') ?? 0) > (v('memoryCapBytes') ?? Infinity)) warnings.queueBytes = 'Larger than the memory cap: the cap is reached first.';
  if ((v('burst') ?? Infinity) < (v('ratePerSecond') ?? 0)) warnings.burst = 'Smaller than the rate: a peer can never send a full second’s worth at once.';
  if ((v('perPeerBytes') ?? 0) > (v('totalBytes') ?? Infinity)) warnings.perPeerBytes = 'Larger than the mailbox total: the total is reached first.';
  const valid = Object.values(fields).every((f) => f.ok);
  if (!valid) return { fields, warnings, change: null, changed: [], valid };

  const change: { -readonly [K in keyof UpdateSettingsParams]: UpdateSettingsParams[K] } = {};
  const changed: SettingName[] = [];
  if (d.alias !== current.alias) {
    change.alias = d.alias;
    changed.push('alias');
  }
  if (d.listen.trim() !== (current.listen ?? '')) {
    change.listen = d.listen.trim();
    changed.push('listen');
  }
  const announce = announceList(d.announceAddresses);
  if (announce.join(',') !== current.announceAddresses.join(',')) {
    change.announceAddresses = announce;
    changed.push('announceAddresses');
  }
  const onion: Record<string, number> = {};
  for (const k of ['ratePerSecond', 'burst', 'queueBytes', 'memoryCapBytes'] as const) if (v(k) !== current.onion[k]) onion[k] = v(k)!;
  if (Object.keys(onion).length > 0) {
    change.onion = onion;
    changed.push('onion');
  }
  const mailbox: Record<string, number> = {};
  for (const k of ['perPeerMessages', 'perPeerBytes', 'totalBytes', 'expiryHours'] as const) if (v(k) !== current.mailbox[k]) mailbox[k] = v(k)!;
  if (Object.keys(mailbox).length > 0) {
    change.mailbox = mailbox;
    changed.push('mailbox');
  }
  return { fields, warnings, change: changed.length > 0 ? change : null, changed, valid };
}

/** Which section a field belongs to (command-line options are given per section). */
export function sectionOf(field: SettingsField): SettingName {
  if (field === 'alias' || field === 'listen' || field === 'announceAddresses') return field;
  return field in { ratePerSecond: 1, burst: 1, queueBytes: 1, memoryCapBytes: 1 } ? 'onion' : 'mailbox';
}

/**
 * The draft after the node's settings changed under it (saved here or by another client): fields
 * the person did not touch follow the new settings; fields they edited keep their text.
 */
export function rebaseDraft(draft: SettingsDraft, oldBase: SettingsInfo, newBase: SettingsInfo): SettingsDraft {
  const before = draftOf(oldBase);
  const after = draftOf(newBase);
  const out = { ...draft };
  for (const k of Object.keys(out) as SettingsField[]) if (draft[k] === before[k]) out[k] = after[k];
  return out;
}

/** Words for the sections a save changed: `alias, onion-message limits`. */
export function changedText(changed: readonly SettingName[]): string {
  const words: Record<SettingName, string> = { alias: 'alias', listen: 'listen address', announceAddresses: 'announced addresses', onion: 'onion-message limits', mailbox: 'mailbox quotas', chain: 'chain source', feeUrl: 'fee source', channels: 'channel acceptance', async: 'async payments role', asyncReleaseWindow: 'async release window' };
  return changed.map((c) => words[c] ?? c).join(', ');
}
