import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChainConfigError, chainEndpoint, checkChainConfig, sameChainConfig } from '../../../core/node/chain-config';
import { CONFIG_FILE, readSavedSettings, saveSettings } from '../../../core/node/settings';
import { checkEmptyForRestore, clearRestoreScan, readRestoreScan, writeRestoreScan } from '../../../core/node/restore';
import { parseDaemonOptions, withSavedSettings } from '../../../main/daemon/options';
import { tempDir } from '../../support/tmp';

const NAMES = { kind: 'kind', rpcUrl: 'rpcUrl', rpcCookie: 'rpcCookie', esploraUrl: 'esploraUrl' };
const check = (input: Record<string, unknown>, network: 'regtest' | 'mainnet' = 'regtest') => checkChainConfig(input, network, 'x.bad', NAMES);

describe('chain source configuration', () => {
  it('takes bitcoind RPC with credentials in the URL or a cookie file, Esplora with a URL or the public default, or none', () => {
    expect(check({})).toEqual({ kind: 'none' });
    expect(check({ kind: 'none' })).toEqual({ kind: 'none' });
    expect(check({ rpcUrl: 'http://u:p@127.0.0.1:18443' })).toEqual({ kind: 'bitcoind-rpc', rpcUrl: 'http://u:p@127.0.0.1:18443' });
    expect(check({ kind: 'bitcoind-rpc', rpcUrl: 'https://node.example:8332', rpcCookie: '/home/u/.bitcoin/.cookie' }))
      .toEqual({ kind: 'bitcoind-rpc', rpcUrl: 'https://node.example:8332', rpcCookie: '/home/u/.bitcoin/.cookie' });
    expect(check({ esploraUrl: 'http://127.0.0.1:3000/api/' })).toEqual({ kind: 'esplora', esploraUrl: 'http://127.0.0.1:3000/api' });
    expect(check({ kind: 'esplora' }, 'mainnet')).toEqual({ kind: 'esplora', esploraUrl: 'https://blockstream.info/api' });
  });

  it.each([
    [{ kind: 'electrum' }, 'must be one of'],
    [{ kind: 'bitcoind-rpc' }, 'needs rpcUrl'],
    [{ kind: 'bitcoind-rpc', rpcUrl: 'http://127.0.0.1:1' }, 'no USER:PASS'],
    [{ kind: 'bitcoind-rpc', rpcUrl: 'ftp://u:p@h:1' }, 'http:// or https://'],
    [{ rpcUrl: 'not a url' }, 'not a URL'],
    [{ rpcUrl: 'http://u:p@h:1', esploraUrl: 'http://h' }, 'either'],
    [{ kind: 'esplora' }, 'no public one'],
    [{ kind: 'none', rpcUrl: 'http://u:p@h:1' }, 'takes no source options'],
    [{ kind: 'esplora', rpcCookie: '/c' }, 'are for kind bitcoind-rpc'],
    [{ rpcUrl: 5 }, 'non-empty string'],
  ])('refuses %j (%s) with the caller\'s code', (input, words) => {
    expect(() => check(input)).toThrowError(expect.objectContaining({ code: 'x.bad', message: expect.stringContaining(words) }));
  });

  it('any input is a configuration or a ChainConfigError, never anything else; endpoints never carry credentials', () => {
    const field = fc.oneof(fc.constant(undefined), fc.string(), fc.webUrl({ withQueryParameters: true }), fc.integer(), fc.constant(null));
    fc.assert(fc.property(
      fc.record({ kind: fc.oneof(fc.constantFrom(undefined, 'none', 'bitcoind-rpc', 'esplora'), fc.string()), rpcUrl: field, rpcCookie: field, esploraUrl: field }),
      fc.constantFrom('regtest', 'mainnet') as fc.Arbitrary<'regtest' | 'mainnet'>,
      (input, network) => {
        let config;
        try {
          config = check(input, network);
        } catch (e) {
          expect(e).toBeInstanceOf(ChainConfigError);
          return;
        }
        const endpoint = chainEndpoint(config);
        if (config.kind === 'none') expect(endpoint).toBeNull();
        else expect(new URL(endpoint!).username + new URL(endpoint!).password).toBe('');
        expect(sameChainConfig(config, config)).toBe(true);
      },
    ));
    expect(chainEndpoint({ kind: 'bitcoind-rpc', rpcUrl: 'http://user:secret@127.0.0.1:18443/' })).toBe('http://127.0.0.1:18443');
  });
});

