/**
 * BOLT 12 commands: offer, listoffers, disableoffer, fetchinvoice, listinvoices,
 * listinvoicerequests, createrefund, sendinvoice. Each talks to the running daemon over its API
 * (`decode`, offline, is in decode.ts). An invoice_error from the other side is a JSON error on
 * stderr (`offers.invoice_error`, with its text and erroneous field) and exit code 1.
 */
import type { CliCommand, CommandArgs } from '../command';
import { NODE_ID, UsageError, decimal, integer, stringList } from '../command';
import { isGlasswingError } from '../../../core/errors';
import { withDaemon } from '../daemon-client';
import type { NodeApi } from '../../../core/api';

const HEX32 = /^[0-9a-f]{64}$/;

// The number readers moved to command.ts (one wording for every command); kept exported here.
export { decimal, integer };

function text(values: CommandArgs['values'], name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > 1000) throw new UsageError(`--${name} takes a text of at most 1000 characters`);
  return v;
}

/** `--path-via A` (a path A → us) or `--path-via A,B` (A → B → us); repeatable: one path each. */
export function pathVia(values: CommandArgs['values']): string[][] {
  return stringList(values, 'path-via').map((arg) =>
    arg.split(',').map((id) => {
      const nodeId = id.trim().toLowerCase();
      if (!NODE_ID.test(nodeId)) throw new UsageError(`--path-via ${arg}: expected node ids (66 hex characters), comma-separated`);
      return nodeId;
    }),
  );
}

/** A BOLT 12 string split by the shell at "+ " continuations is joined back. */
export function bolt12Argument(positionals: string[], what: string, usage: string): string {
  const input = positionals.join(' ').trim();
  if (input.length === 0) throw new UsageError(`${what} is required: glasswing ${usage}`);
  return input;
}

const opt = <T>(name: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [name]: v });

const OFFER_USAGE = 'offer --description D [--amount-msat N] [--issuer S] [--quantity-max N] [--expiry UNIX] [--path-via NODEID[,NODEID]]... [--dummy-hops N]';

/** `offer` arguments → createOffer params (or UsageError). */
export function offerParams({ values, positionals }: CommandArgs): Parameters<NodeApi['createOffer']>[0] {
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}": ${OFFER_USAGE}`);
  const description = text(values, 'description');
  if (description === undefined) throw new UsageError(`--description is required: ${OFFER_USAGE}`);
  const paths = pathVia(values);
  return {
    description,
    ...opt('amountMsat', decimal(values, 'amount-msat')),
    ...opt('issuer', text(values, 'issuer')),
    ...opt('quantityMax', decimal(values, 'quantity-max')),
    ...opt('absoluteExpiry', integer(values, 'expiry', 1, 2 ** 40)),
    ...(paths.length ? { paths } : {}),
    ...opt('dummyHops', integer(values, 'dummy-hops', 0, 8)),
  };
}

const PATH_VIA = {
  type: 'string', multiple: true, value: 'NODEID[,NODEID]',
  describe: 'a blinded path to us through these connected peers (A, or A,B for A → B → us); repeat for more paths',
} as const;
const DUMMY_HOPS = { type: 'string', value: 'N', describe: 'dummy hops added at the end of each blinded path (0..8)' } as const;
const EXAMPLE_PEER = '02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619';
/** Offers are long: help shows the start of one. */
const EXAMPLE_OFFER = 'lno1qgsqvgnwgcg35z6ee2h3yc…';

