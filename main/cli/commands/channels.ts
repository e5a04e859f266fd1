/**
 * Channel commands: openchannel, closechannel, listchannels (open ones with their states, and the
 * openings waiting for confirmations), listclosedchannels (every output's fate), getchannel ID.
 */
import type { CliCommand } from '../command';
import { NODE_ID, UsageError } from '../command';
import { withDaemon } from '../daemon-client';
import { CHANNEL_AMOUNT_PATTERN } from '../../../core/api';
import { feeRateOption } from './wallet';

const CHANNEL_ID = /^[0-9a-f]{64}$/;

export const listchannels: CliCommand = {
  name: 'listchannels',
  summary: 'channels with their state (active, closing, force_closing, failed, closed; balances, HTLCs) and the openings awaiting confirmations',
  usage: 'listchannels',
  examples: ['listchannels'],
  run: (ctx) => withDaemon(ctx.datadir, async ({ api }) => {
    const [{ channels }, { openings }] = await Promise.all([api.listChannels({}), api.listOpenings({})]);
    return { channels, openings: openings.filter((o) => o.lifecycle !== 'active') };
  }),
};

export const listclosedchannels: CliCommand = {
  name: 'listclosedchannels',
  summary: 'channels closing or closed on chain: how, the closing transaction, every output\'s role, value, status and claim',
  usage: 'listclosedchannels',
  examples: ['listclosedchannels'],
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.listClosedChannels({})),
};

export const getchannel: CliCommand = {
  name: 'getchannel',
  summary: 'one channel in full: both commitments, HTLC tables, the four change lists, recent messages',
  usage: 'getchannel CHANNEL_ID',
  arguments: [{ name: 'CHANNEL_ID', describe: 'the channel id (64 hex characters, from listchannels)' }],
  examples: ['getchannel 6f1c…e2a0'],
  run: (ctx, { positionals }) => {
    const channelId = positionals[0]?.toLowerCase();
    if (!channelId || positionals.length > 1 || !CHANNEL_ID.test(channelId)) throw new UsageError('expected a channel id (64 hex characters): getchannel CHANNEL_ID');
    return withDaemon(ctx.datadir, ({ api }) => api.getChannel({ channelId }));
  },
};

export const openchannel: CliCommand = {
  name: 'openchannel',
  summary: 'open a channel of AMOUNT_SAT to a connected peer, funded from the wallet (fee rate in sat/vB for the funding transaction)',
  usage: 'openchannel NODEID AMOUNT_SAT [--push-msat N] [--feerate SAT_PER_VB] [--public|--private] [--zeroconf] [--channel-type anchors|static_remotekey] [--commitment-feerate SAT_PER_KW]',
  arguments: [
    { name: 'NODEID', describe: 'a connected peer (66 hex characters)' },
    { name: 'AMOUNT_SAT', describe: 'the channel size in whole sat, paid from the wallet' },
  ],
  options: {
    'push-msat': { type: 'string', value: 'N', describe: 'give the peer N msat of the channel at once (not returned on close)' },
    feerate: { type: 'string', value: 'SAT_PER_VB', describe: 'the funding transaction\'s fee rate (default: the chain\'s estimate for 6 blocks)' },
    public: { type: 'boolean', describe: 'announce the channel (BOLT 7: at 6 confirmations both sides sign its channel_announcement; payers find it in the graph)' },
    private: { type: 'boolean', describe: 'do not announce the channel (the default; invoices carry a route hint for it)' },
    zeroconf: { type: 'boolean', describe: 'usable before the funding confirms (only peers that trust us accept)' },
    'channel-type': { type: 'string', value: 'anchors|static_remotekey', describe: 'default: anchors when the peer supports it' },
    'commitment-feerate': { type: 'string', value: 'SAT_PER_KW', describe: 'the commitments\' fee rate, 253 or more (default: the chain\'s estimate; anchors: at most 2500)' },
  },
  examples: ['openchannel 02ab…cd 500000', 'openchannel 02ab…cd 1000000 --push-msat 10000000 --feerate 2 --channel-type static_remotekey'],
  run: (ctx, { positionals, values }) => {
    const [nodeIdArg, amount, ...rest] = positionals;
    const nodeId = nodeIdArg?.toLowerCase();
    if (!nodeId || !amount || rest.length > 0) throw new UsageError('expected NODEID and AMOUNT_SAT');
    if (!NODE_ID.test(nodeId)) throw new UsageError(`NODEID must be 66 hex characters, got "${nodeIdArg}"`);
    if (!CHANNEL_AMOUNT_PATTERN.test(amount)) throw new UsageError(`AMOUNT_SAT must be a whole number of sat, got "${amount}"`);
    const push = values['push-msat'];
    if (push !== undefined && (typeof push !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(push))) throw new UsageError(`--push-msat must be a whole number of msat, got "${String(push)}"`);
    const type = values['channel-type'];
    if (type !== undefined && type !== 'anchors' && type !== 'static_remotekey') throw new UsageError(`--channel-type must be anchors or static_remotekey, got "${String(type)}"`);
    const feeRateSatVb = feeRateOption(values);
    const commitmentFeerate = values['commitment-feerate'];
    if (commitmentFeerate !== undefined && (typeof commitmentFeerate !== 'string' || !/^[1-9][0-9]{2,5}$/.test(commitmentFeerate) || Number(commitmentFeerate) < 253 || Number(commitmentFeerate) > 100_000)) {
      throw new UsageError(`--commitment-feerate must be a whole number of sat/kw from 253 to 100000, got "${String(commitmentFeerate)}"`);
    }
    if (values.public === true && values.private === true) throw new UsageError('--public and --private exclude each other');
    return withDaemon(ctx.datadir, ({ api }) => api.openChannel({
      nodeId,
      amountSat: amount,
      ...(push !== undefined ? { pushMsat: push } : {}),
      ...(feeRateSatVb !== undefined ? { feeRateSatVb } : {}),
      // BOLT 2 announce_channel: private unless --public.
      announce: values.public === true,
      ...(values.zeroconf === true ? { zeroconf: true } : {}),
      ...(type !== undefined ? { channelType: type } : {}),
      ...(commitmentFeerate !== undefined ? { commitmentFeeratePerKw: Number(commitmentFeerate) } : {}),
    }));
  },
};