describe('chain options of glasswing daemon and config.json', () => {
  it('reads --chain and its flags (the kind implied by the flags given), --chain-poll-ms and the restore flags', () => {
    expect(parseDaemonOptions([], {}).chain).toEqual({ kind: 'none' });
    const o = parseDaemonOptions(['--chain', 'bitcoind-rpc', '--rpc-url', 'http://u:p@127.0.0.1:1', '--chain-poll-ms', '250'], {});
    expect(o.chain).toEqual({ kind: 'bitcoind-rpc', rpcUrl: 'http://u:p@127.0.0.1:1' });
    expect(o.chainPollMs).toBe(250);
    expect(o.given).toContain('chain');
    expect(parseDaemonOptions(['--esplora-url', 'http://127.0.0.1:3000'], {}).chain).toEqual({ kind: 'esplora', esploraUrl: 'http://127.0.0.1:3000' });
    const words = join(tempDir(), 'w');
    writeFileSync(words, 'abandon '.repeat(23) + 'art');
    expect(parseDaemonOptions(['--restore-words-file', words, '--restore-birthday', '120'], {}).restore).toEqual({ words: 'abandon '.repeat(23) + 'art', birthday: 120 });
    expect(parseDaemonOptions(['--restore-words-file', words], {}).restore?.birthday).toBe(0);
  });

  it('reads --fee-url and --fee-poll-ms', () => {
    expect(parseDaemonOptions([], {}).feeUrl).toBeUndefined();
    expect(parseDaemonOptions(['--fee-url', 'https://fees.example/v1/fees'], {}).feeUrl).toEqual({ url: 'https://fees.example/v1/fees' });
    expect(parseDaemonOptions(['--fee-url', 'http://127.0.0.1:8080/f', '--fee-poll-ms', '1000'], {}).feeUrl).toEqual({ url: 'http://127.0.0.1:8080/f', pollMs: 1000 });
    expect(parseDaemonOptions(['--fee-url', 'http://127.0.0.1:8080/f', '--fee-poll-ms', '86400000'], {}).feeUrl).toEqual({ url: 'http://127.0.0.1:8080/f', pollMs: 86_400_000 });
    // none: the chain source's estimates this run, whatever config.json says; either way the flag wins over config.json.
    const none = parseDaemonOptions(['--fee-url', 'none'], {});
    expect(none.feeUrl).toBeNull();
    expect(none.given).toContain('feeUrl');
    expect(parseDaemonOptions([], {}).given).not.toContain('feeUrl');
  });

  it.each([
    [['--chain', 'bitcoind-rpc', '--rpc-url', 'http://h:1'], 'config.bad_chain'],
    [['--chain', 'esplora', '--network', 'regtest'], 'config.bad_chain'],
    [['--chain-poll-ms=-5'], 'config.bad_number'],
    [['--restore-words-file', '/nonexistent/words'], 'config.restore_words_file'],
    [['--restore-birthday', '3'], 'config.usage'],
    [['--fee-url', 'fees.example'], 'config.bad_fee_url'],
    [['--fee-url', 'ftp://fees.example/'], 'config.bad_fee_url'],
    [['--fee-url', 'http://user:pass@127.0.0.1:1/'], 'config.bad_fee_url'],
    [['--fee-poll-ms', '1000'], 'config.usage'],
    [['--fee-url', 'none', '--fee-poll-ms', '1000'], 'config.usage'],
    [['--fee-url', 'http://127.0.0.1:1/', '--fee-poll-ms', '0'], 'config.bad_number'],
    // The setting's bounds (FEE_POLL_MS): a second to a day.
    [['--fee-url', 'http://127.0.0.1:1/', '--fee-poll-ms', '999'], 'config.bad_number'],
    [['--fee-url', 'http://127.0.0.1:1/', '--fee-poll-ms', '500'], 'config.bad_number'],
    [['--fee-url', 'http://127.0.0.1:1/', '--fee-poll-ms', '86400001'], 'config.bad_number'],
  ])('rejects %j with %s', (args, code) => {
    expect(() => parseDaemonOptions(args as string[], {})).toThrowError(expect.objectContaining({ code }));
  });

  it('config.json gives the network and the chain when the command line does not; the command line wins', () => {
    const saved = { network: 'mainnet' as const, chain: { kind: 'esplora' } };
    const fromFile = withSavedSettings(parseDaemonOptions([], {}), saved);
    expect(fromFile.network).toBe('mainnet');
    expect(fromFile.chain).toEqual({ kind: 'esplora', esploraUrl: 'https://blockstream.info/api' });
    // --chain esplora without a URL is checked against the network config.json names.
    expect(withSavedSettings(parseDaemonOptions(['--chain', 'esplora'], {}), { network: 'signet' }).chain)
      .toEqual({ kind: 'esplora', esploraUrl: 'https://blockstream.info/signet/api' });
    const flags = withSavedSettings(parseDaemonOptions(['--network', 'regtest', '--rpc-url', 'http://u:p@h:1'], {}), saved);
    expect(flags).toMatchObject({ network: 'regtest', chain: { kind: 'bitcoind-rpc' } });
    expect(() => withSavedSettings(parseDaemonOptions([], {}), { chain: { kind: 'bitcoind-rpc', rpcUrl: 'http://h:1' } }))
      .toThrowError(expect.objectContaining({ code: 'config.bad_chain', message: expect.stringContaining('config.json') }));
  });

  it('config.json: a chain replaces the saved one whole; a malformed chain or network is settings.malformed', () => {
    const dir = tempDir();
    saveSettings(dir, { chain: { kind: 'bitcoind-rpc', rpcUrl: 'http://u:p@h:1', rpcCookie: '/c' } });
    saveSettings(dir, { chain: { kind: 'esplora', esploraUrl: 'http://e' } });
    expect(readSavedSettings(dir).chain).toEqual({ kind: 'esplora', esploraUrl: 'http://e' });
    for (const text of ['{"chain": "btcd"}', '{"chain": {"kind": 1}}', '{"chain": {"kind": "esplora", "url": "x"}}', '{"network": "bitcoin"}']) {
      writeFileSync(join(dir, CONFIG_FILE), text);
      expect(() => readSavedSettings(dir)).toThrowError(expect.objectContaining({ code: 'settings.malformed' }));
    }
  });
});

