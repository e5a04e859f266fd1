/** BOLT 2 shutdown scriptpubkey forms and the BOLT 3 dust thresholds of closing outputs. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../core/crypto';
import { dustThresholdSat, isValidShutdownScript, shutdownScriptKind } from '../../../core/channel/shutdown-script';

const none = { anySegwit: false, simpleClose: false };
const all = { anySegwit: true, simpleClose: true };

describe('shutdown scriptpubkey forms', () => {
  it('P2WPKH and P2WSH always; future segwit versions only with option_shutdown_anysegwit; OP_RETURN only with option_simple_close', () => {
    const p2wpkh = fromHex('0014' + '11'.repeat(20));
    const p2wsh = fromHex('0020' + '22'.repeat(32));
    const taproot = fromHex('5120' + '33'.repeat(32));
    const v16 = fromHex('6002' + 'abcd');
    const opReturn6 = fromHex('6a06' + '00'.repeat(6));
    const opReturn80 = fromHex('6a4c50' + '00'.repeat(80));
    for (const s of [p2wpkh, p2wsh]) {
      expect(isValidShutdownScript(s, none)).toBe(true);
    }
    for (const s of [taproot, v16]) {
      expect(isValidShutdownScript(s, none)).toBe(false);
      expect(isValidShutdownScript(s, { anySegwit: true, simpleClose: false })).toBe(true);
    }
    for (const s of [opReturn6, opReturn80]) {
      expect(isValidShutdownScript(s, { anySegwit: true, simpleClose: false })).toBe(false);
      expect(isValidShutdownScript(s, all)).toBe(true);
    }
  });

  it('refuses what is not exactly one of the forms', () => {
    const bad = [
      '', '00', '0013' + '11'.repeat(19), '0014' + '11'.repeat(21), '0021' + '22'.repeat(33), '5101' + '00', '5129' + '00'.repeat(41),
      '6a05' + '00'.repeat(5), '6a4c4b' + '00'.repeat(75), '6a4c51' + '00'.repeat(81), '6a4c50' + '00'.repeat(79), '76a914' + '00'.repeat(20) + '88ac',
      'a914' + '00'.repeat(20) + '87', '0014' + '11'.repeat(20) + '00',
    ];
    for (const hex of bad) expect(isValidShutdownScript(fromHex(hex), all), hex).toBe(false);
  });

  it('BOLT 3 dust thresholds by script type; OP_RETURN is never dust', () => {
    expect(dustThresholdSat(fromHex('76a914' + '00'.repeat(20) + '88ac'))).toBe(546n);
    expect(dustThresholdSat(fromHex('a914' + '00'.repeat(20) + '87'))).toBe(540n);
    expect(dustThresholdSat(fromHex('0014' + '00'.repeat(20)))).toBe(294n);
    expect(dustThresholdSat(fromHex('0020' + '00'.repeat(32)))).toBe(330n);
    expect(dustThresholdSat(fromHex('5120' + '00'.repeat(32)))).toBe(354n);
    expect(dustThresholdSat(fromHex('51024e73'))).toBe(240n);
    expect(dustThresholdSat(fromHex('6a06' + '00'.repeat(6)))).toBe(0n);
  });

  it('classifies any bytes without throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 90 }), (b) => {
        const kind = shutdownScriptKind(b);
        expect(typeof kind).toBe('string');
        expect(typeof isValidShutdownScript(b, all)).toBe('boolean');
        expect(dustThresholdSat(b) >= 0n).toBe(true);
      }),
    );
  });
});
