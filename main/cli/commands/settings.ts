/** `glasswing settings`: show the node's settings, or change them (applied at once, saved in config.json). */
import type { CliCommand } from '../command';
import { integer } from '../command';
import { withDaemon } from '../daemon-client';
import type { UpdateSettingsParams } from '../../../core/api';

export const settings: CliCommand = {
  name: 'settings',
  summary: 'show the settings, or change them while the node runs (saved in DATADIR/config.json)',
  usage: 'settings [--alias NAME] [--listen HOST:PORT|--no-listen] [--onion-rate N] [--onion-burst N] [--mailbox-peer-messages N] [--mailbox-expiry-hours H]',
  options: {
    alias: { type: 'string', value: 'NAME', describe: 'the node\'s name (at most 32 bytes of UTF-8)' },
    listen: { type: 'string', value: 'HOST:PORT', describe: 'accept peers here (the listener moves at once; existing connections stay)' },
    'no-listen': { type: 'boolean', describe: 'stop accepting peers' },
    'onion-rate': { type: 'string', value: 'N', describe: 'onion messages accepted per second from one peer (1..10000)' },
    'onion-burst': { type: 'string', value: 'N', describe: 'onion messages a peer may send at once (1..100000)' },
    'mailbox-peer-messages': { type: 'string', value: 'N', describe: 'messages stored for one offline peer (1..1000000)' },
    'mailbox-expiry-hours': { type: 'string', value: 'H', describe: 'how long a stored message is kept (1..8760)' },
  },
  examples: ['settings', 'settings --alias "my node" --onion-rate 5'],
  details: ['Options given to "glasswing daemon" win over saved settings at each start.'],
  run: (ctx, { values }) => {
    const change: { -readonly [K in keyof UpdateSettingsParams]: UpdateSettingsParams[K] } = {};
    if (typeof values.alias === 'string') change.alias = values.alias;
    if (values['no-listen'] === true) change.listen = '';
    else if (typeof values.listen === 'string') change.listen = values.listen;
    const rate = integer(values, 'onion-rate', 1, 10_000);
    const burst = integer(values, 'onion-burst', 1, 100_000);
    if (rate !== undefined || burst !== undefined) change.onion = { ...(rate !== undefined ? { ratePerSecond: rate } : {}), ...(burst !== undefined ? { burst } : {}) };
    const perPeer = integer(values, 'mailbox-peer-messages', 1, 1_000_000);
    const expiry = integer(values, 'mailbox-expiry-hours', 1, 24 * 365);
    if (perPeer !== undefined || expiry !== undefined) change.mailbox = { ...(perPeer !== undefined ? { perPeerMessages: perPeer } : {}), ...(expiry !== undefined ? { expiryHours: expiry } : {}) };
    return withDaemon(ctx.datadir, ({ api }) => (Object.keys(change).length ? api.updateSettings(change) : api.getSettings({})));
  },
};
