/** Every fuzz target, by name: the runner, the Jazzer.js entry and the regression test read this list. */
import type { FuzzTarget } from '../harness';
import { apiRequest, esploraTransaction } from './api';
import { bitcoinBlock, bitcoinTx } from './bitcoin';
import { gossipManager } from './gossip';
import { bolt11, bolt12Messages, bolt12Strings } from './invoices';
import { onionPacket, onionPayloads } from './onion';
import { transportFrames, transportHandshake } from './transport';
import { wireFields, wireMessage } from './wire';

export const TARGETS: readonly FuzzTarget[] = [wireMessage, wireFields, transportFrames, transportHandshake, onionPacket, onionPayloads, bolt11, bolt12Strings, bolt12Messages, bitcoinTx, bitcoinBlock, gossipManager, apiRequest, esploraTransaction];

export function targetByName(name: string): FuzzTarget | undefined {
  return TARGETS.find((t) => t.name === name);
}
