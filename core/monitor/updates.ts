/**
 * What the channel tells its monitor, as it moves: an append-only list of updates, each one
 * encoded on its own (so the store can append a commitment's update in one small write before
 * the channel's commitment_signed or revoke_and_ack leaves).
 *
 * Encoding: one tag byte, then the fields big-endian with core/wire's cursors. `decodeMonitorUpdate`
 * returns an update or throws MonitorError `monitor.bad_update`; never anything untyped.
 */
import { isValidPublicKey } from '../crypto';
import type { OutPoint } from '../bitcoin';
import type { ChannelBasepoints } from '../channel/keys';
import type { ChannelType } from '../channel/scripts';
import type { ChannelConfig, ChannelParams, CommitmentSpec, Htlc, LocalCommitment, RemoteCommitment, Side } from '../channel/state';
import { ByteReader, ByteWriter, WireError } from '../wire';
import { MonitorError } from './errors';

export type MonitorUpdate =
  /** The channel's fixed parameters and where sweeps go (a wallet script). First, once. */
  | { readonly kind: 'open'; readonly params: ChannelParams; readonly sweepScript: Uint8Array }
  /** Our newest commitment, signed by the peer (commitment_signed received): what we would broadcast. */
  | { readonly kind: 'local_commitment'; readonly commitment: LocalCommitment }
  /** A commitment of the peer's we signed (commitment_signed sent), with its per_commitment_point. */
  | { readonly kind: 'remote_commitment'; readonly commitment: RemoteCommitment }
  /** The peer revoked its commitment `ctn` (revoke_and_ack): its per_commitment_secret. */
  | { readonly kind: 'remote_secret'; readonly ctn: number; readonly secret: Uint8Array }
  /** A payment preimage we know (we fulfilled an incoming HTLC, or learned one for an outgoing one). */
  | { readonly kind: 'preimage'; readonly preimage: Uint8Array }
  /** A closing transaction we signed (closing_signed): a funding spend with this txid is a mutual close. */
  | { readonly kind: 'closing_tx'; readonly txid: Uint8Array }
  /** A new destination for sweeps from now on (a wallet script). */
  | { readonly kind: 'sweep_script'; readonly script: Uint8Array };

export type MonitorUpdateKind = MonitorUpdate['kind'];

const TAGS: Record<MonitorUpdateKind, number> = {
  open: 1,
  local_commitment: 2,
  remote_commitment: 3,
  remote_secret: 4,
  preimage: 5,
  closing_tx: 6,
  sweep_script: 7,
};
const KINDS = new Map<number, MonitorUpdateKind>(Object.entries(TAGS).map(([k, v]) => [v, k as MonitorUpdateKind]));

/** The highest commitment number (48 bits, BOLT 3). */
export const MAX_COMMITMENT_NUMBER = 2 ** 48 - 1;
/** Scripts longer than this are refused (a wallet script is at most 42 bytes today). */
const MAX_SCRIPT_LENGTH = 10_000;
/** BOLT 2: at most 483 HTLCs each way. */
const MAX_HTLCS = 966;

function bad(message: string): MonitorError {
  return new MonitorError('monitor.bad_update', message);
}

// ----- writing -------------------------------------------------------------------------------

function writeBytesExact(w: ByteWriter, b: Uint8Array, n: number, field: string): void {
  if (!(b instanceof Uint8Array) || b.length !== n) throw bad(`${field}: expected ${n} bytes`);
  w.writeBytes(b);
}

function writeVar(w: ByteWriter, b: Uint8Array, field: string): void {
  if (!(b instanceof Uint8Array) || b.length > MAX_SCRIPT_LENGTH) throw bad(`${field}: bad length`);
  w.writeU16(b.length, field);
  w.writeBytes(b);
}

function writeCtn(w: ByteWriter, n: number, field: string): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_COMMITMENT_NUMBER) throw bad(`${field}: ${n} is not a commitment number`);
  w.writeU64(BigInt(n), field);
}

function writeSide(w: ByteWriter, s: Side): void {
  w.writeU8(s === 'local' ? 0 : 1);
}

function writeConfig(w: ByteWriter, c: ChannelConfig): void {
  w.writeU64(c.dustLimitSat, 'dust_limit_satoshis');
  w.writeU64(c.maxHtlcValueInFlightMsat, 'max_htlc_value_in_flight_msat');
  w.writeU64(c.channelReserveSat, 'channel_reserve_satoshis');
  w.writeU64(c.htlcMinimumMsat, 'htlc_minimum_msat');
  w.writeU16(c.toSelfDelay, 'to_self_delay');
  w.writeU16(c.maxAcceptedHtlcs, 'max_accepted_htlcs');
}

function writeBasepoints(w: ByteWriter, b: ChannelBasepoints): void {
  for (const [k, v] of Object.entries(b) as [string, Uint8Array][]) writeBytesExact(w, v, 33, k);
}

