/**
 * core/payments — the sans-I/O payment cores: paying (OutboundPayments), being paid
 * (InboundPayments), forwarding (HtlcSwitch), their facade (Payments), records, store port,
 * events and the ports the node fills.
 */
export * from './errors';
export * from './types';
export * from './events';
export * from './store';
export * from './step';
export * from './ports';
export * from './onion-keys';
export * from './onion-build';
export * from './failures';
export * from './htlc-failures';
export * from './channel-state';
export * from './outbound';
export * from './inbound';
export * from './switch';
export * from './payments';
