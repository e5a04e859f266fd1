/**
 * BOLT 7 `address descriptor`s (node_announcement `addresses`, and BOLT 1 init `remote_addr`):
 * one type byte, then the address data for that type.
 */
import type { ByteReader } from './reader';
import { ByteReader as Reader } from './reader';
import { ByteWriter } from './writer';
import { WireError } from './errors';
import type { Codec } from './codec';

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
