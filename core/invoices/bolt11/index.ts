/**
 * BOLT 11 invoices: bech32 strings, the human-readable part, tagged fields, the signature with
 * public-key recovery, the reader requirements, a builder that signs, and a JSON-friendly
 * describer for tools.
 */
export * from './errors';
export * from './words';
export * from './bech32';
export * from './hrp';
export * from './fallback';
export * from './fields';
export * from './signature';
export * from './decode';
export * from './encode';
export * from './builder';
export * from './describe';
