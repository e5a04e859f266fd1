/** Every fuzz target, by name: the runner, the Jazzer.js entry and the regression test read this list. */
import type { FuzzTarget } from '../harness';
import { onionPacket, onionPayloads } from './onion';
import { transportFrames, transportHandshake } from './transport';
import { wireFields, wireMessage } from './wire';

export const TARGETS: readonly FuzzTarget[] = [wireMessage, wireFields, transportFrames, transportHandshake, onionPacket, onionPayloads];

export function targetByName(name: string): FuzzTarget | undefined {
  return TARGETS.find((t) => t.name === name);
}
