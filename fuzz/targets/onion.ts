/**
 * BOLT 4 targets: onion packets (decoded and peeled as received, and Sphinx round trips built from
 * fuzzed hop payloads), the hop payloads of payments and onion messages, encrypted_data, failure
 * messages and returned failure packets.
 */
import { publicKeyFromPrivate } from '../../core/crypto';
import {
  createOnionPacket, decodeEncryptedDataTlv, decodeFailure, decodeFailureMessage, decodeOnionMessagePayload, decodeOnionPacket,
  decodePaymentHopPayload, encodeEncryptedDataTlv, encodeFailureMessage, encodeOnionMessagePayload, encodeOnionPacket,
  encodePaymentHopPayload, peelOnionPacket,
} from '../../core/onion';
import type { FailureName, OnionKind } from '../../core/onion';
import { Finding, REJECTED, decodeOrReject, expectSameBytes, fromHex, mustSucceed, roundTrip } from '../harness';
import type { FuzzTarget } from '../harness';

/** BOLT 4 onion-test.json: hop 0's private key and the payment's associated data. */
export const ONION_NODE_KEY = new Uint8Array(32).fill(0x41);
export const ONION_ASSOCIATED_DATA = new Uint8Array(32).fill(0x42);
const HOP_KEYS = [0x41, 0x42].map((b) => new Uint8Array(32).fill(b));
const HOP_IDS = HOP_KEYS.map(publicKeyFromPrivate);
const SESSION_KEY = new Uint8Array(32).fill(0x43);

/** Decodes the rest of the input as a packet of `kind`, round trips it, and peels it with hop 0's key. */
function receivedPacket(kind: OnionKind, body: Uint8Array): void {
  const packet = decodeOrReject('decodeOnionPacket', () => decodeOnionPacket(body, kind));
  if (packet === REJECTED) return;
  expectSameBytes('onion packet: encode(decode(x)) ≠ x', roundTrip('onion packet', packet, encodeOnionPacket, (b) => decodeOnionPacket(b, kind)), body);
  const associatedData = kind === 'payment' ? ONION_ASSOCIATED_DATA : new Uint8Array(0);
  const peeled = decodeOrReject('peelOnionPacket', () => peelOnionPacket({ packet: body, privateKey: ONION_NODE_KEY, associatedData, kind }));
  if (peeled === REJECTED) return;
  if (kind === 'payment') decodeOrReject('decodePaymentHopPayload', () => decodePaymentHopPayload(peeled.payload));
  else decodeOrReject('decodeOnionMessagePayload', () => decodeOnionMessagePayload(peeled.payload));
}

/**
 * Builds a packet for one or two hops from fuzzed payloads (byte: hop count and kind; then per hop
 * a length byte and the payload) and peels it hop by hop: each hop must get exactly its payload,
 * and only the last hop may be final.
 */
function sphinxRoundTrip(body: Uint8Array): void {
  if (body.length === 0) return;
  const hopCount = (body[0]! & 1) + 1;
  const kind: OnionKind = body[0]! & 2 ? 'message' : 'payment';
  let at = 1;
  const hops = HOP_IDS.slice(0, hopCount).map((nodeId) => {
    const n = body[at] ?? 0;
    const payload = body.slice(at + 1, at + 1 + n);
    at += 1 + n;
    return { nodeId, payload };
  });
  const associatedData = kind === 'payment' ? ONION_ASSOCIATED_DATA : new Uint8Array(0);
  const created = decodeOrReject('createOnionPacket', () =>
    createOnionPacket({ sessionKey: SESSION_KEY, hops, associatedData, ...(kind === 'message' ? { payloadSize: 1300 } : {}) }));
  if (created === REJECTED) return;
  let packet = created.packet;
  for (const [i, hop] of hops.entries()) {
    const peeled = decodeOrReject(`peel hop ${i}`, () => peelOnionPacket({ packet, privateKey: HOP_KEYS[i]!, associatedData, kind }));
    if (peeled === REJECTED) {
      // BOLT 4 lets a payment hop refuse a payload shorter than 2 bytes; nothing else may fail.
      if (kind === 'payment' && hop.payload.length < 2) return;
      throw new Finding(`hop ${i} could not peel an onion we built`);
    }
    expectSameBytes(`hop ${i} payload`, peeled.payload, hop.payload);
    const last = i === hops.length - 1;
    if (last !== (peeled.next === null)) throw new Finding(`hop ${i}: final=${peeled.next === null}, expected ${last}`);
    if (peeled.next) packet = peeled.next.packet;
  }
}