export const offer: CliCommand = {
  name: 'offer',
  summary: 'create a BOLT 12 offer (our node id as issuer, or blinded paths through --path-via peers)',
  usage: OFFER_USAGE,
  options: {
    description: { type: 'string', value: 'TEXT', describe: 'what is sold (required; at most 1000 characters)' },
    'amount-msat': { type: 'string', value: 'N', describe: 'the price in millisatoshi (1 sat = 1000 msat); omit for an offer of any amount' },
    issuer: { type: 'string', value: 'TEXT', describe: 'who sells it, as the payer\'s wallet shows it' },
    'quantity-max': { type: 'string', value: 'N', describe: 'items one invoice may be for (0: any number)' },
    expiry: { type: 'string', value: 'UNIX', describe: 'when the offer expires, in seconds since 1970' },
    'path-via': PATH_VIA,
    'dummy-hops': DUMMY_HOPS,
  },
  examples: ['offer --description "espresso" --amount-msat 150000', `offer --description "tips" --path-via ${EXAMPLE_PEER}`],
  run: (ctx, args) => {
    const params = offerParams(args);
    return withDaemon(ctx.datadir, ({ api }) => api.createOffer(params));
  },
};

export const listoffers: CliCommand = {
  name: 'listoffers',
  summary: 'our offers: string, status, amount, paths, invoices issued',
  usage: 'listoffers [--status active|disabled]',
  options: { status: { type: 'string', value: 'active|disabled', describe: 'only offers with this status (default: all)' } },
  examples: ['listoffers', 'listoffers --status active'],
  run: (ctx, { values }) => {
    const status = values.status;
    if (status !== undefined && status !== 'active' && status !== 'disabled') throw new UsageError('--status must be active or disabled');
    return withDaemon(ctx.datadir, ({ api }) => api.listOffers(status ? { status } : {}));
  },
};

export const disableoffer: CliCommand = {
  name: 'disableoffer',
  summary: 'disable one of our offers (its invoice_requests get an invoice_error from now on)',
  usage: 'disableoffer OFFER_ID',
  arguments: [{ name: 'OFFER_ID', describe: 'the offer\'s id (64 hex characters, from listoffers)' }],
  examples: ['disableoffer 4ba5a2e1a0bfd8c13e0f6f4f0ac2b0a6d1e5e0c63f0e6b1c1f5d5f2f1f9c0d11'],
  run: (ctx, { positionals }) => {
    const offerId = positionals[0]?.toLowerCase();
    if (!offerId || !HEX32.test(offerId)) throw new UsageError('expected OFFER_ID (64 hex characters, from listoffers)');
    return withDaemon(ctx.datadir, ({ api }) => api.disableOffer({ offerId }));
  },
};

const FETCH_USAGE = 'fetchinvoice OFFER [--amount-msat N] [--quantity N] [--payer-note S] [--timeout SECONDS] [--unchecked]';

/** `fetchinvoice` arguments → fetchInvoice params (or UsageError). */
export function fetchParams({ values, positionals }: CommandArgs): Parameters<NodeApi['fetchInvoice']>[0] {
  return {
    offer: bolt12Argument(positionals, 'OFFER (an lno… string)', FETCH_USAGE),
    ...opt('amountMsat', decimal(values, 'amount-msat')),
    ...opt('quantity', decimal(values, 'quantity')),
    ...opt('payerNote', text(values, 'payer-note')),
    ...opt('timeoutSeconds', integer(values, 'timeout', 1, 600)),
    ...(values.unchecked === true ? { unchecked: true } : {}),
  };
}

