/**
 * Starting inputs for each target: the official vectors (test/vectors/data) and valid encodings
 * our own encoders build from the property tests' generators (sampled with a fixed seed, so the
 * same seeds come out every run). Only the runner reads this file; targets do not.
 */
import fc from 'fast-check';
import { decodeTx, txid, txidToHex } from '../core/bitcoin';
import { toHex } from '../core/crypto';
import {
  buildInvoice, buildInvoiceError, buildInvoiceRequest, buildOffer, buildStaticInvoice, decodeBolt12String, encodeBolt12String,
} from '../core/offers';
import { encodeFailureMessage } from '../core/onion';
import { encodeAddressList, encodeBlindedPath, encodeMessage, encodeTlvStream } from '../core/wire';
import type { KnownMessage } from '../core/wire';
import { addressDescriptor, featureVector, messageArbitraries, point, unknownTlvs } from '../test/unit/wire/arbitraries';
import {
  channel as gossipChannel, node as gossipNode, nodeAnnouncement as gossipNodeAnnouncement, scid as gossipScid,
  update as gossipUpdate,
} from '../test/unit/gossip/support';
import { ALICE, AUX, BOB, blindedPath, paymentPath, pubkey } from '../test/unit/offers/fixtures';
import { fromHex, selected, utf8 } from './harness';
import type { VectorLoader } from './harness';

const SEED = 19;

function sample<T>(arb: fc.Arbitrary<T>, n: number): T[] {
  return fc.sample(arb, { seed: SEED, numRuns: n });
}

interface TlvVectors {
  decoding_failures: { stream: string }[];
  decoding_successes: { stream: string }[];
  stream_decoding_failures: { stream: string }[];
  message_extension: { valid: { message: string }[]; invalid: { message: string }[] };
}

function wireMessageSeeds(load: VectorLoader): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const arb of Object.values(messageArbitraries) as fc.Arbitrary<KnownMessage>[]) {
    for (const m of sample(arb, 4)) out.push(encodeMessage(m));
  }
  for (const v of load<{ hex: string }[]>('bolt07/extended-queries.json')) out.push(fromHex(v.hex));
  const ext = load<TlvVectors>('bolt01/tlv.json').message_extension;
  for (const v of [...ext.valid, ...ext.invalid]) out.push(fromHex(v.message));
  return out;
}

function wireFieldSeeds(load: VectorLoader): Uint8Array[] {
  const out: Uint8Array[] = [];
  const tlv = load<TlvVectors>('bolt01/tlv.json');
  for (const v of [...tlv.decoding_failures, ...tlv.decoding_successes, ...tlv.stream_decoding_failures]) {
    out.push(selected(0, fromHex(v.stream)));
  }
  for (const rs of sample(unknownTlvs([]), 8)) out.push(selected(0, encodeTlvStream(rs)));
  for (const v of load<{ decoding: { bytes: string }[] }>('bolt01/bigsize.json').decoding) out.push(selected(1, fromHex(v.bytes)));
  for (const f of sample(featureVector, 8)) out.push(selected(2, f.encode()));
  for (const list of sample(fc.array(addressDescriptor, { maxLength: 4 }), 12)) {
    out.push(selected(3, encodeAddressList(list.filter((a) => a.kind !== 'unknown'))));
  }
  for (const [intro, key, hops] of sample(fc.tuple(point, point, fc.array(fc.tuple(point, fc.uint8Array({ maxLength: 40 })), { maxLength: 3 })), 8)) {
    const path = { firstNodeId: { kind: 'node_id' as const, nodeId: intro }, firstPathKey: key, hops: hops.map(([id, data]) => ({ blindedNodeId: id, encryptedRecipientData: data })) };
    out.push(selected(4, encodeBlindedPath(path)));
  }
  return out;
}

interface TransportVectors {
  initiator: { act_two?: string }[];
  responder: { act_one?: string; act_three?: string }[];
}

function transportFrameSeeds(): Uint8Array[] {
  const hello = [...utf8('hello')];
  return [
    [0, 5, ...hello],
    [0, 5, ...hello, 0, 0, 1, 0x01, 0x00, 0x61],
    [0, 5, ...hello, 4, 0, 7, 0, 3, ...[1, 2, 3]],
    [0, 5, ...hello, 3, 0, 20, 2],
    [1, 0xff, 0xff, 0x61, 0, 2, 0, 1],
    [0, 2, 0, 18, 2, 5, 1, 2, 3, 4, 5],
  ].map((s) => Uint8Array.from(s));
}