export const closechannel: CliCommand = {
  name: 'closechannel',
  summary: 'close a channel cooperatively (or with --force: our commitment on chain, funds back after the delay)',
  usage: 'closechannel CHANNEL_ID [--force] [--feerate SAT_PER_VB] [--destination ADDRESS]',
  arguments: [{ name: 'CHANNEL_ID', describe: 'the channel id (64 hex characters, from listchannels)' }],
  options: {
    force: { type: 'boolean', describe: 'broadcast our latest commitment without the peer (funds back after the peer\'s to_self_delay)' },
    feerate: { type: 'string', value: 'SAT_PER_VB', describe: 'the closing fee rate we aim for (cooperative; default: the chain\'s estimate)' },
    destination: { type: 'string', value: 'ADDRESS', describe: 'where our funds go (cooperative; default: a new wallet address)' },
  },
  examples: ['closechannel 6f1c…e2a0', 'closechannel 6f1c…e2a0 --force'],
  run: (ctx, { positionals, values }) => {
    const channelId = positionals[0]?.toLowerCase();
    if (!channelId || positionals.length > 1 || !CHANNEL_ID.test(channelId)) throw new UsageError('expected a channel id (64 hex characters): closechannel CHANNEL_ID');
    const feeRateSatVb = feeRateOption(values);
    const commitmentFeerate = values['commitment-feerate'];
    if (commitmentFeerate !== undefined && (typeof commitmentFeerate !== 'string' || !/^[1-9][0-9]{2,5}$/.test(commitmentFeerate) || Number(commitmentFeerate) < 253 || Number(commitmentFeerate) > 100_000)) {
      throw new UsageError(`--commitment-feerate must be a whole number of sat/kw from 253 to 100000, got "${String(commitmentFeerate)}"`);
    }
    const destination = values.destination;
    if (destination !== undefined && typeof destination !== 'string') throw new UsageError('--destination expects an address');
    if (values.force === true && (feeRateSatVb !== undefined || destination !== undefined)) throw new UsageError('--force closes with our commitment as signed: --feerate and --destination apply to a cooperative close');
    return withDaemon(ctx.datadir, ({ api }) => api.closeChannel({
      channelId,
      ...(values.force === true ? { force: true } : {}),
      ...(feeRateSatVb !== undefined ? { feeRateSatVb } : {}),
      ...(destination !== undefined ? { destination } : {}),
    }));
  },
};
