/**
 * Node settings the user can change while the node runs (the desktop app's Settings page), as
 * plain data. They are saved in DATADIR/config.json (settings.ts); options given on the command
 * line win over saved values. Re-exported by core/api.
 */
import type { ChainSourceChoice } from './chain-config';
import type { Network } from './types';
import type { AsyncSettings } from './async';

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

export type SettingName = 'alias' | 'listen' | 'announceAddresses' | 'onion' | 'mailbox' | 'chain' | 'feeUrl' | 'channels' | 'async';

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

/** The async payments settings in force (core/node/async.ts) and, when config.json names others the command line does not override, `next`. */
export interface AsyncSettingsInfo extends AsyncSettings {
  readonly next: AsyncSettings | null;
}

/** A change to the async payments settings (saved in config.json; taken at the next start). `lsp` "" removes the LSP. */
export interface AsyncSettingChange {
  readonly role?: AsyncSettings['role'];
  readonly lsp?: string;
  readonly profile?: AsyncSettings['profile'];
  readonly description?: string;
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
  /** Saved for the next start (the role's cores are built when the node opens). */
  readonly async?: AsyncSettingChange;
}

export type SettingsEventBody = { readonly type: 'node.settings_changed'; readonly settings: SettingsInfo; readonly changed: readonly SettingName[] };
