/** Hash routing (`#/peers`, `#/channels/<id>`): works from the daemon's origin and from file:// in Electron. */
import { hashFor, pageFromHash, subPathFromHash, type PageId } from '../lib/routes';

export class Router {
  #page = $state<PageId>(pageFromHash(window.location.hash));
  #sub = $state(subPathFromHash(window.location.hash));
  #visits = $state(0);

  get page(): PageId {
    return this.#page;
  }

  /** What the page shows inside itself (e.g. the channel the inspector is open on); empty for none. */
  get sub(): string {
    return this.#sub;
  }

  /** Counts navigations between pages (not within one), so focus can follow each. */
  get visits(): number {
    return this.#visits;
  }

  start(): () => void {
    const onHash = () => {
      const page = pageFromHash(window.location.hash);
      if (page !== this.#page) this.#visits++;
      this.#page = page;
      this.#sub = subPathFromHash(window.location.hash);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }

  go(page: PageId, sub = ''): void {
    const hash = hashFor(page, sub);
    if (page !== this.#page || !sub) this.#visits++;
    this.#page = page;
    this.#sub = sub;
    if (window.location.hash !== hash) window.location.hash = hash;
  }
}
