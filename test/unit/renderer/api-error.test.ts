import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { apiFailure, appMessage, withoutCliHints } from '../../../renderer/src/lib/api-error';
import { errorText } from '../../../renderer/src/lib/errors';

/** What core/messenger/router.ts says when it has no route (shared with the CLI). */
const NO_ROUTE = 'the destination 02abcdef is not a connected peer and has no known address; give --via hops';

describe('node errors in the app', () => {
  it('drops the command-line hint of a no-route error and says what to do in the app instead', () => {
    const e = Object.assign(new Error(NO_ROUTE), { code: 'messenger.no_route', details: { nodeId: '02abcdef' } });
    const text = errorText(e);
    expect(text).toBe('The destination 02abcdef is not a connected peer and has no known address. Connect to it on the Peers page first, or send through connected peers (Via, under “Route and replies”).');
    expect(text).not.toMatch(/--/);
  });

  it('drops clauses telling a CLI user what to pass, and names other options plainly', () => {
    expect(withoutCliHints(NO_ROUTE)).toBe('the destination 02abcdef is not a connected peer and has no known address');
    expect(withoutCliHints('the offer leaves the amount to you: pass --amount-msat')).toBe('the offer leaves the amount to you');
    expect(withoutCliHints('bad value (see --help)')).toBe('bad value');
    expect(withoutCliHints('a --via hop is our own node')).toBe('a “via” hop is our own node');
    expect(withoutCliHints('use --network regtest')).toBe('use “network” regtest');
    expect(withoutCliHints('Connection refused')).toBe('Connection refused');
  });

  it('never shows an option to the person, and leaves messages without one alone (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('via', 'amount-msat', 'help', 'network'), fc.string(), (a, opt, b) => {
        expect(withoutCliHints(`${a} --${opt} ${b}`)).not.toMatch(/(?<![\w-])--[a-z]/i);
        expect(appMessage({ code: 'messenger.no_route', message: `${a}; give --${opt} ${b}`, details: {} })).not.toMatch(/(?<![\w-])--[a-z]/i);
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]+( [A-Za-z0-9]+)*$/), (m) => {
        expect(withoutCliHints(m)).toBe(m);
      }),
    );
  });

  it('keeps the code and details of an API failure, and the message of any other error', () => {
    expect(apiFailure(Object.assign(new Error('x'), { code: 'a.b', details: { k: 1 } }))).toEqual({ code: 'a.b', message: 'x', details: { k: 1 } });
    expect(errorText(new Error('socket closed'))).toBe('socket closed');
    expect(errorText('plain')).toBe('plain');
  });
});
