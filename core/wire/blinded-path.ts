/**
 * BOLT 4 "Route Blinding" subtypes `blinded_path` / `blinded_path_hop`, and BOLT 1's
 * `sciddir_or_pubkey`. These are wire formats shared by onion messages, offers and payments.
 *
 * A reader refuses a path longer than `LIMITS.blindedPathHops` (limits.ts) as soon as it reads
 * `num_hops`, before it reads a hop. It checks every point on the curve unless asked to check
 * only their shape (`points: 'shape'`: 33 bytes, prefix 02 or 03), for readers that validate
 * only the points they use, later and once the message is worth it (`blindedPathPoints`,
 * `checkBlindedPathPoints`).
 */
import { isValidPublicKey } from '../crypto';
import type { ByteReader } from './reader';
import { ByteReader as Reader } from './reader';
import { ByteWriter } from './writer';
import { WireError } from './errors';
import { LIMITS } from './limits';

/** BOLT 1 `sciddir_or_pubkey`: a node id, or one end (0 = node_id_1, 1 = node_id_2) of a channel. */
export type SciddirOrPubkey =
  | { readonly kind: 'node_id'; readonly nodeId: Uint8Array }
  | { readonly kind: 'scid'; readonly direction: 0 | 1; readonly shortChannelId: bigint };

export interface BlindedPathHop {
  /** BOLT 4 `blinded_node_id` */
  readonly blindedNodeId: Uint8Array;
  /** BOLT 4 `encrypted_recipient_data` */
  readonly encryptedRecipientData: Uint8Array;
}

export interface BlindedPath {
  /** BOLT 4 `first_node_id`: the introduction node. */
  readonly firstNodeId: SciddirOrPubkey;
  /** BOLT 4 `first_path_key` */
  readonly firstPathKey: Uint8Array;
  /** BOLT 4 `path` (`num_hops` entries, at most 255). */
  readonly hops: readonly BlindedPathHop[];
}

/** How a reader checks the points of a path: on the curve (the default), or only their shape. */
export type PointCheck = 'curve' | 'shape';

export interface ReadBlindedPathOptions {
  /** Refuse a path with more hops than this (`wire.too_large`, before any hop is read). Default `LIMITS.blindedPathHops`. */
  readonly maxHops?: number;
  /** `'shape'`: 33 bytes with prefix 02 or 03 only; the caller checks the points it uses. Default `'curve'`. */
  readonly points?: PointCheck;
}

function readPathPoint(r: ByteReader, field: string, check: PointCheck): Uint8Array {
  const p = r.readBytes(33, field).slice();
  // BOLT 1 `point`: a compressed SEC 1 encoding (prefix 02 or 03) of a point on the curve.
  const ok = check === 'shape' ? p[0] === 2 || p[0] === 3 : isValidPublicKey(p);
  if (!ok) throw new WireError('wire.bad_value', `${field}: not a valid point`, { field });
  return p;
}

export function readSciddirOrPubkey(r: ByteReader, field = 'sciddir_or_pubkey', points: PointCheck = 'curve'): SciddirOrPubkey {
  const first = r.bytes[r.position];
  if (first === undefined) r.readU8(field); // throws wire.eof
  // BOLT 1: first byte 0 or 1 → an 8-byte short_channel_id follows; 2 or 3 → a 33-byte point.
  if (first === 0 || first === 1) {
    r.readU8(field);
    return { kind: 'scid', direction: first, shortChannelId: r.readU64(field) };
  }
  if (first === 2 || first === 3) return { kind: 'node_id', nodeId: readPathPoint(r, field, points) };
  throw new WireError('wire.bad_value', `${field}: first byte ${first} is neither 0/1 (scid) nor 2/3 (point)`);
}

export function writeSciddirOrPubkey(w: ByteWriter, v: SciddirOrPubkey): void {
  if (v.kind === 'scid') w.writeU8(v.direction).writeU64(v.shortChannelId);
  else {
    if (v.nodeId.length !== 33) throw new WireError('wire.bad_value', 'sciddir_or_pubkey: node id must be 33 bytes');
    w.writeBytes(v.nodeId);
  }
}

export function readBlindedPath(r: ByteReader, field = 'blinded_path', opts: ReadBlindedPathOptions = {}): BlindedPath {
  const points = opts.points ?? 'curve';
  const maxHops = opts.maxHops ?? LIMITS.blindedPathHops;
  const firstNodeId = readSciddirOrPubkey(r, `${field}.first_node_id`, points);
  const firstPathKey = readPathPoint(r, `${field}.first_path_key`, points);
  const numHops = r.readU8(`${field}.num_hops`);
  if (numHops > maxHops) {
    // Refused before any hop is read: see the limits table (limits.ts).
    throw new WireError('wire.too_large', `${field}: ${numHops} hops, more than the ${maxHops} we read`, { field, hops: numHops, max: maxHops });
  }
  const hops: BlindedPathHop[] = [];
  for (let i = 0; i < numHops; i++) {
    const blindedNodeId = readPathPoint(r, `${field}.path[${i}].blinded_node_id`, points);
    const enclen = r.readU16(`${field}.path[${i}].enclen`);
    const encryptedRecipientData = r.readBytes(enclen, `${field}.path[${i}].encrypted_recipient_data`).slice();
    hops.push({ blindedNodeId, encryptedRecipientData });
  }
  return { firstNodeId, firstPathKey, hops };
}

export function writeBlindedPath(w: ByteWriter, path: BlindedPath): void {
  if (path.hops.length > 255) throw new WireError('wire.bad_value', 'blinded_path: more than 255 hops');
  writeSciddirOrPubkey(w, path.firstNodeId);
  w.writeBytes(path.firstPathKey);
  w.writeU8(path.hops.length);
  for (const hop of path.hops) {
    w.writeBytes(hop.blindedNodeId);
    w.writeU16(hop.encryptedRecipientData.length, 'enclen');
    w.writeBytes(hop.encryptedRecipientData);
  }
}

export function encodeBlindedPath(path: BlindedPath): Uint8Array {
  const w = new ByteWriter();
  writeBlindedPath(w, path);
  return w.finish();
}

/** Decodes exactly one blinded_path (trailing bytes are an error), every point checked on the curve. */
export function decodeBlindedPath(bytes: Uint8Array, opts: ReadBlindedPathOptions = {}): BlindedPath {
  const r = new Reader(bytes);
  const path = readBlindedPath(r, 'blinded_path', opts);
  r.expectEnd('blinded_path');
  return path;
}

/** Every point of a path with the BOLT field it fills: first_node_id (when a node id), first_path_key, each blinded_node_id. */
export function blindedPathPoints(path: BlindedPath, field = 'blinded_path'): { readonly field: string; readonly point: Uint8Array }[] {
  const out = path.firstNodeId.kind === 'node_id' ? [{ field: `${field}.first_node_id`, point: path.firstNodeId.nodeId }] : [];
  out.push({ field: `${field}.first_path_key`, point: path.firstPathKey });
  path.hops.forEach((h, i) => out.push({ field: `${field}.path[${i}].blinded_node_id`, point: h.blindedNodeId }));
  return out;
}

/**
 * Checks on the curve the points of a path read with `points: 'shape'`; the first that is not
 * a point is WireError `wire.bad_value` naming its field, as a reader checking them at once would.
 */
export function checkBlindedPathPoints(path: BlindedPath, field = 'blinded_path'): void {
  for (const { field: name, point } of blindedPathPoints(path, field)) {
    if (!isValidPublicKey(point)) throw new WireError('wire.bad_value', `${name}: not a valid point`, { field: name });
  }
}
