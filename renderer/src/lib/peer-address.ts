/**
 * Validates a peer address `nodeid@host:port` as the user types, and says what is wrong in
 * words. The grammar is the NodeApi's (core/api PEER_ADDRESS_PATTERN): a 33-byte compressed
 * public key in hex, `@`, a host name, IPv4 address or bracketed IPv6 address, `:`, a port.
 *
 * Three outcomes besides `valid`: `empty`, `incomplete` (nothing wrong yet, keep typing) and
 * `invalid` (something typed cannot become valid by adding characters at the end).
 */

export const NODE_ID_HEX_LENGTH = 66;

export type AddressCheck =
  | { readonly status: 'empty' }
  | { readonly status: 'incomplete'; readonly reason: string }
  | { readonly status: 'invalid'; readonly reason: string }
  | {
      readonly status: 'valid';
      /** Normalised: node id lowercased, surrounding whitespace removed. */
      readonly address: string;
      readonly nodeId: string;
      readonly host: string;
      readonly port: number;
    };

const HEX = /^[0-9a-fA-F]*$/;
const HOST_NAME = /^[A-Za-z0-9.-]+$/;
const IPV6_BODY = /^[0-9a-fA-F:.]+$/;

function checkNodeId(id: string, complete: boolean): AddressCheck | null {
  if (!HEX.test(id)) {
    const bad = [...id].find((c) => !/[0-9a-fA-F]/.test(c));
    return { status: 'invalid', reason: `The node id may only contain hex digits (0-9, a-f); found "${bad}".` };
  }
  if (id.length >= 2 && id.slice(0, 2) !== '02' && id.slice(0, 2) !== '03') {
    return { status: 'invalid', reason: 'A node id starts with 02 or 03 (it is a compressed public key).' };
  }
  if (id.length === 1 && id !== '0') {
    return { status: 'invalid', reason: 'A node id starts with 02 or 03 (it is a compressed public key).' };
  }
  if (id.length > NODE_ID_HEX_LENGTH) {
    return { status: 'invalid', reason: `The node id is ${id.length} hex digits long; it must be exactly ${NODE_ID_HEX_LENGTH}.` };
  }
  if (id.length < NODE_ID_HEX_LENGTH) {
    const reason = `The node id has ${id.length} of ${NODE_ID_HEX_LENGTH} hex digits.`;
    return complete ? { status: 'invalid', reason } : { status: 'incomplete', reason };
  }
  return null;
}

function checkHost(host: string): AddressCheck | null {
  if (host === '') return { status: 'incomplete', reason: 'Add the host after the @ (a name, an IPv4 address or [IPv6]).' };
  if (host.startsWith('[')) {
    if (host.includes(']') && !host.endsWith(']')) return { status: 'invalid', reason: 'Expected :port right after the ] of the IPv6 address.' };
    if (!host.endsWith(']')) return { status: 'incomplete', reason: 'Close the IPv6 address with ].' };
    if (!IPV6_BODY.test(host.slice(1, -1))) return { status: 'invalid', reason: 'An IPv6 address in [ ] may only contain hex digits, : and .' };
    return null;
  }
  if (host.includes(']')) return { status: 'invalid', reason: 'An IPv6 address must be written in brackets: [::1]:9735.' };
  if (!HOST_NAME.test(host)) {
    return { status: 'invalid', reason: 'The host may only contain letters, digits, dots and hyphens (or be [IPv6]).' };
  }
  return null;
}

/** Checks `input` (untrimmed text from the field). `ownNodeId` refuses connecting to ourselves. */
export function checkPeerAddress(input: string, ownNodeId?: string): AddressCheck {
  const text = input.trim();
  if (text === '') return { status: 'empty' };
  if (/\s/.test(text)) return { status: 'invalid', reason: 'The address may not contain spaces.' };
  const at = text.indexOf('@');
  const idPart = at === -1 ? text : text.slice(0, at);
  const idProblem = checkNodeId(idPart, at !== -1);
  if (idProblem) return idProblem;
  const nodeId = idPart.toLowerCase();
  if (ownNodeId !== undefined && nodeId === ownNodeId.toLowerCase()) {
    return { status: 'invalid', reason: 'That is this node’s own id.' };
  }
  if (at === -1) return { status: 'incomplete', reason: 'Add @host:port after the node id.' };
  const rest = text.slice(at + 1);
  if (rest.includes('@')) return { status: 'invalid', reason: 'The address has more than one @.' };
  // The port follows the last colon outside brackets.
  const closing = rest.lastIndexOf(']');
  const colon = rest.lastIndexOf(':');
  const hasPort = colon !== -1 && colon > closing && !(rest.startsWith('[') && closing === -1);
  const host = hasPort ? rest.slice(0, colon) : rest;
  const hostProblem = checkHost(host);
  if (hostProblem) return hostProblem;
  if (!hasPort) return { status: 'incomplete', reason: 'Add :port after the host (9735 is the usual Lightning port).' };
  const portText = rest.slice(colon + 1);
  if (portText === '') return { status: 'incomplete', reason: 'Add the port number after the colon.' };
  if (!/^[0-9]+$/.test(portText)) return { status: 'invalid', reason: 'The port must be a number.' };
  const port = Number(portText);
  if (portText.length > 5 || port < 1 || port > 65535) return { status: 'invalid', reason: 'The port must be between 1 and 65535.' };
  return { status: 'valid', address: `${nodeId}@${host}:${portText}`, nodeId, host, port };
}
