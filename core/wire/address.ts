/**
 * BOLT 7 `address descriptor`s (node_announcement `addresses`, and BOLT 1 init `remote_addr`):
 * one type byte, then the address data for that type.
 */
import type { ByteReader } from './reader';
import { ByteReader as Reader } from './reader';
import { ByteWriter } from './writer';
import { WireError } from './errors';
import type { Codec } from './codec';
import { concatBytes, sha3_256, utf8 } from '../crypto';

/** BOLT 7 address descriptor types. */
export const ADDRESS_TYPES = { ipv4: 1, ipv6: 2, torv2: 3, torv3: 4, dns: 5 } as const;

export type AddressDescriptor =
  /** type 1: `[4:ipv4_addr][2:port]` */
  | { readonly kind: 'ipv4'; readonly address: Uint8Array; readonly port: number }
  /** type 2: `[16:ipv6_addr][2:port]` */
  | { readonly kind: 'ipv6'; readonly address: Uint8Array; readonly port: number }
  /** type 3: deprecated Tor v2 (`[10:onion][2:port]`); receivers SHOULD ignore it. */
  | { readonly kind: 'torv2'; readonly onion: Uint8Array; readonly port: number }
  /** type 4: `[35:onion_addr][2:port]`, onion_addr = ed25519 pubkey (32) || checksum (2) || version (1). */
  | { readonly kind: 'torv3'; readonly onion: Uint8Array; readonly port: number }
  /** type 5: `[1:hostname_len][hostname_len:hostname][2:port]`, hostname ASCII (Punycode for others). */
  | { readonly kind: 'dns'; readonly hostname: string; readonly port: number }
  /** Any other type, with its data unparsed (only where the data's extent is known, as in `remote_addr`). */
  | { readonly kind: 'unknown'; readonly typeNumber: number; readonly data: Uint8Array };

const FIXED: Record<number, { kind: 'ipv4' | 'ipv6' | 'torv2' | 'torv3'; length: number }> = {
  1: { kind: 'ipv4', length: 4 },
  2: { kind: 'ipv6', length: 16 },
  3: { kind: 'torv2', length: 10 },
  4: { kind: 'torv3', length: 35 },
};

/** True for the descriptor types BOLT 7 defines (1..5). */
export function isKnownAddressType(typeNumber: number): boolean {
  return typeNumber >= 1 && typeNumber <= 5;
}

/** Reads one descriptor of a known type; an unknown type is `wire.bad_value` (its length is unknowable). */
export function readAddressDescriptor(r: ByteReader, field = 'address'): AddressDescriptor {
  const t = r.readU8(`${field}.type`);
  const fixed = FIXED[t];
  if (fixed) {
    const bytes = r.readBytes(fixed.length, `${field}.${fixed.kind}`).slice();
    const port = r.readU16(`${field}.port`);
    return fixed.kind === 'ipv4' || fixed.kind === 'ipv6' ? { kind: fixed.kind, address: bytes, port } : { kind: fixed.kind, onion: bytes, port };
  }
  if (t === ADDRESS_TYPES.dns) {
    const len = r.readU8(`${field}.hostname_len`);
    const raw = r.readBytes(len, `${field}.hostname`);
    // BOLT 7: "hostname bytes MUST be ASCII characters".
    if (raw.some((b) => b > 0x7f)) throw new WireError('wire.bad_value', `${field}.hostname: not ASCII`, { field });
    const hostname = String.fromCharCode(...raw);
    return { kind: 'dns', hostname, port: r.readU16(`${field}.port`) };
  }
  throw new WireError('wire.bad_value', `${field}: unknown address descriptor type ${t}`, { field });
}

