// Renders resources/icon.svg to the PNG sizes electron-builder uses (run after editing the SVG).
// Uses Debian's Chromium through playwright-core.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const svg = readFileSync(`${root}/resources/icon.svg`, 'utf8');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  for (const size of [512, 256]) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('width="512" height="512"', `width="${size}" height="${size}"`)}</body></html>`);
    await page.screenshot({ path: `${root}/resources/icon${size === 512 ? '' : `-${size}`}.png`, omitBackground: true });
    await page.close();
  }
} finally {
  await browser.close();
}
console.log('wrote resources/icon.png and resources/icon-256.png');
