/**
 * TEST-ONLY channel opening on an agreed funding outpoint (no funding transaction: that comes
 * with the chain backend). Both sides derive their terms from ONE description, so funder and
 * fundee agree by construction; each side's keys come from its own node (ChannelService
 * `reserveKeys`), each signs the other's commitment 0, and each checks the other's signature
 * before storing the channel. Nothing in core/ or main/ can reach this path.
 */
import { fromHex, randomBytes, sha256, toHex, utf8 } from '../../core/crypto';
import type { ChannelBasepoints, ChannelConfig, ChannelKeysOffer, ChannelOpenTerms, ChannelType } from '../../core/channel';
import type { ChannelService } from '../../core/runtime/channel/service';
import type { OutPoint } from '../../core/bitcoin';

/** What both sides agree on (the funder is the side called `funder`). */
export interface TestChannelSpec {
  readonly fundingSat: bigint;
  /** What the funder gives the fundee at opening. */
  readonly pushMsat: bigint;
  readonly feeratePerKw: number;
  readonly channelType: ChannelType;
  readonly fundingOutpoint: OutPoint;
  readonly funderConfig: ChannelConfig;
  readonly fundeeConfig: ChannelConfig;
}

export function defaultTestConfig(fundingSat: bigint, overrides: Partial<ChannelConfig> = {}): ChannelConfig {
  return {
    dustLimitSat: 546n,
    maxHtlcValueInFlightMsat: fundingSat * 1000n,
    channelReserveSat: fundingSat / 100n,
    htlcMinimumMsat: 1n,
    toSelfDelay: 144,
    maxAcceptedHtlcs: 483,
    ...overrides,
  };
}

export function testChannelSpec(opts: Partial<TestChannelSpec> = {}): TestChannelSpec {
  const fundingSat = opts.fundingSat ?? 10_000_000n;
  return {
    fundingSat,
    pushMsat: opts.pushMsat ?? (fundingSat * 1000n) / 2n,
    feeratePerKw: opts.feeratePerKw ?? 253,
    channelType: opts.channelType ?? 'anchors',
    fundingOutpoint: opts.fundingOutpoint ?? { txid: randomBytes(32), vout: 0 },
    funderConfig: opts.funderConfig ?? defaultTestConfig(fundingSat),
    fundeeConfig: opts.fundeeConfig ?? defaultTestConfig(fundingSat),
  };
}

/** The terms as `role` sees them, given the other side's keys. */
export function termsFor(role: 'funder' | 'fundee', spec: TestChannelSpec, remote: Omit<ChannelKeysOffer, 'keyIndex'>): ChannelOpenTerms {
  return {
    fundingOutpoint: spec.fundingOutpoint,
    fundingSatoshis: spec.fundingSat,
    pushMsat: spec.pushMsat,
    feeratePerKw: spec.feeratePerKw,
    channelType: spec.channelType,
    funder: role === 'funder' ? 'local' : 'remote',
    localConfig: role === 'funder' ? spec.funderConfig : spec.fundeeConfig,
    remoteConfig: role === 'funder' ? spec.fundeeConfig : spec.funderConfig,
    remoteBasepoints: remote.basepoints,
    remoteFirstPerCommitmentPoint: remote.firstPerCommitmentPoint,
    remoteSecondPerCommitmentPoint: remote.secondPerCommitmentPoint,
  };
}

/** Opens a channel between two ChannelServices of this process; returns its id (hex). */
export function openTestChannel(
  funder: { service: ChannelService; nodeId: string },
  fundee: { service: ChannelService; nodeId: string },
  spec: TestChannelSpec = testChannelSpec(),
): string {
  const kf = funder.service.reserveKeys();
  const ke = fundee.service.reserveKeys();
  const tf = termsFor('funder', spec, ke);
  const te = termsFor('fundee', spec, kf);
  const sigForFundee = funder.service.signInitialCommitment(kf.keyIndex, tf);
  const sigForFunder = fundee.service.signInitialCommitment(ke.keyIndex, te);
  const a = funder.service.openChannel(fundee.nodeId, kf.keyIndex, tf, sigForFunder);
  fundee.service.openChannel(funder.nodeId, ke.keyIndex, te, sigForFundee);
  return a.channelId;
}

// ----- harness processes (test/support/channel-node.ts) ------------------------------------------

