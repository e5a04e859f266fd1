/** Hash routing (`#/peers`): works from the daemon's origin and from file:// in Electron. */
import { pageFromHash, pageInfo, type PageId } from '../lib/routes';

export class Router {
  #page = $state<PageId>(pageFromHash(window.location.hash));
  #visits = $state(0);

  get page(): PageId {
    return this.#page;
  }

  /** Counts navigations (also to the page already open), so focus can follow each one. */
  get visits(): number {
    return this.#visits;
  }

  start(): () => void {
    const onHash = () => {
      const page = pageFromHash(window.location.hash);
      if (page !== this.#page) this.#visits++;
      this.#page = page;
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }

  go(page: PageId): void {
    const hash = pageInfo(page).hash;
    this.#page = page;
    this.#visits++;
    if (window.location.hash !== hash) window.location.hash = hash;
  }
}
