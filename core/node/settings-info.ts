/**
 * Node settings the user can change while the node runs (the desktop app's Settings page), as
 * plain data. They are saved in DATADIR/config.json (settings.ts); options given on the command
 * line win over saved values. Re-exported by core/api.
 */
import type { ChainSourceChoice } from './chain-config';
import type { Network } from './types';
import type { AsyncSettings } from './async';

/**
 * The bounds of the async release window (`releaseWindowSeconds`: config.json, `updateSettings`,
 * `--async-release-window-seconds`): ten seconds to a week; 24 h when nothing sets it (the holder's
 * and the payer's default). Here, in a module without code imports, so the API schema and the app share it.
 */
export const RELEASE_WINDOW_SECONDS = { min: 10, max: 7 * 24 * 3600, default: 24 * 3600 } as const;

export interface OnionLimitsInfo {
  /** Onion messages accepted per second from one peer (token bucket refill). */
  readonly ratePerSecond: number;
  /** Burst a peer may send at once (token bucket size). */
  readonly burst: number;
  /** Bytes of onion messages queued for one peer before more are dropped. */
  readonly queueBytes: number;
  /** Bytes of onion messages held in memory for all peers together. */
  readonly memoryCapBytes: number;
  /**
   * The node-wide budget: onion messages accepted per second from all peers together (daemon
   * `--onion-message-budget N/s`, config.json `onion.messageBudgetPerSecond`; its burst is twice
   * this). The node applies at least `ratePerSecond`.
   */
  readonly messageBudgetPerSecond: number;
}

export interface MailboxLimitsInfo {
  readonly perPeerMessages: number;
  readonly perPeerBytes: number;
  readonly totalBytes: number;
  /** How long a stored message is kept, in hours. */
  readonly expiryHours: number;
}

/**
 * What this node accepts of a peer's open_channel and asks of channels (BOLT 2 establishment): the
 * acceptance policy's main knobs and the peers trusted to open zero-conf channels to us.
 */
export interface ChannelSettingsInfo {
  /** Smallest and largest channel a peer may open to us (sat, decimal). */
  readonly minFundingSat: string;
  readonly maxFundingSat: string;
  /** Longest to_self_delay a peer may impose on our funds after our force close (blocks). */
  readonly maxToSelfDelay: number;
  /** The to_self_delay we ask of the peer (blocks). */
  readonly toSelfDelay: number;
  /** Confirmations of the funding before channel_ready, when the peer funds it. */
  readonly minimumDepth: number;
  /** Node ids allowed to open zero-conf channels to us (only they: an unconfirmed funding can be double spent). */
  readonly trustedZeroconfPeers: readonly string[];
}

/** `async`: the role, LSP, profile or description; `asyncReleaseWindow`: the release window (`--async-release-window-seconds`). */
export type SettingName = 'alias' | 'listen' | 'announceAddresses' | 'onion' | 'mailbox' | 'chain' | 'feeUrl' | 'channels' | 'async' | 'asyncReleaseWindow';

export interface SettingsInfo {
  readonly alias: string;
  /** "host:port" the node accepts peers on, or null when it does not listen. */
  readonly listen: string | null;
  /** Addresses set to announce (empty: the listen address is announced). */
  readonly announceAddresses: readonly string[];
  /** What our node_announcement gives now (BOLT 7 order), whether or not we have a public channel to announce it with. */
  readonly announcedAddresses: readonly string[];
  readonly network: Network;
  readonly datadir: string;
  readonly onion: OnionLimitsInfo;
  readonly mailbox: MailboxLimitsInfo;
  /** Settings given on the command line for this run: they also win over saved values at the next start. */
  readonly fromCommandLine: readonly SettingName[];
  /** Where changes are saved. */
  readonly configFile: string;
  readonly chain: ChainSettingsInfo;
  /** Where fee estimates come from: a fee service, or (url null) the chain source; a change takes effect at restart. */
  readonly fee: FeeSourceSettingsInfo;
  readonly channels: ChannelSettingsInfo;
  /** The async payments role in force, and the one saved for the next start when it differs (a change takes effect at restart). */
  readonly async: AsyncSettingsInfo;
}

