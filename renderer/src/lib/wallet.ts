/**
 * The Wallet page's view logic, plain and pure: addresses, amounts and fee rates checked as they
 * are typed (each problem in words, never an exception), the send form turned into NodeApi params
 * or problems, confirmations counted from the chain's tip, and the chain's sync state in words.
 * The node checks everything again; this is so a person learns what is wrong before pressing Send.
 */
import { base58, bech32, bech32m } from '@scure/base';
import type { ChainInfo, ChainSyncInfo, FeeEstimateInfo, Network, WalletTxInfo } from '../../../core/api';
import { formatClock, formatDuration, plural } from './format';
import { groupDigits } from './amount';

/** 21 million BTC in sat. */
export const MAX_SAT = 2_100_000_000_000_000n;

/** The wallet's own limits (core/wallet: the relay minimum and its sanity cap), in sat/vB. */
export const MIN_FEE_RATE_SAT_VB = 1;
export const MAX_FEE_RATE_SAT_VB = 10_000;

export type AddressKind = 'p2wpkh' | 'p2wsh' | 'p2tr' | 'p2pkh' | 'p2sh';

export type AddressCheck =
  | { readonly kind: 'empty' }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'valid'; readonly address: string; readonly type: AddressKind };

/** bech32 prefixes (BIP 173) and base58 version bytes of each network. */
const NETWORK_OF_HRP: Readonly<Record<string, string>> = { bc: 'mainnet', tb: 'testnet or signet', bcrt: 'regtest' };
const HRP: Readonly<Record<Network, string>> = { mainnet: 'bc', testnet: 'tb', signet: 'tb', regtest: 'bcrt' };
const BASE58_VERSIONS: Readonly<Record<'main' | 'test', { readonly pkh: number; readonly sh: number }>> = {
  main: { pkh: 0x00, sh: 0x05 },
  test: { pkh: 0x6f, sh: 0xc4 },
};

function networkWords(n: Network): string {
  return n === 'testnet' || n === 'signet' ? 'testnet or signet' : n;
}

/**
 * Checks an address for `network` as typed: its checksum (bech32/bech32m, BIP 173/350; a base58
 * address's is checked by the node when the send is reviewed), its network, and the output types
 * this wallet pays (segwit v0 and v1, P2PKH, P2SH; future witness versions are refused, as the
 * node refuses them).
 */
export function checkAddress(text: string, network: Network): AddressCheck {
  const t = text.trim();
  if (t === '') return { kind: 'empty' };
  if (/\s/.test(t)) return { kind: 'invalid', reason: 'An address has no spaces.' };
  const lower = t.toLowerCase();
  const sep = lower.lastIndexOf('1');
  const hrp = sep > 0 ? lower.slice(0, sep) : '';
  if (hrp in NETWORK_OF_HRP) return checkSegwit(t, lower, hrp, network);
  if (/^[1-9A-HJ-NP-Za-km-z]+$/.test(t) && t.length >= 26 && t.length <= 35) return checkBase58(t, network);
  if (/^(lnbc|lntb|lnbcrt|lno|lni|lnr)/i.test(t)) return { kind: 'invalid', reason: 'That is a Lightning invoice or offer, not an on-chain address.' };
  return { kind: 'invalid', reason: `That is not a bitcoin address (${HRP[network]}1… on ${network}).` };
}

function checkSegwit(t: string, lower: string, hrp: string, network: Network): AddressCheck {
  if (t !== lower && t !== t.toUpperCase()) return { kind: 'invalid', reason: 'Mixed upper and lower case: an address is all one case.' };
  if (hrp !== HRP[network]) return { kind: 'invalid', reason: `That is a ${NETWORK_OF_HRP[hrp]} address; this node is on ${network}.` };
  const plain = bech32.decodeUnsafe(lower, 90);
  const modern = plain ? undefined : bech32m.decodeUnsafe(lower, 90);
  const decoded = plain ?? modern;
  if (!decoded || decoded.words.length === 0) return { kind: 'invalid', reason: 'The address has a typo: its checksum does not match.' };
  const version = decoded.words[0]!;
  let program: Uint8Array;
  try {
    program = bech32.fromWords(decoded.words.slice(1));
  } catch {
    return { kind: 'invalid', reason: 'The address has a typo: its data does not decode.' };
  }
  // BIP 350: version 0 uses bech32, versions 1 to 16 bech32m.
  if (version === 0 && !plain) return { kind: 'invalid', reason: 'A version 0 address must use bech32, not bech32m (BIP 350).' };
  if (version > 0 && !modern) return { kind: 'invalid', reason: 'A taproot (or later) address must use bech32m (BIP 350).' };
  if (version === 0 && program.length === 20) return { kind: 'valid', address: lower, type: 'p2wpkh' };
  if (version === 0 && program.length === 32) return { kind: 'valid', address: lower, type: 'p2wsh' };
  if (version === 1 && program.length === 32) return { kind: 'valid', address: lower, type: 'p2tr' };
  if (version > 16) return { kind: 'invalid', reason: 'The address has an impossible witness version.' };
  if (version >= 2) return { kind: 'invalid', reason: `Witness version ${version} addresses are not in use yet; the node does not pay them.` };
  return { kind: 'invalid', reason: `A version ${version} address with a ${program.length}-byte program does not exist.` };
}

