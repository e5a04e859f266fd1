/**
 * Invoice targets: BOLT 11 strings (as typed, and with a valid checksum built around fuzzed words
 * so the field readers are reached), BOLT 12 strings, and the BOLT 12 messages as TLV bytes:
 * offer, invoice_request, invoice, invoice_error and static invoice.
 */
import { analyzeBolt11, encodeBech32, parseBolt11, uintToFixedWords, writeField, writeSignature } from '../../core/invoices';
import type { ParsedBolt11 } from '../../core/invoices';
import {
  CHAIN_HASHES, analyzeInvoice, analyzeInvoiceError, analyzeInvoiceRequest, analyzeOffer, analyzeStaticInvoice, decodeBolt12,
  decodeBolt12String, describeBolt12Bytes, encodeBolt12String, encodeInvoice, encodeInvoiceRequest, encodeOffer,
} from '../../core/offers';
import type { Analysis, Bolt12Context } from '../../core/offers';
import { encodeTlvStream } from '../../core/wire';
import { Finding, REJECTED, decodeOrReject, expectSameBytes, expectSameValue, isTypedAllTheWay, latin1, mustSucceed } from '../harness';
import type { FuzzTarget } from '../harness';

// ---------------------------------------------------------------------------------------------
// BOLT 11

/** The data words of a parsed invoice, rebuilt from its fields (the inverse of parseBolt11's loop). */
function rebuildWords(p: ParsedBolt11): Uint8Array {
  const words: number[] = [...uintToFixedWords(p.timestamp, 7)];
  for (const field of p.fields) {
    const { type, words: data } = writeField(field);
    words.push(type, data.length >> 5, data.length & 31, ...data);
  }
  words.push(...writeSignature(p.signature));
  return Uint8Array.from(words);
}

function checkBolt11(input: string): void {
  const a = decodeOrReject('analyzeBolt11', () => analyzeBolt11(input));
  if (a === REJECTED) throw new Finding('analyzeBolt11 threw (it must report errors, not throw them)');
  for (const e of a.errors) if (!isTypedAllTheWay(e)) throw new Finding(`analyzeBolt11 reported an untyped error: ${String(e)}`);
  if ((a.invoice === undefined) !== (a.errors.length > 0)) throw new Finding('analyzeBolt11: invoice set and errors disagree');
  const p = a.parsed;
  if (p === undefined) return;
  // Round trip: the fields write back to the same words, so the string re-encodes and re-parses alike.
  const words = mustSucceed('rebuilding the words of a parsed invoice', () => rebuildWords(p));
  const again = mustSucceed('parsing the rebuilt invoice', () => parseBolt11(encodeBech32(p.hrp, words)));
  expectSameValue('bolt11: parse(encode(parse(x))) ≠ parse(x)', again, p);
}

export const bolt11: FuzzTarget = {
  name: 'bolt11',
  description: 'byte 0 odd: the rest as a BOLT 11 string; even: byte 1 = hrp length, then hrp and 5-bit words wrapped with a valid checksum; analyze, then rebuild and re-parse',
  maxLen: 2048,
  check(data) {
    if (data.length === 0) return;
    if (data[0]! & 1) return checkBolt11(latin1(data.subarray(1)));
    const hrpLength = (data[1] ?? 0) % 16;
    const hrp = latin1(data.subarray(2, 2 + hrpLength));
    const words = data.subarray(2 + hrpLength).map((b) => b & 31);
    const input = decodeOrReject('encodeBech32', () => encodeBech32(hrp, words));
    if (input === REJECTED) return;
    checkBolt11(input);
  },
};

// ---------------------------------------------------------------------------------------------
// BOLT 12

export const BOLT12_CONTEXT: Bolt12Context = {
  nowSeconds: 1_700_000_000,
  chains: [CHAIN_HASHES.bitcoin, CHAIN_HASHES.testnet, CHAIN_HASHES.regtest, CHAIN_HASHES.signet],
};

interface Message {
  readonly bytes: Uint8Array;
  readonly records: readonly { readonly type: bigint; readonly value: Uint8Array }[];
}

/** Checks an analysis: only typed errors, and a parsed value that keeps its records and bytes exactly. */
function checkAnalysis<T extends Message>(what: string, a: Analysis<T>, input: Uint8Array | undefined): T | undefined {
  for (const e of a.errors) if (!isTypedAllTheWay(e)) throw new Finding(`${what}: untyped error reported: ${String(e)}`);
  const v = a.value;
  if (v === undefined) return undefined;
  if (input !== undefined) expectSameBytes(`${what}: bytes kept ≠ input`, v.bytes, input);
  expectSameBytes(`${what}: records re-encode ≠ bytes`, mustSucceed(`${what}: encode records`, () => encodeTlvStream(v.records)), v.bytes);
  return v;
}

