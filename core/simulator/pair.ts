/**
 * TEST AND SIMULATOR ONLY — not an API. Opens a channel between two in-memory state machines
 * on an agreed (fake) funding outpoint, as if open_channel / accept_channel / funding_created /
 * funding_signed / channel_ready had been exchanged. Real channels come with the funding work.
 */
import { concatBytes, sha256, utf8 } from '../crypto';
import { Channel } from '../channel/channel';
import { channelIdFromFundingOutpoint } from '../channel/channel-id';
import { commitmentObscuringFactor } from '../channel/commitment-tx';
import { ChannelCommandError } from '../channel/errors';
import { emptyShachain } from '../channel/shachain';
import type { ChannelType } from '../channel/scripts';
import { InMemoryChannelSigner } from '../channel/signer';
import type { ChannelSigner } from '../channel/signer';
import { balanceAfterFees } from '../channel/spec';
import type { ChannelPolicy } from '../channel/step';
import type { ChannelConfig, ChannelParams, ChannelState, CommitmentSpec, Side } from '../channel/state';
import { buildCommitment, signRemoteCommitment } from '../channel/transactions';

export interface PairOptions {
  /** Funding amount; default 1 BTC. */
  readonly fundingSat?: bigint;
  /** What the funder (A) gives B at opening; default half the channel. */
  readonly pushMsat?: bigint;
  /** Default 253 sat/kw. */
  readonly feeratePerKw?: number;
  /** Default `anchors`. */
  readonly channelType?: ChannelType;
  /** Per-side overrides of the default channel parameters. */
  readonly configA?: Partial<ChannelConfig>;
  readonly configB?: Partial<ChannelConfig>;
  /** Channel seeds (32 bytes); default fixed test seeds. */
  readonly seedA?: Uint8Array;
  readonly seedB?: Uint8Array;
  readonly policyA?: Partial<ChannelPolicy>;
  readonly policyB?: Partial<ChannelPolicy>;
  /** Replace a side's signer (tests of misbehaving peers); default an InMemoryChannelSigner from the seed. */
  readonly signerA?: ChannelSigner;
  readonly signerB?: ChannelSigner;
}

export interface ChannelPair {
  /** The funder. */
  readonly a: Channel;
  readonly b: Channel;
  readonly signerA: ChannelSigner;
  readonly signerB: ChannelSigner;
}

/** Default parameters: dust 546 sat, reserve 1% of the channel, HTLCs from 1 msat, 483 at most. */
export function defaultConfig(fundingSat: bigint): ChannelConfig {
  return {
    dustLimitSat: 546n,
    maxHtlcValueInFlightMsat: fundingSat * 1000n,
    channelReserveSat: fundingSat / 100n,
    htlcMinimumMsat: 1n,
    toSelfDelay: 144,
    maxAcceptedHtlcs: 483,
  };
}

function testSeed(name: string): Uint8Array {
  return sha256(utf8.encode(`glasswing simulated channel seed ${name}`));
}

