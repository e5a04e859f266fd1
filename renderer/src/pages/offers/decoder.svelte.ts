/**
 * Decodes a string through the node as it is typed, a moment after typing stops. Only the answer
 * to the latest text is kept. `LiveDecoder` reads BOLT 12 strings (`decodeBolt12` on the node's
 * chain); string-decoder.svelte.ts reads BOLT 11 and BOLT 12 alike.
 */
import type { NodeApi } from '../../../../core/api/methods';
import type { Bolt12Decoded } from '../../../../core/api/offers';
import { cleanPasted } from '../../lib/offer-form';
import { errorText } from '../../lib/errors';

const DELAY_MS = 180;
/** The node's schema: at most 40,000 characters. */
export const MAX_BOLT12 = 40_000;

export class DebouncedDecoder<T> {
  #text = $state('');
  #result = $state.raw<T | null>(null);
  #error = $state<string | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #seq = 0;
  readonly #call: (api: NodeApi, text: string) => Promise<T>;
  readonly #max: number;
  readonly #tooLong: (length: number) => string;

  constructor(call: (api: NodeApi, text: string) => Promise<T>, max: number, tooLong: (length: number) => string) {
    this.#call = call;
    this.#max = max;
    this.#tooLong = tooLong;
  }

  /** The cleaned text the result describes. */
  get text(): string {
    return this.#text;
  }

  /** The node's description of `text`, or null while there is none yet. */
  get result(): T | null {
    return this.#result;
  }

  get error(): string | null {
    return this.#error;
  }

  /** Decodes `raw` (after a short pause); an empty text clears the result. */
  update(raw: string, api: NodeApi | null): void {
    // A `lightning:` scheme is dropped (cleanPasted); whitespace inside is the node's to judge.
    const text = cleanPasted(raw);
    if (text === this.#text && (this.#result || this.#error)) return;
    clearTimeout(this.#timer);
    const seq = ++this.#seq;
    this.#text = text;
    this.#result = null;
    this.#error = null;
    if (text === '' || !api) return;
    if (text.length > this.#max) {
      this.#error = this.#tooLong(text.length);
      return;
    }
    this.#timer = setTimeout(() => {
      this.#call(api, text).then(
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

const count = (n: number): string => n.toLocaleString('en-US');

/** BOLT 12 strings only, through `decodeBolt12`. */
export class LiveDecoder extends DebouncedDecoder<Bolt12Decoded> {
  constructor() {
    super((api, string) => api.decodeBolt12({ string }), MAX_BOLT12, (n) => `That is ${count(n)} characters; BOLT 12 strings the node reads are at most ${count(MAX_BOLT12)}.`);
  }
}