export const onionPacket: FuzzTarget = {
  name: 'onion-packet',
  description: 'byte 0 % 3: a payment packet as received (decode, round trip, peel), a message packet, or a Sphinx round trip of fuzzed hop payloads',
  maxLen: 2048,
  check(data) {
    if (data.length === 0) return;
    const body = data.subarray(1);
    switch (data[0]! % 3) {
      case 0:
        return receivedPacket('payment', body);
      case 1:
        return receivedPacket('message', body);
      default:
        return sphinxRoundTrip(body);
    }
  },
};

/** The origin's shared secrets in onion-error-test.json (hops 0–4). */
export const FAILURE_SECRETS = [
  '53eb63ea8a3fec3b3cd433b85cd62a4b145e1dda09391b348c4e1cd36a03ea66',
  'a6519e98832a0b179f62123b3567c106db99ee37bef036e783263602f3488fae',
  '3a6b412548762f0dbccce5c7ae7bb8147d1caf9b5471c34120b30bc9c04891cc',
  '21e13c2d7cfe7e18836df50872466117a295783ab8aab0e7ecc8c725503ad02d',
  'b5756b9b542727dbafc6765a49488b023a725d631af688fc031217e90770c328',
].map(fromHex);

const PAYLOAD_DECODERS: ReadonlyArray<(body: Uint8Array) => void> = [
  (body) => {
    const p = decodeOrReject('decodePaymentHopPayload', () => decodePaymentHopPayload(body));
    if (p === REJECTED) return;
    // Accepted TLV streams are canonical and unknown records are kept: the bytes come back.
    expectSameBytes('payment payload: encode(decode(x)) ≠ x', roundTrip('payment payload', p, encodePaymentHopPayload, decodePaymentHopPayload), body);
  },
  (body) => {
    const p = decodeOrReject('decodeOnionMessagePayload', () => decodeOnionMessagePayload(body));
    if (p === REJECTED) return;
    expectSameBytes('onionmsg payload: encode(decode(x)) ≠ x', roundTrip('onionmsg payload', p, encodeOnionMessagePayload, decodeOnionMessagePayload), body);
  },
  (body) => {
    const d = decodeOrReject('decodeEncryptedDataTlv', () => decodeEncryptedDataTlv(body));
    if (d === REJECTED) return;
    expectSameBytes('encrypted_data: encode(decode(x)) ≠ x', roundTrip('encrypted_data', d, encodeEncryptedDataTlv, decodeEncryptedDataTlv), body);
  },
  (body) => {
    const f = decodeOrReject('decodeFailureMessage', () => decodeFailureMessage(body));
    if (f === REJECTED || f.name === 'unknown' || f.extraBytes !== undefined) return;
    const again = mustSucceed('encodeFailureMessage of a decoded failure', () =>
      encodeFailureMessage(f.name as FailureName, f.data as never, f.tlvs));
    expectSameBytes('failure message: encode(decode(x)) ≠ x', again, body);
  },
  (body) => {
    const f = decodeOrReject('decodeFailure', () => decodeFailure({ sharedSecrets: FAILURE_SECRETS, packet: body }));
    if (f === REJECTED) return;
    if (f.hopIndex < 0 || f.hopIndex >= FAILURE_SECRETS.length) throw new Finding(`decodeFailure blamed hop ${f.hopIndex}`);
  },
];

export const ONION_PAYLOAD_KINDS = ['payment_payload', 'onionmsg_payload', 'encrypted_data', 'failure_message', 'failure_packet'] as const;

export const onionPayloads: FuzzTarget = {
  name: 'onion-payloads',
  description: `first byte picks one of ${ONION_PAYLOAD_KINDS.join(', ')}; decode the rest (round trip to the same bytes where an encoder exists)`,
  maxLen: 2048,
  check(data) {
    if (data.length === 0) return;
    PAYLOAD_DECODERS[data[0]! % PAYLOAD_DECODERS.length]!(data.subarray(1));
  },
};
