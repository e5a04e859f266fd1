/**
 * The Decode tab's reader: any BOLT 11 invoice or BOLT 12 string, through the node's `decode`
 * (which tells them apart by prefix and judges them against the node's network and clock), a
 * moment after typing stops. Only the answer to the latest text is kept.
 */
import type { NodeApi } from '../../../../core/api/methods';
import type { DecodeResult } from '../../../../core/api/decode';
import { cleanPasted } from '../../lib/offer-form';
import { errorText } from '../../lib/errors';

const DELAY_MS = 180;
/** The node's schema: at most 40,000 characters. */
export const MAX_DECODE = 40_000;

export class LiveStringDecoder {
  #text = $state('');
  #result = $state.raw<DecodeResult | null>(null);
  #error = $state<string | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #seq = 0;

  /** The cleaned text the result describes. */
  get text(): string {
    return this.#text;
  }

  /** The node's description of `text`, or null while there is none yet. */
  get result(): DecodeResult | null {
    return this.#result;
  }

  get error(): string | null {
    return this.#error;
  }

  /** Decodes `raw` (after a short pause); an empty text clears the result. */
  update(raw: string, api: NodeApi | null): void {
    // A `lightning:` scheme is dropped for both kinds (cleanPasted); whitespace inside is the node's to judge.
    const text = cleanPasted(raw);
    if (text === this.#text && (this.#result || this.#error)) return;
    clearTimeout(this.#timer);
    const seq = ++this.#seq;
    this.#text = text;
    this.#result = null;
    this.#error = null;
    if (text === '' || !api) return;
    if (text.length > MAX_DECODE) {
      this.#error = `That is ${text.length.toLocaleString('en-US')} characters; the node reads strings of at most ${MAX_DECODE.toLocaleString('en-US')} here.`;
      return;
    }
    this.#timer = setTimeout(() => {
      api.decode({ string: text }).then(
        (r) => {
          if (seq === this.#seq) this.#result = r;
        },
        (e: unknown) => {
          if (seq === this.#seq) this.#error = errorText(e);
        },
      );
    }, DELAY_MS);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#seq++;
  }
}
