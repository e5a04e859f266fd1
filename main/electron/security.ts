/**
 * The Electron host's security decisions as pure functions (tested in Node): window options,
 * the page's Content-Security-Policy, which navigations are allowed, and which external links may
 * open in the system browser.
 */
import type { BrowserWindowOptionsLike } from './electron-types';

/** The renderer is served from this origin through a privileged custom protocol. */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://glasswing`;

export interface WindowBounds {
  readonly width: number;
  readonly height: number;
  readonly x?: number;
  readonly y?: number;
}

export const DEFAULT_BOUNDS: WindowBounds = { width: 1280, height: 820 };

export function mainWindowOptions(preloadPath: string, bounds: WindowBounds = DEFAULT_BOUNDS, icon?: string): BrowserWindowOptionsLike {
  return {
    width: bounds.width,
    height: bounds.height,
    ...(bounds.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : {}),
    minWidth: 900,
    minHeight: 600,
    show: false, // shown on ready-to-show, so there is no white flash
    title: 'Glasswing',
    backgroundColor: '#101418',
    ...(icon ? { icon } : {}),
    webPreferences: {
      preload: preloadPath,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
    },
  };
}

/** CSP sent with every renderer response in Electron (the renderer talks over IPC, not the network). */
export const ELECTRON_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Only our own pages may be loaded in the window. */
export function isAllowedNavigation(url: string): boolean {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/**
 * External links the app may open in the system browser: https only, to a short allow-list of
 * documentation hosts. Everything else is refused.
 */
export const EXTERNAL_HOSTS: readonly string[] = ['github.com', 'docs.lightning.engineering', 'bolt12.org', 'lightningdevkit.org'];

export function isAllowedExternal(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.username === '' && u.password === '' && EXTERNAL_HOSTS.includes(u.hostname);
  } catch {
    return false;
  }
}

/** Is this IPC sender frame our renderer? */
export function isTrustedSenderUrl(url: string | undefined | null): boolean {
  return typeof url === 'string' && isAllowedNavigation(url);
}