function transportHandshakeSeeds(load: VectorLoader): Uint8Array[] {
  const v = load<TransportVectors>('bolt08/transport.json');
  const out: Uint8Array[] = [];
  for (const r of v.responder) {
    if (r.act_one) out.push(selected(0, fromHex(r.act_one)));
    if (r.act_three) out.push(selected(2, fromHex(r.act_three)));
  }
  for (const i of v.initiator) if (i.act_two) out.push(selected(1, fromHex(i.act_two)));
  return out;
}

interface OnionVectors {
  generate: { hops: { payload?: string; encrypted_data_tlv?: string; encoded_tlvs?: string }[]; full_route?: { hops: { payload: string }[] } };
  onion?: string;
  onionmessage?: { onion_message_packet: string };
  errorpacket?: string;
}

/** Drops the BigSize length the vectors put before each hop payload (they are all under 0xfd). */
const withoutLength = (hex: string): Uint8Array => fromHex(hex).subarray(1);

function onionPacketSeeds(load: VectorLoader): Uint8Array[] {
  const plain = load<OnionVectors>('bolt04/onion-test.json');
  const message = load<OnionVectors>('bolt04/blinded-onion-message-onion-test.json');
  const out = [selected(0, fromHex(plain.onion!)), selected(1, fromHex(message.onionmessage!.onion_message_packet))];
  const payloads = plain.generate.hops.map((h) => withoutLength(h.payload!));
  for (const p of payloads) out.push(selected(2, Uint8Array.from([0, p.length, ...p])));
  out.push(selected(2, Uint8Array.from([1, payloads[0]!.length, ...payloads[0]!, payloads[1]!.length, ...payloads[1]!])));
  out.push(selected(2, Uint8Array.from([3, 3, 0x04, 0x01, 0x61, 0])));
  return out;
}

function onionPayloadSeeds(load: VectorLoader): Uint8Array[] {
  const out: Uint8Array[] = [];
  const plain = load<OnionVectors>('bolt04/onion-test.json');
  const blinded = load<OnionVectors>('bolt04/blinded-payment-onion-test.json');
  for (const h of [...plain.generate.hops, ...(blinded.generate.full_route?.hops ?? [])]) if (h.payload) out.push(selected(0, withoutLength(h.payload)));
  const message = load<OnionVectors>('bolt04/blinded-onion-message-onion-test.json');
  out.push(selected(1, Uint8Array.from([0x04, 0x02, 0xab, 0xcd, 0x41, 0x05, ...utf8('hello')])));
  for (const h of message.generate.hops) if (h.encrypted_data_tlv) out.push(selected(2, fromHex(h.encrypted_data_tlv)));
  for (const h of load<OnionVectors>('bolt04/route-blinding-test.json').generate.hops) if (h.encoded_tlvs) out.push(selected(2, fromHex(h.encoded_tlvs)));
  const failures = [
    encodeFailureMessage('temporary_node_failure', {}),
    encodeFailureMessage('incorrect_or_unknown_payment_details', { htlcMsat: 1000n, height: 800_000 }),
    encodeFailureMessage('fee_insufficient', { htlcMsat: 5000n, channelUpdate: new Uint8Array(10) }),
    encodeFailureMessage('invalid_onion_blinding', { sha256OfOnion: new Uint8Array(32) }),
    fromHex('2002'),
  ];
  for (const f of failures) out.push(selected(3, f));
  out.push(selected(4, fromHex(load<OnionVectors>('bolt04/onion-error-test.json').errorpacket!)));
  return out;
}

