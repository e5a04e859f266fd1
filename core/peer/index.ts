export * from './errors';
export * from './address';
export * from './backoff';
export * from './peer-session';
export * from './connection';
export * from './peer-manager';
export * from './feature-info';
export * from './inbound-limits';