export const fetchinvoice: CliCommand = {
  name: 'fetchinvoice',
  summary: "request an invoice for someone's offer and wait for it (an invoice_error exits 1 with the issuer's words)",
  usage: FETCH_USAGE,
  arguments: [{ name: 'OFFER', describe: 'the offer (lno1…); a string the shell split at "+ " is joined back' }],
  options: {
    'amount-msat': { type: 'string', value: 'N', describe: 'what to pay in millisatoshi: required when the offer has no amount, else at least its amount × quantity' },
    quantity: { type: 'string', value: 'N', describe: 'how many items (offers with a quantity maximum)' },
    'payer-note': { type: 'string', value: 'TEXT', describe: 'a note for the issuer (at most 1000 characters)' },
    timeout: { type: 'string', value: 'SECONDS', describe: 'how long to wait for the invoice (1..600)' },
    unchecked: { type: 'boolean', describe: 'send even a request that breaks the payer\'s rules, to see how the issuer answers (developer tool)' },
  },
  examples: [`fetchinvoice ${EXAMPLE_OFFER}`, `fetchinvoice ${EXAMPLE_OFFER} --amount-msat 5000 --payer-note "thanks"`],
  details: ['An invoice_error from the issuer exits 1 with its words (offers.invoice_error).'],
  run: async (ctx, args) => {
    const params = fetchParams(args);
    try {
      return await withDaemon(ctx.datadir, ({ api }) => api.fetchInvoice(params));
    } catch (e) {
      // BOLT 12: an offer without offer_amount needs invreq_amount; say which flag sets it.
      if (isGlasswingError(e) && e.code === 'invoice_request.missing_amount') {
        throw new UsageError('this offer is for any amount: say how much to pay with --amount-msat N (in millisatoshi; 1 sat = 1000 msat)');
      }
      throw e;
    }
  },
};

function listFilter<R extends string>(values: CommandArgs['values'], roles: readonly R[]): { role?: R; offerId?: string; limit?: number } {
  const role = values.role;
  if (role !== undefined && (typeof role !== 'string' || !(roles as readonly string[]).includes(role))) throw new UsageError(`--role must be one of ${roles.join(', ')}`);
  const offerId = values.offer === undefined ? undefined : String(values.offer).toLowerCase();
  if (offerId !== undefined && !HEX32.test(offerId)) throw new UsageError('--offer takes an offer (or refund) id: 64 hex characters');
  return { ...opt('role', role as R | undefined), ...opt('offerId', offerId), ...opt('limit', integer(values, 'limit', 1, 10_000)) };
}

export const listinvoices: CliCommand = {
  name: 'listinvoices',
  summary: 'BOLT 12 invoices we issued or received (newest N, oldest first) and the BOLT 11 invoices we issued (newest first)',
  usage: 'listinvoices [--kind bolt11|bolt12] [--role issued|received] [--offer ID] [--limit N]',
  options: {
    kind: { type: 'string', value: 'bolt11|bolt12', describe: 'only BOLT 11 or only BOLT 12 invoices (default: both)' },
    role: { type: 'string', value: 'issued|received', describe: 'invoices we issued, or received from issuers (default: both; BOLT 11 ones are always ours)' },
    offer: { type: 'string', value: 'ID', describe: 'only those for this offer (or refund) id' },
    limit: { type: 'string', value: 'N', describe: 'the newest N (1..10000)' },
  },
  examples: ['listinvoices --role received --limit 10', 'listinvoices --kind bolt11'],
  run: (ctx, { values }) => {
    const kind = values.kind;
    if (kind !== undefined && kind !== 'bolt11' && kind !== 'bolt12') throw new UsageError('--kind must be bolt11 or bolt12');
    const filter = listFilter(values, ['issued', 'received'] as const);
    // BOLT 11 invoices are ours only, and belong to no offer: --role received and --offer ask for BOLT 12 ones.
    const bolt11 = kind !== 'bolt12' && filter.role !== 'received' && filter.offerId === undefined;
    const bolt12 = kind !== 'bolt11';
    return withDaemon(ctx.datadir, async ({ api }) => ({
      ...(bolt12 ? { invoices: (await api.listInvoices(filter)).invoices } : {}),
      ...(bolt11 ? { bolt11: (await api.listBolt11Invoices(filter.limit !== undefined ? { limit: filter.limit } : {})).invoices } : {}),
    }));
  },
};

