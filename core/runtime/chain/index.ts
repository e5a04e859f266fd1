/**
 * core/runtime/chain: the adapters that own chain sources, sockets and timers — the
 * bitcoind-compatible JSON-RPC source, the Esplora source, and the sync loop with retry and
 * backoff that feeds core/chain's tracker. Time comes through `ChainClock`.
 */
export * from './clock';
export * from './http';
export * from './rpc-source';
export * from './esplora-source';
export * from './fee-url-source';
export * from './sync';
export * from './config';
