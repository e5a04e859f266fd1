/**
 * The pages of the app, in navigation order, with their keyboard shortcut. A new page is one
 * entry here plus its component in pages/registry.ts (the type makes both lists agree).
 */

export const PAGE_IDS = ['overview', 'peers', 'messages', 'offers', 'channels', 'payments', 'wallet', 'lab', 'settings'] as const;
export type PageId = (typeof PAGE_IDS)[number];

export interface PageInfo {
  readonly id: PageId;
  readonly title: string;
  /** The key that opens the page (when focus is not in a text field). */
  readonly key: string;
  /** Location hash: `#/peers`. */
  readonly hash: string;
}

export const PAGES: readonly PageInfo[] = [
  { id: 'overview', title: 'Overview', key: '1', hash: '#/' },
  { id: 'peers', title: 'Peers', key: '2', hash: '#/peers' },
  { id: 'messages', title: 'Messages', key: '3', hash: '#/messages' },
  { id: 'offers', title: 'Offers', key: '4', hash: '#/offers' },
  { id: 'channels', title: 'Channels', key: '5', hash: '#/channels' },
  // Payments came after the others had their keys: 9, so no one's muscle memory breaks.
  { id: 'payments', title: 'Payments', key: '9', hash: '#/payments' },
  { id: 'wallet', title: 'Wallet', key: '6', hash: '#/wallet' },
  { id: 'lab', title: 'Channel lab', key: '7', hash: '#/lab' },
  { id: 'settings', title: 'Settings', key: '8', hash: '#/settings' },
];

export const DEFAULT_PAGE: PageId = 'overview';

export function pageInfo(id: PageId): PageInfo {
  return PAGES.find((p) => p.id === id)!;
}

/** The page a location hash points to (unknown or empty hashes open the Overview). */
export function pageFromHash(hash: string): PageId {
  const path = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  const page = PAGES.find((p) => p.hash === `#/${path}` || (path === '' && p.hash === '#/'));
  return page?.id ?? DEFAULT_PAGE;
}

/** What follows the page in a hash: `#/channels/ab12…` → `ab12…` (empty when nothing does). */
export function subPathFromHash(hash: string): string {
  const path = hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  const slash = path.indexOf('/');
  return slash === -1 ? '' : decodeURIComponent(path.slice(slash + 1));
}

/** The hash of a page with an optional sub-path: `hashFor('channels', id)` → `#/channels/<id>`. */
export function hashFor(page: PageId, sub = ''): string {
  const base = pageInfo(page).hash;
  if (!sub) return base;
  // The Overview's own hash is `#/`; with a sub-path it is spelled out.
  return `${base === '#/' ? '#/overview' : base}/${encodeURIComponent(sub)}`;
}