function bolt11Seeds(load: VectorLoader): Uint8Array[] {
  const v = load<{ valid: { invoice: string }[]; invalid: { invoice: string }[] }>('bolt11/invoices.json');
  const out: Uint8Array[] = [];
  for (const { invoice } of [...v.valid, ...v.invalid]) {
    out.push(selected(1, utf8(invoice)));
    // The same invoice as the checksum-wrapping mode sees it: hrp length, hrp, data words.
    const sep = invoice.lastIndexOf('1');
    const hrp = invoice.slice(0, sep).toLowerCase();
    const words = [...invoice.slice(sep + 1, -6).toLowerCase()].map((c) => BECH32.indexOf(c));
    if (hrp.length < 16 && words.every((w) => w >= 0)) out.push(Uint8Array.from([0, hrp.length, ...utf8(hrp), ...words]));
  }
  return out;
}

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/** Offers, requests, invoices, errors and static invoices our builders make, signed. */
function builtBolt12(): { kind: number; bytes: Uint8Array }[] {
  const created = 1_700_000_000n;
  const offer = buildOffer({ amount: 1000n, description: 'widget', issuerId: ALICE.id, paths: [blindedPath(0x20, pubkey(0x29))] });
  const request = buildInvoiceRequest(offer, { payerId: BOB.id, metadata: new Uint8Array(8).fill(1), quantity: undefined }).sign(BOB.secret, AUX);
  const invoice = buildInvoice(request, { paymentHash: new Uint8Array(32).fill(9), createdAt: created, paths: [paymentPath()] }).sign(ALICE.secret, AUX);
  const error = buildInvoiceError({ error: 'no such offer', erroneousField: 82n, suggestedValue: new Uint8Array([1, 2]) });
  const staticInvoice = buildStaticInvoice(offer, { paths: [paymentPath()], heldHtlcAvailablePaths: [blindedPath(0x70, pubkey(0x79))], createdAt: created }).sign(ALICE.secret, AUX);
  return [
    { kind: 0, bytes: offer.bytes },
    { kind: 0, bytes: buildOffer({ description: 'tips', issuerId: ALICE.id }).bytes },
    { kind: 1, bytes: request.bytes },
    { kind: 2, bytes: invoice.bytes },
    { kind: 3, bytes: error.bytes },
    { kind: 4, bytes: staticInvoice.bytes },
  ];
}

interface Bolt12Vector { bolt12?: string; string?: string; valid: boolean }

function bolt12MessageSeeds(load: VectorLoader): Uint8Array[] {
  const out = builtBolt12().map(({ kind, bytes }) => selected(kind, bytes));
  for (const v of load<Bolt12Vector[]>('bolt12/offers-test.json')) {
    try {
      out.push(selected(0, decodeBolt12String(v.bolt12!).bytes));
    } catch {
      // a vector whose string itself is malformed: the strings target has it
    }
  }
  return out;
}

function bolt12StringSeeds(load: VectorLoader): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const v of load<Bolt12Vector[]>('bolt12/offers-test.json')) if (v.bolt12) out.push(utf8(v.bolt12));
  for (const v of load<Bolt12Vector[]>('bolt12/format-string-test.json')) if (v.string) out.push(utf8(v.string));
  for (const { kind, bytes } of builtBolt12()) {
    const prefix = ['lno', 'lnr', 'lni'][kind];
    if (prefix) out.push(utf8(encodeBolt12String(prefix, bytes)));
  }
  return out;
}

/** Every transaction in the BOLT 3 vectors (funding, commitments, HTLC transactions), found by shape. */
function bitcoinTxSeeds(load: VectorLoader): Uint8Array[] {
  const text = JSON.stringify(load('bolt03/commitment.json'));
  const out: Uint8Array[] = [];
  for (const [, hex] of text.matchAll(/"((?:01|02)000000[0-9a-f]{100,})"/g)) out.push(fromHex(hex!));
  return out;
}

/** A small signed graph (two channels, their updates, node announcements) and queries, as message scripts. */
function gossipSeeds(load: VectorLoader): Uint8Array[] {
  const [a, b, c] = [gossipNode(1), gossipNode(2), gossipNode(3)];
  const ab = gossipChannel(a, b, gossipScid(700_000));
  const bc = gossipChannel(b, c, gossipScid(700_001));
  const messages = [
    ab.announcement, gossipUpdate(ab, 0), gossipUpdate(ab, 1), bc.announcement, gossipUpdate(bc, 0),
    gossipNodeAnnouncement(a), gossipNodeAnnouncement(b, { alias: 'bob' }),
  ].map((m) => encodeMessage(m));
  const script = (ops: Array<[number, Uint8Array]>, flags = 0): Uint8Array =>
    Uint8Array.from([flags, ...ops.flatMap(([op, bytes]) => [op, bytes.length >> 8, bytes.length & 0xff, ...bytes])]);
  const queries = load<{ hex: string }[]>('bolt07/extended-queries.json').map((v) => fromHex(v.hex));
  return [
    script(messages.map((m) => [0, m])),
    script([[0, messages[0]!], [1, messages[1]!], [2, new Uint8Array([0x0e, 0x10])], [0, messages[2]!]]),
    script([[1, messages[1]!], [0, messages[0]!], [3, messages[2]!.subarray(2)]]),
    script(queries.map((q) => [0, q]), 1),
    script([...messages.map((m): [number, Uint8Array] => [0, m]), ...queries.map((q): [number, Uint8Array] => [1, q])], 1),
  ];
}

