/** The fuzzers' oracle and their libFuzzer addon: what makes a finding, and that the addon loads here. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnionParseError } from '../../core/onion';
import { WireError } from '../../core/wire';
import { Finding, REJECTED, decodeOrReject, isTypedAllTheWay, roundTrip } from '../../fuzz/harness';
import { ensureLoadableAddon } from '../../fuzz/native/jazzer-addon';

describe('fuzz harness', () => {
  it('takes a typed error as a rejection and anything else as a finding', () => {
    expect(decodeOrReject('x', () => { throw new WireError('wire.eof', 'short'); })).toBe(REJECTED);
    expect(() => decodeOrReject('x', () => { throw new TypeError('boom'); })).toThrow(Finding);
    expect(() => decodeOrReject('x', () => { throw 'a string'; })).toThrow(Finding);
    expect(decodeOrReject('x', () => 7)).toBe(7);
  });

  it('sees an untyped error behind a typed one', () => {
    const masked = new OnionParseError('onion.bad_payload', 'wrapped', undefined, { cause: new RangeError('offset') });
    expect(isTypedAllTheWay(masked)).toBe(false);
    expect(() => decodeOrReject('x', () => { throw masked; })).toThrow(/untyped/);
    const typedCause = new OnionParseError('onion.bad_payload', 'wrapped', undefined, { cause: new WireError('wire.eof', 'short') });
    expect(isTypedAllTheWay(typedCause)).toBe(true);
  });

  it('finds a codec that does not round trip', () => {
    const lossy = (b: Uint8Array) => ({ n: b.length > 0 ? b[0]! : 0 });
    const encode = (v: { n: number }) => Uint8Array.of(v.n);
    expect(() => roundTrip('ok', { n: 3 }, encode, lossy)).not.toThrow();
    expect(() => roundTrip('lossy', { n: 300 }, encode, lossy)).toThrow(Finding);
  });
});

describe("Jazzer.js's libFuzzer addon", () => {
  it('loads in Node on this machine (patched for an older glibc when it must be)', () => {
    const require = createRequire(import.meta.url);
    const cli = require.resolve('@jazzer.js/core/dist/cli.js');
    const fuzzerDir = dirname(require.resolve('@jazzer.js/fuzzer/package.json', { paths: [dirname(cli)] }));
    const prebuilt = join(fuzzerDir, 'prebuilds', `fuzzer-${process.platform}-${process.arch}.node`);
    const work = mkdtempSync(join(tmpdir(), 'glasswing-fuzz-'));
    try {
      const addon = ensureLoadableAddon(prebuilt, work);
      const out = execFileSync(process.execPath, ['-e', `const m = require(${JSON.stringify(addon)}); console.log(typeof m.startFuzzing)`], { encoding: 'utf8' });
      expect(out.trim()).toBe('function');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
