/**
 * Node settings the user can change while the node runs (the desktop app's Settings page). They
 * are saved in DATADIR/config.json; options given on the command line win over saved values.
 */
import { s, type Schema } from './schema';
import type { Network } from './types';

export interface OnionLimitsInfo {
  /** Onion messages accepted per second from one peer (token bucket refill). */
  readonly ratePerSecond: number;
  /** Burst a peer may send at once (token bucket size). */
  readonly burst: number;
  /** Bytes of onion messages queued for one peer before more are dropped. */
  readonly queueBytes: number;
  /** Bytes of onion messages held in memory for all peers together. */
  readonly memoryCapBytes: number;
}

export interface MailboxLimitsInfo {
  readonly perPeerMessages: number;
  readonly perPeerBytes: number;
  readonly totalBytes: number;
  /** How long a stored message is kept, in hours. */
  readonly expiryHours: number;
}

export type SettingName = 'alias' | 'listen' | 'onion' | 'mailbox';

export interface SettingsInfo {
  readonly alias: string;
  /** "host:port" the node accepts peers on, or null when it does not listen. */
  readonly listen: string | null;
  readonly network: Network;
  readonly datadir: string;
  readonly onion: OnionLimitsInfo;
  readonly mailbox: MailboxLimitsInfo;
  /** Settings given on the command line for this run: they also win over saved values at the next start. */
  readonly fromCommandLine: readonly SettingName[];
  /** Where changes are saved. */
  readonly configFile: string;
}

export interface UpdateSettingsParams {
  readonly alias?: string;
  /** "host:port", or "" to stop listening. */
  readonly listen?: string;
  readonly onion?: Partial<OnionLimitsInfo>;
  readonly mailbox?: Partial<MailboxLimitsInfo>;
}

export interface SettingsMethods {
  getSettings: { params: Record<string, never>; result: SettingsInfo };
  /** Applies the changes at once and saves them; returns the settings now in force. */
  updateSettings: { params: UpdateSettingsParams; result: SettingsInfo };
}

export type SettingsEventBody = { readonly type: 'node.settings_changed'; readonly settings: SettingsInfo; readonly changed: readonly SettingName[] };

const positive = (max: number): Schema => s.integer({ min: 1, max });

export const SETTINGS_METHOD_SCHEMAS: { readonly [M in keyof SettingsMethods]: Schema } = {
  getSettings: s.object({}),
  updateSettings: s.object(
    {
      alias: s.string({ maxLength: 32, describe: 'at most 32 characters' }),
      listen: s.string({ pattern: /^$|^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/, maxLength: 300, describe: 'HOST:PORT, or empty to stop listening' }),
      onion: s.object({ ratePerSecond: positive(10_000), burst: positive(100_000), queueBytes: positive(1 << 30), memoryCapBytes: positive(1 << 30) },
        ['ratePerSecond', 'burst', 'queueBytes', 'memoryCapBytes']),
      mailbox: s.object({ perPeerMessages: positive(1_000_000), perPeerBytes: positive(1 << 30), totalBytes: positive(1 << 30), expiryHours: positive(24 * 365) },
        ['perPeerMessages', 'perPeerBytes', 'totalBytes', 'expiryHours']),
    },
    ['alias', 'listen', 'onion', 'mailbox'],
  ),
};
