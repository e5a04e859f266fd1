/**
 * core/monitor: on-chain enforcement of a channel (BOLT 5), sans-I/O. See monitor.ts for the
 * ChannelMonitor; feed.ts for the channel's feed point; store.ts for the store port.
 */
export * from './errors';
export * from './updates';
export * from './data';
export * from './feed';
export * from './signer';
export * from './classify';
export * from './spends';
export * from './claims';
export * from './fee-policy';
export * from './fee-bump';
export * from './resolve';
export * from './plan';
export * from './events';
export * from './snapshot';
export * from './view';
export * from './retired';
export * from './store';
export * from './monitor';
