/**
 * What we accept when a peer opens a channel to us, and what we ask for in our own openings: the
 * BOLT 2 open_channel / accept_channel receiver rules ("MUST fail the channel if") plus a
 * user-settable acceptance policy for the "MAY fail the channel if" ones. Pure functions: a message
 * and a context in, our terms out, or an OpenError with the refusal reason (never anything else).
 */
import { equalBytes, isValidPublicKey } from '../../crypto';
import type { AcceptChannel, FeatureVector, OpenChannel } from '../../wire';
import { CHANNEL_FLAG_ANNOUNCE } from '../../wire';
import { funderCommitmentCostMsat } from '../fees';
import type { ChannelType } from '../scripts';
import { isValidShutdownScript } from '../shutdown-script';
import type { ChannelConfig } from '../state';
import type { ChannelTypeSpec } from './channel-type';
import { describeChannelType, negotiated, parseChannelType, sameChannelType } from './channel-type';
import { refusal } from './errors';

/** BOLT 2: "max_accepted_htlcs is greater than 483". */
export const MAX_ACCEPTED_HTLCS_LIMIT = 483;
/** BOLT 2: "dust_limit_satoshis is smaller than 354 satoshis". */
export const MIN_DUST_LIMIT_SAT = 354n;
/** BOLT 2: without option_support_large_channel, funding_satoshis is below 2^24. */
export const MAX_FUNDING_NO_WUMBO_SAT = (1n << 24n) - 1n;
const MAX_MONEY_SAT = 21_000_000n * 100_000_000n;

/** The user-settable part: what we accept of a peer's channel parameters (the BOLT 2 "MAY fail" rules and bounds of the "MUST" ones). */
export interface AcceptancePolicy {
  /** Smallest `funding_satoshis` we accept ("funding_satoshis is too small"). */
  readonly minFundingSat: bigint;
  /** Largest `funding_satoshis` we accept (besides the 2^24 limit without option_support_large_channel). */
  readonly maxFundingSat: bigint;
  /** Largest `push_msat` we accept (null: up to the funding). */
  readonly maxPushMsat: bigint | null;
  /** Largest `channel_reserve_satoshis` the peer may ask us to keep, in percent of the funding ("considers channel_reserve_satoshis too large"). */
  readonly maxChannelReservePercent: number;
  /** Largest `to_self_delay` ("to_self_delay is unreasonably large"): how long our funds may be locked after a unilateral close. */
  readonly maxToSelfDelay: number;
  /** Smallest `max_accepted_htlcs` ("considers max_accepted_htlcs too small"). */
  readonly minMaxAcceptedHtlcs: number;
  /** Largest `dust_limit_satoshis` ("considers dust_limit_satoshis too large"): static_remotekey channels, anchor channels. */
  readonly maxDustLimitSat: bigint;
  readonly maxDustLimitAnchorsSat: bigint;
  /** Largest `htlc_minimum_msat` (null: anything below the channel's value). */
  readonly maxHtlcMinimumMsat: bigint | null;
  /** Smallest `max_htlc_value_in_flight_msat`, in percent of the funding ("considers max_htlc_value_in_flight_msat too small"). */
  readonly minMaxHtlcValueInFlightPercent: number;
  /** `feerate_per_kw` bounds ("too small for timely processing or unreasonably large"). */
  readonly minFeeratePerKw: number;
  readonly maxFeeratePerKw: number;
  /** The basic channel types we accept ("the channel_type is not suitable"). */
  readonly channelTypes: readonly ChannelType[];
  /** Node ids (hex) we trust to open zero-conf channels to us ("does not trust the sender to open an unconfirmed channel"). */
  readonly trustedZeroconfPeers: readonly string[];
  /** As funder: the largest `minimum_depth` we accept in accept_channel ("minimum_depth is unreasonably large"). */
  readonly maxMinimumDepth: number;
}

