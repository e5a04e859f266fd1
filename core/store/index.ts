export * from './errors';
export * from './database';
export * from './migrations';
export * from './identity';
export * from './peers-repository';
export * from './lock';
