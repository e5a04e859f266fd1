/**
 * `glasswing decode STRING`: describes a BOLT 11 invoice or a BOLT 12 string offline (no daemon):
 * kind, every field, unknown or skipped fields and every parse or semantic error with an explanation.
 *
 *   decode lnbc…|lntb…|lntbs…|lnbcrt…|lnsb…  [--now SECONDS] [--network bitcoin,testnet,…|any]
 *   decode lno1…|lnr1…|lni1…  [--now SECONDS] [--network bitcoin,testnet,…|any]
 *   decode --kind invoice_error|static_invoice|offer|invoice_request|invoice HEX
 *
 * The networks a string is checked against: --network; else the network of the node in the data
 * directory (a running daemon's api.json, else its config.json — so `glasswing --datadir D decode`
 * accepts what D's node accepts); else bitcoin. The output says which (`checkedNetworks`).
 *
 * The kind is told by the prefix: `ln` + a BOLT 11 currency (bc, tb, tbs, bcrt, sb) followed by an
 * amount digit or the separator is BOLT 11 (an optional `lightning:` scheme is dropped); anything
 * else is read as BOLT 12, as before.
 *
 * Exit status: the description is always printed on stdout when the input could be looked at;
 * the exit code is 0 when it has no error and 1 when it has any (parse or semantic), so scripts
 * can test validity without parsing JSON. Bad arguments exit 2 as for every command.
 */
import type { Bolt11Network } from '../../../core/invoices';
import type { Bolt12Kind } from '../../../core/offers';
import type { CliCommand, CliContext, CommandArgs } from '../command';
import { UsageError } from '../command';
import { nodeNetwork } from '../daemon-client';
import type { Network } from '../../../core/api';

const KINDS: readonly Bolt12Kind[] = ['offer', 'invoice_request', 'invoice', 'invoice_error', 'static_invoice'];

/** A node's network by its BOLT 12 chain name. */
const CHAIN_OF: Readonly<Record<Network, string>> = { mainnet: 'bitcoin', testnet: 'testnet', signet: 'signet', regtest: 'regtest' };

/**
 * `--network` as given, else the node's network as a `--network` value, else bitcoin; with where
 * it came from.
 */
function networkNames(ctx: CliContext, values: CommandArgs['values']): { names: string; from: string } {
  if (typeof values.network === 'string') return { names: values.network, from: '--network' };
  const node = nodeNetwork(ctx.datadir);
  if (node) return { names: CHAIN_OF[node.network], from: `the node in ${ctx.datadir} (${node.from})` };
  return { names: 'bitcoin', from: 'default' };
}

/** The BOLT 12 chain names --network takes (core/offers' CHAIN_HASHES; a unit test holds them equal). */
export const CHAIN_NAMES = ['bitcoin', 'testnet', 'testnet4', 'signet', 'regtest'] as const;

function chainNames(values: CommandArgs['values']): string[] {
  const v = values.network;
  if (v === undefined) return ['bitcoin'];
  if (typeof v !== 'string') throw new UsageError('--network takes a comma-separated list');
  if (v === 'any') return [...CHAIN_NAMES];
  return v.split(',').map((name) => {
    if (!(CHAIN_NAMES as readonly string[]).includes(name.trim())) throw new UsageError(`--network: unknown network "${name}" (${CHAIN_NAMES.join(', ')} or any)`);
    return name.trim();
  });
}

/** --network names (BOLT 12 chain names) as BOLT 11 networks; testnet4 shares testnet's lntb. */
const BOLT11_NETWORKS: Readonly<Record<string, Bolt11Network[]>> = {
  bitcoin: ['mainnet'],
  testnet: ['testnet'],
  testnet4: ['testnet'],
  signet: ['signet'],
  regtest: ['regtest'],
  any: ['mainnet', 'testnet', 'signet', 'regtest', 'simnet'],
};

