/**
 * core/chain: the node's only view of Bitcoin — the best-chain tracker with reorgs, the watch
 * registry, fee estimates, broadcast outcomes and our own transactions — sans-I/O, plus the
 * `ChainSource` interface the adapters in core/runtime/chain implement and the `ChainStore` port
 * core/store implements.
 */
export * from './errors';
export * from './types';
export * from './events';
export * from './requests';
export * from './watch';
export * from './store';
export * from './source';
export * from './tracker';
export * from './fees';
export * from './fee-url';
export * from './backoff';
export * from './broadcast-outcome';
export * from './own-transactions';
