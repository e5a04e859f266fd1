/**
 * Async payments commands (issue 16): asyncoffer (R: the offer its LSP serves), listheldhtlcs (an
 * LSP as L1: the HTLCs it holds until released), liststaticinvoices (an LSP as L2: the static
 * invoices it serves). The role itself is configuration: `glasswing daemon --async-role …`.
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