export const DEFAULT_ACCEPTANCE_POLICY: AcceptancePolicy = Object.freeze({
  minFundingSat: 20_000n,
  maxFundingSat: 10n * 100_000_000n,
  maxPushMsat: null,
  maxChannelReservePercent: 20,
  maxToSelfDelay: 2016,
  minMaxAcceptedHtlcs: 5,
  // LDK's limits: 546 sat for non-anchor channels, 10,000 with anchors (HTLC outputs pay their own second stage).
  maxDustLimitSat: 546n,
  maxDustLimitAnchorsSat: 10_000n,
  maxHtlcMinimumMsat: null,
  minMaxHtlcValueInFlightPercent: 0,
  minFeeratePerKw: 253,
  maxFeeratePerKw: 100_000,
  channelTypes: Object.freeze(['anchors', 'static_remotekey'] as ChannelType[]),
  trustedZeroconfPeers: Object.freeze([] as string[]),
  maxMinimumDepth: 144,
});

/** What we ask of the peer in our own open_channel / accept_channel. */
export interface LocalChannelDefaults {
  /** Our `dust_limit_satoshis`. */
  readonly dustLimitSat: bigint;
  /** The reserve we ask the peer to keep, in percent of the funding (at least `minReserveSat`). */
  readonly reservePercent: number;
  readonly minReserveSat: bigint;
  /** Our `to_self_delay` for the peer's outputs. */
  readonly toSelfDelay: number;
  readonly htlcMinimumMsat: bigint;
  readonly maxAcceptedHtlcs: number;
  /** `max_htlc_value_in_flight_msat` in percent of the funding. */
  readonly maxHtlcValueInFlightPercent: number;
  /** As fundee: the confirmations we wait for (`minimum_depth`; 0 for zero-conf channels). */
  readonly minimumDepth: number;
}

export const DEFAULT_LOCAL_CHANNEL_DEFAULTS: LocalChannelDefaults = Object.freeze({
  dustLimitSat: 546n,
  reservePercent: 1,
  minReserveSat: 1_000n,
  toSelfDelay: 144,
  htlcMinimumMsat: 1n,
  maxAcceptedHtlcs: 483,
  maxHtlcValueInFlightPercent: 100,
  minimumDepth: 3,
});

/** The features and chain an opening is checked against. */
export interface OpenCheckContext {
  /** Our chain's `chain_hash`. */
  readonly chainHash: Uint8Array;
  readonly localFeatures: FeatureVector;
  readonly remoteFeatures: FeatureVector;
  /** The peer's node id (hex): zero-conf trust. */
  readonly peerId: string;
  readonly policy: AcceptancePolicy;
  readonly defaults: LocalChannelDefaults;
}

/** What checking an open_channel gives the fundee. */
export interface AcceptedOpen {
  readonly channelType: ChannelTypeSpec;
  /** Our parameters for accept_channel. */
  readonly localConfig: ChannelConfig;
  /** The funder's parameters. */
  readonly remoteConfig: ChannelConfig;
  readonly minimumDepth: number;
  /** The funder's upfront_shutdown_script (null: none or empty). */
  readonly upfrontRemote: Uint8Array | null;
  readonly announce: boolean;
}

function configOf(m: OpenChannel | AcceptChannel): ChannelConfig {
  return {
    dustLimitSat: m.dustLimitSatoshis,
    maxHtlcValueInFlightMsat: m.maxHtlcValueInFlightMsat,
    channelReserveSat: m.channelReserveSatoshis,
    htlcMinimumMsat: m.htlcMinimumMsat,
    toSelfDelay: m.toSelfDelay,
    maxAcceptedHtlcs: m.maxAcceptedHtlcs,
  };
}

function percentOf(amount: bigint, percent: number): bigint {
  return (amount * BigInt(Math.round(percent * 100))) / 10_000n;
}

/** The reserve we ask the peer to keep: a percent of the funding, at least our minimum and `atLeast` (a dust limit), never over the funding. */
export function reserveFor(fundingSat: bigint, defaults: LocalChannelDefaults, atLeast: bigint): bigint {
  let r = percentOf(fundingSat, defaults.reservePercent);
  if (r < defaults.minReserveSat) r = defaults.minReserveSat;
  if (r < atLeast) r = atLeast;
  return r;
}