function writeSpec(w: ByteWriter, s: CommitmentSpec): void {
  w.writeU32(s.feeratePerKw, 'feerate_per_kw');
  w.writeU64(s.localMsat, 'local_msat');
  w.writeU64(s.remoteMsat, 'remote_msat');
  if (s.htlcs.length > MAX_HTLCS) throw bad('too many HTLCs');
  w.writeU16(s.htlcs.length, 'htlc count');
  for (const h of s.htlcs) {
    writeSide(w, h.offerer);
    w.writeU64(h.id, 'htlc id');
    w.writeU64(h.amountMsat, 'amount_msat');
    writeBytesExact(w, h.paymentHash, 32, 'payment_hash');
    w.writeU32(h.cltvExpiry, 'cltv_expiry');
  }
}

function writeOutPoint(w: ByteWriter, o: OutPoint): void {
  writeBytesExact(w, o.txid, 32, 'funding txid');
  w.writeU32(o.vout, 'funding output index');
}

/** Encodes one update (throws `monitor.bad_update` for a value its decoder would not give back). */
export function encodeMonitorUpdate(u: MonitorUpdate): Uint8Array {
  const w = new ByteWriter(256);
  try {
    w.writeU8(TAGS[u.kind]);
    switch (u.kind) {
      case 'open': {
        const p = u.params;
        writeBytesExact(w, p.channelId, 32, 'channel_id');
        w.writeU8(p.channelType === 'anchors' ? 1 : 0);
        writeSide(w, p.funder);
        writeOutPoint(w, p.fundingOutpoint);
        w.writeU64(p.fundingSatoshis, 'funding_satoshis');
        w.writeU64(p.obscuringFactor, 'obscuring factor');
        writeConfig(w, p.local.config);
        writeBasepoints(w, p.local.basepoints);
        writeConfig(w, p.remote.config);
        writeBasepoints(w, p.remote.basepoints);
        writeVar(w, u.sweepScript, 'sweep script');
        break;
      }
      case 'local_commitment': {
        const c = u.commitment;
        writeCtn(w, c.ctn, 'ctn');
        writeSpec(w, c.spec);
        writeBytesExact(w, c.signature, 64, 'signature');
        if (c.htlcSignatures.length > MAX_HTLCS) throw bad('too many htlc signatures');
        w.writeU16(c.htlcSignatures.length, 'htlc signature count');
        c.htlcSignatures.forEach((s, i) => writeBytesExact(w, s, 64, `htlc_signature ${i}`));
        break;
      }
      case 'remote_commitment':
        writeCtn(w, u.commitment.ctn, 'ctn');
        writeSpec(w, u.commitment.spec);
        writeBytesExact(w, u.commitment.perCommitmentPoint, 33, 'per_commitment_point');
        break;
      case 'remote_secret':
        writeCtn(w, u.ctn, 'ctn');
        writeBytesExact(w, u.secret, 32, 'per_commitment_secret');
        break;
      case 'preimage':
        writeBytesExact(w, u.preimage, 32, 'payment_preimage');
        break;
      case 'closing_tx':
        writeBytesExact(w, u.txid, 32, 'closing txid');
        break;
      case 'sweep_script':
        writeVar(w, u.script, 'sweep script');
        break;
    }
  } catch (e) {
    if (e instanceof WireError) throw bad(e.message);
    throw e;
  }
  return w.finish();
}

// ----- reading -------------------------------------------------------------------------------

function readCtn(r: ByteReader, field: string): number {
  const v = r.readU64(field);
  if (v > BigInt(MAX_COMMITMENT_NUMBER)) throw bad(`${field}: ${v} is not a 48-bit commitment number`);
  return Number(v);
}

function readSide(r: ByteReader, field: string): Side {
  const v = r.readU8(field);
  if (v > 1) throw bad(`${field}: ${v} is not a side`);
  return v === 0 ? 'local' : 'remote';
}

/** A point's shape (prefix 02/03, 33 bytes); `onCurve` adds the full check (basepoints, once). */
function readPointBytes(r: ByteReader, field: string, onCurve: boolean): Uint8Array {
  const p = r.readBytes(33, field).slice();
  if ((p[0] !== 2 && p[0] !== 3) || (onCurve && !isValidPublicKey(p))) throw bad(`${field}: not a valid compressed point`);
  return p;
}

function readConfig(r: ByteReader): ChannelConfig {
  return {
    dustLimitSat: r.readU64('dust_limit_satoshis'),
    maxHtlcValueInFlightMsat: r.readU64('max_htlc_value_in_flight_msat'),
    channelReserveSat: r.readU64('channel_reserve_satoshis'),
    htlcMinimumMsat: r.readU64('htlc_minimum_msat'),
    toSelfDelay: r.readU16('to_self_delay'),
    maxAcceptedHtlcs: r.readU16('max_accepted_htlcs'),
  };
}

