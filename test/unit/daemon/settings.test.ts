import { describe, expect, it } from 'vitest';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE, readSavedSettings, saveSettings } from '../../../core/node/settings';
import { parseDaemonOptions, withSavedSettings } from '../../../main/daemon/options';
import { tempDir } from '../../support/tmp';

describe('saved settings (DATADIR/config.json)', () => {
  it('a missing file is no settings; saving merges groups and keeps other keys; mode 0600', () => {
    const dir = tempDir();
    expect(readSavedSettings(dir)).toEqual({});
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify({ sandbox: false }));
    saveSettings(dir, { alias: 'shop', onion: { ratePerSecond: 2 } });
    saveSettings(dir, { onion: { burst: 5 } });
    expect(readSavedSettings(dir)).toEqual({ sandbox: false, alias: 'shop', onion: { ratePerSecond: 2, burst: 5 } });
    expect(statSync(join(dir, CONFIG_FILE)).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['not json', 'settings.malformed'],
    ['[1]', 'settings.malformed'],
    ['{"alias": 5}', 'settings.malformed'],
    ['{"onion": {"burst": -1}}', 'settings.malformed'],
    ['{"sandbox": "no"}', 'settings.malformed'],
  ])('refuses %s with a typed error naming the file', (text, code) => {
    const dir = tempDir();
    writeFileSync(join(dir, CONFIG_FILE), text);
    expect(() => readSavedSettings(dir)).toThrowError(expect.objectContaining({ code, message: expect.stringContaining(CONFIG_FILE) }));
  });
});

describe('command-line options win over saved settings', () => {
  it('uses saved values for what the command line does not set, field by field for limits', () => {
    const flags = parseDaemonOptions(['--alias', 'cli', '--onion-burst', '9'], {});
    expect(flags.given).toEqual(['alias', 'onion']);
    const merged = withSavedSettings(flags, { alias: 'saved', listen: '127.0.0.1:1234', onion: { ratePerSecond: 2, burst: 3 }, mailbox: { expiryHours: 2 } });
    expect(merged.alias).toBe('cli');
    expect(merged.listen).toEqual({ host: '127.0.0.1', port: 1234 });
    expect(merged.messenger.policy).toEqual({ inboundPerSecond: 2, inboundBurst: 9 });
    expect(merged.messenger.mailbox).toEqual({ expiryMs: 7_200_000 });
  });

  it('an empty saved listen means not listening, unless --listen is given', () => {
    expect(withSavedSettings(parseDaemonOptions([], {}), { listen: '' }).listen).toBeNull();
    expect(withSavedSettings(parseDaemonOptions(['--listen', '127.0.0.1:5'], {}), { listen: '' }).listen).toEqual({ host: '127.0.0.1', port: 5 });
  });
});
