/**
 * The settings methods of the NodeApi and their parameter schemas. The settings data is
 * core/node's (settings-info.ts), re-exported here.
 */
import { s, type Schema } from './schema';
import type { SettingsInfo, UpdateSettingsParams } from '../node/settings-info';
import { RELEASE_WINDOW_SECONDS } from '../node/settings-info';

export type {
  AsyncSettingChange, AsyncSettingsInfo, ChainSettingChange, FeeSourceSetting, FeeSourceSettingsInfo, ChainSettingsInfo, ChannelSettingsInfo, ChainSourceSetting, MailboxLimitsInfo, OnionLimitsInfo, SettingName, SettingsEventBody, SettingsInfo, UpdateSettingsParams,
} from '../node/settings-info';
export { RELEASE_WINDOW_SECONDS } from '../node/settings-info';

export interface SettingsMethods {
  getSettings: { params: Record<string, never>; result: SettingsInfo };
  /** Applies the changes at once and saves them; returns the settings now in force. */
  updateSettings: { params: UpdateSettingsParams; result: SettingsInfo };
}

const positive = (max: number): Schema => s.integer({ min: 1, max });

export const SETTINGS_METHOD_SCHEMAS: { readonly [M in keyof SettingsMethods]: Schema } = {
  getSettings: s.object({}),
  updateSettings: s.object(
    {
      alias: s.string({ maxLength: 32, describe: 'at most 32 characters' }),
      listen: s.string({ pattern: /^$|^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/, maxLength: 300, describe: 'HOST:PORT, or empty to stop listening' }),
      // Checked again by the node (each address parsed: IPv4, [IPv6], Tor v3 .onion with its checksum, one DNS name).
      announceAddresses: s.array(s.string({ maxLength: 300, minLength: 1 }), 8),
      onion: s.object({ ratePerSecond: positive(10_000), burst: positive(100_000), queueBytes: positive(1 << 30), memoryCapBytes: positive(1 << 30) },
        ['ratePerSecond', 'burst', 'queueBytes', 'memoryCapBytes']),
      mailbox: s.object({ perPeerMessages: positive(1_000_000), perPeerBytes: positive(1 << 30), totalBytes: positive(1 << 30), expiryHours: positive(24 * 365) },
        ['perPeerMessages', 'perPeerBytes', 'totalBytes', 'expiryHours']),
      // Saved for the next start; the node checks the URLs (api.invalid_params naming the field).
      chain: s.oneOf(
        s.object({ kind: s.enum('none') }),
        s.object({ kind: s.enum('bitcoind-rpc'), rpcUrl: s.string({ maxLength: 2048, minLength: 1 }), rpcCookie: s.string({ maxLength: 2048, minLength: 1 }) }, ['rpcCookie']),
        s.object({ kind: s.enum('esplora'), esploraUrl: s.string({ maxLength: 2048, minLength: 1 }) }, ['esploraUrl']),
      ),
      // Saved for the next start; the node checks the URL (http or https only: api.invalid_params naming the field).
      feeUrl: s.string({ maxLength: 2048, describe: 'an http or https URL, or empty for the chain source\'s estimates' }),
      feePollMs: s.integer({ min: 1_000, max: 86_400_000 }),
      // Checked again by the node (min at most max, with what config.json holds).
      channels: s.object(
        {
          minFundingSat: s.string({ pattern: /^(0|[1-9][0-9]{0,15})$/, describe: 'sat as a decimal string' }),
          maxFundingSat: s.string({ pattern: /^(0|[1-9][0-9]{0,15})$/, describe: 'sat as a decimal string' }),
          maxToSelfDelay: s.integer({ min: 1, max: 0xffff }),
          toSelfDelay: s.integer({ min: 1, max: 0xffff }),
          minimumDepth: s.integer({ min: 1, max: 144 }),
          trustedZeroconfPeers: s.array(s.nodeId(), 1000),
        },
        ['minFundingSat', 'maxFundingSat', 'maxToSelfDelay', 'toSelfDelay', 'minimumDepth', 'trustedZeroconfPeers'],
      ),
      // The role, LSP, profile and description saved for the next start, the release window applied at once; the node
      // checks them again as config.json's `async` (parseAsyncSettings).
      async: s.object(
        {
          role: s.enum('none', 'recipient', 'lsp', 'payer'),
          lsp: s.string({ pattern: /^$|^[0-9a-fA-F]{66}@[^\s@]{1,253}:[0-9]{1,5}$/, maxLength: 330, describe: 'NODEID@HOST:PORT, or empty for none' }),
          profile: s.enum('ldk', 'bolts1149'),
          description: s.string({ minLength: 1, maxLength: 200, describe: '1 to 200 characters' }),
          releaseWindowSeconds: s.integer({ min: RELEASE_WINDOW_SECONDS.min, max: RELEASE_WINDOW_SECONDS.max }),
        },
        ['role', 'lsp', 'profile', 'description', 'releaseWindowSeconds'],
      ),
    },
    ['alias', 'listen', 'announceAddresses', 'onion', 'mailbox', 'chain', 'feeUrl', 'feePollMs', 'channels', 'async'],
  ),
};
