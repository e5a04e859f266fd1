/** core/channel/establish: BOLT 2 channel establishment v1 (both roles), the acceptance policy, channel types. */
export * from './errors';
export * from './channel-type';
export * from './policy';
export * from './record';
export * from './opening';
