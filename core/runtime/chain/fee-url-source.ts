/**
 * `--fee-url URL`: fee estimates from a web service in LND's `fee.url` shape (core/chain/fee-url.ts)
 * instead of the chain source's `estimatefee`. One GET per poll; the chain sync loop asks it at its
 * fee interval and keeps the previous estimate when it fails.
 */
import { ChainError, ChainSourceError, FEE_URL_MAX_BYTES, parseFeeUrlAnswer, type FeeRates } from '../../chain';
import type { ChainClock } from './clock';
import { httpRequest, redactUrl } from './http';

/** Where fee estimates come from when not from the chain source. */
export interface FeeRatesSource {
  /** A description for logs, without credentials. */
  readonly endpoint: string;
  /** Estimates by target (sat/kvB); the service's own targets, whatever `targets` asks. */
  feeRates(targets: readonly number[]): Promise<FeeRates>;
}

export interface FeeUrlSourceOptions {
  readonly url: string;
  readonly clock: ChainClock;
  /** Default 10 s. */
  readonly timeoutMs?: number;
}

export class FeeUrlSource implements FeeRatesSource {
  readonly endpoint: string;
  readonly #url: string;
  readonly #clock: ChainClock;
  readonly #timeoutMs: number;

  constructor(opts: FeeUrlSourceOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new ChainError('chain.bad_argument', 'the fee URL is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ChainError('chain.bad_argument', 'the fee URL must be http or https');
    this.#url = url.href;
    this.endpoint = redactUrl(url);
    this.#clock = opts.clock;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async feeRates(): Promise<FeeRates> {
    const res = await httpRequest(this.#clock, { url: this.#url, headers: { accept: 'application/json' }, timeoutMs: this.#timeoutMs, maxBytes: FEE_URL_MAX_BYTES }, this.endpoint);
    if (res.status !== 200) throw new ChainSourceError('chain.source.http_status', `fee service ${this.endpoint} answered HTTP ${res.status}`, { status: res.status });
    const answer = parseFeeUrlAnswer(res.body, this.endpoint);
    const floor = answer.minRelaySatPerKvb ?? 0;
    return new Map([...answer.rates].map(([target, rate]) => [target, Math.max(rate, floor)]));
  }
}
