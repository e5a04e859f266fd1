export * from './errors';
export * from './database';
export * from './migrations';
export * from './identity';
export * from './peers-repository';
export * from './lock';
export * from './mailbox-repository';
export * from './message-log-repository';