/** Our parameters for a channel of `fundingSat`. */
export function localConfigFor(fundingSat: bigint, defaults: LocalChannelDefaults, opts: { readonly dustLimitSat?: bigint; readonly peerDustLimitSat?: bigint } = {}): ChannelConfig {
  const dustLimitSat = opts.dustLimitSat ?? defaults.dustLimitSat;
  return {
    dustLimitSat,
    maxHtlcValueInFlightMsat: percentOf(fundingSat * 1000n, defaults.maxHtlcValueInFlightPercent),
    // BOLT 2 open_channel sender: "MUST set channel_reserve_satoshis greater than or equal to dust_limit_satoshis";
    // accept_channel sender: "... greater than or equal to dust_limit_satoshis from the open_channel message".
    channelReserveSat: reserveFor(fundingSat, defaults, dustLimitSat > (opts.peerDustLimitSat ?? 0n) ? dustLimitSat : (opts.peerDustLimitSat ?? 0n)),
    htlcMinimumMsat: defaults.htlcMinimumMsat,
    toSelfDelay: defaults.toSelfDelay,
    maxAcceptedHtlcs: defaults.maxAcceptedHtlcs,
  };
}

/**
 * The rules a side's announced parameters must follow, whichever message carries them ("Other fields have
 * the same requirements as their counterparts in open_channel"), and our policy's bounds on them.
 */
function checkPeerConfig(m: OpenChannel | AcceptChannel, fundingSat: bigint, base: ChannelType, policy: AcceptancePolicy): void {
  // "to_self_delay is unreasonably large"
  if (m.toSelfDelay > policy.maxToSelfDelay) throw refusal('to_self_delay_too_large', `to_self_delay ${m.toSelfDelay} is above our limit ${policy.maxToSelfDelay}`);
  // "max_accepted_htlcs is greater than 483"
  if (m.maxAcceptedHtlcs > MAX_ACCEPTED_HTLCS_LIMIT) throw refusal('max_accepted_htlcs_too_large', `max_accepted_htlcs ${m.maxAcceptedHtlcs} is greater than 483`);
  // MAY: "it considers max_accepted_htlcs too small"
  if (m.maxAcceptedHtlcs < policy.minMaxAcceptedHtlcs) throw refusal('max_accepted_htlcs_too_small', `max_accepted_htlcs ${m.maxAcceptedHtlcs} is below our minimum ${policy.minMaxAcceptedHtlcs}`);
  // "funding_pubkey, revocation_basepoint, htlc_basepoint, payment_basepoint, or delayed_payment_basepoint are not valid secp256k1 pubkeys in compressed format"
  for (const [name, key] of [
    ['funding_pubkey', m.fundingPubkey], ['revocation_basepoint', m.revocationBasepoint], ['payment_basepoint', m.paymentBasepoint],
    ['delayed_payment_basepoint', m.delayedPaymentBasepoint], ['htlc_basepoint', m.htlcBasepoint], ['first_per_commitment_point', m.firstPerCommitmentPoint],
  ] as const) {
    if (!(key instanceof Uint8Array) || key.length !== 33 || !isValidPublicKey(key)) throw refusal('bad_pubkey', `${name} is not a valid compressed secp256k1 public key`);
  }
  // "dust_limit_satoshis is smaller than 354 satoshis"
  if (m.dustLimitSatoshis < MIN_DUST_LIMIT_SAT) throw refusal('dust_limit_too_small', `dust_limit_satoshis ${m.dustLimitSatoshis} is below 354`);
  // MAY: "it considers dust_limit_satoshis too large"
  const maxDust = base === 'anchors' ? policy.maxDustLimitAnchorsSat : policy.maxDustLimitSat;
  if (m.dustLimitSatoshis > maxDust) throw refusal('dust_limit_too_large', `dust_limit_satoshis ${m.dustLimitSatoshis} is above our limit ${maxDust}`);
  // MAY: "it considers channel_reserve_satoshis too large"
  const maxReserve = percentOf(fundingSat, policy.maxChannelReservePercent);
  if (m.channelReserveSatoshis > maxReserve) throw refusal('channel_reserve_too_large', `channel_reserve_satoshis ${m.channelReserveSatoshis} is above ${policy.maxChannelReservePercent}% of the funding`);
  // MAY: "it considers htlc_minimum_msat too large"
  const maxHtlcMin = policy.maxHtlcMinimumMsat ?? fundingSat * 1000n - 1n;
  if (m.htlcMinimumMsat > maxHtlcMin || m.htlcMinimumMsat >= fundingSat * 1000n) throw refusal('htlc_minimum_too_large', `htlc_minimum_msat ${m.htlcMinimumMsat} is too large`);
  // MAY: "it considers max_htlc_value_in_flight_msat too small"
  const minInFlight = percentOf(fundingSat * 1000n, policy.minMaxHtlcValueInFlightPercent);
  if (m.maxHtlcValueInFlightMsat < minInFlight || m.maxHtlcValueInFlightMsat === 0n) {
    throw refusal('max_htlc_value_in_flight_too_small', `max_htlc_value_in_flight_msat ${m.maxHtlcValueInFlightMsat} is too small`);
  }
}

