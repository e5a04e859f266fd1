/**
 * BOLT 4 "Route Blinding" subtypes `blinded_path` / `blinded_path_hop`, and BOLT 1's
 * `sciddir_or_pubkey`. These are wire formats shared by onion messages, offers and payments.
 */
import { isValidPublicKey } from '../crypto';
import type { ByteReader } from './reader';
import { ByteReader as Reader } from './reader';
import { ByteWriter } from './writer';
import { WireError } from './errors';

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

function readValidPoint(r: ByteReader, field: string): Uint8Array {
  const p = r.readBytes(33, field).slice();
  if (!isValidPublicKey(p)) throw new WireError('wire.bad_value', `${field}: not a valid point`, { field });
  return p;
}

export function readSciddirOrPubkey(r: ByteReader, field = 'sciddir_or_pubkey'): SciddirOrPubkey {
  const first = r.bytes[r.position];
  if (first === undefined) r.readU8(field); // throws wire.eof
  // BOLT 1: first byte 0 or 1 → an 8-byte short_channel_id follows; 2 or 3 → a 33-byte point.
  if (first === 0 || first === 1) {
    r.readU8(field);
    return { kind: 'scid', direction: first, shortChannelId: r.readU64(field) };
  }
  if (first === 2 || first === 3) return { kind: 'node_id', nodeId: readValidPoint(r, field) };
  throw new WireError('wire.bad_value', `${field}: first byte ${first} is neither 0/1 (scid) nor 2/3 (point)`);
}

export function writeSciddirOrPubkey(w: ByteWriter, v: SciddirOrPubkey): void {
  if (v.kind === 'scid') w.writeU8(v.direction).writeU64(v.shortChannelId);
  else {
    if (v.nodeId.length !== 33) throw new WireError('wire.bad_value', 'sciddir_or_pubkey: node id must be 33 bytes');
    w.writeBytes(v.nodeId);
  }
}

export function readBlindedPath(r: ByteReader, field = 'blinded_path'): BlindedPath {
  const firstNodeId = readSciddirOrPubkey(r, `${field}.first_node_id`);
  const firstPathKey = readValidPoint(r, `${field}.first_path_key`);
  const numHops = r.readU8(`${field}.num_hops`);
  const hops: BlindedPathHop[] = [];
  for (let i = 0; i < numHops; i++) {
    const blindedNodeId = readValidPoint(r, `${field}.path[${i}].blinded_node_id`);
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

/** Decodes exactly one blinded_path (trailing bytes are an error). */
export function decodeBlindedPath(bytes: Uint8Array): BlindedPath {
  const r = new Reader(bytes);
  const path = readBlindedPath(r);
  r.expectEnd('blinded_path');
  return path;
}
