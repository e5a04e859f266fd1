/**
 * The one connection to the node. In Electron it is the preload's API and never drops; in
 * browser mode it is a WebSocket to the daemon that served the page, reopened with backoff
 * when it drops. A socket the daemon refuses while its HTTP server answers means the browser
 * is not signed in (no or expired session cookie): then we stop retrying and say so.
 */
import { connectSocketClient, type SocketApiClient } from '../../../core/api/socket-client';
import type { NodeApi } from '../../../core/api/methods';
import { reconnectDelay } from '../lib/backoff';
import { detectHost, originAnswers, type Host } from '../platform/host';

export type ConnectionStatus =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'connected' }
  | { readonly kind: 'retrying'; readonly attempt: number; readonly retryAt: number; readonly reason: string }
  | { readonly kind: 'signed_out' };

export class Connection {
  #status = $state<ConnectionStatus>({ kind: 'connecting' });
  #api = $state.raw<NodeApi | null>(null);
  #host: Host | null = null;
  #client: SocketApiClient | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #stopped = false;

  get status(): ConnectionStatus {
    return this.#status;
  }

  /** The node's API while connected, otherwise null. */
  get api(): NodeApi | null {
    return this.#api;
  }

  get mode(): Host['kind'] | null {
    return this.#host?.kind ?? null;
  }

  start(): void {
    this.#stopped = false;
    this.#host = detectHost();
    if (this.#host.kind === 'electron') {
      this.#api = this.#host.api;
      this.#status = { kind: 'connected' };
      return;
    }
    void this.#open(this.#host);
  }

  /** Tries again now (after "not signed in", or to skip the backoff wait). */
  retryNow(): void {
    if (this.#host?.kind !== 'browser' || this.#status.kind === 'connected' || this.#status.kind === 'connecting') return;
    clearTimeout(this.#timer);
    this.#attempt = 0;
    void this.#open(this.#host);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#client?.close();
    this.#client = null;
    this.#api = null;
  }

  async #open(host: Extract<Host, { kind: 'browser' }>): Promise<void> {
    if (this.#attempt === 0) this.#status = { kind: 'connecting' };
    let client: SocketApiClient;
    try {
      client = await connectSocketClient(new WebSocket(host.apiUrl));
    } catch {
      if (this.#stopped) return;
      // Refused or unreachable: which one decides whether retrying can help.
      if (await originAnswers(host.origin)) {
        this.#status = { kind: 'signed_out' };
        return;
      }
      this.#retry(host, 'The node does not answer.');
      return;
    }
    if (this.#stopped) return client.close();
    this.#client = client;
    this.#attempt = 0;
    this.#api = client.api;
    this.#status = { kind: 'connected' };
    const closed = await client.closed;
    this.#client = null;
    this.#api = null;
    if (this.#stopped) return;
    this.#retry(host, closed.reason ? `The connection closed: ${closed.reason}.` : 'The connection closed.');
  }

  #retry(host: Extract<Host, { kind: 'browser' }>, reason: string): void {
    this.#attempt++;
    const delay = reconnectDelay(this.#attempt, Math.random());
    this.#status = { kind: 'retrying', attempt: this.#attempt, retryAt: Date.now() + delay, reason };
    this.#timer = setTimeout(() => void this.#open(host), delay);
  }
}
