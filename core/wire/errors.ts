import { GlasswingError } from '../errors';

/**
 * A malformed or unacceptable wire encoding. Codes (stable, for tests and hosts):
 * - `wire.eof` — input ended before the field was complete
 * - `wire.bigsize_not_canonical` — BigSize not minimally encoded (BOLT 1 Appendix A)
 * - `wire.tu_not_minimal` — truncated integer with a leading zero byte
 * - `wire.tlv_not_ascending` — TLV types decreasing
 * - `wire.tlv_duplicate` — the same TLV type twice (BOLT 1 also calls this "not strictly increasing")
 * - `wire.tlv_length_exceeds` — TLV length past the end of the stream
 * - `wire.tlv_unknown_even` — an unknown even TLV type ("it's OK to be odd")
 * - `wire.tlv_bad_length` — a known TLV whose length is not exactly what its encoding needs
 *   (shorter, longer, or a truncated integer wider than its type)
 * - `wire.tlv_bad_value` — a known TLV whose value does not decode
 * - `wire.bad_point` — a `point` that is not a valid compressed secp256k1 point
 * - `wire.trailing_bytes` — bytes left over where the format forbids them
 * - `wire.bad_value` — a field with an impossible value (named in the message)
 * - `wire.unknown_even_message` — an unknown even message type (BOLT 1)
 * - `wire.too_large` — an encoding over a size limit
 * - `wire.unsupported_encoding` — a BOLT 7 `encoded_*` array whose encoding type is not 0 (details:
 *   `encodingType`; type 1, formerly zlib, MUST NOT be used)
 * - `wire.missing_dependency` — a feature vector sets a feature without one it depends on (BOLT 9)
 */
export class WireError extends GlasswingError {}

export function eof(field: string): WireError {
  return new WireError('wire.eof', `${field}: unexpected end of data`, { field });
}
