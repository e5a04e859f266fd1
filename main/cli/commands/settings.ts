/** `glasswing settings`: show the node's settings, or change them (applied at once, saved in config.json). */
import type { CliCommand } from '../command';
import { NODE_ID, UsageError, integer } from '../command';
import { RELEASE_WINDOW_SECONDS } from '../../../core/api';
import { withDaemon } from '../daemon-client';
import type { UpdateSettingsParams } from '../../../core/api';

export const settings: CliCommand = {
  name: 'settings',
  summary: 'show the settings, or change them while the node runs (saved in DATADIR/config.json)',
  usage: 'settings [--alias NAME] [--listen HOST:PORT|--no-listen] [--announce-addr HOST:PORT,…|none] [--fee-url URL|none] [--fee-poll-ms N] [--onion-rate N] [--onion-burst N] [--mailbox-peer-messages N] [--mailbox-expiry-hours H] '
    + '[--min-channel-sat N] [--max-channel-sat N] [--max-to-self-delay BLOCKS] [--to-self-delay BLOCKS] [--minimum-depth BLOCKS] [--trusted-zeroconf NODEID,…|none] [--async-release-window-seconds S]',
  options: {
    alias: { type: 'string', value: 'NAME', describe: 'the node\'s name (at most 32 bytes of UTF-8)' },
    listen: { type: 'string', value: 'HOST:PORT', describe: 'accept peers here (the listener moves at once; existing connections stay)' },
    'no-listen': { type: 'boolean', describe: 'stop accepting peers' },
    'announce-addr': { type: 'string', value: 'HOST:PORT,…|none', describe: 'the addresses our node_announcement gives (IPv4, [IPv6], Tor v3 .onion, one DNS name; at most 8), instead of the listen address; none: the listen address again' },
    'fee-url': { type: 'string', value: 'URL|none', describe: 'fee estimates from this http(s) service (LND\'s fee.url answer) instead of the chain source; none: the chain source\'s. Switched to at once and kept (the daemon\'s --fee-url wins for its run)' },
    'fee-poll-ms': { type: 'string', value: 'N', describe: 'time between the fee service\'s polls in ms (1000..86400000; default 300000). Applied at once and kept' },
    'onion-rate': { type: 'string', value: 'N', describe: 'onion messages accepted per second from one peer (1..10000)' },
    'onion-burst': { type: 'string', value: 'N', describe: 'onion messages a peer may send at once (1..100000)' },
    'mailbox-peer-messages': { type: 'string', value: 'N', describe: 'messages stored for one offline peer (1..1000000)' },
    'mailbox-expiry-hours': { type: 'string', value: 'H', describe: 'how long a stored message is kept (1..8760)' },
    'min-channel-sat': { type: 'string', value: 'N', describe: 'the smallest channel a peer may open to us (sat)' },
    'max-channel-sat': { type: 'string', value: 'N', describe: 'the largest channel a peer may open to us (sat)' },
    'max-to-self-delay': { type: 'string', value: 'BLOCKS', describe: 'the longest lock of our funds after our force close a peer may ask' },
    'to-self-delay': { type: 'string', value: 'BLOCKS', describe: 'the lock we ask of the peer (time to punish a revoked commitment)' },
    'minimum-depth': { type: 'string', value: 'BLOCKS', describe: 'confirmations before a channel the peer funds is used (1..144)' },
    'trusted-zeroconf': { type: 'string', value: 'NODEID,…|none', describe: 'the peers allowed to open zero-conf channels to us' },
    'async-release-window-seconds': {
      type: 'string', value: 'S',
      describe: `async payments: how long a held payment waits for its recipient's release, ${RELEASE_WINDOW_SECONDS.min} to ${RELEASE_WINDOW_SECONDS.max} s. `
        + 'Applied at once to HTLCs held and payments begun from then on (those waiting keep theirs); the daemon\'s flag of that name wins',
    },
  },
  examples: ['settings', 'settings --alias "my node" --onion-rate 5', 'settings --announce-addr 203.0.113.5:9735,node.example.com:9735', 'settings --fee-url https://nodes.lightning.computer/fees/v1/btc-fee-estimates.json --fee-poll-ms 600000', 'settings --async-release-window-seconds 3600'],
  details: ['Options given to "glasswing daemon" win over saved settings at each start.'],
  run: (ctx, { values }) => {
    const change: { -readonly [K in keyof UpdateSettingsParams]: UpdateSettingsParams[K] } = {};
    if (typeof values.alias === 'string') change.alias = values.alias;
    if (values['no-listen'] === true) change.listen = '';
    else if (typeof values.listen === 'string') change.listen = values.listen;
    const announce = values['announce-addr'];
    if (typeof announce === 'string') change.announceAddresses = announce === 'none' ? [] : announce.split(',').map((x) => x.trim()).filter(Boolean);
    const feeUrl = values['fee-url'];
    if (typeof feeUrl === 'string') change.feeUrl = feeUrl === 'none' ? '' : feeUrl;
    const feePollMs = integer(values, 'fee-poll-ms', 1_000, 86_400_000);
    if (feePollMs !== undefined) change.feePollMs = feePollMs;
    const rate = integer(values, 'onion-rate', 1, 10_000);
    const burst = integer(values, 'onion-burst', 1, 100_000);
    if (rate !== undefined || burst !== undefined) change.onion = { ...(rate !== undefined ? { ratePerSecond: rate } : {}), ...(burst !== undefined ? { burst } : {}) };
    const perPeer = integer(values, 'mailbox-peer-messages', 1, 1_000_000);
    const expiry = integer(values, 'mailbox-expiry-hours', 1, 24 * 365);
    if (perPeer !== undefined || expiry !== undefined) change.mailbox = { ...(perPeer !== undefined ? { perPeerMessages: perPeer } : {}), ...(expiry !== undefined ? { expiryHours: expiry } : {}) };
    const channels: { -readonly [K in keyof NonNullable<UpdateSettingsParams['channels']>]: NonNullable<UpdateSettingsParams['channels']>[K] } = {};
    for (const [flag, key] of [['min-channel-sat', 'minFundingSat'], ['max-channel-sat', 'maxFundingSat']] as const) {
      const v = values[flag];
      if (v === undefined) continue;
      if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(v)) throw new UsageError(`--${flag} must be a whole number of sat`);
      channels[key] = v;
    }
    for (const [flag, key, max] of [['max-to-self-delay', 'maxToSelfDelay', 0xffff], ['to-self-delay', 'toSelfDelay', 0xffff], ['minimum-depth', 'minimumDepth', 144]] as const) {
      const n = integer(values, flag, 1, max);
      if (n !== undefined) channels[key] = n;
    }
    const trusted = values['trusted-zeroconf'];
    if (typeof trusted === 'string') {
      const ids = trusted === 'none' ? [] : trusted.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
      for (const id of ids) if (!NODE_ID.test(id)) throw new UsageError(`--trusted-zeroconf takes node ids (66 hex characters) separated by commas, or none; got "${id}"`);
      channels.trustedZeroconfPeers = ids;
    }
    if (Object.keys(channels).length > 0) change.channels = channels;
    const releaseWindow = integer(values, 'async-release-window-seconds', RELEASE_WINDOW_SECONDS.min, RELEASE_WINDOW_SECONDS.max);
    if (releaseWindow !== undefined) change.async = { releaseWindowSeconds: releaseWindow };
    return withDaemon(ctx.datadir, ({ api }) => (Object.keys(change).length ? api.updateSettings(change) : api.getSettings({})));
  },
};