export function writeAddressDescriptor(w: ByteWriter, a: AddressDescriptor, field = 'address'): void {
  switch (a.kind) {
    case 'ipv4':
    case 'ipv6':
    case 'torv2':
    case 'torv3': {
      const bytes = a.kind === 'ipv4' || a.kind === 'ipv6' ? a.address : a.onion;
      const length = { ipv4: 4, ipv6: 16, torv2: 10, torv3: 35 }[a.kind];
      if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
        throw new WireError('wire.bad_value', `${field}: ${a.kind} address must be ${length} bytes`);
      }
      w.writeU8(ADDRESS_TYPES[a.kind]).writeBytes(bytes).writeU16(a.port, `${field}.port`);
      return;
    }
    case 'dns': {
      const h = a.hostname;
      if (typeof h !== 'string' || h.length > 255 || [...h].some((ch) => ch.charCodeAt(0) > 0x7f)) {
        throw new WireError('wire.bad_value', `${field}: hostname must be at most 255 ASCII characters`);
      }
      w.writeU8(ADDRESS_TYPES.dns).writeU8(h.length);
      for (let i = 0; i < h.length; i++) w.writeU8(h.charCodeAt(i));
      w.writeU16(a.port, `${field}.port`);
      return;
    }
    case 'unknown':
      if (isKnownAddressType(a.typeNumber)) throw new WireError('wire.bad_value', `${field}: type ${a.typeNumber} is not unknown`);
      w.writeU8(a.typeNumber, `${field}.type`).writeBytes(a.data);
      return;
    default:
      throw new WireError('wire.bad_value', `${field}: unknown address kind`);
  }
}

/**
 * The `remote_addr` value of init (BOLT 1): exactly one descriptor filling the whole value. An
 * unknown type keeps its data, since the record's length delimits it.
 */
export const addressDescriptorCodec: Codec<AddressDescriptor> = {
  read: (r, field) => {
    const t = r.bytes[r.position];
    if (t !== undefined && !isKnownAddressType(t)) {
      r.readU8(field);
      return { kind: 'unknown', typeNumber: t, data: r.readRest().slice() };
    }
    return readAddressDescriptor(r, field);
  },
  write: (w, v, field) => writeAddressDescriptor(w, v, field),
};

/**
 * Decodes node_announcement `addresses` (BOLT 7): descriptors in order, stopping at the first
 * unknown type ("SHOULD ignore the first address descriptor that does NOT match the types
 * defined above"); what follows it is returned unparsed.
 */
export function decodeAddressList(bytes: Uint8Array): { addresses: AddressDescriptor[]; unparsed: Uint8Array } {
  const r = new Reader(bytes);
  const addresses: AddressDescriptor[] = [];
  while (!r.atEnd) {
    if (!isKnownAddressType(r.bytes[r.position]!)) break;
    addresses.push(readAddressDescriptor(r, `addresses[${addresses.length}]`));
  }
  return { addresses, unparsed: r.readRest().slice() };
}

export function encodeAddressList(addresses: readonly AddressDescriptor[]): Uint8Array {
  const w = new ByteWriter();
  addresses.forEach((a, i) => writeAddressDescriptor(w, a, `addresses[${i}]`));
  return w.finish();
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  return out;
}

function formatIpv6(a: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (a[2 * i]! << 8) | a[2 * i + 1]!);
  // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Human-readable `host:port` (`[v6]:port`, `<56 chars>.onion:port`). */
export function formatAddress(a: AddressDescriptor): string {
  switch (a.kind) {
    case 'ipv4':
      return `${Array.from(a.address).join('.')}:${a.port}`;
    case 'ipv6':
      return `[${formatIpv6(a.address)}]:${a.port}`;
    case 'torv2':
    case 'torv3':
      return `${base32(a.onion)}.onion:${a.port}`;
    case 'dns':
      return `${a.hostname}:${a.port}`;
    case 'unknown':
      return `unknown-address-type-${a.typeNumber}`;
  }
}

// ----- text form: what a user types for an address to announce -------------------------------------

const ONION_V3_VERSION = 3;

/**
 * An address as a user writes it — `1.2.3.4:9735`, `[2001:db8::1]:9735`, `<56 chars>.onion:9735`
 * or `node.example.com:9735` — as a BOLT 7 address descriptor (types 1, 2, 4 and 5). Bad text is
 * `wire.bad_value` saying why. BOLT 7: "MUST NOT create a type 1, type 2 or type 5 address
 * descriptor with port equal to 0" (no port 0 for onions either: nobody can dial it).
 */
