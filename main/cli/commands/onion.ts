/**
 * `glasswing onion create|peel`: developer tools for BOLT 4 onions that run without a daemon.
 *
 *   onion create --session-key HEX [--assoc-data HEX] --hop PUBKEY:PAYLOADHEX [--hop ...] [--size 1300|32768]
 *     prints {"onion": HEX}. PAYLOADHEX is the hop's TLV stream without its length prefix.
 *   onion peel --privkey HEX --onion HEX [--assoc-data HEX] [--path-key HEX]
 *     prints {"payload", "final", "next_onion"} and, for a blinded hop, "encrypted_data" and
 *     "next_path_key". With --assoc-data the onion is a payment onion (1,366 bytes); without, an
 *     onion message (any size, no associated data), as BOLT 4 defines them.
 * The work is in onion-tool.ts, loaded when the command runs.
 */
import type { CliCommand } from '../command';
import { UsageError } from '../command';

export const CREATE_USAGE = 'onion create --session-key HEX [--assoc-data HEX] --hop PUBKEY:PAYLOADHEX [--hop ...] [--size 1300|32768]';
export const PEEL_USAGE = 'onion peel --privkey HEX --onion HEX [--assoc-data HEX] [--path-key HEX]';

export const onion: CliCommand = {
  name: 'onion',
  summary: 'build or peel a BOLT 4 onion locally (developer tool, no daemon needed)',
  usage: 'onion create|peel [options]',
  arguments: [
    { name: 'create', describe: 'build an onion: ' + CREATE_USAGE.slice('onion create '.length) },
    { name: 'peel', describe: 'peel one layer: ' + PEEL_USAGE.slice('onion peel '.length) },
  ],
  options: {
    'session-key': { type: 'string', value: 'HEX', describe: 'create: the 32-byte session key' },
    'assoc-data': { type: 'string', value: 'HEX', describe: 'the associated data (a payment onion commits to the payment hash); without it, an onion message' },
    hop: { type: 'string', multiple: true, value: 'PUBKEY:PAYLOADHEX', describe: 'create: a hop\'s node id and its TLV payload without the length prefix (repeat, in order)' },
    size: { type: 'string', value: '1300|32768', describe: 'create: the packet\'s payload size (default 1300)' },
    privkey: { type: 'string', value: 'HEX', describe: 'peel: the hop\'s private key' },
    onion: { type: 'string', value: 'HEX', describe: 'peel: the onion packet' },
    'path-key': { type: 'string', value: 'HEX', describe: 'peel: the blinded path key that came with the onion' },
  },
  examples: [
    'onion create --session-key 4141…41 --hop 02eec7…6619:0203020000 --hop 0324653e…1c:0203020000',
    'onion peel --privkey 4141…41 --onion 0002eec7…',
  ],
  details: ['Prints {"onion": HEX} (create), or {"payload", "final", "next_onion"} and, for a blinded hop, "encrypted_data" and "next_path_key" (peel).'],
  run: async (_ctx, { positionals, values }) => {
    const sub = positionals[0];
    if ((sub === 'create' || sub === 'peel') && positionals.length === 1) {
      const tool = await import('./onion-tool');
      return sub === 'create' ? tool.create(values) : tool.peel(values);
    }
    throw new UsageError(`expected one subcommand: ${CREATE_USAGE} | ${PEEL_USAGE}`);
  },
};