const ANALYZERS = [
  ['offer', (b: Uint8Array) => analyzeOffer(b, BOLT12_CONTEXT), (v: never) => encodeOffer(v), (s: string) => analyzeOffer(s, BOLT12_CONTEXT)],
  ['invoice_request', (b: Uint8Array) => analyzeInvoiceRequest(b, BOLT12_CONTEXT), (v: never) => encodeInvoiceRequest(v), (s: string) => analyzeInvoiceRequest(s, BOLT12_CONTEXT)],
  ['invoice', (b: Uint8Array) => analyzeInvoice(b, BOLT12_CONTEXT), (v: never) => encodeInvoice(v), (s: string) => analyzeInvoice(s, BOLT12_CONTEXT)],
  ['invoice_error', (b: Uint8Array) => analyzeInvoiceError(b), undefined, undefined],
  ['static_invoice', (b: Uint8Array) => analyzeStaticInvoice(b, BOLT12_CONTEXT), undefined, undefined],
] as const;

export const BOLT12_KINDS = ANALYZERS.map(([k]) => k);

export const bolt12Messages: FuzzTarget = {
  name: 'bolt12-messages',
  description: `first byte picks one of ${BOLT12_KINDS.join(', ')}; analyze the rest as its TLV stream; records re-encode to the bytes; the string form parses the same`,
  maxLen: 8192,
  check(data) {
    if (data.length === 0) return;
    const [kind, analyze, encode, analyzeString] = ANALYZERS[data[0]! % ANALYZERS.length]!;
    const body = data.subarray(1);
    const a = decodeOrReject(`analyze ${kind}`, () => analyze(body) as Analysis<Message>);
    if (a === REJECTED) throw new Finding(`analyze ${kind} threw (it must report errors, not throw them)`);
    const v = checkAnalysis(kind, a, body);
    // describeBolt12Bytes (the CLI's path) catches everything; it must never need to.
    const d = describeBolt12Bytes(kind, body, BOLT12_CONTEXT);
    if (d.errors.some((e) => e.code === 'bolt12.internal')) throw new Finding(`describe ${kind}: an internal error was caught`);
    if (v === undefined || encode === undefined || analyzeString === undefined) return;
    const s = mustSucceed(`encode ${kind} string`, () => encode(v as never));
    const again = mustSucceed(`analyze ${kind} string`, () => analyzeString(s) as Analysis<Message>);
    expectSameValue(`${kind}: the string form parses differently`, again.value, v);
    expectSameValue(`${kind}: the string form has other errors`, again.errors.map((e) => (e as { code: string }).code), a.errors.map((e) => (e as { code: string }).code));
  },
};

export const bolt12Strings: FuzzTarget = {
  name: 'bolt12-strings',
  description: 'the input as a BOLT 12 string (lno/lnr/lni, + continuations, case): decodeBolt12String round trip, then the reader for its prefix',
  maxLen: 4096,
  check(data) {
    const input = latin1(data);
    const decoded = decodeOrReject('decodeBolt12String', () => decodeBolt12String(input));
    if (decoded !== REJECTED) {
      const s = mustSucceed('encodeBolt12String', () => encodeBolt12String(decoded.prefix, decoded.bytes));
      const again = mustSucceed('decodeBolt12String of our own string', () => decodeBolt12String(s));
      expectSameValue('bolt12 string: decode(encode(decode(x))) ≠ decode(x)', again, decoded);
      const readers: Record<string, typeof analyzeOffer | typeof analyzeInvoiceRequest | typeof analyzeInvoice> = { lno: analyzeOffer, lnr: analyzeInvoiceRequest, lni: analyzeInvoice };
      const analyze = Object.hasOwn(readers, decoded.prefix) ? readers[decoded.prefix] : undefined;
      if (analyze !== undefined) {
        const a = decodeOrReject(`analyze ${decoded.prefix}`, () => analyze(input, BOLT12_CONTEXT) as Analysis<Message>);
        if (a === REJECTED) throw new Finding('a BOLT 12 analyzer threw (it must report errors, not throw them)');
        checkAnalysis(decoded.prefix, a, decoded.bytes);
      }
    }
    const d = decodeBolt12(input, BOLT12_CONTEXT);
    if (d.errors.some((e) => e.code === 'bolt12.internal')) throw new Finding('decodeBolt12: an internal error was caught');
    // The description is plain data for the API (structured clone, JSON): a kind name or nothing.
    if (d.kind !== undefined && typeof d.kind !== 'string') throw new Finding(`decodeBolt12: kind is a ${typeof d.kind}`);
  },
};
