import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, fromHex, hmacSha256, sha256, toHex } from '../../../core/crypto';
import type { FailureFieldKind, FailureName } from '../../../core/onion';
import {
  FAILURE_CODES, OnionError, OnionParseError, createFailure, decodeFailure, decodeFailureMessage, encodeFailureMessage,
  failureFlags, failureForOnionError, failureName, generateKey, wrapFailure,
} from '../../../core/onion';
import { thrown } from './support';

const NAMES = Object.keys(FAILURE_CODES) as FailureName[];

function fieldArb(kind: FailureFieldKind): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'sha256':
      return fc.uint8Array({ minLength: 32, maxLength: 32 });
    case 'channel_update':
      return fc.uint8Array({ maxLength: 140 });
    case 'u16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'u32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'u64':
      return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    case 'bigsize':
      return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  }
}

/** A random named failure with random data for its fields. */
const failureArb = fc.constantFrom(...NAMES).chain((name) => {
  const fields = FAILURE_CODES[name].fields as readonly (readonly [string, FailureFieldKind])[];
  const data = fc.record(Object.fromEntries(fields.map(([f, k]) => [f, fieldArb(k)])) as Record<string, fc.Arbitrary<unknown>>);
  return data.map((d) => ({ name, data: d }));
});

const secretsArb = fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 20 });

describe('onion failures', () => {
  it('the table has the BOLT 4 codes and flags', () => {
    expect(FAILURE_CODES.invalid_onion_hmac.code).toBe(0xc005);
    expect(FAILURE_CODES.temporary_channel_failure.code).toBe(0x1007);
    expect(FAILURE_CODES.incorrect_or_unknown_payment_details.code).toBe(0x400f);
    expect(FAILURE_CODES.invalid_onion_blinding.code).toBe(0xc018);
    expect(FAILURE_CODES.permanent_node_failure.code).toBe(0x6002);
    expect(failureFlags(0xc005)).toEqual({ badOnion: true, perm: true, node: false, update: false });
    expect(failureFlags(0x2002)).toEqual({ badOnion: false, perm: false, node: true, update: false });
    expect(new Set(NAMES.map((n) => FAILURE_CODES[n].code)).size).toBe(NAMES.length);
    expect(failureName(0x4016)).toBe('invalid_onion_payload');
  });

  it('every failure message decodes to its name, code and data', () => {
    fc.assert(
      fc.property(failureArb, ({ name, data }) => {
        const bytes = encodeFailureMessage(name, data as never);
        const decoded = decodeFailureMessage(bytes);
        expect(decoded).toEqual({ name, code: FAILURE_CODES[name].code, data, tlvs: [] });
      }),
      { numRuns: 300 },
    );
  });

  it('for random routes of 1-20 hops the origin finds the erring hop and its failure', () => {
    fc.assert(
      fc.property(secretsArb, fc.nat(), failureArb, (secrets, pick, { name, data }) => {
        const erring = pick % secrets.length;
        const message = encodeFailureMessage(name, data as never);
        let packet = createFailure({ sharedSecret: secrets[erring]!, failureMessage: message });
        for (let i = erring - 1; i >= 0; i--) packet = wrapFailure(secrets[i]!, packet);
        const decoded = decodeFailure({ sharedSecrets: secrets, packet });
        expect(decoded.hopIndex).toBe(erring);
        expect(toHex(decoded.failureMessage)).toBe(toHex(message));
        expect(decoded.failure?.name).toBe(name);
        expect(decoded.parseError).toBeNull();
      }),
      { numRuns: 100 },
    );
  });

  it('a failure packet nobody on the route made is unattributable', () => {
    fc.assert(
      fc.property(secretsArb, fc.uint8Array({ maxLength: 400 }), (secrets, packet) => {
        expect((thrown(() => decodeFailure({ sharedSecrets: secrets, packet })) as OnionError).code).toBe('onion.failure_unattributable');
      }),
      { numRuns: 50 },
    );
  });

  it('random failure messages decode to a value or an OnionParseError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 60 }), failureArb.map(({ name, data }) => encodeFailureMessage(name, data as never).subarray(0, 5))), (bytes) => {
        try {
          decodeFailureMessage(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(OnionParseError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a TLV stream after the data, ignores extra bytes that are not one, and keeps unknown codes raw', () => {
    const withTlv = decodeFailureMessage(fromHex('2002' + '010100'));
    expect(withTlv).toMatchObject({ name: 'temporary_node_failure', tlvs: [{ type: 1n, value: fromHex('00') }] });
    const withJunk = decodeFailureMessage(fromHex('2002' + 'ff'));
    expect(withJunk).toMatchObject({ name: 'temporary_node_failure', tlvs: [], extraBytes: fromHex('ff') });
    expect(decodeFailureMessage(fromHex('0099abcd'))).toEqual({ name: 'unknown', code: 0x99, rest: fromHex('abcd') });
    expect((thrown(() => decodeFailureMessage(fromHex('c005' + '00'.repeat(31)))) as OnionError).code).toBe('onion.bad_failure_message');
  });

  it('pads short failures to 256 bytes and leaves long ones unpadded', () => {
    const secret = new Uint8Array(32).fill(3);
    expect(createFailure({ sharedSecret: secret, failureMessage: new Uint8Array(2) }).length).toBe(32 + 2 + 2 + 2 + 254);
    expect(createFailure({ sharedSecret: secret, failureMessage: new Uint8Array(300) }).length).toBe(32 + 2 + 300 + 2);
  });

  it('attributes a failure whose body is malformed and reports why it does not parse', () => {
    const secrets = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
    const body = fromHex('0100' + '00'.repeat(10)); // failure_len 256 but only 10 bytes follow
    const plain = concatBytes(hmacSha256(generateKey('um', secrets[1]!), body), body);
    const packet = wrapFailure(secrets[0]!, wrapFailure(secrets[1]!, plain));
    const decoded = decodeFailure({ sharedSecrets: secrets, packet });
    expect(decoded.hopIndex).toBe(1);
    expect(decoded.failure).toBeNull();
    expect(decoded.parseError?.code).toBe('onion.bad_failure_packet');
  });

  it('maps onion processing errors to the failure BOLT 4 prescribes', () => {
    const onion = new Uint8Array(1366).fill(5);
    const hash = sha256(onion);
    const fail = (code: string, details?: Record<string, unknown>, blinded = false) =>
      decodeFailureMessage(failureForOnionError(new OnionError(code, 'x', details), onion, { blinded }));
    expect(fail('onion.hmac_mismatch')).toMatchObject({ name: 'invalid_onion_hmac', data: { sha256OfOnion: hash } });
    expect(fail('onion.bad_version')).toMatchObject({ name: 'invalid_onion_version' });
    expect(fail('onion.invalid_key')).toMatchObject({ name: 'invalid_onion_key' });
    expect(fail('onion.bad_payload', { type: '12', offset: 3 })).toMatchObject({ name: 'invalid_onion_payload', data: { type: 12n, offset: 3 } });
    expect(fail('onion.hmac_mismatch', undefined, true)).toMatchObject({ name: 'invalid_onion_blinding', data: { sha256OfOnion: hash } });
  });
});