function checkBase58(t: string, network: Network): AddressCheck {
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(t);
  } catch {
    return { kind: 'invalid', reason: 'That is not a bitcoin address.' };
  }
  if (bytes.length !== 25) return { kind: 'invalid', reason: 'That is not a bitcoin address (wrong length).' };
  // Its base58check checksum (double SHA-256) is the node's to check, at the review step: the
  // renderer has no synchronous SHA-256 (only core/crypto may use the hash libraries).
  const version = bytes[0]!;
  const want = network === 'mainnet' ? BASE58_VERSIONS.main : BASE58_VERSIONS.test;
  const other = network === 'mainnet' ? BASE58_VERSIONS.test : BASE58_VERSIONS.main;
  if (version === want.pkh) return { kind: 'valid', address: t, type: 'p2pkh' };
  if (version === want.sh) return { kind: 'valid', address: t, type: 'p2sh' };
  if (version === other.pkh || version === other.sh) {
    return { kind: 'invalid', reason: `That is a ${network === 'mainnet' ? 'test network' : 'mainnet'} address; this node is on ${networkWords(network)}.` };
  }
  return { kind: 'invalid', reason: 'That is not a bitcoin address (unknown version).' };
}

/** BOLT 3 "Dust Limits": the smallest output each type relays. */
export function dustLimitSat(type: AddressKind): bigint {
  switch (type) {
    case 'p2wpkh':
      return 294n;
    case 'p2wsh':
    case 'p2tr':
      return 330n;
    case 'p2sh':
      return 540n;
    case 'p2pkh':
      return 546n;
  }
}

export type SatCheck = { readonly kind: 'empty' } | { readonly kind: 'invalid'; readonly reason: string } | { readonly kind: 'valid'; readonly sat: bigint };

/** A whole number of sat as typed (digit grouping with `,`, `_` or spaces allowed). Never throws. */
export function parseSat(text: string): SatCheck {
  const t = text.trim().replace(/[\s_,]/g, '');
  if (t === '') return { kind: 'empty' };
  if (t.startsWith('-')) return { kind: 'invalid', reason: 'An amount cannot be negative.' };
  if (/^[0-9]*\.[0-9]*$/.test(t) && t !== '.') return { kind: 'invalid', reason: 'Whole sat only: the chain has no fractions of a sat.' };
  if (!/^[0-9]+$/.test(t)) return { kind: 'invalid', reason: 'Only digits.' };
  if (t.length > 16) return { kind: 'invalid', reason: 'More than 21 million bitcoin.' };
  const sat = BigInt(t);
  if (sat === 0n) return { kind: 'invalid', reason: 'Send more than 0 sat.' };
  if (sat > MAX_SAT) return { kind: 'invalid', reason: 'More than 21 million bitcoin.' };
  return { kind: 'valid', sat };
}

export type RateCheck = { readonly kind: 'empty' } | { readonly kind: 'invalid'; readonly reason: string } | { readonly kind: 'valid'; readonly satPerVb: number };

