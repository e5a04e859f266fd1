/**
 * core/bitcoin: the transaction and script serialization, sighashes and signature encodings
 * channels need — no more (no wallet, no block parsing, no addresses).
 */
export * from './errors';
export * from './encoding';
export * from './script';
export * from './tx';
export * from './sighash';
export * from './der';
