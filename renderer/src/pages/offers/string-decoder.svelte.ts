/**
 * The Decode tab's reader: any BOLT 11 invoice or BOLT 12 string, through the node's `decode`
 * (which tells them apart by prefix and judges them against the node's network and clock), a
 * moment after typing stops. Only the answer to the latest text is kept.
 */
import type { DecodeResult } from '../../../../core/api/decode';
import { DebouncedDecoder } from './decoder.svelte';

/** The node's schema: at most 40,000 characters. */
export const MAX_DECODE = 40_000;

export class LiveStringDecoder extends DebouncedDecoder<DecodeResult> {
  constructor() {
    super(
      (api, string) => api.decode({ string }),
      MAX_DECODE,
      (n) => `That is ${n.toLocaleString('en-US')} characters; the node reads strings of at most ${MAX_DECODE.toLocaleString('en-US')} here.`,
    );
  }
}
