import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkDestination, checkSendForm, checkTlvType, checkValue, checkVia, readBlindedPathShape, type SendForm } from '../../../renderer/src/lib/send-form';

const NODE = '03' + 'cd'.repeat(32);
const POINT = '02' + '11'.repeat(32);

/** A BOLT 4 blinded_path in hex: first_node_id, first_path_key, num_hops, hops. */
function blindedPath(hops: number[], first = POINT): string {
  const n = hops.length.toString(16).padStart(2, '0');
  return first + POINT + n + hops.map((len) => POINT + len.toString(16).padStart(4, '0') + 'ee'.repeat(len)).join('');
}

const form = (over: Partial<SendForm> = {}): SendForm => ({
  destination: NODE, tlvType: '65537', value: 'hi', format: 'text', via: '', replyPath: false, waitSeconds: 0, inReplyTo: null, ...over,
});

describe('send form: destination', () => {
  it('takes a node id, upper or lower case', () => {
    expect(checkDestination(` ${NODE.toUpperCase()} `)).toEqual({ ok: true, destination: { kind: 'node', nodeId: NODE }, hex: NODE });
  });

  it('takes a blinded path, with a node id or a short channel id as introduction', () => {
    const path = blindedPath([0, 40]);
    expect(checkDestination(path)).toEqual({ ok: true, destination: { kind: 'blinded_path', introduction: POINT, hops: 2 }, hex: path });
    const scid = blindedPath([16], '01' + '0000010000020003');
    const c = checkDestination(scid);
    expect(c.ok && c.destination).toEqual({ kind: 'blinded_path', introduction: 'short channel 0000010000020003 (side 1)', hops: 1 });
  });

  it('says what is wrong with anything else', () => {
    const cases: [string, string][] = [
      ['', 'Enter a node id'],
      ['xyz', 'Only hex digits'],
      ['abc', 'even number'],
      ['02abcd', '66 hex digits; this has 6'],
      ['04' + 'ab'.repeat(40), 'first_node_id must start with'],
      [blindedPath([]).slice(0, -2) + '00', 'no hops'],
      [blindedPath([4]).slice(0, -2), 'ends inside hop 1'],
      [blindedPath([4]) + '00', '1 bytes follow the last hop'],
      [POINT + '04' + '11'.repeat(32) + '01', 'first_path_key is not a compressed point'],
      [POINT + POINT + '01' + '05' + '11'.repeat(34), 'hop 1: blinded_node_id is not a compressed point'],
      [POINT + POINT, 'ends inside num_hops'],
    ];
    for (const [input, why] of cases) {
      const c = checkDestination(input);
      expect(c.ok, input).toBe(false);
      expect(!c.ok && c.reason, input).toContain(why);
    }
  });

  it('reads any bytes as a blinded path or a reason, never throwing (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = readBlindedPathShape(bytes);
        return r.ok ? r.hops >= 1 : r.reason.length > 0;
      }),
    );
  });

  it('accepts every well-formed blinded path, and no truncation of one (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(60), { minLength: 1, maxLength: 6 }), fc.nat(), (hops, cut) => {
        const hex = blindedPath(hops);
        const bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
        const whole = readBlindedPathShape(bytes);
        const n = cut % bytes.length;
        return whole.ok && whole.hops === hops.length && !readBlindedPathShape(bytes.subarray(0, n)).ok;
      }),
    );
  });
});

describe('send form: record, route and options', () => {
  it('takes message TLV types from 64 to 2^64-1', () => {
    expect(checkTlvType('64')).toEqual({ ok: true, type: '64' });
    expect(checkTlvType(' 00065537 ')).toEqual({ ok: true, type: '65537' });
    expect(checkTlvType('18446744073709551615')).toEqual({ ok: true, type: '18446744073709551615' });
    expect(checkTlvType('63')).toMatchObject({ ok: false, reason: expect.stringContaining('start at 64') });
    expect(checkTlvType('18446744073709551616')).toMatchObject({ ok: false, reason: expect.stringContaining('2^64') });
    expect(checkTlvType('-1')).toMatchObject({ ok: false });
    expect(checkTlvType('')).toMatchObject({ ok: false });
  });

  it('sends text as UTF-8 and checks hex', () => {
    expect(checkValue('héllo', 'text')).toEqual({ ok: true, hex: '68c3a96c6c6f', bytes: 6 });
    expect(checkValue('', 'text')).toEqual({ ok: true, hex: '', bytes: 0 });
    expect(checkValue('DE AD\nbe ef', 'hex')).toEqual({ ok: true, hex: 'deadbeef', bytes: 4 });
    expect(checkValue('0x12', 'hex')).toMatchObject({ ok: false, reason: expect.stringContaining('Only hex') });
    expect(checkValue('abc', 'hex')).toMatchObject({ ok: false, reason: expect.stringContaining('even') });
    expect(checkValue('a'.repeat(32769), 'text')).toMatchObject({ ok: false, reason: expect.stringContaining('32768') });
  });

  it('reads via hops separated by commas, spaces or lines', () => {
    expect(checkVia('')).toEqual({ ok: true, via: [] });
    expect(checkVia(`${NODE.toUpperCase()},\n ${POINT}`)).toEqual({ ok: true, via: [NODE, POINT] });
    expect(checkVia(`${NODE} 02ab`)).toMatchObject({ ok: false, reason: expect.stringContaining('Hop 2') });
  });

  it('builds the sendOnionMessage parameters only when every field is right', () => {
    expect(checkSendForm(form()).params).toEqual({ destination: NODE, tlvs: [{ type: '65537', value: '6869' }] });
    expect(checkSendForm(form({ waitSeconds: 30, via: POINT, inReplyTo: 'ab'.repeat(8) })).params).toEqual({
      destination: NODE, tlvs: [{ type: '65537', value: '6869' }], via: [POINT], replyPath: true, waitReplySeconds: 30, inReplyTo: 'ab'.repeat(8),
    });
    expect(checkSendForm(form({ replyPath: true })).params).toMatchObject({ replyPath: true });
    const bad = checkSendForm(form({ destination: '02', tlvType: '1', value: 'zz', format: 'hex', via: 'x', waitSeconds: 601 }));
    expect(bad.params).toBeNull();
    expect(Object.keys(bad.problems).sort()).toEqual(['destination', 'tlvType', 'value', 'via', 'waitSeconds']);
    expect(checkSendForm(form({ waitSeconds: 1.5 })).problems.waitSeconds).toContain('0 to 600');
  });
});
