/** Parses `glasswing daemon` options into a validated configuration (clear errors for bad input). */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { GlasswingError } from '../../core/errors';
import { NETWORKS, type Network, type SettingName } from '../../core/api';
import { parseCryptoBackendName, type CryptoBackendRequest } from '../../core/crypto';
import { MAX_ONION_MESSAGE_BUDGET, announceAddressesProblem, feePollMsProblem, mailboxQuotas, onionPolicy, type SavedSettings } from '../../core/node/settings';
import { NO_CHAIN, checkChainConfig, type ChainConfig, type ChainConfigInput } from '../../core/node/chain-config';
import { defaultDataDir } from '../datadir';
import { parseAsyncSettings, type AsyncSettings } from '../../core/node/async';
import { DAEMON_OPTIONS } from './flags';

export class ConfigError extends GlasswingError {}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Where a setting's value came from: the command line (it wins, is not saved, and a port that is
 * taken is an error), config.json (a taken port falls back to a free one for this run), or the
 * default (the port actually used is saved, so the next start reuses it).
 */
export type OptionSource = 'command-line' | 'saved' | 'default';

export interface DaemonOptions {
  readonly datadir: string;
  /** `--announce-addr`: addresses to announce instead of the listen address (checked), or undefined. */
  readonly announceAddresses: readonly string[] | undefined;
  /** Where to accept Lightning peers; null disables listening. */
  readonly listen: HostPort | null;
  readonly listenSource: OptionSource;
  /** API port on 127.0.0.1 (0 = pick a free one). With --ui it is the app's address, saved as `uiPort`. */
  readonly apiPort: number;
  readonly apiPortSource: OptionSource;
  readonly alias: string;
  readonly network: Network;
  /** --network given, else the network saved at the first start (config.json), else regtest. */
  readonly networkSource: OptionSource;
  /** The crypto backend asked for with --crypto (else GLASSWING_CRYPTO, else auto: core/crypto/select.ts). */
  readonly crypto: CryptoBackendRequest | undefined;
  /** Serve the browser UI (issue 8). */
  readonly ui: boolean;
  readonly passphrase: string | undefined;
  /** Settings given on the command line: they win over values saved in config.json. */
  readonly given: readonly SettingName[];
  /** Onion messenger limits given on the command line (unset ones keep their defaults). */
  readonly messenger: {
    readonly policy: {
      inboundPerSecond?: number; inboundBurst?: number; outboundQueueBytes?: number; memoryCapBytes?: number;
      nodeInboundPerSecond?: number; nodeInboundBurst?: number;
    };
    readonly mailbox: { perPeerMessages?: number; perPeerBytes?: number; totalBytes?: number; expiryMs?: number };
  };
  /** The chain source (`--chain`, checked; credentials stay here and are never printed). */
  readonly chain: ChainConfig;
  /** The chain flags as given (checked again once the network is known), or null. */
  readonly chainFlags: ChainConfigInput | null;
  /** `--chain-poll-ms`: time between chain polls (default: the node's, by network). */
  readonly chainPollMs: number | undefined;
  /** `--fee-url` (checked: http or https) and `--fee-poll-ms`; null: `--fee-url none`; undefined: config.json's. */
  readonly feeUrl: { readonly url: string; readonly pollMs?: number } | null | undefined;
  /** --gossip-flush-ms: time between gossip relays (default: core/gossip's 60 s). */
  readonly gossipFlushMs: number | undefined;
  /** `--restore-words-file F` (`--restore-birthday H`): restore the node from its 24 backup words into an empty data directory. */
  readonly restore: { readonly words: string; readonly birthday: number } | undefined;
  /** `--async-role`, `--async-lsp`, `--async-profile`, `--async-release-window-seconds`, `--async-server-paths` (checked; over config.json's `async`). */
  readonly async: Partial<AsyncSettings>;
}

/** How the chain flags are named in errors about them. */
export const CHAIN_FLAG_NAMES = { kind: '--chain', rpcUrl: '--rpc-url', rpcCookie: '--rpc-cookie', esploraUrl: '--esplora-url' } as const;
const CHAIN_SAVED_NAMES = { kind: 'chain.kind in config.json', rpcUrl: 'chain.rpcUrl in config.json', rpcCookie: 'chain.rpcCookie in config.json', esploraUrl: 'chain.esploraUrl in config.json' } as const;

