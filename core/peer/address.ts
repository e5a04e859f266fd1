/** Peer addresses: `nodeid@host:port` (host a name, IPv4, or [IPv6]). */
import { isValidPublicKey, fromHex } from '../crypto';
import { PeerError } from './errors';

export interface PeerAddress {
  /** Lowercase hex node id. */
  readonly nodeId: string;
  readonly host: string;
  readonly port: number;
}

const PATTERN = /^(0[23][0-9a-fA-F]{64})@(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/;

export function parsePeerAddress(text: string): PeerAddress {
  const m = PATTERN.exec(text.trim());
  if (!m) throw new PeerError('peer.bad_address', `"${text}" is not NODEID@HOST:PORT`);
  const nodeId = m[1]!.toLowerCase();
  if (!isValidPublicKey(fromHex(nodeId))) throw new PeerError('peer.bad_address', `${nodeId} is not a valid node id (not a point on secp256k1)`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new PeerError('peer.bad_address', `port ${port} is out of range`);
  return { nodeId, host: m[2]!.replace(/^\[|\]$/g, ''), port };
}

/** "host:port", with brackets around IPv6 hosts. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** A listen address "host:port"; port 0 asks the system for a free port. */
export function parseListenAddress(text: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(text);
  if (!m || Number(m[2]) > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}
