/** The updateSettings schema for the async settings: the release window's bounds, as the node's and the daemon flag's. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { validate } from '../../../core/api/schema';
import { METHOD_SCHEMAS } from '../../../core/api/methods';
import { RELEASE_WINDOW_SECONDS } from '../../../core/api';

const schema = METHOD_SCHEMAS.updateSettings;

describe('updateSettings async.releaseWindowSeconds', () => {
  it('takes whole seconds from 10 s to a week, alone or with the role', () => {
    expect(RELEASE_WINDOW_SECONDS).toEqual({ min: 10, max: 604_800, default: 86_400 });
    for (const w of [10, 3600, 604_800]) expect(() => validate(schema, { async: { releaseWindowSeconds: w } })).not.toThrow();
    expect(() => validate(schema, { async: { role: 'lsp', releaseWindowSeconds: 60 } })).not.toThrow();
  });

  it.each([9, 604_801, 1.5, -1, '60', null, true])('refuses %j with api.invalid_params naming the field', (w) => {
    expect(() => validate(schema, { async: { releaseWindowSeconds: w } })).toThrowError(expect.objectContaining({ code: 'api.invalid_params', message: expect.stringContaining('releaseWindowSeconds') }));
  });

  it('any JSON value for it is accepted only when the node would accept it, and refused with api.invalid_params otherwise', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.integer({ min: -10, max: 700_000 })), (w) => {
        const ok = typeof w === 'number' && Number.isInteger(w) && w >= 10 && w <= 604_800;
        try {
          validate(schema, { async: { releaseWindowSeconds: w } });
          expect(ok).toBe(true);
        } catch (e) {
          expect(ok).toBe(false);
          expect(e).toMatchObject({ code: 'api.invalid_params' });
        }
      }),
      { numRuns: 500 },
    );
  });
});