/** The peer's upfront_shutdown_script: a valid form, or empty (none). */
function upfrontScriptOf(m: OpenChannel | AcceptChannel, ctx: OpenCheckContext): Uint8Array | null {
  const script = m.tlvs?.upfrontShutdownScript;
  const bothAdvertise = ctx.localFeatures.has('option_upfront_shutdown_script') && ctx.remoteFeatures.has('option_upfront_shutdown_script');
  if (script === undefined) {
    // "if both nodes advertised the option_upfront_shutdown_script feature: MUST include upfront_shutdown_script"
    if (bothAdvertise) throw refusal('upfront_shutdown_script_missing', 'both sides advertise option_upfront_shutdown_script but upfront_shutdown_script is missing');
    return null;
  }
  if (script.length === 0) return null;
  const features = {
    anySegwit: negotiated(ctx.localFeatures, ctx.remoteFeatures, 'option_shutdown_anysegwit'),
    simpleClose: negotiated(ctx.localFeatures, ctx.remoteFeatures, 'option_simple_close'),
  };
  // "MUST include upfront_shutdown_script with either a valid shutdown_scriptpubkey as required by shutdown scriptpubkey, or a zero-length shutdown_scriptpubkey"
  if (!isValidShutdownScript(script, features)) throw refusal('bad_upfront_shutdown_script', 'upfront_shutdown_script is not a valid shutdown scriptpubkey');
  return script.slice();
}

/**
 * The initial commitment (BOLT 2 open_channel receiver): "the funder's amount for the initial commitment
 * transaction is not sufficient for full fee payment" and "both to_local and to_remote amounts for the
 * initial commitment transaction are less than or equal to channel_reserve_satoshis".
 */
export function checkInitialBalances(
  fundingSat: bigint, pushMsat: bigint, feeratePerKw: number, base: ChannelType,
  funderReserveSat: bigint, fundeeReserveSat: bigint,
): void {
  const funderMsat = fundingSat * 1000n - pushMsat;
  const cost = funderCommitmentCostMsat(feeratePerKw, 0, base);
  if (funderMsat < cost) throw refusal('funder_cannot_pay_fee', `the funder's ${funderMsat} msat cannot pay the ${cost}-msat initial commitment fee${base === 'anchors' ? ' and anchors' : ''}`);
  // funderReserveSat: what the fundee asks the funder to keep; fundeeReserveSat: what the funder asks the fundee to keep.
  if (funderMsat - cost <= funderReserveSat * 1000n && pushMsat <= fundeeReserveSat * 1000n) {
    throw refusal('balances_below_reserve', 'both initial balances are at or below the channel reserve');
  }
}

