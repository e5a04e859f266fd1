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
  usage: 'settings [--alias NAME] [--listen HOST:PORT|--no-listen] [--onion-rate N] [--onion-burst N] [--mailbox-peer-messages N] [--mailbox-expiry-hours H]',
  options: {
    alias: { type: 'string' },
    listen: { type: 'string' },
    'no-listen': { type: 'boolean' },
    'onion-rate': { type: 'string' },
    'onion-burst': { type: 'string' },
    'mailbox-peer-messages': { type: 'string' },
    'mailbox-expiry-hours': { type: 'string' },
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
    return withDaemon(ctx.datadir, ({ api }) => (Object.keys(change).length ? api.updateSettings(change) : api.getSettings({})));
  },
};
