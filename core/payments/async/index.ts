/**
 * core/payments/async — async payments (lightning/bolts#1149, LDK 0.2): the four roles as sans-I/O
 * cores. L2 the static invoice server (server.ts), R the often-offline recipient, P the payer, L1
 * the HTLC holder; their path contexts (context.ts), store ports (store.ts) and events.
 */
export * from './context';
export * from './events';
export * from './step';
export * from './store';
export * from './server';
export * from './recipient';
export * from './payer';
export * from './holder';
