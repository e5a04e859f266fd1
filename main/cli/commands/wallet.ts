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
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.newAddress({})),
};

export const getbalance: CliCommand = {
  name: 'getbalance',
  summary: 'on-chain balance in sat: confirmed, unconfirmed, immature, locked, reserved, available, total',
  usage: 'getbalance',
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.getBalance({})),
};

export const listfunds: CliCommand = {
  name: 'listfunds',
  summary: 'the wallet\'s unspent coins: outpoint, address, amount, confirmations, status',
  usage: 'listfunds',
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.listFunds({})),
};

export const listtransactions: CliCommand = {
  name: 'listtransactions',
  summary: 'the wallet\'s transactions, newest first: direction, amount, fee, confirmations, state',
  usage: 'listtransactions',
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.listTransactions({})),
};

export const withdraw: CliCommand = {
  name: 'withdraw',
  summary: 'send AMOUNT_SAT (or all) to ADDRESS; fee rate in sat/vB, default the chain\'s estimate for 6 blocks',
  usage: 'withdraw ADDRESS AMOUNT_SAT|all [--feerate SAT_PER_VB]',
  options: { feerate: { type: 'string' } },
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
  options: { feerate: { type: 'string' } },
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
  options: { 'passphrase-file': { type: 'string' } },
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
