/**
 * BOLT 12 `invoice_error`: the informative error returned (in an onion message) for an
 * invoice_request or an invoice. It has no string form.
 */
import { concatBytes } from '../crypto';
import { ByteReader, encodeBigSize, type TlvRecord } from '../wire';
import type { Bolt12ParseError } from './errors';
import { Bolt12SemanticError } from './errors';
import type { FieldSpec } from './fields';
import { decodeFields, encodeFields, fieldTypes, scanTlvStream } from './fields';
import type { Analysis } from './message';
import { assemble, checkExtraRecords, unwrap, withSemantics } from './message';
import { bytesCodec, tu64Codec, utf8Codec } from './subtypes';
import { INVOICE_ERROR_TLV, INVOICE_ERROR_TLV_NAMES } from './tlv-types';

export interface InvoiceErrorFields {
  /** BOLT 12 `erroneous_field` (`tlv_fieldnum`): the field of the invoice / invoice_request at fault. */
  readonly erroneousField?: bigint;
  /** BOLT 12 `suggested_value`: a valid value for that field. */
  readonly suggestedValue?: Uint8Array;
  /** BOLT 12 `error` (`msg`): an explanatory string. */
  readonly error?: string;
}

export interface InvoiceError extends InvoiceErrorFields {
  readonly kind: 'invoice_error';
  readonly bytes: Uint8Array;
  readonly records: readonly TlvRecord[];
  readonly unknownRecords: readonly TlvRecord[];
}

const SPEC: FieldSpec<InvoiceErrorFields> = {
  erroneousField: [INVOICE_ERROR_TLV.erroneousField, tu64Codec],
  suggestedValue: [INVOICE_ERROR_TLV.suggestedValue, bytesCodec],
  error: [INVOICE_ERROR_TLV.error, utf8Codec],
};
const KNOWN = new Set(fieldTypes(SPEC));

/** Reads `stream` as an invoice_error TLV stream; `bytes` are the message as it came. */
function parseStream(stream: Uint8Array, bytes: Uint8Array): Analysis<InvoiceError> {
  const errors: Bolt12ParseError[] = [];
  const scan = scanTlvStream(stream, 'invoice_error', KNOWN, undefined, errors);
  if (!scan) return { value: undefined, errors };
  const fields = decodeFields(scan.records, SPEC, errors, INVOICE_ERROR_TLV_NAMES);
  return { value: { kind: 'invoice_error', bytes: bytes.slice(), records: scan.records, ...fields, unknownRecords: scan.unknown }, errors };
}

/**
 * The TLV stream after a BigSize prefix equal to its length, if `bytes` has that shape. LDK (0.2)
 * writes and reads invoice_error as such a length-prefixed stream, where BOLT 12 has the bare
 * `tlv_stream`.
 */
function lengthPrefixedStream(bytes: Uint8Array): Uint8Array | undefined {
  try {
    const r = new ByteReader(bytes);
    const length = r.readBigSize();
    return length === BigInt(r.remaining) && length > 0n ? r.readRest() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parses an invoice_error: the BOLT 12 bare TLV stream; failing that (a parse error, or no `error`
 * string), LDK's length-prefixed form when it reads cleanly with an `error` string.
 */
export function parseInvoiceErrorBytes(bytes: Uint8Array): Analysis<InvoiceError> {
  const bare = parseStream(bytes, bytes);
  if (bare.errors.length === 0 && bare.value?.error !== undefined) return bare;
  const inner = lengthPrefixedStream(bytes);
  if (!inner) return bare;
  const prefixed = parseStream(inner, bytes);
  return prefixed.errors.length === 0 && prefixed.value?.error !== undefined ? prefixed : bare;
}

/**
 * The spec's reader section for invoice_error is "FIXME!"; these are its writer requirements,
 * which a reader can check: "MUST set error to an explanatory string" and "if it sets
 * erroneous_field ... otherwise: MUST NOT set suggested_value".
 */
export function checkInvoiceError(e: InvoiceErrorFields): Bolt12SemanticError[] {
  const out: Bolt12SemanticError[] = [];
  if (e.error === undefined) out.push(new Bolt12SemanticError('invoice_error.missing_error'));
  if (e.suggestedValue !== undefined && e.erroneousField === undefined) out.push(new Bolt12SemanticError('invoice_error.suggested_value_without_field'));
  return out;
}

export function analyzeInvoiceError(bytes: Uint8Array): Analysis<InvoiceError> {
  return withSemantics(parseInvoiceErrorBytes(bytes), checkInvoiceError);
}

export function decodeInvoiceError(bytes: Uint8Array): InvoiceError {
  return unwrap(analyzeInvoiceError(bytes));
}

export interface InvoiceErrorParams extends InvoiceErrorFields {
  readonly error: string;
  readonly extraRecords?: readonly TlvRecord[];
}

/** Builds an invoice_error (writer requirements above). */
export function buildInvoiceError(params: InvoiceErrorParams): InvoiceError {
  const fields: InvoiceErrorFields = { erroneousField: params.erroneousField, suggestedValue: params.suggestedValue, error: params.error };
  const problems = checkInvoiceError(fields);
  if (problems.length > 0) throw problems[0]!;
  const extra = params.extraRecords ?? [];
  checkExtraRecords(extra, [[0n, 0xffffffffffffffffn]], KNOWN);
  const { bytes } = assemble([...encodeFields(fields, SPEC, INVOICE_ERROR_TLV_NAMES), ...extra]);
  return unwrap(analyzeInvoiceError(bytes));
}

/** Encodes an invoice_error (its exact bytes). */
export function encodeInvoiceError(e: InvoiceError): Uint8Array {
  return e.bytes.slice();
}

/**
 * The invoice_error as LDK 0.2 reads it: the same TLV stream after a BigSize prefix equal to its
 * length (rust-lightning writes it with `write_tlv_fields!` and reads it with
 * `_init_and_read_len_prefixed_tlv_fields!`; BOLT 12 has the bare `tlv_stream`). Neither reader
 * finds the message in the other's form: LDK takes the bare stream's first type as a length, and a
 * BOLT 12 reader takes the prefix as a record type followed by the stream's lower types (BOLT 1: not
 * strictly increasing, "MUST fail to parse"). So we send both, each dropped by the other reader.
 * `bare`: the BOLT 12 form (encodeInvoiceError).
 */
export function lengthPrefixedInvoiceError(bare: Uint8Array): Uint8Array {
  return concatBytes(encodeBigSize(bare.length), bare);
}
