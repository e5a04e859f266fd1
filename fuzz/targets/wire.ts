/**
 * Wire targets: every Lightning message type (BOLT 1, 2, 4, 7 and the extension TLV streams) and
 * the fundamental encodings other layers build on (BigSize, TLV streams, feature vectors, address
 * descriptors, blinded paths).
 */
import {
  FeatureVector, decodeAddressList, decodeBigSize, decodeBlindedPath, decodeMessage, decodeTlvStream, encodeAddressList,
  encodeBigSize, encodeBlindedPath, encodeMessage, encodeTlvStream,
} from '../../core/wire';
import type { Message } from '../../core/wire';
import { Finding, REJECTED, decodeOrReject, expectSameBytes, roundTrip } from '../harness';
import type { FuzzTarget } from '../harness';

/** Gossip messages are relayed byte for byte, so their codecs must give back exactly what they read. */
const EXACT = new Set<Message['type']>([
  'channel_announcement', 'node_announcement', 'channel_update', 'query_short_channel_ids', 'reply_short_channel_ids_end',
  'query_channel_range', 'reply_channel_range', 'gossip_timestamp_filter', 'announcement_signatures',
]);

export const wireMessage: FuzzTarget = {
  name: 'wire-message',
  description: 'decodeMessage on any bytes (type + payload + extension), then encode → decode round trip',
  maxLen: 65535,
  check(data) {
    const m = decodeOrReject('decodeMessage', () => decodeMessage(data));
    if (m === REJECTED) return;
    const y = roundTrip(`${m.type} message`, m, encodeMessage, decodeMessage);
    if (EXACT.has(m.type)) expectSameBytes(`${m.type}: encode(decode(x)) ≠ x`, y, data);
  },
};

/** The first byte picks the decoder; the rest is its input. */
const FIELD_DECODERS: ReadonlyArray<(body: Uint8Array) => void> = [
  (body) => {
    const records = decodeOrReject('decodeTlvStream', () => decodeTlvStream(body));
    if (records === REJECTED) return;
    // A TLV stream we accept is canonical, so it re-encodes to exactly the input.
    expectSameBytes('tlv stream: encode(decode(x)) ≠ x', roundTrip('tlv stream', records, encodeTlvStream, decodeTlvStream), body);
  },
  (body) => {
    const v = decodeOrReject('decodeBigSize', () => decodeBigSize(body));
    if (v === REJECTED) return;
    // BOLT 1 BigSize: only the minimal encoding decodes, so it must re-encode to the input.
    expectSameBytes('bigsize: encode(decode(x)) ≠ x', roundTrip('bigsize', v, encodeBigSize, decodeBigSize), body);
  },
  (body) => {
    const f = decodeOrReject('FeatureVector.decode', () => FeatureVector.decode(body));
    if (f === REJECTED) return;
    const y = roundTrip('features', f, (v) => v.encode(), (b) => FeatureVector.decode(b));
    // Leading zero bytes are the only thing the decoder may drop.
    let skip = 0;
    while (skip < body.length && body[skip] === 0) skip++;
    expectSameBytes('features: encode(decode(x)) ≠ x without leading zeros', y, body.subarray(skip));
  },
  (body) => {
    const list = decodeOrReject('decodeAddressList', () => decodeAddressList(body));
    if (list === REJECTED) return;
    const y = roundTrip('address list', list.addresses, encodeAddressList, (b) => decodeAddressList(b).addresses);
    // What decoded is a prefix of the input; the unparsed rest is everything after it.
    expectSameBytes('address list: encoded + unparsed ≠ input', Uint8Array.from([...y, ...list.unparsed]), body);
  },
  (body) => {
    const path = decodeOrReject('decodeBlindedPath', () => decodeBlindedPath(body));
    if (path === REJECTED) return;
    expectSameBytes('blinded path: encode(decode(x)) ≠ x', roundTrip('blinded path', path, encodeBlindedPath, decodeBlindedPath), body);
  },
];

export const WIRE_FIELD_KINDS = ['tlv_stream', 'bigsize', 'features', 'address_list', 'blinded_path'] as const;

export const wireFields: FuzzTarget = {
  name: 'wire-fields',
  description: `first byte picks one of ${WIRE_FIELD_KINDS.join(', ')}; decode the rest, round trip to the same bytes`,
  maxLen: 4096,
  check(data) {
    if (data.length === 0) return;
    const decoder = FIELD_DECODERS[data[0]! % FIELD_DECODERS.length];
    if (decoder === undefined) throw new Finding('no decoder');
    decoder(data.subarray(1));
  },
};
