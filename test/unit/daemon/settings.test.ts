import { describe, expect, it } from 'vitest';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { CONFIG_FILE, FEE_POLL_MS, feePollMsProblem, feeUrlProblem, readSavedSettings, saveSettings, savedFeeSource } from '../../../core/node/settings';
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
    ['{"onion": {"messageBudgetPerSecond": 0}}', 'settings.malformed'],
    ['{"onion": {"messageBudgetPerSecond": 2000000}}', 'settings.malformed'],
    ['{"sandbox": "no"}', 'settings.malformed'],
    ['{"feeUrl": "ftp://fees.example/"}', 'settings.malformed'],
    ['{"feeUrl": "http://u:p@fees.example/"}', 'settings.malformed'],
    ['{"feeUrl": 7}', 'settings.malformed'],
    ['{"feePollMs": 999}', 'settings.malformed'],
    ['{"feePollMs": 86400001}', 'settings.malformed'],
    ['{"feePollMs": 1500.5}', 'settings.malformed'],
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

  it('config.json onion.messageBudgetPerSecond sets the node-wide budget; --onion-message-budget wins over it', () => {
    expect(withSavedSettings(parseDaemonOptions([], {}), { onion: { messageBudgetPerSecond: 80 } }).messenger.policy)
      .toEqual({ nodeInboundPerSecond: 80, nodeInboundBurst: 160 });
    expect(withSavedSettings(parseDaemonOptions(['--onion-message-budget', '300/s'], {}), { onion: { messageBudgetPerSecond: 80, ratePerSecond: 2 } }).messenger.policy)
      .toEqual({ nodeInboundPerSecond: 300, nodeInboundBurst: 600, inboundPerSecond: 2 });
  });

  it('an empty saved listen means not listening, unless --listen is given', () => {
    expect(withSavedSettings(parseDaemonOptions([], {}), { listen: '' }).listen).toBeNull();
    expect(withSavedSettings(parseDaemonOptions(['--listen', '127.0.0.1:5'], {}), { listen: '' }).listen).toEqual({ host: '127.0.0.1', port: 5 });
  });

  it('knows where each port and the network came from: the command line, config.json, or the default (then saved)', () => {
    const first = withSavedSettings(parseDaemonOptions(['--ui'], { GLASSWING_DEFAULT_LISTEN: '127.0.0.1:0' }), {});
    expect(first).toMatchObject({ listen: { host: '127.0.0.1', port: 0 }, listenSource: 'default', apiPort: 0, apiPortSource: 'default', network: 'regtest', networkSource: 'default' });
    const later = withSavedSettings(parseDaemonOptions(['--ui'], {}), { listen: '127.0.0.1:4000', uiPort: 4001, network: 'signet' });
    expect(later).toMatchObject({ listen: { port: 4000 }, listenSource: 'saved', apiPort: 4001, apiPortSource: 'saved', network: 'signet', networkSource: 'saved' });
    const given = withSavedSettings(parseDaemonOptions(['--ui', '--listen', '127.0.0.1:5', '--api-port', '6', '--network', 'testnet'], {}), { listen: '127.0.0.1:4000', uiPort: 4001, network: 'signet' });
    expect(given).toMatchObject({ listen: { port: 5 }, listenSource: 'command-line', apiPort: 6, apiPortSource: 'command-line', network: 'testnet', networkSource: 'command-line' });
    // The app's saved port is for browser mode only: a daemon without --ui takes any free API port.
    expect(withSavedSettings(parseDaemonOptions([], {}), { uiPort: 4001 })).toMatchObject({ apiPort: 0, apiPortSource: 'default' });
    expect(parseDaemonOptions([], {}).listen).toEqual({ host: '127.0.0.1', port: 9735 });
  });

  it.each([
    ['{"network": "bitcoin"}', 'network'],
    ['{"uiPort": 0}', 'uiPort'],
    ['{"uiPort": "80"}', 'uiPort'],
  ])('refuses a saved %s', (text, field) => {
    const dir = tempDir();
    writeFileSync(join(dir, CONFIG_FILE), text);
    expect(() => readSavedSettings(dir)).toThrowError(expect.objectContaining({ code: 'settings.malformed', message: expect.stringContaining(`"${field}"`) }));
  });
});

describe('the fee source in config.json', () => {
  it('feeUrl and feePollMs: saved, read back, and null for the chain source\'s estimates', () => {
    const dir = tempDir();
    expect(savedFeeSource(readSavedSettings(dir))).toBeNull();
    saveSettings(dir, { feeUrl: 'https://fees.example/v1/btc.json', feePollMs: 60_000 });
    expect(savedFeeSource(readSavedSettings(dir))).toEqual({ url: 'https://fees.example/v1/btc.json', pollMs: 60_000 });
    saveSettings(dir, { feeUrl: null });
    expect(readSavedSettings(dir)).toEqual({ feeUrl: null, feePollMs: 60_000 });
    expect(savedFeeSource(readSavedSettings(dir))).toBeNull();
  });

  it('checks any value without throwing: a problem text, or null exactly for http(s) URLs without credentials and polls within bounds', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true }), fc.anything()), (v) => {
        const problem = feeUrlProblem(v);
        if (problem !== null) {
          expect(typeof problem).toBe('string');
          return;
        }
        const url = new URL(v as string);
        expect(['http:', 'https:']).toContain(url.protocol);
        expect(url.username + url.password).toBe('');
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.anything()), (v) => {
        const ok = Number.isSafeInteger(v) && (v as number) >= FEE_POLL_MS.min && (v as number) <= FEE_POLL_MS.max;
        expect(feePollMsProblem(v) === null).toBe(ok);
      }),
    );
    expect(feePollMsProblem(FEE_POLL_MS.min)).toBeNull();
    expect(feePollMsProblem(FEE_POLL_MS.max)).toBeNull();
  });
});
