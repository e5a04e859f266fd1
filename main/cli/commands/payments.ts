/**
 * Payment commands: invoice, pay, listpayments, listforwards, getroute (BOLT 11 and 12 over our channels;
 * `listinvoices` in offers.ts lists BOLT 11 invoices next to BOLT 12 ones). Arguments are checked
 * here (usage errors exit 2); the node judges the invoice itself.
 */
import type { CliCommand, CommandArgs } from '../command';
import { NODE_ID, UsageError } from '../command';
import { withDaemon } from '../daemon-client';
import { PAYMENT_ID_PATTERN } from '../../../core/api';
import { integer } from './offers';

const MSAT = /^[1-9][0-9]{0,19}$/;

/** An amount in msat (a positive whole number below 2^64), or UsageError naming it. */
function msat(value: string, what: string): string {
  if (!MSAT.test(value) || BigInt(value) > 0xffff_ffff_ffff_ffffn) throw new UsageError(`${what} must be a positive whole number of msat, got "${value}"`);
  return value;
}

function msatOption(values: CommandArgs['values'], name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError(`--${name} takes an amount in msat`);
  return msat(v, `--${name}`);
}

function statusOption<S extends string>(values: CommandArgs['values'], allowed: readonly S[]): S | undefined {
  const v = values.status;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new UsageError(`--status must be one of ${allowed.join(', ')}`);
  return v as S;
}

const opt = <T>(name: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [name]: v });

export const invoice: CliCommand = {
  name: 'invoice',
  summary: 'issue a BOLT 11 invoice for AMOUNT_MSAT (or any amount), with route hints for our private channels',
  usage: 'invoice AMOUNT_MSAT|any DESCRIPTION [--expiry SECONDS]',
  arguments: [
    { name: 'AMOUNT_MSAT|any', describe: 'the amount in millisatoshi, or any to let the payer choose' },
    { name: 'DESCRIPTION', describe: 'what the payment is for (the rest of the line; at most 639 bytes)' },
  ],
  options: { expiry: { type: 'string', value: 'SECONDS', describe: 'how long the invoice can be paid (default 3600, at most a year)' } },
  examples: ['invoice 250000 coffee', 'invoice any tip jar --expiry 86400'],
  run: (ctx, { positionals, values }) => {
    const [amount, ...words] = positionals;
    if (!amount || words.length === 0) throw new UsageError('expected AMOUNT_MSAT (or any) and a DESCRIPTION');
    const amountMsat = amount === 'any' ? undefined : msat(amount, 'AMOUNT_MSAT');
    const description = words.join(' ');
    if (description.length > 639) throw new UsageError('the description is longer than 639 characters (BOLT 11 `d` holds at most 639 bytes)');
    const expirySeconds = integer(values, 'expiry', 1, 31_536_000);
    return withDaemon(ctx.datadir, ({ api }) => api.createInvoice({ description, ...opt('amountMsat', amountMsat), ...opt('expirySeconds', expirySeconds) }));
  },
};