function readBasepoints(r: ByteReader): ChannelBasepoints {
  return {
    fundingPubkey: readPointBytes(r, 'funding_pubkey', true),
    revocationBasepoint: readPointBytes(r, 'revocation_basepoint', true),
    paymentBasepoint: readPointBytes(r, 'payment_basepoint', true),
    delayedPaymentBasepoint: readPointBytes(r, 'delayed_payment_basepoint', true),
    htlcBasepoint: readPointBytes(r, 'htlc_basepoint', true),
  };
}

function readSpec(r: ByteReader): CommitmentSpec {
  const feeratePerKw = r.readU32('feerate_per_kw');
  const localMsat = r.readU64('local_msat');
  const remoteMsat = r.readU64('remote_msat');
  const n = r.readU16('htlc count');
  if (n > MAX_HTLCS) throw bad(`${n} HTLCs`);
  const htlcs: Htlc[] = [];
  for (let i = 0; i < n; i++) {
    const offerer = readSide(r, 'offerer');
    const id = r.readU64('htlc id');
    const amountMsat = r.readU64('amount_msat');
    const paymentHash = r.readBytes(32, 'payment_hash').slice();
    const cltvExpiry = r.readU32('cltv_expiry');
    htlcs.push({ offerer, id, amountMsat, paymentHash, cltvExpiry });
  }
  return { feeratePerKw, localMsat, remoteMsat, htlcs };
}

function readVar(r: ByteReader, field: string): Uint8Array {
  const n = r.readU16(`${field} length`);
  if (n > MAX_SCRIPT_LENGTH) throw bad(`${field}: too long`);
  return r.readBytes(n, field).slice();
}

/** Decodes one update; MonitorError `monitor.bad_update` for anything else. */
export function decodeMonitorUpdate(bytes: Uint8Array): MonitorUpdate {
  if (!(bytes instanceof Uint8Array)) throw bad('expected bytes');
  try {
    const r = new ByteReader(bytes);
    const tag = r.readU8('tag');
    const kind = KINDS.get(tag);
    if (!kind) throw bad(`unknown update tag ${tag}`);
    let u: MonitorUpdate;
    switch (kind) {
      case 'open': {
        const channelId = r.readBytes(32, 'channel_id').slice();
        const type = r.readU8('channel type');
        if (type > 1) throw bad(`channel type ${type}`);
        const channelType: ChannelType = type === 1 ? 'anchors' : 'static_remotekey';
        const funder = readSide(r, 'funder');
        const fundingOutpoint = { txid: r.readBytes(32, 'funding txid').slice(), vout: r.readU32('funding output index') };
        const fundingSatoshis = r.readU64('funding_satoshis');
        const obscuringFactor = r.readU64('obscuring factor');
        if (obscuringFactor >= 1n << 48n) throw bad('obscuring factor is wider than 48 bits');
        const local = { config: readConfig(r), basepoints: readBasepoints(r) };
        const remote = { config: readConfig(r), basepoints: readBasepoints(r) };
        const sweepScript = readVar(r, 'sweep script');
        u = {
          kind,
          params: { channelId, channelType, funder, fundingOutpoint, fundingSatoshis, obscuringFactor, local, remote },
          sweepScript,
        };
        break;
      }
      case 'local_commitment': {
        const ctn = readCtn(r, 'ctn');
        const spec = readSpec(r);
        const signature = r.readBytes(64, 'signature').slice();
        const n = r.readU16('htlc signature count');
        if (n > MAX_HTLCS) throw bad(`${n} htlc signatures`);
        const htlcSignatures: Uint8Array[] = [];
        for (let i = 0; i < n; i++) htlcSignatures.push(r.readBytes(64, 'htlc_signature').slice());
        u = { kind, commitment: { ctn, spec, signature, htlcSignatures } };
        break;
      }
      case 'remote_commitment': {
        const ctn = readCtn(r, 'ctn');
        const spec = readSpec(r);
        u = { kind, commitment: { ctn, spec, perCommitmentPoint: readPointBytes(r, 'per_commitment_point', false) } };
        break;
      }
      case 'remote_secret':
        u = { kind, ctn: readCtn(r, 'ctn'), secret: r.readBytes(32, 'per_commitment_secret').slice() };
        break;
      case 'preimage':
        u = { kind, preimage: r.readBytes(32, 'payment_preimage').slice() };
        break;
      case 'closing_tx':
        u = { kind, txid: r.readBytes(32, 'closing txid').slice() };
        break;
      case 'sweep_script':
        u = { kind, script: readVar(r, 'sweep script') };
        break;
    }
    if (!r.atEnd) throw bad(`${r.remaining} bytes after the ${kind} update`);
    return u;
  } catch (e) {
    if (e instanceof WireError) throw bad(e.message);
    throw e;
  }
}
