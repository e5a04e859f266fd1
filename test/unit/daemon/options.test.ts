import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/crypto';
import { createMessagePath } from '../../../core/messenger/paths';
import { encodeBlindedPath } from '../../../core/wire';
import { parseDaemonOptions } from '../../../main/daemon/options';
import { defaultDataDir } from '../../../main/datadir';

describe('glasswing daemon options', () => {
  it('defaults: regtest, listen on 127.0.0.1:9735, a free API port, no UI, the platform data directory', () => {
    const o = parseDaemonOptions([], { HOME: '/home/u' });
    expect(o).toMatchObject({ network: 'regtest', listen: { host: '127.0.0.1', port: 9735 }, apiPort: 0, ui: false, alias: '' });
    expect(o.datadir).toBe(defaultDataDir({ HOME: '/home/u' }));
    expect(o.messenger).toEqual({ policy: {}, mailbox: {} });
  });

  it('reads listen, api port, alias, network, --no-listen and the messenger limits', () => {
    const o = parseDaemonOptions(['--listen', '[::1]:1234', '--api-port', '9999', '--alias', 'shop', '--network', 'signet', '--ui',
      '--onion-rate', '2.5', '--onion-burst', '5', '--mailbox-expiry-hours', '1.5', '--mailbox-peer-messages', '10'], {});
    expect(o).toMatchObject({ listen: { host: '::1', port: 1234 }, apiPort: 9999, alias: 'shop', network: 'signet', ui: true });
    expect(o.messenger.policy).toEqual({ inboundPerSecond: 2.5, inboundBurst: 5 });
    expect(o.messenger.mailbox).toEqual({ expiryMs: 5_400_000, perPeerMessages: 10 });
    expect(parseDaemonOptions(['--no-listen'], {}).listen).toBeNull();
  });

  it('reads --onion-message-budget as N/s or N: the node-wide rate, with a burst of twice it', () => {
    expect(parseDaemonOptions(['--onion-message-budget', '200/s'], {}).messenger.policy).toEqual({ nodeInboundPerSecond: 200, nodeInboundBurst: 400 });
    const o = parseDaemonOptions(['--onion-message-budget=12.5'], {});
    expect(o.messenger.policy).toEqual({ nodeInboundPerSecond: 12.5, nodeInboundBurst: 25 });
    expect(o.given).toEqual(['onion']);
  });

  it.each([
    [['--onion-message-budget', '0/s'], 'config.bad_number'],
    [['--onion-message-budget=-5'], 'config.bad_number'],
    [['--onion-message-budget', 'fast'], 'config.bad_number'],
    [['--onion-message-budget', '50/min'], 'config.bad_number'],
    [['--onion-message-budget', '2000000/s'], 'config.bad_number'],
    [['--network', 'bitcoin'], 'config.bad_network'],
    [['--api-port', '70000'], 'config.bad_port'],
    [['--listen', 'localhost'], 'config.bad_address'],
    [['--alias', 'x'.repeat(33)], 'config.bad_alias'],
    [['--onion-rate=-1'], 'config.bad_number'],
    [['--onion-rate', '0'], 'config.bad_number'],
    [['--onion-burst', '1.5'], 'config.bad_number'],
    [['--frobnicate'], 'config.usage'],
    [['--passphrase-file', '/nonexistent/file'], 'config.passphrase_file'],
    [['--crypto', 'fast'], 'config.bad_crypto'],
  ])('rejects %j with %s', (args, code) => {
    expect(() => parseDaemonOptions(args as string[], {})).toThrowError(expect.objectContaining({ code }));
  });

  it('takes the passphrase from GLASSWING_PASSPHRASE', () => {
    expect(parseDaemonOptions([], { GLASSWING_PASSPHRASE: 'p' }).passphrase).toBe('p');
  });

  it('reads --crypto as a backend name (case and spaces aside); none given leaves the choice to GLASSWING_CRYPTO or auto', () => {
    expect(parseDaemonOptions(['--crypto', 'WASM'], {}).crypto).toBe('wasm');
    expect(parseDaemonOptions(['--crypto=auto'], {}).crypto).toBe('auto');
    expect(parseDaemonOptions([], { GLASSWING_CRYPTO: 'noble' }).crypto).toBeUndefined();
  });

  it('--async-release-window-seconds: whole seconds within the bounds, over config.json (its own setting: the role stays config.json\'s)', () => {
    const o = parseDaemonOptions(['--async-role', 'lsp', '--async-release-window-seconds', '30'], {});
    expect(o.async).toEqual({ role: 'lsp', releaseWindowSeconds: 30 });
    expect(o.given).toEqual(['async', 'asyncReleaseWindow']);
    const alone = parseDaemonOptions(['--async-release-window-seconds=604800'], {});
    expect(alone.async).toEqual({ releaseWindowSeconds: 604_800 });
    expect(alone.given).toEqual(['asyncReleaseWindow']);
    expect(parseDaemonOptions(['--async-role', 'payer'], {}).given).toEqual(['async']);
    for (const bad of ['5', '604801', '1.5', 'soon', '-20']) {
      expect(() => parseDaemonOptions(['--async-release-window-seconds', bad], {})).toThrowError(expect.objectContaining({ code: 'config.usage', message: expect.stringContaining('--async-release-window-seconds') }));
    }
  });

  it('--async-server-paths: comma-separated blinded paths in hex (async given); a bad one is a usage error naming the flag', () => {
    const path = toHex(encodeBlindedPath(createMessagePath({ sessionKey: new Uint8Array(32).fill(7), nodes: [fromHex(`02${'ab'.repeat(32)}`)] })));
    const o = parseDaemonOptions(['--async-server-paths', `${path},${path}`], {});
    expect(o.async).toEqual({ serverPaths: [path, path] });
    expect(o.given).toContain('async');
    for (const bad of ['', 'zz', `${path},`]) {
      expect(() => parseDaemonOptions(['--async-server-paths', bad], {})).toThrowError(expect.objectContaining({ code: 'config.usage', message: expect.stringContaining('--async-server-paths') }));
    }
  });
});