/** Opens the pair; throws ChannelCommandError `channel_command.bad_open` for parameters BOLT 2 would refuse. */
export function openChannelPair(opts: PairOptions = {}): ChannelPair {
  const fundingSat = opts.fundingSat ?? 100_000_000n;
  const pushMsat = opts.pushMsat ?? (fundingSat * 1000n) / 2n;
  const feeratePerKw = opts.feeratePerKw ?? 253;
  const channelType = opts.channelType ?? 'anchors';
  const badOpen = (m: string) => new ChannelCommandError('channel_command.bad_open', m);
  if (fundingSat <= 0n || fundingSat > 21_000_000n * 100_000_000n) throw badOpen('funding_satoshis out of range');
  // BOLT 2 open_channel: "push_msat is greater than funding_satoshis * 1000" must fail.
  if (pushMsat < 0n || pushMsat > fundingSat * 1000n) throw badOpen('push_msat must be between 0 and funding_satoshis * 1000');
  if (!Number.isInteger(feeratePerKw) || feeratePerKw < 0 || feeratePerKw > 0xffffffff) throw badOpen('feerate_per_kw out of range');

  const signerA = opts.signerA ?? new InMemoryChannelSigner(opts.seedA ?? testSeed('A'));
  const signerB = opts.signerB ?? new InMemoryChannelSigner(opts.seedB ?? testSeed('B'));
  const configA = { ...defaultConfig(fundingSat), ...opts.configA };
  const configB = { ...defaultConfig(fundingSat), ...opts.configB };
  for (const c of [configA, configB]) {
    // BOLT 2: "dust_limit_satoshis is greater than channel_reserve_satoshis" / "max_accepted_htlcs is greater than 483".
    if (c.dustLimitSat > c.channelReserveSat) throw badOpen('dust_limit_satoshis is greater than channel_reserve_satoshis');
    if (c.maxAcceptedHtlcs > 483) throw badOpen('max_accepted_htlcs is greater than 483');
  }
  const fundingOutpoint = {
    txid: sha256(concatBytes(utf8.encode('glasswing simulated funding'), signerA.basepoints.fundingPubkey, signerB.basepoints.fundingPubkey)),
    vout: 0,
  };
  const channelId = channelIdFromFundingOutpoint(fundingOutpoint);
  const obscuringFactor = commitmentObscuringFactor(signerA.basepoints.paymentBasepoint, signerB.basepoints.paymentBasepoint);

  const paramsFor = (me: 'A' | 'B'): ChannelParams => {
    const A = { config: configA, basepoints: signerA.basepoints };
    const B = { config: configB, basepoints: signerB.basepoints };
    return {
      channelId,
      channelType,
      funder: me === 'A' ? 'local' : 'remote',
      fundingOutpoint,
      fundingSatoshis: fundingSat,
      obscuringFactor,
      local: me === 'A' ? A : B,
      remote: me === 'A' ? B : A,
    };
  };
  const paramsA = paramsFor('A');
  const paramsB = paramsFor('B');
  const toA = fundingSat * 1000n - pushMsat;
  const specA: CommitmentSpec = { feeratePerKw, localMsat: toA, remoteMsat: pushMsat, htlcs: [] };
  const specB: CommitmentSpec = { feeratePerKw, localMsat: pushMsat, remoteMsat: toA, htlcs: [] };
  // BOLT 2 open_channel: "the funder's amount for the initial commitment transaction is not
  // sufficient for full fee payment" / "both to_local and to_remote amounts ... are less than or
  // equal to channel_reserve_satoshis".
  for (const holder of ['local', 'remote'] as Side[]) {
    if (balanceAfterFees(paramsA, holder, specA, 'local') < 0n) throw badOpen('the funder cannot pay the initial commitment fee');
  }
  const reserve = (c: ChannelConfig) => c.channelReserveSat * 1000n;
  if (toA <= reserve(configB) && pushMsat <= reserve(configA)) throw badOpen('both balances are at or below the channel reserve');

  // Commitment 0 of each side, signed by the other (funding_created / funding_signed). A spec's
  // balances are the viewer's ("ours" / "theirs"), so each side builds the other's with its own spec.
  const commitA0 = buildCommitment(paramsB, 'remote', 0, specB, signerA.perCommitmentPoint(0));
  const commitB0 = buildCommitment(paramsA, 'remote', 0, specA, signerB.perCommitmentPoint(0));
  const sigForA = signRemoteCommitment(paramsB, commitA0, signerB);
  const sigForB = signRemoteCommitment(paramsA, commitB0, signerA);

  const initial = (params: ChannelParams, theirs: ChannelSigner, spec: CommitmentSpec, sig: typeof sigForA): ChannelState => ({
    version: 1,
    params,
    status: { kind: 'normal' },
    localCommit: { ctn: 0, spec, signature: sig.signature, htlcSignatures: sig.htlcSignatures },
    revocationOwed: false,
    remoteCommit: { ctn: 0, spec, perCommitmentPoint: theirs.perCommitmentPoint(0) },
    remoteNextCommit: null,
    // channel_ready carries the second per-commitment point.
    remoteNextPerCommitmentPoint: theirs.perCommitmentPoint(1),
    changes: [],
    nextChangeSeq: 0,
    nextLocalHtlcId: 0n,
    nextRemoteHtlcId: 0n,
    incomingHtlcs: [],
    remoteSecrets: emptyShachain(),
  });
  const a = new Channel(initial(paramsA, signerB, specA, sigForA), signerA, opts.policyA);
  const b = new Channel(initial(paramsB, signerA, specB, sigForB), signerB, opts.policyB);
  return { a, b, signerA, signerB };
}
