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
export * from './channel-id';
export * from './messages';
export * from './state';
export * from './spec';
export * from './signer';
export * from './transactions';
export * from './limits';
export * from './dust';
export * from './step';
export * from './commands';
export * from './receive';
export * from './channel';
export * from './view';
export * from './state-codec';
export * from './reestablish';
export * from './open';
export * from './link';
export * from './node-keys';
export * from './store';
export * from './ports';
export * from './events';
export * from './summary';
