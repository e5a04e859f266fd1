/**
 * core/runtime/wallet: the adapter between the on-chain wallet core and the chain layer — it
 * watches the wallet's scripts and outputs, feeds it the chain's transactions, and broadcasts its
 * sends after they are persisted.
 */
export * from './service';
export * from './types';
