/**
 * Settings saved in DATADIR/config.json: what the user changed in the app (alias, listen address,
 * onion-message limits, mailbox quotas), what a host chose at the first start so the node stays
 * itself (the listen address and the app's port it picked, the network), and whether the first-run
 * sandbox network starts. Hosts merge them under their command-line options (which win) when they
 * open the node.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GlasswingError } from '../errors';
import type { ChannelSettingsInfo, MailboxLimitsInfo, OnionLimitsInfo } from './settings-info';
import type { AcceptancePolicy, LocalChannelDefaults } from '../channel/establish';
import { NETWORKS, type Network } from './types';
import type { MailboxQuotas, MessengerPolicy } from '../messenger';
import { forwardingProblem } from './forwarding';
import { parseAddressDescriptor, type AddressDescriptor } from '../wire';

export const CONFIG_FILE = 'config.json';

export class SettingsError extends GlasswingError {}

export interface SavedSettings {
  readonly alias?: string;
  /** "host:port", or "" for not listening. */
  readonly listen?: string;
  readonly onion?: Partial<OnionLimitsInfo>;
  readonly mailbox?: Partial<MailboxLimitsInfo>;
  /** `npm start` starts the sandbox network unless this is false. */
  readonly sandbox?: boolean;
  /** The chain this data directory's node runs on (saved at its first start; `--network` wins). */
  readonly network?: Network;
  /** The port of the app in browser mode (`glasswing daemon --ui`), chosen at its first start. */
  readonly uiPort?: number;
  /**
   * The chain source when the command line does not say: `{ "kind": "bitcoind-rpc", "rpcUrl":
   * "http://USER:PASS@HOST:PORT" }` (or with `"rpcCookie": FILE`), `{ "kind": "esplora",
   * "esploraUrl": URL }`, `{ "kind": "none" }`. The file is private to the user (0600): it may hold
   * RPC credentials.
   */
  readonly chain?: { readonly kind: string; readonly rpcUrl?: string; readonly rpcCookie?: string; readonly esploraUrl?: string };
  /** What the node accepts of channel openings (ChannelSettingsInfo); taken at start and changed at once. */
  readonly channels?: Partial<ChannelSettingsInfo>;
  /** Our forwarding policy (fee base and rate as decimal strings, CLTV delta): core/node/forwarding.ts. */
  readonly forwarding?: { readonly feeBaseMsat?: string; readonly feeProportionalMillionths?: string; readonly cltvExpiryDelta?: number };
  /** Async payments: `{ "role": "lsp" | "recipient" | "payer" | "none", "lsp": "NODEID@HOST:PORT", "profile": "ldk" | "bolts1149" }` (core/node/async.ts). */
  readonly async?: Record<string, unknown>;
  /** Addresses our node_announcement gives instead of the listen address ("HOST:PORT" each: IPv4, [IPv6], Tor v3 .onion, DNS name). */
  readonly announceAddresses?: readonly string[];
  /**
   * Fee estimates from this web service (LND's `fee.url` answer) instead of the chain source; absent or
   * null: the chain source's. Taken at start; the daemon's `--fee-url` wins.
   */
  readonly feeUrl?: string | null;
  /** Time between the fee service's polls (ms, FEE_POLL_MS bounds; default 300,000). */
  readonly feePollMs?: number;
}

/** Keys replaced whole when saved (not merged field by field). */
const REPLACED_KEYS = new Set(['chain']);