describe('restore bookkeeping', () => {
  it('restores only into a missing or empty directory (config.json allowed); the scan marker round-trips', () => {
    checkEmptyForRestore(join(tempDir(), 'missing'));
    const dir = tempDir();
    checkEmptyForRestore(dir);
    writeFileSync(join(dir, CONFIG_FILE), '{}');
    checkEmptyForRestore(dir);
    // What a restore that died before writing the seed leaves: its marker and a lock.
    writeFileSync(join(dir, 'wallet-restore.json'), '{"birthday": 0}');
    writeFileSync(join(dir, 'glasswing.lock'), '12345\n');
    checkEmptyForRestore(dir);
    writeFileSync(join(dir, 'seed.json'), '{}');
    expect(() => checkEmptyForRestore(dir)).toThrowError(expect.objectContaining({ code: 'node.restore_not_empty' }));
    expect(readRestoreScan(dir)).toEqual({ birthday: 0 });
    clearRestoreScan(dir);
    expect(readRestoreScan(dir)).toBeNull();
    writeRestoreScan(dir, 1234);
    expect(readRestoreScan(dir)).toEqual({ birthday: 1234 });
    clearRestoreScan(dir);
    expect(readRestoreScan(dir)).toBeNull();
    writeFileSync(join(dir, 'wallet-restore.json'), '{"birthday": -1}');
    expect(() => readRestoreScan(dir)).toThrowError(expect.objectContaining({ code: 'node.restore_corrupt' }));
  });
});
