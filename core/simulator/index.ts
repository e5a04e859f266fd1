/**
 * The protocol simulator (two channel state machines in memory) and its test-only channel
 * opener. Not part of the node's API: tests, the CLI `simulate` command and the UI's demo use it.
 */
export * from './pair';
export * from './events';
export * from './simulator';
export * from './scenarios';
export * from './svg';
export * from './request';
