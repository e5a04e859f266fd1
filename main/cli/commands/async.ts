/**
 * Async payments commands (issue 16): asyncoffer (R: the offer its LSP serves), listheldhtlcs (an
 * LSP as L1: the HTLCs it holds until released), liststaticinvoices (an LSP as L2: the static
 * invoices it serves), asyncrecipientpaths (an LSP as L2: the paths a client asks for offer paths
 * over, to give it out of band). The role itself is configuration: `glasswing daemon --async-role …`.
 */
import type { CliCommand } from '../command';
import { NODE_ID, UsageError } from '../command';
import { withDaemon } from '../daemon-client';

export const asyncoffer: CliCommand = {
  name: 'asyncoffer',
  summary: 'R (--async-role recipient): the offer its LSP serves while we are offline (null until the LSP keeps the static invoice), and its slots',
  usage: 'asyncoffer',
  options: {},
  examples: ['asyncoffer'],
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.asyncOffer({})),
};

export const listheldhtlcs: CliCommand = {
  name: 'listheldhtlcs',
  summary: 'an LSP (--async-role lsp): the HTLCs held until their recipient releases them (deadline height, release window)',
  usage: 'listheldhtlcs',
  options: {},
  examples: ['listheldhtlcs'],
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.listHeldHtlcs({})),
};

export const asyncrecipientpaths: CliCommand = {
  name: 'asyncrecipientpaths',
  summary: 'an LSP (--async-role lsp): blinded paths (hex) a client — a channel peer — asks for offer paths over; give them to it out of band (an LDK recipient\'s server paths)',
  usage: 'asyncrecipientpaths NODEID [--count N]',
  options: { count: { type: 'string', value: 'N', describe: 'how many paths (1 to 8; default 1)' } },
  examples: ['asyncrecipientpaths 02…'],
  run: (ctx, { values, positionals }) => {
    const recipient = positionals[0];
    if (recipient === undefined || !NODE_ID.test(recipient)) throw new UsageError('asyncrecipientpaths takes the client\'s node id (66 hex characters)');
    const c = values.count;
    const count = c === undefined ? undefined : Number(c);
    if (count !== undefined && (!Number.isInteger(count) || count < 1 || count > 8)) throw new UsageError('--count takes a whole number from 1 to 8');
    return withDaemon(ctx.datadir, ({ api }) => api.asyncRecipientPaths(count === undefined ? { recipient } : { recipient, count }));
  },
};

export const liststaticinvoices: CliCommand = {
  name: 'liststaticinvoices',
  summary: 'an LSP (--async-role lsp): the static invoices served for its often-offline clients',
  usage: 'liststaticinvoices [--recipient NODEID]',
  options: { recipient: { type: 'string', value: 'NODEID', describe: 'only this client\'s' } },
  examples: ['liststaticinvoices'],
  run: (ctx, { values }) => {
    const r = values.recipient;
    if (r !== undefined && (typeof r !== 'string' || !NODE_ID.test(r))) throw new UsageError('--recipient takes a node id (66 hex characters)');
    return withDaemon(ctx.datadir, ({ api }) => api.listStaticInvoices(typeof r === 'string' ? { recipient: r } : {}));
  },
};
