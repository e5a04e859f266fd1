/**
 * Addresses and output scripts for the node's network, through @scure/btc-signer (BIP 173 /
 * BIP 350 bech32(m), base58check): we do not hand-write address codecs. Also the dust threshold
 * of an output script, as BOLT 3 "Dust Limits" computes it.
 */
import { Address, NETWORK, OutScript, TEST_NETWORK } from '@scure/btc-signer';
import type { BTC_NETWORK } from '@scure/btc-signer/utils.js';
import type { Network } from '../wire';
import { WalletError } from './errors';

/** bech32 human-readable parts and base58 version bytes (BIP 173; Bitcoin Core chainparams). */
const REGTEST: BTC_NETWORK = { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef };

export function addressParams(network: Network): BTC_NETWORK {
  switch (network) {
    case 'mainnet':
      return NETWORK;
    case 'regtest':
      return REGTEST;
    default:
      // testnet, testnet4 and signet share `tb` and the testnet base58 versions.
      return TEST_NETWORK;
  }
}

const FAMILIES: readonly { readonly name: string; readonly params: BTC_NETWORK }[] = [
  { name: 'mainnet', params: NETWORK },
  { name: 'testnet/signet', params: TEST_NETWORK },
  { name: 'regtest', params: REGTEST },
];

/**
 * The output script an address pays to, if the address is valid for `network`. P2PKH, P2SH,
 * P2WPKH, P2WSH and P2TR; witness versions 2–16 are refused (nothing can spend them yet).
 */
export function addressToScript(address: string, network: Network): Uint8Array {
  if (typeof address !== 'string' || address.length === 0 || address.length > 128) {
    throw new WalletError('wallet.bad_address', 'an address is 1 to 128 characters of text');
  }
  try {
    return OutScript.encode(Address(addressParams(network)).decode(address) as Parameters<typeof OutScript.encode>[0]);
  } catch (e) {
    const other = FAMILIES.find((f) => f.params !== addressParams(network) && decodes(address, f.params));
    if (other) {
      throw new WalletError('wallet.bad_address', `that is a ${other.name} address; this wallet is on ${network}`, { addressNetwork: other.name });
    }
    throw new WalletError('wallet.bad_address', `not a valid ${network} address (${(e as Error).message})`);
  }
}

function decodes(address: string, params: BTC_NETWORK): boolean {
  try {
    Address(params).decode(address);
    return true;
  } catch {
    return false;
  }
}

/** The address of an output script on `network`, or null for scripts without one. */
export function scriptToAddress(script: Uint8Array, network: Network): string | null {
  try {
    return Address(addressParams(network)).encode(OutScript.decode(script));
  } catch {
    return null;
  }
}

/** OP_0 <20 bytes> / OP_0 <32 bytes> / OP_1..OP_16 <2..40 bytes>: a witness program (BIP 141). */
export function isWitnessProgram(script: Uint8Array): boolean {
  if (script.length < 4 || script.length > 42) return false;
  const version = script[0]!;
  if (version !== 0x00 && (version < 0x51 || version > 0x60)) return false;
  return script[1] === script.length - 2;
}

/** True for P2WSH: OP_0 <32 bytes>. */
export function isP2wsh(script: Uint8Array): boolean {
  return script.length === 34 && script[0] === 0x00 && script[1] === 0x20;
}

/**
 * Below this many sat an output of `script` is dust and not relayed. BOLT 3 "Dust Limits":
 * (output size + the input size spending it) × 3000 sat/kB, the input counted as 67 bytes for a
 * witness program and 148 bytes otherwise; `OP_RETURN` outputs are never dust. (P2WPKH 294,
 * P2WSH and P2TR 330, P2SH 540, P2PKH 546.)
 */
export function dustThreshold(script: Uint8Array): bigint {
  if (script.length > 0 && script[0] === 0x6a) return 0n; // OP_RETURN
  const outputSize = 8 + compactSizeLength(script.length) + script.length;
  const inputSize = isWitnessProgram(script) ? 67 : 148;
  return BigInt(((outputSize + inputSize) * 3000) / 1000);
}

export function compactSizeLength(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}
