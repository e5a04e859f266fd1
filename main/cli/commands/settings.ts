/** `glasswing settings`: show the node's settings, or change them (applied at once, saved in config.json). */
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { withDaemon } from '../daemon-client';
import type { UpdateSettingsParams } from '../../../core/api';

function positive(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number`);
  return n;
}

export const settings: CliCommand = {
  name: 'settings',
  summary: 'show the settings, or change them while the node runs (saved in DATADIR/config.json)',
  usage: 'settings [--alias NAME] [--listen HOST:PORT|--no-listen] [--onion-rate N] [--onion-burst N] [--mailbox-peer-messages N] [--mailbox-expiry-hours H] '
    + '[--min-channel-sat N] [--max-channel-sat N] [--max-to-self-delay BLOCKS] [--to-self-delay BLOCKS] [--minimum-depth BLOCKS] [--trusted-zeroconf NODEID,…|none]',
  options: {
    alias: { type: 'string' },
    listen: { type: 'string' },
    'no-listen': { type: 'boolean' },
    'onion-rate': { type: 'string' },
    'onion-burst': { type: 'string' },
    'mailbox-peer-messages': { type: 'string' },
    'mailbox-expiry-hours': { type: 'string' },
    'min-channel-sat': { type: 'string' },
    'max-channel-sat': { type: 'string' },
    'max-to-self-delay': { type: 'string' },
    'to-self-delay': { type: 'string' },
    'minimum-depth': { type: 'string' },
    'trusted-zeroconf': { type: 'string' },
  },
  run: (ctx, { values }) => {
    const change: { -readonly [K in keyof UpdateSettingsParams]: UpdateSettingsParams[K] } = {};
    if (typeof values.alias === 'string') change.alias = values.alias;
    if (values['no-listen'] === true) change.listen = '';
    else if (typeof values.listen === 'string') change.listen = values.listen;
    const rate = positive(values['onion-rate'], '--onion-rate');
    const burst = positive(values['onion-burst'], '--onion-burst');
    if (rate !== undefined || burst !== undefined) change.onion = { ...(rate !== undefined ? { ratePerSecond: rate } : {}), ...(burst !== undefined ? { burst } : {}) };
    const perPeer = positive(values['mailbox-peer-messages'], '--mailbox-peer-messages');
    const expiry = positive(values['mailbox-expiry-hours'], '--mailbox-expiry-hours');
    if (perPeer !== undefined || expiry !== undefined) change.mailbox = { ...(perPeer !== undefined ? { perPeerMessages: perPeer } : {}), ...(expiry !== undefined ? { expiryHours: expiry } : {}) };
    const channels: { -readonly [K in keyof NonNullable<UpdateSettingsParams['channels']>]: NonNullable<UpdateSettingsParams['channels']>[K] } = {};
    for (const [flag, key] of [['min-channel-sat', 'minFundingSat'], ['max-channel-sat', 'maxFundingSat']] as const) {
      const v = values[flag];
      if (v === undefined) continue;
      if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(v)) throw new UsageError(`--${flag} must be a whole number of sat`);
      channels[key] = v;
    }
    for (const [flag, key] of [['max-to-self-delay', 'maxToSelfDelay'], ['to-self-delay', 'toSelfDelay'], ['minimum-depth', 'minimumDepth']] as const) {
      const n = positive(values[flag], `--${flag}`);
      if (n === undefined) continue;
      if (!Number.isInteger(n)) throw new UsageError(`--${flag} must be a whole number of blocks`);
      channels[key] = n;
    }
    const trusted = values['trusted-zeroconf'];
    if (typeof trusted === 'string') {
      const ids = trusted === 'none' ? [] : trusted.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
      for (const id of ids) if (!/^0[23][0-9a-f]{64}$/.test(id)) throw new UsageError(`--trusted-zeroconf takes node ids (66 hex characters) separated by commas, or none; got "${id}"`);
      channels.trustedZeroconfPeers = ids;
    }
    if (Object.keys(channels).length > 0) change.channels = channels;
    return withDaemon(ctx.datadir, ({ api }) => (Object.keys(change).length ? api.updateSettings(change) : api.getSettings({})));
  },
};
