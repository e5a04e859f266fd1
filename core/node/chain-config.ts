/**
 * Which chain source the node follows, as the daemon's options, config.json and Settings give it:
 * `none` (the default: the node runs without a chain), bitcoind-compatible JSON-RPC with the
 * credentials in the URL or a cookie file, or an Esplora HTTP API. Checked here once, whoever
 * gives it; the credentials stay in the configuration and never reach logs, events or API answers
 * (`chainEndpoint` is what is shown).
 */
import { DEFAULT_ESPLORA_URLS, redactUrl } from '../runtime/chain';
import { GlasswingError } from '../errors';
import type { Network } from './types';

export type ChainSourceChoice = 'none' | 'bitcoind-rpc' | 'esplora';
export const CHAIN_SOURCE_CHOICES: readonly ChainSourceChoice[] = ['none', 'bitcoind-rpc', 'esplora'];

export type ChainConfig =
  | { readonly kind: 'none' }
  /** `rpcUrl`: `http://USER:PASS@HOST:PORT`, or without credentials when `rpcCookie` (bitcoind's .cookie file) is given. */
  | { readonly kind: 'bitcoind-rpc'; readonly rpcUrl: string; readonly rpcCookie?: string }
  | { readonly kind: 'esplora'; readonly esploraUrl: string };

export const NO_CHAIN: ChainConfig = Object.freeze({ kind: 'none' });

/** A chain configuration that cannot work; `code` is the caller's (config.*, settings.*, api.invalid_params). */
export class ChainConfigError extends GlasswingError {}

/** The fields a configuration is given as (flags, config.json, an API call); the kind may be implied. */
export interface ChainConfigInput {
  readonly kind?: unknown;
  readonly rpcUrl?: unknown;
  readonly rpcCookie?: unknown;
  readonly esploraUrl?: unknown;
}

/**
 * Checks a chain configuration for `network`. Without a kind, the fields given say which
 * (`rpcUrl`/`rpcCookie`: bitcoind-rpc; `esploraUrl`: esplora; none: no chain). Esplora without a
 * URL takes Blockstream's for mainnet, testnet and signet. Errors carry `code` and name the field
 * as `names` spells it (e.g. `--rpc-url` on the command line).
 */
export function checkChainConfig(
  input: ChainConfigInput,
  network: Network,
  code: string,
  names: { readonly kind: string; readonly rpcUrl: string; readonly rpcCookie: string; readonly esploraUrl: string },
): ChainConfig {
  const bad = (message: string): never => {
    throw new ChainConfigError(code, message);
  };
  for (const field of ['rpcUrl', 'rpcCookie', 'esploraUrl'] as const) {
    const v = input[field];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0 || v.length > 2048)) bad(`${names[field]} must be a non-empty string`);
  }
  const rpcUrl = input.rpcUrl as string | undefined;
  const rpcCookie = input.rpcCookie as string | undefined;
  const esploraUrl = input.esploraUrl as string | undefined;
  const rpcGiven = rpcUrl !== undefined || rpcCookie !== undefined;
  let kind = input.kind;
  if (kind === undefined) kind = rpcGiven && esploraUrl !== undefined ? bad(`give either the RPC options or ${names.esploraUrl}, not both`) : rpcGiven ? 'bitcoind-rpc' : esploraUrl !== undefined ? 'esplora' : 'none';
  if (typeof kind !== 'string' || !(CHAIN_SOURCE_CHOICES as readonly string[]).includes(kind)) bad(`${names.kind} must be one of ${CHAIN_SOURCE_CHOICES.join(', ')}`);
  switch (kind as ChainSourceChoice) {
    case 'none':
      if (rpcGiven || esploraUrl !== undefined) bad(`${names.kind} none takes no source options`);
      return NO_CHAIN;
    case 'bitcoind-rpc': {
      if (esploraUrl !== undefined) bad(`${names.esploraUrl} is for ${names.kind} esplora`);
      if (rpcUrl === undefined) return bad(`${names.kind} bitcoind-rpc needs ${names.rpcUrl} http://USER:PASS@HOST:PORT (or http://HOST:PORT with ${names.rpcCookie} FILE)`);
      const url = checkHttpUrl(rpcUrl, names.rpcUrl, bad);
      if (!url.username && rpcCookie === undefined) bad(`${names.rpcUrl} has no USER:PASS: put them in the URL or give ${names.rpcCookie} FILE`);
      return rpcCookie === undefined ? { kind: 'bitcoind-rpc', rpcUrl } : { kind: 'bitcoind-rpc', rpcUrl, rpcCookie };
    }
    case 'esplora': {
      if (rpcGiven) bad(`${names.rpcUrl} and ${names.rpcCookie} are for ${names.kind} bitcoind-rpc`);
      const chosen = esploraUrl ?? DEFAULT_ESPLORA_URLS[network];
      if (chosen === undefined) return bad(`${names.kind} esplora on ${network} needs ${names.esploraUrl} URL (there is no public one)`);
      checkHttpUrl(chosen, names.esploraUrl, bad);
      return { kind: 'esplora', esploraUrl: chosen.replace(/\/+$/, '') };
    }
  }
}

function checkHttpUrl(value: string, name: string, bad: (message: string) => never): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return bad(`${name} is not a URL (expected http://HOST:PORT…)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') bad(`${name} must start with http:// or https://`);
  if (!url.hostname) bad(`${name} has no host`);
  return url;
}

/** Where the source is, without credentials (`http://127.0.0.1:18443`), or null without a chain. */
export function chainEndpoint(config: ChainConfig): string | null {
  if (config.kind === 'none') return null;
  return redactUrl(new URL(config.kind === 'bitcoind-rpc' ? config.rpcUrl : config.esploraUrl));
}

/** The same source (for "applies at the next start" notes). */
export function sameChainConfig(a: ChainConfig, b: ChainConfig): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'bitcoind-rpc' && b.kind === 'bitcoind-rpc') return a.rpcUrl === b.rpcUrl && a.rpcCookie === b.rpcCookie;
  if (a.kind === 'esplora' && b.kind === 'esplora') return a.esploraUrl === b.esploraUrl;
  return true;
}
