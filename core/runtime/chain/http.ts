/**
 * One HTTP request for the chain sources, with the failures every source shares turned into
 * `ChainSourceError`s: nothing listening or a reset (`chain.source.unreachable`), no complete
 * answer in time — headers or body — (`chain.source.timeout`), an answer larger than allowed
 * (`chain.source.too_large`). Status codes are the caller's to judge. Credentials never appear in
 * messages: callers pass `endpoint`, the URL without them.
 */
import { ChainSourceError } from '../../chain';
import type { ChainClock } from './clock';

export interface HttpRequest {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: Uint8Array;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

function causeCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export async function httpRequest(clock: ChainClock, req: HttpRequest, endpoint: string): Promise<HttpResponse> {
  const controller = new AbortController();
  let timedOut = false;
  const cancel = clock.setTimer('chain.http_timeout', req.timeoutMs, () => {
    timedOut = true;
    controller.abort();
  });
  try {
    let res: Response;
    try {
      res = await fetch(req.url, { method: req.method ?? 'GET', headers: req.headers, body: req.body, signal: controller.signal, redirect: 'error' });
    } catch (e) {
      throw transportError(e, timedOut, endpoint, req.timeoutMs);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      const reader = res.body?.getReader();
      if (reader) {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          total += value.length;
          if (total > req.maxBytes) {
            controller.abort();
            throw new ChainSourceError('chain.source.too_large', `${endpoint} sent more than ${req.maxBytes} bytes`);
          }
          chunks.push(value);
        }
      }
    } catch (e) {
      if (e instanceof ChainSourceError) throw e;
      throw transportError(e, timedOut, endpoint, req.timeoutMs);
    }
    const body = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.length;
    }
    return { status: res.status, body };
  } finally {
    cancel();
  }
}

function transportError(e: unknown, timedOut: boolean, endpoint: string, timeoutMs: number): ChainSourceError {
  if (timedOut) return new ChainSourceError('chain.source.timeout', `${endpoint} did not answer within ${timeoutMs} ms`);
  const code = causeCode(e);
  if (code && CONNECTION_CODES.has(code)) return new ChainSourceError('chain.source.unreachable', `${endpoint}: ${code}`, { errno: code });
  const message = e instanceof Error ? e.message : String(e);
  return new ChainSourceError('chain.source.unreachable', `${endpoint}: ${code ?? message}`);
}

/** The body as text (UTF-8, replacing bad sequences). */
export function bodyText(res: HttpResponse): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(res.body);
}

/** A URL without its user and password, for messages and the UI. */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href.replace(/\/$/, '');
}