/**
 * The async payments settings in force (core/node/async.ts) and, when config.json names another
 * role, LSP, profile or description that the command line does not override, `next`.
 */
export interface AsyncSettingsInfo extends AsyncSettings {
  /** The release window in force (seconds, 10 to 604,800; 86,400 when nothing sets it). */
  readonly releaseWindowSeconds: number;
  /**
   * Where it comes from: `command-line` (`--async-release-window-seconds`, which wins over the saved
   * value, at the next start too), `saved` (config.json, Settings), or `default`.
   */
  readonly releaseWindowSource: 'command-line' | 'saved' | 'default';
  readonly next: AsyncSettings | null;
}

/**
 * A change to the async payments settings, saved in config.json. The role, LSP, profile and
 * description are taken at the next start; the release window at once (unless the command line
 * sets it), for HTLCs held and payments begun from then on. `lsp` "" removes the LSP.
 */
export interface AsyncSettingChange {
  readonly role?: AsyncSettings['role'];
  readonly lsp?: string;
  readonly profile?: AsyncSettings['profile'];
  readonly description?: string;
  /** Seconds, 10 to 604,800 (a week). */
  readonly releaseWindowSeconds?: number;
}

/** A fee service as Settings shows it (never with credentials in its URL). */
export interface FeeSourceSetting {
  /** LND `fee.url`-style service, or null: the chain source's estimates. */
  readonly url: string | null;
  /** Time between its polls (ms); null without a service. */
  readonly pollMs: number | null;
}

/** The fee source in use, and the one saved for the next start when it differs. */
export interface FeeSourceSettingsInfo extends FeeSourceSetting {
  readonly next: FeeSourceSetting | null;
}

/** A chain source as Settings shows it: never with credentials. */
export interface ChainSourceSetting {
  readonly kind: ChainSourceChoice;
  /** Without credentials; null for `none`. */
  readonly endpoint: string | null;
  readonly rpcCookie: string | null;
}

/** The chain source in use, and the one saved for the next start when it differs (a change takes effect at restart). */
export interface ChainSettingsInfo extends ChainSourceSetting {
  /** Saved in config.json but not in use yet: the node takes it at its next start. */
  readonly next: ChainSourceSetting | null;
}

/** A new chain source (saved in config.json; taken at the next start). */
export type ChainSettingChange =
  | { readonly kind: 'none' }
  | { readonly kind: 'bitcoind-rpc'; readonly rpcUrl: string; readonly rpcCookie?: string }
  | { readonly kind: 'esplora'; readonly esploraUrl?: string };

export interface UpdateSettingsParams {
  readonly alias?: string;
  /** "host:port", or "" to stop listening. */
  readonly listen?: string;
  /** Replaces the addresses to announce ([] announces the listen address again); applied within seconds. */
  readonly announceAddresses?: readonly string[];
  readonly onion?: Partial<OnionLimitsInfo>;
  readonly mailbox?: Partial<MailboxLimitsInfo>;
  /** Saved for the next start (the running source is not switched). */
  readonly chain?: ChainSettingChange;
  /** Fee estimates from this http(s) service (LND's `fee.url` answer), or "" for the chain source's; saved for the next start. */
  readonly feeUrl?: string;
  /** Time between the fee service's polls (ms, 1,000 to 86,400,000); saved for the next start. */
  readonly feePollMs?: number;
  /** Taken at once for the next openings. */
  readonly channels?: Partial<ChannelSettingsInfo>;
  /** The role, LSP, profile and description saved for the next start (the role's cores are built when the node opens); the release window applied at once. */
  readonly async?: AsyncSettingChange;
}

export type SettingsEventBody = { readonly type: 'node.settings_changed'; readonly settings: SettingsInfo; readonly changed: readonly SettingName[] };
