/**
 * core/messenger — the onion messenger: a sans-I/O core (send, forward, deliver, reply paths,
 * DoS policy), its data and events, and the ports its adapter (core/runtime/messenger) talks to.
 */
export * from './constants';
export * from './errors';
export * from './inputs';
export * from './handlers';
export * from './policy';
export * from './router';
export * from './paths';
export * from './stats';
export * from './messenger';
export * from './ports';
export * from './types';
export * from './events';