/** A fee rate in sat/vB as typed: at least the relay minimum, at most the wallet's cap, up to 3 decimals. */
export function parseFeeRate(text: string, minimum = MIN_FEE_RATE_SAT_VB): RateCheck {
  const t = text.trim().replace(/,/g, '.');
  if (t === '') return { kind: 'empty' };
  if (!/^[0-9]+(\.[0-9]+)?$/.test(t)) return { kind: 'invalid', reason: 'A number of sat per vbyte, e.g. 2 or 1.5.' };
  if ((t.split('.')[1] ?? '').length > 3) return { kind: 'invalid', reason: 'At most 3 decimals.' };
  const v = Number(t);
  if (v < minimum) return { kind: 'invalid', reason: `At least ${minimum} sat/vB${minimum === MIN_FEE_RATE_SAT_VB ? ' (the relay minimum)' : ' (what a replacement must pay)'}.` };
  if (v > MAX_FEE_RATE_SAT_VB) return { kind: 'invalid', reason: `At most ${groupDigits(BigInt(MAX_FEE_RATE_SAT_VB))} sat/vB.` };
  return { kind: 'valid', satPerVb: v };
}

export type FeeChoice = 'fast' | 'normal' | 'slow' | 'custom';

export const FEE_CHOICE_WORDS: Readonly<Record<FeeChoice, string>> = { fast: 'Fast', normal: 'Normal', slow: 'Slow', custom: 'Custom' };

/** "Fast · ~2 blocks · 12 sat/vB" for a fee choice. */
export function feeChoiceHint(choice: FeeChoice, fees: ChainInfo['fees']): string {
  if (choice === 'custom' || !fees) return 'A rate you choose, in sat per vbyte.';
  const f: FeeEstimateInfo = fees[choice];
  const origin = f.origin === 'fallback' ? ' (the node’s default: the chain source has no estimate)' : '';
  return `Within about ${plural(f.target, 'block')}: ${f.satPerVb} sat/vB${origin}.`;
}

export interface SendDraft {
  address: string;
  amount: string;
  all: boolean;
  fee: FeeChoice;
  customRate: string;
}

export function emptySendDraft(): SendDraft {
  return { address: '', amount: '', all: false, fee: 'normal', customRate: '' };
}

export type SendField = 'address' | 'amount' | 'fee';

export interface SendContext {
  readonly network: Network;
  /** What a withdraw may use now (sat), or null when unknown. */
  readonly availableSat: bigint | null;
  readonly fees: ChainInfo['fees'];
}

export interface SendCheck {
  readonly problems: Partial<Record<SendField, string>>;
  /** `withdraw` / `previewWithdraw` params when nothing is wrong. */
  readonly params: { readonly address: string; readonly amountSat: string; readonly feeRateSatVb?: number } | null;
}

/** The send form: each field's problem, or the params for the node. */
export function checkSendForm(d: SendDraft, ctx: SendContext): SendCheck {
  const problems: Partial<Record<SendField, string>> = {};
  const address = checkAddress(d.address, ctx.network);
  if (address.kind === 'empty') problems.address = 'Where to send: an address of this node’s network.';
  else if (address.kind === 'invalid') problems.address = address.reason;
  let amountSat: string | null = null;
  if (d.all) {
    if (ctx.availableSat !== null && ctx.availableSat <= 0n) problems.amount = 'Nothing to send: no coins are available yet.';
    else amountSat = 'all';
  } else {
    const a = parseSat(d.amount);
    if (a.kind === 'empty') problems.amount = 'How much to send, in sat (or send everything).';
    else if (a.kind === 'invalid') problems.amount = a.reason;
    else if (address.kind === 'valid' && a.sat < dustLimitSat(address.type)) {
      problems.amount = `Below the dust limit of that address type (${groupDigits(dustLimitSat(address.type))} sat): nodes would not relay it.`;
    } else if (ctx.availableSat !== null && a.sat > ctx.availableSat) {
      problems.amount = `More than the ${groupDigits(ctx.availableSat)} sat available (the fee comes on top).`;
    } else amountSat = a.sat.toString();
  }
  let feeRateSatVb: number | undefined;
  if (d.fee === 'custom') {
    const r = parseFeeRate(d.customRate);
    if (r.kind === 'empty') problems.fee = 'A fee rate in sat/vB.';
    else if (r.kind === 'invalid') problems.fee = r.reason;
    else feeRateSatVb = r.satPerVb;
  } else if (ctx.fees) {
    feeRateSatVb = ctx.fees[d.fee].satPerVb;
  } else {
    problems.fee = 'No fee estimates: the node has no chain.';
  }
  if (Object.keys(problems).length > 0 || address.kind !== 'valid' || amountSat === null) return { problems, params: null };
  return { problems, params: { address: address.address, amountSat, ...(feeRateSatVb !== undefined ? { feeRateSatVb } : {}) } };
}

