/**
 * Layout checks for any page: nothing spills sideways, and no text is cut down to a character or
 * two. Both run in the page (as expressions: the app's CSP forbids eval'd predicates).
 */
import type { Page } from 'playwright-core';

/** The window widths every page is checked at: a laptop, and a narrow window beside another. */
export const WIDTHS = [1280, 800] as const;

/** True when the page is no wider than the window. */
export async function fitsWidth(page: Page): Promise<boolean> {
  return (await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')) as boolean;
}

/**
 * Visible text cut with an ellipsis to less than about three characters' room (the Messages TYPE
 * column once showed "i…"): `tag.class: text (width px)` for each.
 */
export async function textCutShort(page: Page): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const out = [];
    for (const el of document.querySelectorAll('main *')) {
      if (!(el instanceof HTMLElement) || el.children.length > 0) continue;
      const text = (el.textContent || '').trim();
      if (text.length < 2 || el.offsetParent === null) continue;
      const cs = getComputedStyle(el);
      if (cs.textOverflow !== 'ellipsis' || el.scrollWidth <= el.clientWidth) continue;
      if (el.clientWidth < 28) out.push(el.tagName.toLowerCase() + '.' + el.className + ': ' + text + ' (' + el.clientWidth + ' px)');
    }
    return out;
  })()`)) as string[];
}

/** Sets the window width (keeping its height). */
export async function setWidth(page: Page, width: number): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
}
