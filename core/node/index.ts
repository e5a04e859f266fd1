export * from './event-bus';
export * from './features';
export * from './node';
export * from './settings';