export function parseAddressDescriptor(text: string): AddressDescriptor {
  const m = /^(\[[^\]]*\]|[^:[\]]+):([0-9]{1,5})$/.exec(text.trim());
  if (!m) throw new WireError('wire.bad_value', `"${text}" is not HOST:PORT (an IPv6 host in brackets)`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new WireError('wire.bad_value', `"${text}": the port must be 1..65535`);
  const host = m[1]!;
  if (host.startsWith('[')) {
    const address = parseIpv6(host.slice(1, -1));
    if (!address) throw new WireError('wire.bad_value', `"${text}": ${host} is not an IPv6 address`);
    return { kind: 'ipv6', address, port };
  }
  const v4 = parseIpv4(host);
  if (v4) return { kind: 'ipv4', address: v4, port };
  if (/^[0-9.]+$/.test(host)) throw new WireError('wire.bad_value', `"${text}": ${host} is not an IPv4 address`);
  const lower = host.toLowerCase();
  if (lower.endsWith('.onion')) return { kind: 'torv3', onion: parseOnionV3(lower.slice(0, -'.onion'.length), text), port };
  // BOLT 7 type 5: "hostname bytes MUST be ASCII characters" (others in Punycode): letters, digits, '-' and '.' in labels of 1–63.
  if (lower.length > 255 || !lower.split('.').every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label))) {
    throw new WireError('wire.bad_value', `"${text}": ${host} is not a DNS hostname (ASCII letters, digits, '-' and '.'; Punycode for others)`);
  }
  return { kind: 'dns', hostname: lower, port };
}

/** Dotted-quad IPv4 (four decimal octets, no leading zeros), or null. */
export function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255)) return null;
  return new Uint8Array(parts.map(Number));
}

/** RFC 4291 text form of an IPv6 address (with `::` and a trailing dotted quad), or null. */
export function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (part: string, last: boolean): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (last && i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) out.push(parseInt(piece, 16));
      else return null;
    }
    return out;
  };
  const head = groupsOf(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1]!, true) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** A Tor v3 onion name (56 base32 characters): pubkey || checksum || version, the checksum verified. */
function parseOnionV3(name: string, text: string): Uint8Array {
  if (!/^[a-z2-7]{56}$/.test(name)) throw new WireError('wire.bad_value', `"${text}": a Tor v3 address is 56 base32 characters before .onion`);
  const bytes = new Uint8Array(35);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const c of name) {
    acc = (acc << 5) | BASE32.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes[n++] = (acc >> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  // BOLT 7 type 4: "checksum = sha3(".onion checksum" || pubkey || version)[:2]", version 3.
  const pubkey = bytes.subarray(0, 32);
  const checksum = sha3_256(concatBytes(utf8.encode('.onion checksum'), pubkey, Uint8Array.of(ONION_V3_VERSION)));
  if (bytes[34] !== ONION_V3_VERSION || bytes[32] !== checksum[0] || bytes[33] !== checksum[1]) {
    throw new WireError('wire.bad_value', `"${text}": not a Tor v3 address (its checksum or version is wrong)`);
  }
  return bytes;
}

/** Addresses for our node_announcement: BOLT 7 "MUST place address descriptors in ascending order" (by type), "MUST NOT announce more than one type 5 DNS hostname". */
export function announcementOrder(addresses: readonly AddressDescriptor[]): AddressDescriptor[] {
  const typeOf = (a: AddressDescriptor) => (a.kind === 'unknown' ? a.typeNumber : ADDRESS_TYPES[a.kind]);
  const seen = new Set<string>();
  let dns = false;
  const out: AddressDescriptor[] = [];
  for (const a of [...addresses].sort((x, y) => typeOf(x) - typeOf(y))) {
    const key = formatAddress(a);
    if (seen.has(key) || (a.kind === 'dns' && dns)) continue;
    seen.add(key);
    dns ||= a.kind === 'dns';
    out.push(a);
  }
  return out;
}