/** The preimage of the HTLC `id` offered by node `offerer` (hex id): both sides can compute it. */
export function harnessPreimage(offerer: string, id: bigint): Uint8Array {
  return sha256(utf8.encode(`glasswing harness preimage ${offerer} ${id}`));
}

/** Where a harness node logs the commitments it signs and the revocations it receives (JSON lines). */
export const COMMITMENTS_LOG = 'commitments.jsonl';

// ----- JSON forms, for harness processes ---------------------------------------------------------

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function keysToJson(k: Omit<ChannelKeysOffer, 'keyIndex'> & { keyIndex?: number }): Json {
  const b = k.basepoints;
  return {
    ...(k.keyIndex !== undefined ? { keyIndex: k.keyIndex } : {}),
    basepoints: {
      fundingPubkey: toHex(b.fundingPubkey),
      revocationBasepoint: toHex(b.revocationBasepoint),
      paymentBasepoint: toHex(b.paymentBasepoint),
      delayedPaymentBasepoint: toHex(b.delayedPaymentBasepoint),
      htlcBasepoint: toHex(b.htlcBasepoint),
    },
    firstPerCommitmentPoint: toHex(k.firstPerCommitmentPoint),
    secondPerCommitmentPoint: toHex(k.secondPerCommitmentPoint),
  };
}

export function keysFromJson(j: Record<string, unknown>): Omit<ChannelKeysOffer, 'keyIndex'> {
  const b = j.basepoints as Record<string, string>;
  const basepoints: ChannelBasepoints = {
    fundingPubkey: fromHex(b.fundingPubkey!),
    revocationBasepoint: fromHex(b.revocationBasepoint!),
    paymentBasepoint: fromHex(b.paymentBasepoint!),
    delayedPaymentBasepoint: fromHex(b.delayedPaymentBasepoint!),
    htlcBasepoint: fromHex(b.htlcBasepoint!),
  };
  return { basepoints, firstPerCommitmentPoint: fromHex(j.firstPerCommitmentPoint as string), secondPerCommitmentPoint: fromHex(j.secondPerCommitmentPoint as string) };
}

function configToJson(c: ChannelConfig): Json {
  return {
    dustLimitSat: c.dustLimitSat.toString(),
    maxHtlcValueInFlightMsat: c.maxHtlcValueInFlightMsat.toString(),
    channelReserveSat: c.channelReserveSat.toString(),
    htlcMinimumMsat: c.htlcMinimumMsat.toString(),
    toSelfDelay: c.toSelfDelay,
    maxAcceptedHtlcs: c.maxAcceptedHtlcs,
  };
}

function configFromJson(j: Record<string, unknown>): ChannelConfig {
  return {
    dustLimitSat: BigInt(j.dustLimitSat as string),
    maxHtlcValueInFlightMsat: BigInt(j.maxHtlcValueInFlightMsat as string),
    channelReserveSat: BigInt(j.channelReserveSat as string),
    htlcMinimumMsat: BigInt(j.htlcMinimumMsat as string),
    toSelfDelay: j.toSelfDelay as number,
    maxAcceptedHtlcs: j.maxAcceptedHtlcs as number,
  };
}

export function specToJson(s: TestChannelSpec): Json {
  return {
    fundingSat: s.fundingSat.toString(),
    pushMsat: s.pushMsat.toString(),
    feeratePerKw: s.feeratePerKw,
    channelType: s.channelType,
    fundingTxid: toHex(s.fundingOutpoint.txid),
    fundingVout: s.fundingOutpoint.vout,
    funderConfig: configToJson(s.funderConfig),
    fundeeConfig: configToJson(s.fundeeConfig),
  };
}

export function specFromJson(j: Record<string, unknown>): TestChannelSpec {
  return {
    fundingSat: BigInt(j.fundingSat as string),
    pushMsat: BigInt(j.pushMsat as string),
    feeratePerKw: j.feeratePerKw as number,
    channelType: j.channelType as ChannelType,
    fundingOutpoint: { txid: fromHex(j.fundingTxid as string), vout: j.fundingVout as number },
    funderConfig: configFromJson(j.funderConfig as Record<string, unknown>),
    fundeeConfig: configFromJson(j.fundeeConfig as Record<string, unknown>),
  };
}
