/** Pathfinding over the channel graph (BOLT 4/7 fees and CLTV), with hints, blinded paths and learning. */
export * from './errors';
export * from './graph';
export * from './pathfind';
export * from './learning';
