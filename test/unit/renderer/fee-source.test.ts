import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SETTINGS_METHOD_SCHEMAS } from '../../../core/api/settings';
import { validate } from '../../../core/api/schema';
import { feePollMsProblem, feeUrlProblem } from '../../../core/node/settings';
import { checkFeeSource, describeFeeSource, feeSourceDraft } from '../../../renderer/src/lib/fee-source';

describe('the fee source form', () => {
  it('the chain source\'s estimates: feeUrl "" (none), nothing else', () => {
    expect(checkFeeSource({ kind: 'chain', url: 'whatever', pollSeconds: 'x' })).toEqual({ problems: {}, change: { feeUrl: '' } });
  });

  it('a service: the URL and the seconds become feeUrl and feePollMs', () => {
    expect(checkFeeSource({ kind: 'service', url: ' https://fees.example/v1/f.json ', pollSeconds: '600' }))
      .toEqual({ problems: {}, change: { feeUrl: 'https://fees.example/v1/f.json', feePollMs: 600_000 } });
  });

  it('says what is wrong with each field', () => {
    expect(checkFeeSource({ kind: 'service', url: '', pollSeconds: '300' }).problems.url).toContain('address');
    expect(checkFeeSource({ kind: 'service', url: 'ftp://x/', pollSeconds: '300' }).problems.url).toContain('http');
    expect(checkFeeSource({ kind: 'service', url: 'https://u:p@x/', pollSeconds: '300' }).problems.url).toContain('No user name or password');
    for (const s of ['0', '86401', '1.5', '-3', '']) expect(checkFeeSource({ kind: 'service', url: 'https://x/', pollSeconds: s }).problems.pollSeconds).toContain('from 1 to 86400');
  });

  it('accepts exactly what the node accepts, and what it sends passes the API schema', () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl(), fc.string(), fc.constantFrom('https://u:p@h/', 'file:///x', 'http://h:1/')), fc.oneof(fc.integer({ min: -5, max: 90_000 }).map(String), fc.string()), (url, pollSeconds) => {
        const c = checkFeeSource({ kind: 'service', url, pollSeconds });
        if (c.change) {
          expect(feeUrlProblem(c.change.feeUrl)).toBeNull();
          expect(feePollMsProblem(c.change.feePollMs)).toBeNull();
          validate(SETTINGS_METHOD_SCHEMAS.updateSettings, c.change);
        } else if (c.problems.url === undefined) {
          expect(feeUrlProblem(new URL(url.trim()).href)).toBeNull();
        } else {
          expect(feeUrlProblem(url.trim())).not.toBeNull();
        }
      }),
    );
  });

  it('starts from the setting shown and describes it', () => {
    expect(feeSourceDraft({ url: null, pollMs: null })).toEqual({ kind: 'chain', url: '', pollSeconds: '300' });
    expect(feeSourceDraft({ url: 'https://x/', pollMs: 1_500 })).toEqual({ kind: 'service', url: 'https://x/', pollSeconds: '1.5' });
    expect(describeFeeSource({ url: null, pollMs: null })).toBe('the chain source’s estimates');
    expect(describeFeeSource({ url: 'https://x/', pollMs: 300_000 })).toBe('https://x/, every 5 min');
    expect(describeFeeSource({ url: 'https://x/', pollMs: 1_500 })).toBe('https://x/, every 1.5 s');
  });
});
