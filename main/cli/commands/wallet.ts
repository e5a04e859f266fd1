/**
 * On-chain wallet commands: newaddress, getbalance, listfunds, listtransactions, withdraw, bumpfee,
 * backupwords. Amounts are whole sat; fee rates sat/vB (up to 3 decimals). The node checks the
 * address against its network and the fee rate against the relay minimum.
 */
import { readFileSync } from 'node:fs';
import type { CliCommand, CommandArgs } from '../command';
import { UsageError } from '../command';
import { withDaemon } from '../daemon-client';
import { WITHDRAW_AMOUNT_PATTERN } from '../../../core/api';

const FEERATE_OPTION = { type: 'string', value: 'SAT_PER_VB', describe: 'fee rate in sat/vB, up to 3 decimals (default: the chain\'s estimate)' } as const;
const EXAMPLE_TXID = '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b';

/** `--feerate N` in sat/vB (up to 3 decimals), or undefined when not given. */
export function feeRateOption(values: CommandArgs['values']): number | undefined {
  const v = values.feerate;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)(\.[0-9]{1,3})?$/.test(v) || Number(v) <= 0) {
    throw new UsageError(`--feerate must be a positive number of sat/vB with at most 3 decimals, got "${String(v)}"`);
  }
  return Number(v);
}

export const newaddress: CliCommand = {
  name: 'newaddress',
  summary: 'a fresh receive address of the node\'s network (BIP84, bech32)',
  usage: 'newaddress',
  examples: ['newaddress'],
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.newAddress({})),
};

export const getbalance: CliCommand = {
  name: 'getbalance',
  summary: 'on-chain balance in sat: confirmed, unconfirmed, immature, locked, reserved, available, total',
  usage: 'getbalance',
  examples: ['getbalance'],
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.getBalance({})),
};

export const listfunds: CliCommand = {
  name: 'listfunds',
  summary: 'the wallet\'s unspent coins: outpoint, address, amount, confirmations, status',
  usage: 'listfunds',
  examples: ['listfunds'],
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.listFunds({})),
};

export const listtransactions: CliCommand = {
  name: 'listtransactions',
  summary: 'the wallet\'s transactions, newest first: direction, amount, fee, confirmations, state',
  usage: 'listtransactions',
  examples: ['listtransactions'],
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.listTransactions({})),
};

export const withdraw: CliCommand = {
  name: 'withdraw',
  summary: 'send AMOUNT_SAT (or all) to ADDRESS; fee rate in sat/vB, default the chain\'s estimate for 6 blocks',
  usage: 'withdraw ADDRESS AMOUNT_SAT|all [--feerate SAT_PER_VB]',
  arguments: [
    { name: 'ADDRESS', describe: 'a Bitcoin address of the node\'s network' },
    { name: 'AMOUNT_SAT', describe: 'whole sat, or "all" for everything available (less the fee)' },
  ],
  options: { feerate: FEERATE_OPTION },
  examples: ['withdraw bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080 25000', 'withdraw bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080 all --feerate 2.5'],
  run: (ctx, { positionals, values }) => {
    const [address, amount, ...rest] = positionals;
    if (!address || !amount || rest.length > 0) throw new UsageError('expected ADDRESS and AMOUNT_SAT (or all)');
    if (!WITHDRAW_AMOUNT_PATTERN.test(amount)) throw new UsageError(`AMOUNT_SAT must be a whole number of sat or "all", got "${amount}"`);
    const feeRateSatVb = feeRateOption(values);
    return withDaemon(ctx.datadir, ({ api }) => api.withdraw({ address, amountSat: amount, ...(feeRateSatVb !== undefined ? { feeRateSatVb } : {}) }));
  },
};

export const bumpfee: CliCommand = {
  name: 'bumpfee',
  summary: 'replace our unconfirmed withdrawal TXID by one paying more (BIP 125); default: the next-blocks estimate',
  usage: 'bumpfee TXID [--feerate SAT_PER_VB]',
  arguments: [{ name: 'TXID', describe: 'our unconfirmed withdrawal (64 hex characters; listtransactions shows it)' }],
  options: { feerate: { ...FEERATE_OPTION, describe: 'the replacement\'s fee rate in sat/vB (default: the next-blocks estimate)' } },
  examples: [`bumpfee ${EXAMPLE_TXID}`, `bumpfee ${EXAMPLE_TXID} --feerate 12`],
  run: (ctx, { positionals, values }) => {
    const txid = positionals[0]?.toLowerCase();
    if (!txid || positionals.length > 1 || !/^[0-9a-f]{64}$/.test(txid)) throw new UsageError('expected a txid (64 hex characters): bumpfee TXID');
    const feeRateSatVb = feeRateOption(values);
    return withDaemon(ctx.datadir, ({ api }) => api.bumpFee({ txid, ...(feeRateSatVb !== undefined ? { feeRateSatVb } : {}) }));
  },
};

export const backupwords: CliCommand = {
  name: 'backupwords',
  summary: 'the 24 backup words of the node seed (node id and on-chain funds; NOT channels); an encrypted seed needs its passphrase',
  usage: 'backupwords [--passphrase-file F]',
  options: { 'passphrase-file': { type: 'string', value: 'FILE', describe: 'read the seed\'s passphrase from FILE (or $GLASSWING_PASSPHRASE)' } },
  examples: ['backupwords', 'backupwords --passphrase-file ~/gw-pass.txt'],
  run: (ctx, { values }) => {
    let passphrase = process.env.GLASSWING_PASSPHRASE;
    const file = values['passphrase-file'];
    if (typeof file === 'string') {
      try {
        passphrase = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch {
        throw new UsageError(`cannot read --passphrase-file ${file}`);
      }
    }
    return withDaemon(ctx.datadir, async ({ api }) => ({
      ...(await api.backupWords(passphrase !== undefined ? { passphrase } : {})),
      note: 'These words restore the node id and its on-chain funds (glasswing daemon --restore-words-file F). They do NOT restore channels.',
    }));
  },
};
