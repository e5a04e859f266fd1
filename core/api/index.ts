export * from './schema';
export * from './types';
export * from './channels';
export * from './offers';
export * from './events';
export * from './methods';
export * from './protocol';
export * from './socket-client';
