/**
 * `glasswing decode STRING`: describes a BOLT 11 invoice or a BOLT 12 string offline (no daemon):
 * kind, every field, unknown or skipped fields and every parse or semantic error with an explanation.
 *
 *   decode lnbc…|lntb…|lntbs…|lnbcrt…|lnsb…  [--now SECONDS] [--network bitcoin,testnet,…|any]
 *   decode lno1…|lnr1…|lni1…  [--now SECONDS] [--network bitcoin,testnet,…|any]
 *   decode --kind invoice_error|static_invoice|offer|invoice_request|invoice HEX
 *
 * The kind is told by the prefix: `ln` + a BOLT 11 currency (bc, tb, tbs, bcrt, sb) followed by an
 * amount digit or the separator is BOLT 11 (an optional `lightning:` scheme is dropped); anything
 * else is read as BOLT 12, as before.
 *
 * Exit status: the description is always printed on stdout when the input could be looked at;
 * the exit code is 0 when it has no error and 1 when it has any (parse or semantic), so scripts
 * can test validity without parsing JSON. Bad arguments exit 2 as for every command.
 */
import { fromHex } from '../../../core/crypto';
import type { Bolt11Network } from '../../../core/invoices';
import { describeBolt11, looksLikeBolt11 } from '../../../core/invoices';
import type { Bolt12Kind } from '../../../core/offers';
import { CHAIN_HASHES, decodeBolt12, describeBolt12Bytes } from '../../../core/offers';
import type { CliCommand, CommandArgs } from '../command';
import { UsageError } from '../command';

const KINDS: readonly Bolt12Kind[] = ['offer', 'invoice_request', 'invoice', 'invoice_error', 'static_invoice'];

function chainsOption(values: CommandArgs['values']): Uint8Array[] {
  const v = values.network;
  if (v === undefined) return [CHAIN_HASHES.bitcoin];
  if (typeof v !== 'string') throw new UsageError('--network takes a comma-separated list');
  if (v === 'any') return Object.values(CHAIN_HASHES);
  return v.split(',').map((name) => {
    const hash = (CHAIN_HASHES as Record<string, Uint8Array>)[name.trim()];
    if (!hash) throw new UsageError(`--network: unknown network "${name}" (${Object.keys(CHAIN_HASHES).join(', ')} or any)`);
    return hash;
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
  chainsOption(values); // the same names and the same usage errors as for BOLT 12
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
  options: {
    kind: { type: 'string' },
    now: { type: 'string' },
    network: { type: 'string' },
  },
  async run(_ctx, args) {
    // A string split by the shell at "+ " continuations is joined back with the whitespace.
    const input = args.positionals.join(' ').trim();
    if (input.length === 0) throw new UsageError('a BOLT 11 or BOLT 12 string (or hex with --kind) is required');
    if (args.values.kind === undefined && looksLikeBolt11(input)) {
      const description = describeBolt11(input, { nowSeconds: nowOption(args.values), networks: bolt11Networks(args.values) });
      if (!description.valid) process.exitCode = 1;
      return description;
    }
    const ctx = { nowSeconds: nowOption(args.values), chains: chainsOption(args.values) };
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
    return description;
  },
};
