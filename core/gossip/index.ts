/** BOLT 7 gossip: codecs live in core/wire; this is the graph, its validation, queries and relay. */
export * from './errors';
export * from './events';
export * from './store';
export * from './funding';
export * from './checksum';
export * from './signatures';
export * from './graph';
export * from './parse';
export * from './queries';
export * from './sync';
export * from './manager';
export * from './spend-check';
