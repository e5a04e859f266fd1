/**
 * core/bitcoin: the transaction and script serialization, sighashes and signature encodings
 * channels need, and the block parsing the chain layer checks its sources with — no more (no
 * wallet, no addresses).
 */
export * from './errors';
export * from './encoding';
export * from './script';
export * from './tx';
export * from './block';
export * from './sighash';
export * from './der';