/** The vectors' regtest blocks (genesis and block 1), their headers, and a few made-up headers. */
function bitcoinBlockSeeds(load: VectorLoader): Uint8Array[] {
  const funding = (load('bolt03/commitment.json') as { funding_tx: { block0_genesis: string; block1: string } }).funding_tx;
  const blocks = [funding.block0_genesis, funding.block1].map(fromHex);
  return [
    ...blocks.map((b) => selected(1, b)),
    ...blocks.map((b) => selected(0, b.subarray(0, 80))),
    selected(0, new Uint8Array(80)),
    selected(0, Uint8Array.from({ length: 80 }, (_, i) => (i * 37) & 0xff)),
  ];
}

function apiRequestSeeds(): Uint8Array[] {
  const frames: unknown[] = [
    { id: 1, method: 'getInfo' },
    { id: 2, method: 'connect', params: { address: `${'02'.padEnd(66, 'a')}@127.0.0.1:9735`, reconnect: true } },
    { id: 3, method: 'ping', params: { nodeId: '03'.padEnd(66, 'b'), numPongBytes: 4 } },
    { id: 4, method: 'listChannels', params: {} },
    { id: 5, method: 'runSimulation', params: { scenario: 'happy_path' } },
    { id: 6, method: 'recentEvents', params: { limit: 10 } },
    { scenario: 'no_such_scenario' },
    [{ from: 'A', msg: 'update_add_htlc', id: 0, amount_msat: 1000, cltv_expiry: 500 }, { deliver: 'all' }, { from: 'A', msg: 'commitment_signed' }],
    { funding_sat: 1000000, push_msat: '5000', events: [{ from: 'B', msg: 'update_fee', feerate_per_kw: 300 }] },
  ];
  return frames.map((f) => utf8(JSON.stringify(f)));
}

/** The BOLT 3 transactions as Esplora describes them (GET /tx/:txid). */
function esploraSeeds(load: VectorLoader): Uint8Array[] {
  const txs = bitcoinTxSeeds(load).flatMap((bytes) => {
    try {
      return [decodeTx(bytes)];
    } catch {
      return []; // the vectors' blocks match the pattern too
    }
  });
  return txs.slice(0, 20).map((tx, i) => {
    return utf8(JSON.stringify({
      txid: txidToHex(txid(tx)),
      version: tx.version,
      locktime: tx.locktime,
      vin: tx.inputs.map((x) => ({ txid: txidToHex(x.prevout.txid), vout: x.prevout.vout, scriptsig: toHex(x.scriptSig), witness: x.witness.map(toHex), sequence: x.sequence, is_coinbase: false })),
      vout: tx.outputs.map((o) => ({ scriptpubkey: toHex(o.scriptPubKey), value: Number(o.value) })),
      status: i % 2 ? { confirmed: false } : { confirmed: true, block_height: 700_000 + i, block_hash: 'ab'.repeat(32), block_time: 1 },
    }));
  });
}

export const SEEDS: Readonly<Record<string, (load: VectorLoader) => Uint8Array[]>> = {
  'wire-message': wireMessageSeeds,
  'wire-fields': wireFieldSeeds,
  'transport-frames': transportFrameSeeds,
  'transport-handshake': transportHandshakeSeeds,
  'onion-packet': onionPacketSeeds,
  'onion-payloads': onionPayloadSeeds,
  bolt11: bolt11Seeds,
  'bolt12-messages': bolt12MessageSeeds,
  'bolt12-strings': bolt12StringSeeds,
  'bitcoin-tx': bitcoinTxSeeds,
  'bitcoin-block': bitcoinBlockSeeds,
  'gossip-manager': gossipSeeds,
  'api-request': apiRequestSeeds,
  'esplora-tx': esploraSeeds,
};
