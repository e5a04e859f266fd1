/**
 * Chain hashes as BOLT 12 uses them (`chain_hash`, BOLT 0: the genesis block hash in internal,
 * i.e. reversed display, byte order), and the validation context the readers take.
 */
import { equalBytes, fromHex, toHex } from '../crypto';

export const CHAIN_HASHES = {
  bitcoin: fromHex('6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000'),
  testnet: fromHex('43497fd7f826957108f4a30fd9cec3aeba79972084e90ead01ea330900000000'),
  testnet4: fromHex('43f08bdab050e35b567c864b91f47f50ae725ae2de53bcfbbaf284da00000000'),
  signet: fromHex('f61eee3b63a380a477a063af32b2bbc97c9ff9f01f2c4225e973988108000000'),
  regtest: fromHex('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f'),
} as const;
export type ChainName = keyof typeof CHAIN_HASHES;

/** The name of a known chain hash, or undefined. */
export function chainName(hash: Uint8Array): ChainName | undefined {
  for (const [name, h] of Object.entries(CHAIN_HASHES)) if (equalBytes(h, hash)) return name as ChainName;
  return undefined;
}

export function describeChain(hash: Uint8Array): string {
  return chainName(hash) ?? toHex(hash);
}

/** What a reader needs from its surroundings to judge a message (sans-I/O). */
export interface Bolt12Context {
  /** The current time in seconds since 1970-01-01 UTC, from the caller's clock. */
  readonly nowSeconds: bigint | number;
  /** Chains this node accepts. Default: bitcoin mainnet only. */
  readonly chains?: readonly Uint8Array[];
  /**
   * Converts `amount` in an ISO 4217 currency (in its minor unit, e.g. cents) to msat. When absent
   * or when it returns undefined, amounts in a currency are not compared with invreq_amount.
   */
  readonly convertCurrency?: (currency: string, amount: bigint) => bigint | undefined;
}

export function isChainSupported(ctx: Bolt12Context, chain: Uint8Array): boolean {
  const chains = ctx.chains ?? [CHAIN_HASHES.bitcoin];
  return chains.some((c) => equalBytes(c, chain));
}

export function nowOf(ctx: Bolt12Context): bigint {
  return typeof ctx.nowSeconds === 'bigint' ? ctx.nowSeconds : BigInt(Math.floor(ctx.nowSeconds));
}
