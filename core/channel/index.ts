/**
 * core/channel: BOLT 3 keys, per-commitment secrets and transactions, and the BOLT 2
 * commitment state machine (sans-I/O).
 */
export * from './errors';
export * from './keys';
export * from './shachain';
export * from './scripts';
export * from './fees';
export * from './commitment-tx';
export * from './htlc-tx';