/** The fundee's check of open_channel: every BOLT 2 receiver rule, then the acceptance policy. Throws OpenError. */
export function checkOpenChannel(m: OpenChannel, ctx: OpenCheckContext): AcceptedOpen {
  const { policy } = ctx;
  // "the chain_hash value is set to a hash of a chain that is unknown to the receiver"
  if (!equalBytes(m.chainHash, ctx.chainHash)) throw refusal('unknown_chain', 'open_channel is for another chain');
  // "if option_dual_fund has been negotiated: fail the channel"
  if (negotiated(ctx.localFeatures, ctx.remoteFeatures, 'option_dual_fund')) throw refusal('dual_fund_negotiated', 'option_dual_fund is negotiated: use open_channel2');
  // "if the message doesn't include a channel_type: fail the channel"
  const typeBits = m.tlvs?.channelType;
  if (!typeBits) throw refusal('channel_type_missing', 'open_channel has no channel_type');
  const channelType = parseChannelType(typeBits);
  // "the channel_type is not suitable"
  if (!channelType) throw refusal('channel_type_unsupported', `channel_type ${typeBits.toString()} is not a defined channel type`);
  if (!policy.channelTypes.includes(channelType.base)) throw refusal('channel_type_unsupported', `we do not accept ${channelType.base} channels`);
  for (const [on, name] of [[channelType.base === 'anchors', 'option_anchors'], [channelType.scidAlias, 'option_scid_alias'], [channelType.zeroconf, 'option_zeroconf']] as const) {
    if (on && !ctx.localFeatures.has(name)) throw refusal('channel_type_unsupported', `channel_type ${describeChannelType(channelType)} needs ${name}, which we do not support`);
  }
  const announce = (m.channelFlags & CHANNEL_FLAG_ANNOUNCE) !== 0; // "ignore undefined bits in channel_flags"
  // Sender: "if announce_channel is true: MUST NOT send channel_type with the option_scid_alias bit set."
  if (announce && channelType.scidAlias) throw refusal('scid_alias_announced', 'option_scid_alias on a channel to be announced');
  // "the channel_type includes option_zeroconf and it does not trust the sender to open an unconfirmed channel"
  if (channelType.zeroconf && !policy.trustedZeroconfPeers.includes(ctx.peerId)) throw refusal('zeroconf_untrusted', 'we do not accept zero-conf channels from this peer');
  const fundingSat = m.fundingSatoshis;
  // MAY: "funding_satoshis is too small"
  if (fundingSat < policy.minFundingSat) throw refusal('funding_too_small', `funding_satoshis ${fundingSat} is below our minimum ${policy.minFundingSat}`);
  // "funding_satoshis is greater than or equal to 2^24 and the receiver does not support option_support_large_channel"
  if (fundingSat > MAX_FUNDING_NO_WUMBO_SAT && !ctx.localFeatures.has('option_support_large_channel')) {
    throw refusal('large_channel_unsupported', `funding_satoshis ${fundingSat} needs option_support_large_channel`);
  }
  if (fundingSat > policy.maxFundingSat || fundingSat > MAX_MONEY_SAT) throw refusal('funding_too_large', `funding_satoshis ${fundingSat} is above our maximum ${policy.maxFundingSat}`);
  // "push_msat is greater than funding_satoshis * 1000"
  if (m.pushMsat > fundingSat * 1000n) throw refusal('push_exceeds_funding', `push_msat ${m.pushMsat} is greater than funding_satoshis * 1000`);
  if (policy.maxPushMsat !== null && m.pushMsat > policy.maxPushMsat) throw refusal('push_too_large', `push_msat ${m.pushMsat} is above our limit ${policy.maxPushMsat}`);
  // "it considers feerate_per_kw too small for timely processing or unreasonably large"
  if (m.feeratePerKw < policy.minFeeratePerKw) throw refusal('feerate_too_low', `feerate_per_kw ${m.feeratePerKw} is below ${policy.minFeeratePerKw}`);
  if (m.feeratePerKw > policy.maxFeeratePerKw) throw refusal('feerate_too_high', `feerate_per_kw ${m.feeratePerKw} is above ${policy.maxFeeratePerKw}`);
  checkPeerConfig(m, fundingSat, channelType.base, policy);
  // "dust_limit_satoshis is greater than channel_reserve_satoshis"
  if (m.dustLimitSatoshis > m.channelReserveSatoshis) {
    throw refusal('dust_limit_above_reserve', `dust_limit_satoshis ${m.dustLimitSatoshis} is greater than channel_reserve_satoshis ${m.channelReserveSatoshis}`);
  }
  // Our accept_channel: "MUST set dust_limit_satoshis less than or equal to channel_reserve_satoshis from the open_channel message"
  // and never below 354: a reserve below that leaves no valid dust limit for us.
  // (The checks above keep that reserve at 354 or more: dust_limit_satoshis >= 354 and <= channel_reserve_satoshis.)
  let ourDust = ctx.defaults.dustLimitSat;
  if (ourDust > m.channelReserveSatoshis) ourDust = m.channelReserveSatoshis;
  const localConfig = localConfigFor(fundingSat, ctx.defaults, { dustLimitSat: ourDust, peerDustLimitSat: m.dustLimitSatoshis });
  checkInitialBalances(fundingSat, m.pushMsat, m.feeratePerKw, channelType.base, localConfig.channelReserveSat, m.channelReserveSatoshis);
  const upfrontRemote = upfrontScriptOf(m, ctx);
  return {
    channelType,
    localConfig,
    remoteConfig: configOf(m),
    // accept_channel sender: "if channel_type includes option_zeroconf: MUST set minimum_depth to zero."
    minimumDepth: channelType.zeroconf ? 0 : ctx.defaults.minimumDepth,
    upfrontRemote,
    announce,
  };
}

