/**
 * TEST ONLY: two channel state machines (core/channel, opened with open.ts on an agreed funding
 * outpoint) with a ChannelMonitor's update log for each side, kept in step by
 * `monitorUpdatesBetween` after every step — what the channel layer will do for real. Also the
 * transactions a side could broadcast (its commitment, its HTLC transactions), for tests that make
 * a side cheat.
 */
import { concatBytes, sha256, utf8 } from '../../core/crypto';
import type { OutPoint, Transaction } from '../../core/bitcoin';
import { p2wpkh, txid } from '../../core/bitcoin';
import { Channel } from '../../core/channel/channel';
import { ChannelCommandError } from '../../core/channel/errors';
import type { ChannelMessage } from '../../core/channel/messages';
import { initialChannelState, signInitialRemoteCommitment } from '../../core/channel/open';
import type { ChannelOpenTerms } from '../../core/channel/open';
import type { ChannelType } from '../../core/channel/scripts';
import { InMemoryChannelSigner } from '../../core/channel/signer';
import type { ChannelConfig, ChannelState, Htlc } from '../../core/channel/state';
import { buildCommitment } from '../../core/channel/transactions';
import type { BuiltCommitment } from '../../core/channel/transactions';
import { commitmentSighash, finalizeCommitmentTx } from '../../core/channel/commitment-tx';
import { InMemoryMonitorSigner, monitorUpdatesBetween } from '../../core/monitor';
import type { MonitorUpdate } from '../../core/monitor';

export const ONION = new Uint8Array(1366);

export function preimageOf(name: string): Uint8Array {
  return sha256(utf8.encode(`monitor test preimage ${name}`));
}

export function channelConfig(fundingSat: bigint, overrides: Partial<ChannelConfig> = {}): ChannelConfig {
  return {
    dustLimitSat: 546n,
    maxHtlcValueInFlightMsat: fundingSat * 1000n,
    channelReserveSat: fundingSat / 100n,
    htlcMinimumMsat: 1n,
    toSelfDelay: 30,
    maxAcceptedHtlcs: 483,
    ...overrides,
  };
}

export interface PartyKeys {
  readonly seed: Uint8Array;
  readonly signer: InMemoryChannelSigner;
  readonly monitorSigner: InMemoryMonitorSigner;
}

export function partyKeys(name: string): PartyKeys {
  const seed = sha256(utf8.encode(`monitor test channel seed ${name}`));
  return { seed, signer: new InMemoryChannelSigner(seed), monitorSigner: new InMemoryMonitorSigner(seed) };
}

export interface Party extends PartyKeys {
  readonly name: 'A' | 'B';
  readonly channel: Channel;
  /** Where this side's monitor sweeps to (a P2WPKH of a fixed test key). */
  readonly sweepScript: Uint8Array;
  /** Every monitor update this side produced, in order. */
  readonly updates: MonitorUpdate[];
}

export interface PairOptions {
  readonly fundingOutpoint: OutPoint;
  readonly fundingSat?: bigint;
  readonly pushMsat?: bigint;
  readonly channelType?: ChannelType;
  readonly feeratePerKw?: number;
  /** The delay each side imposes on the other's outputs. */
  readonly toSelfDelay?: number;
  readonly keysA?: PartyKeys;
  readonly keysB?: PartyKeys;
}

/** A sweep destination of a test wallet key named `name`. */
export function testSweepScript(name: string): Uint8Array {
  return p2wpkh(new InMemoryChannelSigner(sha256(utf8.encode(`monitor sweep ${name}`))).basepoints.paymentBasepoint);
}

export class MonitoredPair {
  readonly a: Party;
  readonly b: Party;
  /** Called with each side's new updates after every step (before messages are delivered). */
  onUpdates: (party: Party, updates: MonitorUpdate[]) => void = () => undefined;
  readonly #last = new Map<Party, ChannelState>();

