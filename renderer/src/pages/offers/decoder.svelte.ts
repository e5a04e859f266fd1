/**
 * Decodes a BOLT 12 string through the node as it is typed (`decodeBolt12` on the node's
 * chain), a moment after typing stops. Only the answer to the latest text is kept.
 */
import type { NodeApi } from '../../../../core/api/methods';
import type { Bolt12Decoded } from '../../../../core/api/offers';
import { cleanPasted } from '../../lib/offer-form';
import { errorText } from '../../lib/errors';

const DELAY_MS = 180;
/** The node's schema: at most 40,000 characters. */
export const MAX_BOLT12 = 40_000;

export class LiveDecoder {
  #text = $state('');
  #result = $state.raw<Bolt12Decoded | null>(null);
  #error = $state<string | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #seq = 0;

  /** The cleaned text the result describes. */
  get text(): string {
    return this.#text;
  }

  /** The node's description of `text`, or null while there is none yet. */
  get result(): Bolt12Decoded | null {
    return this.#result;
  }

  get error(): string | null {
    return this.#error;
  }

  /** Decodes `raw` (after a short pause); an empty text clears the result. */
  update(raw: string, api: NodeApi | null): void {
    const text = cleanPasted(raw);
    if (text === this.#text && (this.#result || this.#error)) return;
    clearTimeout(this.#timer);
    const seq = ++this.#seq;
    this.#text = text;
    this.#result = null;
    this.#error = null;
    if (text === '' || !api) return;
    if (text.length > MAX_BOLT12) {
      this.#error = `That is ${text.length.toLocaleString('en-US')} characters; BOLT 12 strings the node reads are at most ${MAX_BOLT12.toLocaleString('en-US')}.`;
      return;
    }
    this.#timer = setTimeout(() => {
      api.decodeBolt12({ string: text }).then(
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