function bolt11Networks(values: CommandArgs['values']): Bolt11Network[] {
  chainNames(values); // the same names and the same usage errors as for BOLT 12
  const v = typeof values.network === 'string' ? values.network : 'bitcoin';
  return v.split(',').flatMap((name) => BOLT11_NETWORKS[name.trim()] ?? []);
}

function nowOption(values: CommandArgs['values']): number {
  const v = values.now;
  if (v === undefined) return Math.floor(Date.now() / 1000); // the CLI is the edge that owns the clock
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new UsageError('--now takes seconds since the epoch');
  return Number(v);
}

export const decode: CliCommand = {
  name: 'decode',
  summary: 'describe a BOLT 11 invoice or a BOLT 12 offer / invoice_request / invoice offline (exit 1 if it has errors)',
  usage: 'decode [--kind KIND] [--now SECONDS] [--network NAMES|any] STRING',
  arguments: [{ name: 'STRING', describe: 'a BOLT 11 invoice (lnbc…, lntb…, lnbcrt…) or a BOLT 12 offer, refund or invoice (lno…, lnr…, lni…); with --kind, hex' }],
  options: {
    kind: { type: 'string', value: 'KIND', describe: `read hex bytes as this BOLT 12 message: ${KINDS.join(', ')}` },
    now: { type: 'string', value: 'SECONDS', describe: 'judge expiry at this time (seconds since 1970; default now)' },
    network: {
      type: 'string', value: 'NAMES|any',
      describe: 'accepted networks, comma-separated: bitcoin, testnet, testnet4, signet, regtest, or any (default: the node\'s network, else bitcoin)',
    },
  },
  examples: ['decode lno1qgsqvgnwgcg35z6ee2h3yc…', '--datadir ~/gw decode lnbcrt1…', 'decode --network any lnbc2500u1pvjluez…'],
  details: [
    'Works offline (no daemon). Prints every field and every parse or semantic error with an explanation;',
    'exits 0 for a valid string, 1 when it has errors, 2 for bad arguments.',
  ],
  async run(cliCtx, args) {
    // A string split by the shell at "+ " continuations is joined back with the whitespace.
    const input = args.positionals.join(' ').trim();
    if (input.length === 0) throw new UsageError('a BOLT 11 or BOLT 12 string (or hex with --kind) is required');
    const { names, from } = networkNames(cliCtx, args.values);
    const values = { ...args.values, network: names };
    const checkedNetworks = { networks: names.split(','), from };
    // Loaded here, not at start: the other commands need none of it.
    const [{ describeBolt11, looksLikeBolt11 }, { CHAIN_HASHES, decodeBolt12, describeBolt12Bytes }, { fromHex }] = await Promise.all([
      import('../../../core/invoices'), import('../../../core/offers'), import('../../../core/crypto'),
    ]);
    if (args.values.kind === undefined && looksLikeBolt11(input)) {
      const description = describeBolt11(input, { nowSeconds: nowOption(values), networks: bolt11Networks(values) });
      if (!description.valid) process.exitCode = 1;
      return { ...description, checkedNetworks };
    }
    const ctx = { nowSeconds: nowOption(values), chains: chainNames(values).map((name) => CHAIN_HASHES[name as keyof typeof CHAIN_HASHES]) };
    const kind = args.values.kind;
    let description;
    if (kind === undefined) {
      description = decodeBolt12(input, ctx);
    } else {
      if (typeof kind !== 'string' || !KINDS.includes(kind as Bolt12Kind)) throw new UsageError(`--kind must be one of ${KINDS.join(', ')}`);
      let bytes: Uint8Array;
      try {
        bytes = fromHex(input, 'message');
      } catch {
        throw new UsageError('with --kind the message is given as hex');
      }
      description = describeBolt12Bytes(kind as Bolt12Kind, bytes, ctx);
    }
    if (!description.valid) process.exitCode = 1;
    return { ...description, checkedNetworks };
  },
};