export const pay: CliCommand = {
  name: 'pay',
  summary: 'pay a BOLT 11 invoice, a BOLT 12 offer (its invoice fetched first) or a BOLT 12 invoice; waits for the outcome (preimage, fee, route)',
  usage: 'pay INVOICE|OFFER [--amount-msat N] [--max-fee-msat N] [--timeout SECONDS] [--payment-id ID] [--no-wait]',
  arguments: [{ name: 'INVOICE|OFFER', describe: 'a BOLT 11 invoice (ln…), a BOLT 12 offer (lno1…) or a BOLT 12 invoice we requested (lni1…)' }],
  options: {
    'amount-msat': { type: 'string', value: 'N', describe: 'the amount, for an invoice or offer that names none' },
    'max-fee-msat': { type: 'string', value: 'N', describe: 'the most to pay in routing fees (default: 0.5% of the amount, or 5,000 msat if that is more)' },
    timeout: { type: 'string', value: 'SECONDS', describe: 'give up retrying after this long (default 60)' },
    'payment-id': { type: 'string', value: 'ID', describe: 'our id for the payment: paying again with the same id returns the first payment (default: a fresh one)' },
    'no-wait': { type: 'boolean', describe: 'return at once with the pending payment; follow it with listpayments' },
  },
  examples: ['pay lnbcrt2500n1…', 'pay lno1… --amount-msat 100000 --max-fee-msat 2000'],
  run: (ctx, { positionals, values }) => {
    // A BOLT 12 string split by the shell at "+ " continuations is joined back.
    const invoiceText = positionals.join(' ').trim();
    if (invoiceText.length === 0) throw new UsageError('expected an INVOICE, an OFFER or a BOLT 12 invoice');
    if (/^lnr1/i.test(invoiceText)) throw new UsageError('a refund (lnr1…) is answered with `sendinvoice`, not paid');
    const bolt12 = /^ln[oi]1/i.test(invoiceText);
    if (!bolt12 && !/^ln[a-z0-9]+1[02-9ac-hj-np-z]+$/i.test(invoiceText)) throw new UsageError('expected a BOLT 11 invoice (ln…), a BOLT 12 offer (lno1…) or invoice (lni1…)');
    const paymentId = values['payment-id'];
    if (paymentId !== undefined && (typeof paymentId !== 'string' || !PAYMENT_ID_PATTERN.test(paymentId))) {
      throw new UsageError('--payment-id takes 1 to 64 letters, digits or ._:-');
    }
    const timeoutSeconds = integer(values, 'timeout', 1, 86_400);
    const amountMsat = msatOption(values, 'amount-msat');
    const maxFeeMsat = values['max-fee-msat'] === '0' ? '0' : msatOption(values, 'max-fee-msat');
    return withDaemon(ctx.datadir, ({ api }) => api.pay({
      invoice: invoiceText,
      ...opt('amountMsat', amountMsat),
      ...opt('maxFeeMsat', maxFeeMsat),
      ...opt('timeoutSeconds', timeoutSeconds),
      ...opt('paymentId', paymentId as string | undefined),
      ...(values['no-wait'] === true ? { wait: false } : {}),
    }));
  },
};

export const listpayments: CliCommand = {
  name: 'listpayments',
  summary: 'our payments, newest first: status, amount, fee, preimage, route of each part',
  usage: 'listpayments [--status pending|succeeded|failed] [--limit N]',
  options: {
    status: { type: 'string', value: 'pending|succeeded|failed', describe: 'only payments in this state' },
    limit: { type: 'string', value: 'N', describe: 'the newest N (1..10000)' },
  },
  examples: ['listpayments --status failed --limit 5'],
  run: (ctx, { values }) => {
    const status = statusOption(values, ['pending', 'succeeded', 'failed'] as const);
    const limit = integer(values, 'limit', 1, 10_000);
    return withDaemon(ctx.datadir, ({ api }) => api.listPayments({ ...opt('status', status), ...opt('limit', limit) }));
  },
};

export const listforwards: CliCommand = {
  name: 'listforwards',
  summary: 'HTLCs forwarded through us (in/out channel, amounts, fee, status) and the fees earned',
  usage: 'listforwards [--status held|offered|failing|fulfilled|failed|refused] [--limit N]',
  options: {
    status: { type: 'string', value: 'STATUS', describe: 'only forwards in this state (held, offered, failing, fulfilled, failed, refused)' },
    limit: { type: 'string', value: 'N', describe: 'the newest N (1..10000)' },
  },
  examples: ['listforwards --status fulfilled'],
  run: (ctx, { values }) => {
    const status = statusOption(values, ['held', 'offered', 'failing', 'fulfilled', 'failed', 'refused'] as const);
    const limit = integer(values, 'limit', 1, 10_000);
    return withDaemon(ctx.datadir, ({ api }) => api.listForwards({ ...opt('status', status), ...opt('limit', limit) }));
  },
};

export const getroute: CliCommand = {
  name: 'getroute',
  summary: 'the route a payment of AMOUNT_MSAT to NODEID would take now (hops, fees, CLTV deltas)',
  usage: 'getroute NODEID AMOUNT_MSAT',
  arguments: [
    { name: 'NODEID', describe: 'the destination node id (66 hex characters)' },
    { name: 'AMOUNT_MSAT', describe: 'the amount to deliver, in millisatoshi' },
  ],
  examples: ['getroute 02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619 100000'],
  run: (ctx, { positionals }) => {
    const [nodeIdArg, amount, ...rest] = positionals;
    if (!nodeIdArg || !amount || rest.length > 0) throw new UsageError('expected NODEID and AMOUNT_MSAT');
    const nodeId = nodeIdArg.toLowerCase();
    if (!NODE_ID.test(nodeId)) throw new UsageError('NODEID must be a node id (66 hex characters, starting 02 or 03)');
    const amountMsat = msat(amount, 'AMOUNT_MSAT');
    return withDaemon(ctx.datadir, ({ api }) => api.getRoute({ nodeId, amountMsat }));
  },
};