/** Confirmations of a wallet transaction at the chain's tip (counting up as blocks come). */
export function confirmationsAt(tx: Pick<WalletTxInfo, 'state' | 'blockHeight' | 'confirmations'>, tipHeight: number | null): number {
  if (tx.state !== 'confirmed' || tx.blockHeight === null) return 0;
  if (tipHeight === null) return tx.confirmations;
  return Math.max(1, tipHeight - tx.blockHeight + 1);
}

/** Words and a badge tone for a transaction's state. */
export function txStateText(tx: WalletTxInfo, confirmations: number): { readonly text: string; readonly tone: 'good' | 'warn' | 'bad' | 'neutral' | 'accent' } {
  switch (tx.state) {
    case 'confirmed':
      return { text: `${confirmations} ${confirmations === 1 ? 'confirmation' : 'confirmations'}`, tone: confirmations >= 6 ? 'good' : 'accent' };
    case 'unconfirmed':
      return { text: 'Unconfirmed', tone: 'warn' };
    case 'replaced':
      return { text: 'Replaced', tone: 'neutral' };
    case 'conflicted':
      return { text: 'Double-spent', tone: 'bad' };
    case 'abandoned':
      return { text: 'Abandoned', tone: 'neutral' };
    case 'prepared':
      return { text: 'Prepared', tone: 'neutral' };
  }
}

const LABEL_WORDS: Readonly<Record<WalletTxInfo['label'], string>> = {
  deposit: 'Received', withdraw: 'Sent', funding: 'Channel funding', sweep: 'Swept in', cpfp: 'Fee bump (CPFP)', bump: 'Sent (fee bumped)', htlc_fee: 'HTLC claim fee',
};

export function txLabelText(tx: WalletTxInfo): string {
  if (tx.direction === 'self' && tx.label === 'withdraw') return 'To yourself';
  return LABEL_WORDS[tx.label];
}

/** The signed amount a history row shows: what came in, or what left (the fee included). */
export function txAmountSat(tx: WalletTxInfo): bigint {
  return BigInt(tx.netSat);
}

/** The chain's sync state in words, and how worried to be. */
export function syncText(sync: ChainSyncInfo, now: number): { readonly text: string; readonly tone: 'good' | 'warn' | 'bad' | 'neutral' } {
  switch (sync.state) {
    case 'none':
      return { text: 'No chain: the node runs without a chain source.', tone: 'neutral' };
    case 'starting':
      return { text: `Connecting to the chain source (since ${formatClock(sync.since)})…`, tone: 'neutral' };
    case 'in_sync':
      return { text: `In sync at block ${groupDigits(BigInt(sync.height))}.`, tone: 'good' };
    case 'out_of_sync': {
      const retry = Math.max(0, sync.retryAt - now);
      const at = sync.height === null ? '' : ` at block ${groupDigits(BigInt(sync.height))}`;
      return {
        text: `Out of sync${at} since ${formatClock(sync.since)}: ${problemWords(sync.reason.code)} (${sync.reason.message}). ${plural(sync.attempts, 'attempt')}; next try ${retry < 1000 ? 'now' : `in ${formatDuration(retry)}`}.`,
        tone: 'bad',
      };
    }
    case 'halted':
      return { text: `Stopped following the chain: ${sync.reason.message}`, tone: 'bad' };
  }
}

/** What a chain source failure code means, in words. */
export function problemWords(code: string): string {
  const words: Record<string, string> = {
    'chain.source.unreachable': 'the chain source cannot be reached',
    'chain.source.timeout': 'the chain source does not answer in time',
    'chain.source.auth': 'the chain source refused the credentials',
    'chain.source.http_status': 'the chain source answered with an HTTP error',
    'chain.source.rpc_error': 'the chain source refused a request',
    'chain.source.bad_response': 'the chain source answered nonsense',
    'chain.source.too_large': 'the chain source sent too much',
    'chain.source.not_found': 'the chain source does not know a block it named',
    'chain.source.wrong_network': 'the chain source follows another network',
    'chain.source.unsupported': 'the chain source cannot do what the node needs',
  };
  return words[code] ?? 'the chain source failed';
}

/** What the node said about a send, in words (a refused broadcast keeps its reason). */
export function broadcastText(kind: string): string {
  switch (kind) {
    case 'accepted':
      return 'The chain source took it into its mempool.';
    case 'already_known':
      return 'The chain source already had it.';
    case 'already_confirmed':
      return 'It is already in a block.';
    case 'source_down':
      return 'The chain source could not be reached: the node keeps the transaction and sends it again until it is taken.';
    default:
      return `The chain source answered ${kind}.`;
  }
}

