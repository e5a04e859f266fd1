/**
 * The async payments configuration (config.json `async`, `glasswing daemon --async-*`): what is
 * accepted, and that anything else is a typed error naming the field — never another exception.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../core/crypto';
import { createMessagePath } from '../../../core/messenger/paths';
import { AsyncSettingsError, parseAsyncSettings } from '../../../core/node/async';
import { encodeBlindedPath } from '../../../core/wire';

const LSP = `02${'ab'.repeat(32)}@127.0.0.1:9735`;

describe('parseAsyncSettings', () => {
  it('takes a role, an LSP, a profile and a description', () => {
    expect(parseAsyncSettings({ role: 'recipient', lsp: LSP.toUpperCase(), profile: 'bolts1149', description: 'tea' })).toEqual({
      role: 'recipient', lsp: LSP, profile: 'bolts1149', description: 'tea',
    });
    expect(parseAsyncSettings({})).toEqual({});
  });

  it('takes a release window in whole seconds from 10 s to a week', () => {
    expect(parseAsyncSettings({ releaseWindowSeconds: 10 })).toEqual({ releaseWindowSeconds: 10 });
    expect(parseAsyncSettings({ releaseWindowSeconds: 604_800 })).toEqual({ releaseWindowSeconds: 604_800 });
    for (const bad of [9, 604_801, 1.5, '60', -1, null]) expect(() => parseAsyncSettings({ releaseWindowSeconds: bad })).toThrow('async.releaseWindowSeconds');
  });

  it('takes 1 to 8 server paths, each a blinded path in hex (lower-cased), and refuses anything else naming the path', () => {
    const path = toHex(encodeBlindedPath(createMessagePath({ sessionKey: new Uint8Array(32).fill(7), nodes: [fromHex(`02${'ab'.repeat(32)}`)] })));
    expect(parseAsyncSettings({ serverPaths: [path.toUpperCase(), path] })).toEqual({ serverPaths: [path, path] });
    for (const bad of [[], Array(9).fill(path), 'ab', [1], ['xyz'], ['abc']]) expect(() => parseAsyncSettings({ serverPaths: bad })).toThrow('async.serverPaths');
    expect(() => parseAsyncSettings({ serverPaths: [path, `${path.slice(0, 20)}`] })).toThrow('async.serverPaths[1]: not a blinded path');
  });

  it.each([
    [{ role: 'server' }, 'async.role'],
    [{ lsp: 'not-an-lsp' }, 'async.lsp'],
    [{ profile: 'lnd' }, 'async.profile'],
    [{ description: '' }, 'async.description'],
    [{ colour: 'red' }, 'async.colour'],
    [[], '"async"'],
  ])('refuses %j naming %s', (v, field) => {
    expect(() => parseAsyncSettings(v)).toThrow(AsyncSettingsError);
    expect(() => parseAsyncSettings(v)).toThrow(field);
  });

  it('any JSON value gives settings or a settings.malformed error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          parseAsyncSettings(v);
        } catch (e) {
          expect(e).toBeInstanceOf(AsyncSettingsError);
          expect((e as AsyncSettingsError).code).toBe('settings.malformed');
        }
      }),
      { numRuns: 300 },
    );
  });
});