  constructor(opts: PairOptions) {
    const fundingSat = opts.fundingSat ?? 1_000_000n;
    const keysA = opts.keysA ?? partyKeys('A');
    const keysB = opts.keysB ?? partyKeys('B');
    const config = channelConfig(fundingSat, { toSelfDelay: opts.toSelfDelay ?? 30 });
    const terms = (local: PartyKeys, remote: PartyKeys, funder: boolean): ChannelOpenTerms => ({
      fundingOutpoint: opts.fundingOutpoint,
      fundingSatoshis: fundingSat,
      pushMsat: opts.pushMsat ?? (fundingSat * 1000n) / 2n,
      feeratePerKw: opts.feeratePerKw ?? 253,
      channelType: opts.channelType ?? 'anchors',
      funder: funder ? 'local' : 'remote',
      localConfig: config,
      remoteConfig: config,
      remoteBasepoints: remote.signer.basepoints,
      remoteFirstPerCommitmentPoint: remote.signer.perCommitmentPoint(0),
      remoteSecondPerCommitmentPoint: remote.signer.perCommitmentPoint(1),
    });
    const tA = terms(keysA, keysB, true);
    const tB = terms(keysB, keysA, false);
    const stateA = initialChannelState(tA, keysA.signer, signInitialRemoteCommitment(tB, keysB.signer));
    const stateB = initialChannelState(tB, keysB.signer, signInitialRemoteCommitment(tA, keysA.signer));
    this.a = { ...keysA, name: 'A', channel: new Channel(stateA, keysA.signer), sweepScript: testSweepScript('A'), updates: [] };
    this.b = { ...keysB, name: 'B', channel: new Channel(stateB, keysB.signer), sweepScript: testSweepScript('B'), updates: [] };
    for (const p of [this.a, this.b]) {
      const u = monitorUpdatesBetween(null, p.channel.state, { sweepScript: p.sweepScript });
      p.updates.push(...u);
      this.#last.set(p, p.channel.state);
    }
  }

  other(p: Party): Party {
    return p === this.a ? this.b : this.a;
  }

  /** Folds each side's channel changes into its update log (the channel layer's feed point). */
  sync(): void {
    for (const p of [this.a, this.b]) {
      const u = monitorUpdatesBetween(this.#last.get(p)!, p.channel.state);
      this.#last.set(p, p.channel.state);
      if (u.length === 0) continue;
      p.updates.push(...u);
      this.onUpdates(p, u);
    }
  }

  #deliver(to: Party, messages: readonly ChannelMessage[]): ChannelMessage[] {
    const out: ChannelMessage[] = [];
    for (const m of messages) {
      out.push(...to.channel.receive(m).outbound);
      this.sync();
    }
    return out;
  }

  /** `from` offers an HTLC paying `preimageOf(name)`'s hash, delivered (not committed). */
  add(from: Party, amountMsat: bigint, name: string, cltvExpiry: number): Htlc {
    const id = from.channel.state.nextLocalHtlcId;
    const s = from.channel.addHtlc({ amountMsat, paymentHash: sha256(preimageOf(name)), cltvExpiry, onionRoutingPacket: ONION });
    this.sync();
    this.#deliver(this.other(from), s.outbound);
    return { offerer: 'local', id, amountMsat, paymentHash: sha256(preimageOf(name)), cltvExpiry };
  }

  /** `by` fulfills the HTLC `id` the other side offered it (delivered, not committed). */
  fulfill(by: Party, id: bigint, name: string): void {
    const s = by.channel.fulfillHtlc(id, preimageOf(name));
    this.sync();
    this.#deliver(this.other(by), s.outbound);
  }

  /** `by` fails the HTLC `id` the other side offered it. */
  fail(by: Party, id: bigint): void {
    const s = by.channel.failHtlc(id, new Uint8Array(32));
    this.sync();
    this.#deliver(this.other(by), s.outbound);
  }

  /** `from` signs; the other side revokes (autoRevoke); the revoke_and_ack is delivered back. */
  sign(from: Party): void {
    const s = from.channel.signCommitment();
    this.sync();
    const back = this.#deliver(this.other(from), s.outbound);
    this.#deliver(from, back);
  }

  /** Signs until nothing is pending on either side: every update is on both commitments. */
  commit(from: Party): void {
    for (let turn = from, idle = 0; idle < 2; turn = this.other(turn)) {
      try {
        this.sign(turn);
        idle = 0;
      } catch (e) {
        if (!(e instanceof ChannelCommandError) || e.code !== 'channel_command.nothing_to_sign') throw e;
        idle++;
      }
    }
  }
}

/** `p`'s current commitment as it would broadcast it (both signatures), with its rebuilt form. */
export function signedLocalCommitment(p: Party): { tx: Transaction; built: BuiltCommitment; txid: Uint8Array } {
  const s = p.channel.state;
  const built = buildCommitment(s.params, 'local', s.localCommit.ctn, s.localCommit.spec, p.signer.perCommitmentPoint(s.localCommit.ctn));
  const ours = p.signer.signWithFundingKey(commitmentSighash(built.commitment, s.params.fundingSatoshis));
  const tx = finalizeCommitmentTx(built.commitment, s.params.local.basepoints.fundingPubkey, ours, s.params.remote.basepoints.fundingPubkey, s.localCommit.signature);
  return { tx, built, txid: txid(tx) };
}

/** A deterministic fake funding outpoint (unit tests: no chain). */
export function fakeFunding(name: string): OutPoint {
  return { txid: sha256(concatBytes(utf8.encode('monitor test funding'), utf8.encode(name))), vout: 0 };
}