/** `bitcoin:` URI for the receive QR code (BIP 21). */
export function receiveUri(address: string): string {
  return `bitcoin:${address}`;
}

/** Which send-form field a node error is about (the node checks again what the form checked). */
export function fieldOfError(code: string): SendField | null {
  if (code === 'wallet.bad_address') return 'address';
  if (['wallet.bad_amount', 'wallet.amount_below_dust', 'wallet.insufficient_funds', 'wallet.reserve_required'].includes(code)) return 'amount';
  if (code.startsWith('wallet.fee_rate') || code === 'wallet.bad_fee_rate') return 'fee';
  return null;
}

/** The Overview's line under the on-chain balance: what is spendable, or why there is nothing to show. */
export function onChainHint(chain: { readonly source: string; readonly state: string; readonly height: number | null }, balance: { readonly availableSat: string; readonly unconfirmedSat: string } | null): string {
  if (chain.source === 'none') return 'The node runs without a chain';
  if (chain.state === 'out_of_sync' || chain.state === 'halted') return 'Chain out of sync';
  if (chain.state === 'starting') return 'Connecting to the chain…';
  if (!balance) return 'Loading…';
  const pending = BigInt(balance.unconfirmedSat);
  return pending > 0n ? `${groupDigits(pending)} sat unconfirmed` : `${groupDigits(BigInt(balance.availableSat))} sat available`;
}

export type ChainKind = 'none' | 'bitcoind-rpc' | 'esplora';

export interface ChainDraft {
  kind: ChainKind;
  rpcUrl: string;
  rpcCookie: string;
  esploraUrl: string;
}

export type ChainField = 'rpcUrl' | 'rpcCookie' | 'esploraUrl';

/** Networks with a public Esplora server the node uses when no URL is given. */
const PUBLIC_ESPLORA: readonly Network[] = ['mainnet', 'testnet', 'signet'];

export interface ChainSettingCheck {
  readonly problems: Partial<Record<ChainField, string>>;
  /** `updateSettings({ chain })` when nothing is wrong. */
  readonly chain:
    | { readonly kind: 'none' }
    | { readonly kind: 'bitcoind-rpc'; readonly rpcUrl: string; readonly rpcCookie?: string }
    | { readonly kind: 'esplora'; readonly esploraUrl?: string }
    | null;
}

function httpUrlProblem(text: string): { url: URL } | { problem: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'Not a URL: http://HOST:PORT…' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'It must start with http:// or https://.' };
  if (!url.hostname) return { problem: 'The URL has no host.' };
  return { url };
}

/** The chain source form of Settings, checked as the node will check it (core/node/chain-config.ts). */
export function checkChainSetting(d: ChainDraft, network: Network): ChainSettingCheck {
  const problems: Partial<Record<ChainField, string>> = {};
  if (d.kind === 'none') return { problems, chain: { kind: 'none' } };
  if (d.kind === 'bitcoind-rpc') {
    const rpcUrl = d.rpcUrl.trim();
    const cookie = d.rpcCookie.trim();
    if (rpcUrl === '') problems.rpcUrl = 'The node’s RPC address: http://USER:PASS@HOST:PORT.';
    else {
      const r = httpUrlProblem(rpcUrl);
      if ('problem' in r) problems.rpcUrl = r.problem;
      else if (!r.url.username && cookie === '') problems.rpcUrl = 'No USER:PASS in it: add them, or give the cookie file below.';
    }
    if (Object.keys(problems).length > 0) return { problems, chain: null };
    return { problems, chain: cookie === '' ? { kind: 'bitcoind-rpc', rpcUrl } : { kind: 'bitcoind-rpc', rpcUrl, rpcCookie: cookie } };
  }
  const esploraUrl = d.esploraUrl.trim();
  if (esploraUrl === '') {
    if (PUBLIC_ESPLORA.includes(network)) return { problems, chain: { kind: 'esplora' } };
    problems.esploraUrl = `There is no public Esplora server for ${network}: give the URL of yours.`;
    return { problems, chain: null };
  }
  const r = httpUrlProblem(esploraUrl);
  if ('problem' in r) return { problems: { esploraUrl: r.problem }, chain: null };
  return { problems, chain: { kind: 'esplora', esploraUrl } };
}