/** What checking an accept_channel gives the funder. */
export interface AcceptedAccept {
  readonly remoteConfig: ChannelConfig;
  readonly minimumDepth: number;
  readonly upfrontRemote: Uint8Array | null;
}

/** The funder's check of accept_channel against the open_channel it sent. Throws OpenError. */
export function checkAcceptChannel(m: AcceptChannel, sent: OpenChannel, channelType: ChannelTypeSpec, ctx: OpenCheckContext): AcceptedAccept {
  const { policy } = ctx;
  // "if the message doesn't include a channel_type: MUST fail the channel."
  const typeBits = m.tlvs?.channelType;
  if (!typeBits) throw refusal('channel_type_missing', 'accept_channel has no channel_type');
  // "if channel_type does not match the channel_type from open_channel: MUST fail the channel."
  const theirs = parseChannelType(typeBits);
  if (!theirs || !sameChannelType(theirs, channelType)) throw refusal('channel_type_mismatch', `accept_channel channel_type ${typeBits.toString()} is not the one we sent`);
  // "if minimum_depth is unreasonably large: MAY fail the channel."
  if (m.minimumDepth > policy.maxMinimumDepth) throw refusal('minimum_depth_too_large', `minimum_depth ${m.minimumDepth} is above our limit ${policy.maxMinimumDepth}`);
  checkPeerConfig(m, sent.fundingSatoshis, channelType.base, policy);
  // "if channel_reserve_satoshis is less than dust_limit_satoshis within the open_channel message: MUST fail the channel."
  if (m.channelReserveSatoshis < sent.dustLimitSatoshis) {
    throw refusal('channel_reserve_below_dust_limit', `channel_reserve_satoshis ${m.channelReserveSatoshis} is below our dust_limit_satoshis ${sent.dustLimitSatoshis}`);
  }
  // "if channel_reserve_satoshis from the open_channel message is less than dust_limit_satoshis: MUST fail the channel."
  if (sent.channelReserveSatoshis < m.dustLimitSatoshis) {
    throw refusal('dust_limit_above_reserve', `dust_limit_satoshis ${m.dustLimitSatoshis} is above the channel_reserve_satoshis ${sent.channelReserveSatoshis} we asked for`);
  }
  checkInitialBalances(sent.fundingSatoshis, sent.pushMsat, sent.feeratePerKw, channelType.base, m.channelReserveSatoshis, sent.channelReserveSatoshis);
  return { remoteConfig: configOf(m), minimumDepth: m.minimumDepth, upfrontRemote: upfrontScriptOf(m, ctx) };
}
