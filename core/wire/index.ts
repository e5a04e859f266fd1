export * from './errors';
export * from './reader';
export * from './writer';
export * from './bigsize';
export * from './tlv';
export * from './blinded-path';
