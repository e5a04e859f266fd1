/** electron-builder.yml says what issue 8 asks: targets, native module unpacked, icons present. */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/vectors';

const config = readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8');

describe('electron-builder.yml', () => {
  it('builds AppImage and deb for Linux, dmg for macOS and nsis for Windows', () => {
    expect(config).toMatch(/linux:\n\s+target: \[AppImage, deb\]/);
    expect(config).toMatch(/mac:\n\s+target: dmg/);
    expect(config).toMatch(/win:\n\s+target: nsis/);
  });

  it('rebuilds better-sqlite3 for Electron and unpacks it from the asar', () => {
    expect(config).toContain('npmRebuild: true');
    expect(config).toMatch(/asarUnpack:\n\s+- "\*\*\/node_modules\/better-sqlite3\/\*\*"/);
  });

  it('points at the bundled main process and at icons that exist', () => {
    expect(config).toContain('main: dist/electron/main.cjs');
    expect(config).toContain('appId: org.glasswing.desktop');
    for (const icon of config.matchAll(/icon: (\S+)/g)) expect(existsSync(join(REPO_ROOT, icon[1]!))).toBe(true);
  });
});