/** A positive number option (integers unless `fraction`), or undefined when not given. */
function positive(v: string | undefined, flag: string, fraction = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (!fraction && !Number.isInteger(n))) {
    throw new ConfigError('config.bad_number', `${flag} must be a positive ${fraction ? 'number' : 'integer'}, got "${v}"`);
  }
  return n;
}

/**
 * `--onion-message-budget N/s` (or N): the node-wide onion-message budget (MessengerPolicy
 * nodeInboundPerSecond) with a burst of twice that, as the default's 50/s and 100.
 */
function onionBudget(v: string | undefined): { nodeInboundPerSecond?: number; nodeInboundBurst?: number } {
  if (v === undefined) return {};
  const n = positive(v.trim().replace(/\/s$/, ''), '--onion-message-budget', true);
  if (n === undefined || n > MAX_ONION_MESSAGE_BUDGET) {
    throw new ConfigError('config.bad_number', `--onion-message-budget must be a positive number of messages per second (at most ${MAX_ONION_MESSAGE_BUDGET}), e.g. 50/s; got "${v}"`);
  }
  return onionPolicy({ messageBudgetPerSecond: n });
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The async payments flags, checked as config.json's `async` is (core/node/async.ts). */
function asyncFlags(role: string | undefined, lsp: string | undefined, profile: string | undefined, releaseWindow: string | undefined, serverPaths: string | undefined): Partial<AsyncSettings> {
  if (releaseWindow !== undefined && !/^[0-9]{1,9}$/.test(releaseWindow)) throw new ConfigError('config.usage', '--async-release-window-seconds: whole seconds');
  try {
    return parseAsyncSettings(defined({
      role, lsp, profile, releaseWindowSeconds: releaseWindow === undefined ? undefined : Number(releaseWindow), serverPaths: serverPaths?.split(','),
    }), 'config.usage');
  } catch (e) {
    throw new ConfigError('config.usage', `--${(e as Error).message.replace(/^async\.releaseWindowSeconds/, 'async-release-window-seconds').replace(/^async\.serverPaths/, 'async-server-paths').replace(/^async\./, 'async-')}`);
  }
}

export const DEFAULT_LISTEN: HostPort = { host: '127.0.0.1', port: 9735 };

/**
 * Where a node with no saved listen address tries first: 127.0.0.1:9735, or GLASSWING_DEFAULT_LISTEN
 * (e.g. `127.0.0.1:0` for any free port). The address used is then saved for the next starts.
 */
export function defaultListen(env: NodeJS.ProcessEnv): HostPort {
  const v = env.GLASSWING_DEFAULT_LISTEN;
  return v ? parseHostPort(v, 'GLASSWING_DEFAULT_LISTEN') : DEFAULT_LISTEN;
}

export function parseHostPort(value: string, what: string): HostPort {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new ConfigError('config.bad_address', `${what}: expected HOST:PORT, got "${value}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export { DAEMON_OPTIONS } from './flags';

export function parseDaemonOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): DaemonOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(DAEMON_OPTIONS).map(([k, o]) => [k, { type: o.type }])) as { [K in keyof typeof DAEMON_OPTIONS]: { type: (typeof DAEMON_OPTIONS)[K]['type'] } },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new ConfigError('config.usage', e instanceof Error ? e.message : String(e));
  }
  const v = parsed.values;
  const network = (v.network ?? 'regtest') as Network;
  if (!NETWORKS.includes(network)) throw new ConfigError('config.bad_network', `--network must be one of ${NETWORKS.join(', ')}`);
  let crypto: CryptoBackendRequest | undefined;
  if (v.crypto !== undefined) {
    try {
      crypto = parseCryptoBackendName(v.crypto);
    } catch (e) {
      throw new ConfigError('config.bad_crypto', `--crypto: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const chainGiven = v.chain !== undefined || v['rpc-url'] !== undefined || v['rpc-cookie'] !== undefined || v['esplora-url'] !== undefined;
  const chainFlags = { kind: v.chain, rpcUrl: v['rpc-url'], rpcCookie: v['rpc-cookie'], esploraUrl: v['esplora-url'] };
  // Checked now for the network the flags say; again in withSavedSettings if config.json names another.
  const chain = chainGiven && (v.network !== undefined || v.chain !== 'esplora' || v['esplora-url'] !== undefined)
    ? checkChainConfig(chainFlags, network, 'config.bad_chain', CHAIN_FLAG_NAMES)
    : NO_CHAIN;
  const chainPollMs = positive(v['chain-poll-ms'], '--chain-poll-ms');
  const gossipFlushMs = positive(v['gossip-flush-ms'], '--gossip-flush-ms');
  const feePollMs = positive(v['fee-poll-ms'], '--fee-poll-ms');
  // The same bounds as the setting (FEE_POLL_MS: a second to a day): a service is not hammered.
  const feePollProblem = feePollMs === undefined ? null : feePollMsProblem(feePollMs);
  if (feePollProblem) throw new ConfigError('config.bad_number', `--fee-poll-ms must be ${feePollProblem}, got "${v['fee-poll-ms']}"`);
  if (feePollMs !== undefined && (v['fee-url'] === undefined || v['fee-url'] === 'none')) throw new ConfigError('config.usage', '--fee-poll-ms goes with --fee-url URL');
  let feeUrl: DaemonOptions['feeUrl'];
  // `--fee-url none`: the chain source's estimates this run, whatever config.json says.
  if (v['fee-url'] === 'none') feeUrl = null;
  else if (v['fee-url'] !== undefined) {
    let url: URL | null = null;
    try {
      url = new URL(v['fee-url']);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new ConfigError('config.bad_fee_url', '--fee-url must be an http or https URL');
    // fetch refuses a URL with credentials: such a service could never be polled.
    if (url.username || url.password) throw new ConfigError('config.bad_fee_url', '--fee-url must not carry a user name or password');
    feeUrl = { url: url.href, ...(feePollMs !== undefined ? { pollMs: feePollMs } : {}) };
  }
  let restore: DaemonOptions['restore'];
  if (v['restore-birthday'] !== undefined && v['restore-words-file'] === undefined) {
    throw new ConfigError('config.usage', '--restore-birthday goes with --restore-words-file');
  }
  if (v['restore-words-file'] !== undefined) {
    let words: string;
    try {
      words = readFileSync(v['restore-words-file'], 'utf8');
    } catch {
      throw new ConfigError('config.restore_words_file', `cannot read --restore-words-file ${v['restore-words-file']}`);
    }
    const b = v['restore-birthday'];
    const birthday = b === undefined ? 0 : Number(b);
    if (!Number.isSafeInteger(birthday) || birthday < 0 || b?.trim() === '') {
      throw new ConfigError('config.bad_number', `--restore-birthday must be a block height (0 or more), got "${b}"`);
    }
    restore = { words, birthday };
  }
  let apiPort = 0;
  if (v['api-port'] !== undefined) {
    apiPort = Number(v['api-port']);
    if (!Number.isInteger(apiPort) || apiPort < 0 || apiPort > 65535) throw new ConfigError('config.bad_port', '--api-port must be 0..65535');
  }
  const alias = v.alias ?? '';
  if (new TextEncoder().encode(alias).length > 32) throw new ConfigError('config.bad_alias', '--alias must be at most 32 bytes of UTF-8');
  let passphrase: string | undefined = env.GLASSWING_PASSPHRASE;
  if (v['passphrase-file']) {
    try {
      passphrase = readFileSync(v['passphrase-file'], 'utf8').replace(/\r?\n$/, '');
    } catch {
      throw new ConfigError('config.passphrase_file', `cannot read --passphrase-file ${v['passphrase-file']}`);
    }
  }
  const onionFlags = ['onion-rate', 'onion-burst', 'onion-message-budget', 'onion-queue-bytes', 'onion-memory-cap'] as const;
  const mailboxFlags = ['mailbox-peer-messages', 'mailbox-peer-bytes', 'mailbox-total-bytes', 'mailbox-expiry-hours'] as const;
  const given: SettingName[] = [];
  if (v.alias !== undefined) given.push('alias');
  if (v.listen !== undefined || v['no-listen']) given.push('listen');
  let announceAddresses: string[] | undefined;
  if (v['announce-addr'] !== undefined) {
    announceAddresses = v['announce-addr'].split(',').map((x) => x.trim()).filter(Boolean);
    const problem = announceAddressesProblem(announceAddresses);
    if (problem) throw new ConfigError('config.usage', `--announce-addr must be ${problem}`);
    given.push('announceAddresses');
  }
  if (v['fee-url'] !== undefined) given.push('feeUrl');
  if (onionFlags.some((f) => v[f] !== undefined)) given.push('onion');
  if (mailboxFlags.some((f) => v[f] !== undefined)) given.push('mailbox');
  if (chainGiven) given.push('chain');
  if (['async-role', 'async-lsp', 'async-profile', 'async-server-paths'].some((f) => v[f as keyof typeof v] !== undefined)) given.push('async');
  // The release window is its own setting (live in Settings): the flag wins over it without touching the role's.
  if (v['async-release-window-seconds'] !== undefined) given.push('asyncReleaseWindow');
  return {
    given,
    chainFlags: chainGiven ? chainFlags : null,
    chain,
    chainPollMs,
    feeUrl,
    gossipFlushMs,
    restore,
    announceAddresses,
    datadir: v.datadir ?? defaultDataDir(env),
    listen: v['no-listen'] ? null : v.listen ? parseHostPort(v.listen, '--listen') : defaultListen(env),
    listenSource: v.listen !== undefined || v['no-listen'] ? 'command-line' : 'default',
    apiPort,
    apiPortSource: v['api-port'] !== undefined ? 'command-line' : 'default',
    alias,
    network,
    networkSource: v.network !== undefined ? 'command-line' : 'default',
    crypto,
    ui: v.ui ?? false,
    passphrase,
    async: asyncFlags(v['async-role'], v['async-lsp'], v['async-profile'], v['async-release-window-seconds'], v['async-server-paths']),
    messenger: {
      policy: defined({
        inboundPerSecond: positive(v['onion-rate'], '--onion-rate', true),
        inboundBurst: positive(v['onion-burst'], '--onion-burst'),
        ...onionBudget(v['onion-message-budget']),
        outboundQueueBytes: positive(v['onion-queue-bytes'], '--onion-queue-bytes'),
        memoryCapBytes: positive(v['onion-memory-cap'], '--onion-memory-cap'),
      }),
      mailbox: defined({
        perPeerMessages: positive(v['mailbox-peer-messages'], '--mailbox-peer-messages'),
        perPeerBytes: positive(v['mailbox-peer-bytes'], '--mailbox-peer-bytes'),
        totalBytes: positive(v['mailbox-total-bytes'], '--mailbox-total-bytes'),
        expiryMs: ((h) => (h === undefined ? undefined : Math.round(h * 3_600_000)))(positive(v['mailbox-expiry-hours'], '--mailbox-expiry-hours', true)),
      }),
    },
  };
}

/**
 * The settings a run uses: command-line options win, then what the user saved (config.json),
 * then the defaults. Limits merge field by field.
 */
export function withSavedSettings(opts: DaemonOptions, saved: SavedSettings): DaemonOptions {
  const given = new Set(opts.given);
  let { listen, listenSource, apiPort, apiPortSource, network, networkSource } = opts;
  if (!given.has('listen') && saved.listen !== undefined) {
    listen = saved.listen === '' ? null : parseHostPort(saved.listen, 'listen in config.json');
    listenSource = 'saved';
  }
  // The app's address (browser mode) stays the same from one start to the next.
  if (opts.ui && apiPortSource !== 'command-line' && saved.uiPort !== undefined) {
    apiPort = saved.uiPort;
    apiPortSource = 'saved';
  }
  if (networkSource !== 'command-line' && saved.network !== undefined) {
    network = saved.network;
    networkSource = 'saved';
  }
  let chain = opts.chain;
  if (opts.chainFlags) chain = checkChainConfig(opts.chainFlags, network, 'config.bad_chain', CHAIN_FLAG_NAMES);
  else if (saved.chain !== undefined) chain = checkChainConfig(saved.chain, network, 'config.bad_chain', CHAIN_SAVED_NAMES);
  return {
    ...opts,
    chain,
    alias: given.has('alias') || saved.alias === undefined ? opts.alias : saved.alias,
    listen,
    listenSource,
    apiPort,
    apiPortSource,
    network,
    networkSource,
    messenger: {
      policy: { ...onionPolicy(saved.onion), ...opts.messenger.policy },
      mailbox: { ...mailboxQuotas(saved.mailbox), ...opts.messenger.mailbox },
    },
  };
}