export const listinvoicerequests: CliCommand = {
  name: 'listinvoicerequests',
  summary: 'invoice requests received for our offers, sent for others, and our refunds',
  usage: 'listinvoicerequests [--role received|sent|refund] [--offer ID] [--limit N]',
  options: {
    role: { type: 'string', value: 'received|sent|refund', describe: 'requests received for our offers, sent for others\', or our refunds (default: all)' },
    offer: { type: 'string', value: 'ID', describe: 'only those for this offer (or refund) id' },
    limit: { type: 'string', value: 'N', describe: 'the newest N (1..10000)' },
  },
  examples: ['listinvoicerequests --role received'],
  run: (ctx, { values }) => {
    const filter = listFilter(values, ['received', 'sent', 'refund'] as const);
    return withDaemon(ctx.datadir, ({ api }) => api.listInvoiceRequests(filter));
  },
};

const REFUND_USAGE =
  'createrefund --description D --amount-msat N [--issuer S] [--expiry UNIX] [--payer-note S] [--quantity N] [--path-via NODEID[,NODEID]]... [--dummy-hops N]';

/** `createrefund` arguments → createRefund params (or UsageError). */
export function refundParams({ values, positionals }: CommandArgs): Parameters<NodeApi['createRefund']>[0] {
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}": ${REFUND_USAGE}`);
  const description = text(values, 'description');
  const amountMsat = decimal(values, 'amount-msat');
  if (description === undefined || amountMsat === undefined) throw new UsageError(`--description and --amount-msat are required: ${REFUND_USAGE}`);
  const paths = pathVia(values);
  return {
    description, amountMsat,
    ...opt('issuer', text(values, 'issuer')),
    ...opt('absoluteExpiry', integer(values, 'expiry', 1, 2 ** 40)),
    ...opt('payerNote', text(values, 'payer-note')),
    ...opt('quantity', decimal(values, 'quantity')),
    ...(paths.length ? { paths } : {}),
    ...opt('dummyHops', integer(values, 'dummy-hops', 0, 8)),
  };
}

export const createrefund: CliCommand = {
  name: 'createrefund',
  summary: 'create a refund (lnr…): an offer to send money, for the payee to answer with sendinvoice',
  usage: REFUND_USAGE,
  options: {
    description: { type: 'string', value: 'TEXT', describe: 'what the money is for (required)' },
    'amount-msat': { type: 'string', value: 'N', describe: 'how much we will pay, in millisatoshi (required)' },
    issuer: { type: 'string', value: 'TEXT', describe: 'who pays, as the payee\'s wallet shows it' },
    expiry: { type: 'string', value: 'UNIX', describe: 'when the refund expires, in seconds since 1970' },
    'payer-note': { type: 'string', value: 'TEXT', describe: 'a note for the payee' },
    quantity: { type: 'string', value: 'N', describe: 'how many items' },
    'path-via': PATH_VIA,
    'dummy-hops': DUMMY_HOPS,
  },
  examples: ['createrefund --description "returned mug" --amount-msat 2000000'],
  run: (ctx, args) => {
    const params = refundParams(args);
    return withDaemon(ctx.datadir, ({ api }) => api.createRefund(params));
  },
};

const SEND_INVOICE_USAGE = 'sendinvoice REFUND [--timeout SECONDS]';

export const sendinvoice: CliCommand = {
  name: 'sendinvoice',
  summary: "send an invoice for someone's refund (lnr…); waits --timeout s (default 5) for an invoice_error",
  usage: SEND_INVOICE_USAGE,
  arguments: [{ name: 'REFUND', describe: 'someone\'s refund (lnr1…)' }],
  options: { timeout: { type: 'string', value: 'SECONDS', describe: 'how long to wait for an invoice_error before reporting success (0..600, default 5)' } },
  examples: ['sendinvoice lnr1qqs… --timeout 10'],
  run: (ctx, { values, positionals }) => {
    const refund = bolt12Argument(positionals, 'REFUND (an lnr… string)', SEND_INVOICE_USAGE);
    const timeoutSeconds = integer(values, 'timeout', 0, 600);
    return withDaemon(ctx.datadir, ({ api }) => api.sendInvoice({ refund, ...opt('timeoutSeconds', timeoutSeconds) }));
  },
};
