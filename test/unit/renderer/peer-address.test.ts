import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkPeerAddress, type AddressCheck } from '../../../renderer/src/lib/peer-address';
import { PEER_ADDRESS_PATTERN } from '../../../core/api/methods';

const ID = '02' + '1f'.repeat(32);

function reason(c: AddressCheck): string {
  return 'reason' in c ? c.reason : '';
}

describe('checkPeerAddress', () => {
  it('accepts nodeid@host:port for names, IPv4 and bracketed IPv6', () => {
    for (const [host, port] of [['127.0.0.1', '9735'], ['node.example.com', '1'], ['[::1]', '65535'], ['[2001:db8::7]', '9735']] as const) {
      const c = checkPeerAddress(`${ID}@${host}:${port}`);
      expect(c).toEqual({ status: 'valid', address: `${ID}@${host}:${port}`, nodeId: ID, host, port: Number(port) });
    }
  });

  it('lower-cases the node id and trims surrounding space', () => {
    const c = checkPeerAddress(`  ${ID.toUpperCase()}@Host.Example:9735 `);
    expect(c.status).toBe('valid');
    expect(c.status === 'valid' && c.address).toBe(`${ID}@Host.Example:9735`);
  });

  it('treats an empty field as empty, not as an error', () => {
    expect(checkPeerAddress('')).toEqual({ status: 'empty' });
    expect(checkPeerAddress('   ')).toEqual({ status: 'empty' });
  });

  it('counts the hex digits of a node id still being typed', () => {
    const c = checkPeerAddress('02abc');
    expect(c.status).toBe('incomplete');
    expect(reason(c)).toContain('5 of 66');
  });

  it('asks for @host:port once the node id is complete', () => {
    expect(reason(checkPeerAddress(ID))).toContain('Add @host:port');
    expect(reason(checkPeerAddress(`${ID}@`))).toContain('Add the host');
    expect(reason(checkPeerAddress(`${ID}@10.0.0.1`))).toContain('Add :port');
    expect(reason(checkPeerAddress(`${ID}@10.0.0.1:`))).toContain('Add the port');
    expect(reason(checkPeerAddress(`${ID}@[::1`))).toContain('Close the IPv6');
  });

  it('rejects what cannot become valid, saying why', () => {
    const cases: [string, string][] = [
      ['04' + 'a'.repeat(64), 'starts with 02 or 03'],
      ['1', 'starts with 02 or 03'],
      ['02xyz', 'found "x"'],
      [ID + 'ab', '68 hex digits long'],
      ['02ab@host:1', '4 of 66'],
      [`${ID}@host:port`, 'must be a number'],
      [`${ID}@host:0`, 'between 1 and 65535'],
      [`${ID}@host:65536`, 'between 1 and 65535'],
      [`${ID}@host:123456`, 'between 1 and 65535'],
      [`${ID}@ho st:1`, 'spaces'],
      [`${ID}@a@b:1`, 'more than one @'],
      [`${ID}@host_name:1`, 'letters, digits'],
      [`${ID}@[::g]:1`, 'IPv6 address in [ ]'],
      [`${ID}@::1]:1`, 'in brackets'],
      [`${ID}@[::1]x:1`, 'right after the ]'],
    ];
    for (const [input, why] of cases) {
      const c = checkPeerAddress(input);
      expect(c.status, input).toBe('invalid');
      expect(reason(c), input).toContain(why);
    }
  });

  it('refuses this node’s own id', () => {
    const c = checkPeerAddress(`${ID}@127.0.0.1:9735`, ID.toUpperCase());
    expect(c.status).toBe('invalid');
    expect(reason(c)).toContain('own id');
  });

  const hex = fc.constantFrom(...'0123456789abcdef');
  const nodeId = fc.tuple(fc.constantFrom('02', '03'), fc.array(hex, { minLength: 64, maxLength: 64 })).map(([p, h]) => p + h.join(''));
  const hostName = fc.stringMatching(/^[A-Za-z0-9.-]{1,30}$/);
  const ipv6 = fc.ipV6().map((a) => `[${a}]`);
  const address = fc.tuple(nodeId, fc.oneof(hostName, fc.ipV4(), ipv6), fc.integer({ min: 1, max: 65535 })).map(([id, h, p]) => `${id}@${h}:${p}`);

  it('accepts only what the NodeApi schema accepts (property)', () => {
    fc.assert(
      fc.property(fc.oneof(address, fc.string({ maxLength: 120 }), address.map((a) => a.slice(0, -1) + 'x')), (input) => {
        const c = checkPeerAddress(input);
        if (c.status === 'valid') return PEER_ADDRESS_PATTERN.test(c.address);
        return true;
      }),
    );
    fc.assert(fc.property(address, (a) => checkPeerAddress(a).status === 'valid'));
  });

  it('never calls a prefix of a valid address invalid: typing it is never shown as an error (property)', () => {
    fc.assert(
      fc.property(address, fc.nat(), (a, cut) => {
        const prefix = a.slice(0, cut % (a.length + 1));
        return checkPeerAddress(prefix).status !== 'invalid';
      }),
    );
  });

  it('answers any text with a status and never throws (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (input) => {
        const c = checkPeerAddress(input);
        return ['empty', 'incomplete', 'invalid', 'valid'].includes(c.status) && (c.status === 'empty' || c.status === 'valid' || reason(c).length > 0);
      }),
    );
  });
});
