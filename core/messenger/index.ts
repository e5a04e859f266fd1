/**
 * core/messenger — the onion messenger: a sans-I/O core (send, forward, deliver, reply paths,
 * DoS policy) and the adapter that binds it to the PeerManager, the store and the event bus.
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
export * from './service';
