/**
 * core/onion — BOLT 4: Sphinx packets for payments and onion messages, hop payload codecs,
 * route blinding, and onion failures. Pure functions, no I/O.
 */
export * from './errors';
export * from './constants';
export * from './keys';
export * from './packet';
export * from './payment-payload';
export * from './message-payload';
export * from './encrypted-data';
export * from './blinding';
export * from './message-route';
export * from './payment-route';
export * from './failure-codes';
export * from './failure-packet';