/** Reads DATADIR/config.json; a missing file is no settings, a malformed one a clear error. */
export function readSavedSettings(datadir: string): SavedSettings {
  const path = join(datadir, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SettingsError('settings.unreadable', `cannot read ${path}: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new SettingsError('settings.malformed', `${path} is not valid JSON: fix or delete it`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new SettingsError('settings.malformed', `${path} must hold a JSON object`);
  const o = v as Record<string, unknown>;
  const bad = (field: string, want: string): never => {
    throw new SettingsError('settings.malformed', `${path}: "${field}" must be ${want}`);
  };
  if (o.alias !== undefined && typeof o.alias !== 'string') bad('alias', 'a string');
  if (o.listen !== undefined && typeof o.listen !== 'string') bad('listen', 'a "host:port" string');
  if (o.announceAddresses !== undefined) {
    const problem = announceAddressesProblem(o.announceAddresses);
    if (problem) bad('announceAddresses', problem);
  }
  if (o.feeUrl !== undefined && o.feeUrl !== null) {
    const problem = feeUrlProblem(o.feeUrl);
    if (problem) bad('feeUrl', `${problem}, or null for none`);
  }
  if (o.feePollMs !== undefined) {
    const problem = feePollMsProblem(o.feePollMs);
    if (problem) bad('feePollMs', problem);
  }
  if (o.sandbox !== undefined && typeof o.sandbox !== 'boolean') bad('sandbox', 'true or false');
  if (o.network !== undefined && !(NETWORKS as readonly unknown[]).includes(o.network)) bad('network', `one of ${NETWORKS.join(', ')}`);
  if (o.uiPort !== undefined && !(Number.isInteger(o.uiPort) && (o.uiPort as number) > 0 && (o.uiPort as number) <= 65535)) bad('uiPort', 'a port number (1..65535)');
  if (o.chain !== undefined) {
    const c = o.chain as Record<string, unknown> | null;
    if (c === null || typeof c !== 'object' || Array.isArray(c)) bad('chain', 'an object such as { "kind": "esplora", "esploraUrl": "https://…" }');
    for (const [k, v] of Object.entries(c!)) {
      if (!['kind', 'rpcUrl', 'rpcCookie', 'esploraUrl'].includes(k)) bad(`chain.${k}`, 'absent (chain takes kind, rpcUrl, rpcCookie, esploraUrl)');
      if (typeof v !== 'string') bad(`chain.${k}`, 'a string');
    }
  }
  if (o.channels !== undefined) {
    const problem = channelSettingsProblem(o.channels);
    if (problem) bad(`channels.${problem.field}`, problem.want);
  }
  if (o.forwarding !== undefined) {
    const problem = forwardingProblem(o.forwarding);
    if (problem) bad(problem.field ? `forwarding.${problem.field}` : 'forwarding', problem.want);
  }
  for (const group of ['onion', 'mailbox'] as const) {
    const g = o[group];
    if (g === undefined) continue;
    if (g === null || typeof g !== 'object') bad(group, 'an object');
    for (const [k, n] of Object.entries(g as Record<string, unknown>)) {
      if (typeof n !== 'number' || !(n > 0)) bad(`${group}.${k}`, 'a positive number');
      if (group === 'onion' && k === 'messageBudgetPerSecond' && (n as number) > MAX_ONION_MESSAGE_BUDGET) bad(`${group}.${k}`, `at most ${MAX_ONION_MESSAGE_BUDGET}`);
    }
  }
  return o as SavedSettings;
}

/** Merges `change` into DATADIR/config.json (other keys kept; objects merged field by field, lists replaced), atomically, mode 0600. */
export function saveSettings(datadir: string, change: SavedSettings): void {
  const current = readSavedSettings(datadir) as Record<string, unknown>;
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) continue;
    next[k] = v !== null && typeof v === 'object' && !Array.isArray(v) && !REPLACED_KEYS.has(k) ? { ...(current[k] as object | undefined), ...v } : v;
  }
  const path = join(datadir, CONFIG_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(next, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** The most the node-wide onion-message budget may be set to (messages per second). */
export const MAX_ONION_MESSAGE_BUDGET = 1_000_000;

/** Onion limits (settings) as messenger policy fields. */
export function onionPolicy(o: Partial<OnionLimitsInfo> | undefined): Partial<MessengerPolicy> {
  if (!o) return {};
  return {
    ...(o.ratePerSecond !== undefined ? { inboundPerSecond: o.ratePerSecond } : {}),
    ...(o.burst !== undefined ? { inboundBurst: o.burst } : {}),
    ...(o.queueBytes !== undefined ? { outboundQueueBytes: o.queueBytes } : {}),
    ...(o.memoryCapBytes !== undefined ? { memoryCapBytes: o.memoryCapBytes } : {}),
    // The node-wide bucket's burst is twice its rate, as the defaults' 50/s and 100.
    ...(o.messageBudgetPerSecond !== undefined
      ? { nodeInboundPerSecond: o.messageBudgetPerSecond, nodeInboundBurst: Math.max(1, Math.ceil(2 * o.messageBudgetPerSecond)) }
      : {}),
  };
}

export function onionLimits(p: MessengerPolicy): OnionLimitsInfo {
  return {
    ratePerSecond: p.inboundPerSecond, burst: p.inboundBurst, queueBytes: p.outboundQueueBytes, memoryCapBytes: p.memoryCapBytes,
    // What the messenger applies: never below one peer's rate (core/messenger nodeBucket).
    messageBudgetPerSecond: Math.max(p.nodeInboundPerSecond, p.inboundPerSecond),
  };
}

/** Mailbox limits (settings) as mailbox quota fields. */
export function mailboxQuotas(m: Partial<MailboxLimitsInfo> | undefined): Partial<MailboxQuotas> {
  if (!m) return {};
  return {
    ...(m.perPeerMessages !== undefined ? { perPeerMessages: m.perPeerMessages } : {}),
    ...(m.perPeerBytes !== undefined ? { perPeerBytes: m.perPeerBytes } : {}),
    ...(m.totalBytes !== undefined ? { totalBytes: m.totalBytes } : {}),
    ...(m.expiryHours !== undefined ? { expiryMs: Math.round(m.expiryHours * 3_600_000) } : {}),
  };
}

export function mailboxLimits(q: MailboxQuotas): MailboxLimitsInfo {
  return { perPeerMessages: q.perPeerMessages, perPeerBytes: q.perPeerBytes, totalBytes: q.totalBytes, expiryHours: q.expiryMs / 3_600_000 };
}

const SAT = /^(0|[1-9][0-9]{0,15})$/;
const NODE_ID = /^0[23][0-9a-f]{64}$/;

/** What is wrong with a channels settings object (config.json or updateSettings), or null. */
export function channelSettingsProblem(v: unknown): { field: string; want: string } | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { field: '', want: 'an object' };
  const o = v as Record<string, unknown>;
  for (const [k, x] of Object.entries(o)) {
    switch (k) {
      case 'minFundingSat':
      case 'maxFundingSat':
        if (typeof x !== 'string' || !SAT.test(x)) return { field: k, want: 'a whole number of sat as a string' };
        break;
      case 'maxToSelfDelay':
      case 'toSelfDelay':
        if (!Number.isInteger(x) || (x as number) < 1 || (x as number) > 0xffff) return { field: k, want: 'a number of blocks from 1 to 65535' };
        break;
      case 'minimumDepth':
        if (!Number.isInteger(x) || (x as number) < 1 || (x as number) > 144) return { field: k, want: 'a number of blocks from 1 to 144' };
        break;
      case 'trustedZeroconfPeers':
        if (!Array.isArray(x) || x.length > 1000 || x.some((id) => typeof id !== 'string' || !NODE_ID.test(id))) return { field: k, want: 'a list of node ids (66 lowercase hex characters)' };
        break;
      default:
        return { field: k, want: 'absent (channels takes minFundingSat, maxFundingSat, maxToSelfDelay, toSelfDelay, minimumDepth, trustedZeroconfPeers)' };
    }
  }
  if (typeof o.minFundingSat === 'string' && typeof o.maxFundingSat === 'string' && BigInt(o.minFundingSat) > BigInt(o.maxFundingSat)) {
    return { field: 'minFundingSat', want: 'at most maxFundingSat' };
  }
  return null;
}

/** Saved channel settings as the channel service's acceptance policy and opening defaults. */
export function channelPolicy(c: Partial<ChannelSettingsInfo> | undefined): { acceptance: Partial<AcceptancePolicy>; defaults: Partial<LocalChannelDefaults> } {
  if (!c) return { acceptance: {}, defaults: {} };
  return {
    acceptance: {
      ...(c.minFundingSat !== undefined ? { minFundingSat: BigInt(c.minFundingSat) } : {}),
      ...(c.maxFundingSat !== undefined ? { maxFundingSat: BigInt(c.maxFundingSat) } : {}),
      ...(c.maxToSelfDelay !== undefined ? { maxToSelfDelay: c.maxToSelfDelay } : {}),
      ...(c.trustedZeroconfPeers !== undefined ? { trustedZeroconfPeers: [...c.trustedZeroconfPeers] } : {}),
    },
    defaults: {
      ...(c.toSelfDelay !== undefined ? { toSelfDelay: c.toSelfDelay } : {}),
      ...(c.minimumDepth !== undefined ? { minimumDepth: c.minimumDepth } : {}),
    },
  };
}

/** At most this many addresses are announced (BOLT 7 sets no number; a node_announcement stays small). */
export const MAX_ANNOUNCE_ADDRESSES = 8;

/** What is wrong with a list of addresses to announce (config.json or updateSettings), or null. */
export function announceAddressesProblem(v: unknown): string | null {
  if (!Array.isArray(v) || v.length > MAX_ANNOUNCE_ADDRESSES || v.some((x) => typeof x !== 'string')) return `a list of at most ${MAX_ANNOUNCE_ADDRESSES} "HOST:PORT" strings`;
  let dns = 0;
  for (const [i, text] of (v as string[]).entries()) {
    try {
      if (parseAddressDescriptor(text).kind === 'dns') dns++;
    } catch (e) {
      return `a list of addresses: [${i}] ${(e as Error).message}`;
    }
  }
  if (dns > 1) return 'a list with at most one DNS name (BOLT 7: "MUST NOT announce more than one type 5 DNS hostname")';
  return null;
}

/** Addresses to announce, checked (announceAddressesProblem first). */
export function announceAddresses(v: readonly string[] | undefined): AddressDescriptor[] {
  return (v ?? []).map(parseAddressDescriptor);
}

/** The fee service's poll interval (ms): at least a second (a service is not hammered), at most a day. */
export const FEE_POLL_MS = { min: 1_000, max: 86_400_000, default: 300_000 } as const;

/** What is wrong with a fee service URL (config.json or updateSettings), or null. */
export function feeUrlProblem(v: unknown): string | null {
  const want = 'an http or https URL (at most 2048 characters)';
  if (typeof v !== 'string' || v.length > 2048) return want;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return want;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return want;
  // fetch refuses a URL that carries credentials: such a service could never be polled.
  if (url.username || url.password) return `${want} without a user name or password`;
  return null;
}

/** What is wrong with a fee service poll interval, or null. */
export function feePollMsProblem(v: unknown): string | null {
  if (!Number.isSafeInteger(v) || (v as number) < FEE_POLL_MS.min || (v as number) > FEE_POLL_MS.max) {
    return `a whole number of milliseconds from ${FEE_POLL_MS.min} to ${FEE_POLL_MS.max}`;
  }
  return null;
}

/** A fee service and its poll interval (ms; FEE_POLL_MS.default when not given). */
export interface FeeSourceConfig {
  readonly url: string;
  readonly pollMs?: number;
}

/** The fee service config.json names (checked by readSavedSettings), or null for the chain source's estimates. */
export function savedFeeSource(saved: SavedSettings): FeeSourceConfig | null {
  if (typeof saved.feeUrl !== 'string') return null;
  return { url: new URL(saved.feeUrl).href, ...(saved.feePollMs !== undefined ? { pollMs: saved.feePollMs } : {}) };
}

/**
 * The fee service a node uses, at start and again whenever config.json changes: the host's
 * (`--fee-url URL`, or null for `--fee-url none`) when it gave one — the command line wins for the
 * run —, else what config.json names (undefined from the host).
 */
export function feeSourceInForce(fromHost: FeeSourceConfig | null | undefined, saved: SavedSettings): FeeSourceConfig | null {
  return fromHost !== undefined ? fromHost : savedFeeSource(saved);
}

/** Whether two fee sources poll the same service at the same interval. */
export function sameFeeSource(a: FeeSourceConfig | null, b: FeeSourceConfig | null): boolean {
  if (!a || !b) return a === b;
  return a.url === b.url && (a.pollMs ?? FEE_POLL_MS.default) === (b.pollMs ?? FEE_POLL_MS.default);
}

/** A URL as settings, logs and events show it: without user name or password. */
export function withoutCredentials(href: string): string {
  const url = new URL(href);
  url.username = '';
  url.password = '';
  return url.href;
}
