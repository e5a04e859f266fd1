/**
 * Builds the Svelte renderer into dist/renderer (relative asset paths, so the same files load
 * from the daemon's origin in browser mode and from file:// in Electron).
 *
 * `npm run dev:ui` serves it with hot reload; set GLASSWING_DAEMON=http://127.0.0.1:PORT (a
 * daemon started with --ui) to proxy its login page and API through the dev server.
 */
import { defineConfig, type Plugin, type ProxyOptions } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const daemon = process.env.GLASSWING_DAEMON;

function daemonProxy(target: string): Record<string, ProxyOptions> {
  return {
    '/login': { target, changeOrigin: true },
    '/api': {
      target,
      ws: true,
      changeOrigin: true,
      // The daemon checks the WebSocket Origin against its own address.
      configure: (proxy) => proxy.on('proxyReqWs', (req) => req.setHeader('origin', target)),
    },
  };
}

/** The dev server injects component styles as <style> elements; allow them only while developing. */
function devStylesCsp(): Plugin {
  return {
    name: 'glasswing-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace("connect-src 'self'", "connect-src 'self' ws: http:"),
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [svelte(), devStylesCsp()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline <script>/<style> anywhere: the daemon's CSP allows only 'self'.
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 600,
  },
  server: {
    host: '127.0.0.1',
    ...(daemon ? { proxy: daemonProxy(daemon) } : {}),
  },
});
