export * from './event-bus';
export * from './features';
export * from './node';
export * from './settings';
export * from './chain-config';
export * from './chain-info';
export * from './restore';
