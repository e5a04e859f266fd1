import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../core/api/schema';
import { parseRequest, toErrorBody } from '../../../core/api/protocol';
import { runSimulationRequest } from '../../../core/simulator/request';

/** What the daemon does with a frame: parse it, and answer a thrown error with its body. */
function answer(text: string): { code: string; message: string } | 'ok' {
  try {
    parseRequest(JSON.parse(text));
    return 'ok';
  } catch (e) {
    return toErrorBody(e);
  }
}

describe('parseRequest', () => {
  it('answers a method that is not a string with api.unknown_method naming its type, never internal (issue 20)', () => {
    expect(answer('{"id":0,"method":{"toString":0}}')).toEqual({ code: 'api.unknown_method', message: 'method must be a string, not an object' });
    expect(answer('{"id":0,"method":["getInfo"]}')).toMatchObject({ code: 'api.unknown_method', message: 'method must be a string, not an array' });
    expect(answer('{"id":0,"method":null}')).toMatchObject({ code: 'api.unknown_method', message: 'method must be a string, not null' });
    expect(answer('{"id":0,"method":7}')).toMatchObject({ code: 'api.unknown_method', message: 'method must be a string, not a number' });
    expect(answer('{"id":0}')).toMatchObject({ code: 'api.unknown_method', message: 'method must be a string, not undefined' });
  });

  it('names an unknown method by its string', () => {
    expect(answer('{"id":0,"method":"noSuchMethod"}')).toEqual({ code: 'api.unknown_method', message: 'unknown method "noSuchMethod"' });
  });

  it('accepts a known method with valid params and refuses bad params with api.invalid_params', () => {
    expect(answer('{"id":1,"method":"getInfo"}')).toBe('ok');
    expect(answer('{"id":1,"method":"ping","params":{"nodeId":{"toString":0}}}')).toMatchObject({ code: 'api.invalid_params' });
  });

  it('filters the stored traffic log only by outcomes it keeps: `received` is live only, refused', () => {
    expect(answer('{"id":1,"method":"listMessages","params":{"outcome":"forwarded"}}')).toBe('ok');
    expect(answer('{"id":1,"method":"listMessages","params":{"outcome":"received"}}')).toMatchObject({ code: 'api.invalid_params' });
  });
});

describe('runSimulationRequest', () => {
  it('answers a scenario that is not a string with simulator.unknown_scenario naming its type (issue 20)', () => {
    const thrown = (request: unknown): unknown => {
      try {
        runSimulationRequest(request);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e = thrown({ scenario: { toString: 0 } });
    expect(e).toMatchObject({ code: 'simulator.unknown_scenario' });
    expect((e as Error).message).toMatch(/^unknown scenario of type object;/);
    expect(thrown({ scenario: 'nope' })).toMatchObject({ code: 'simulator.unknown_scenario', message: expect.stringMatching(/^unknown scenario "nope";/) });
    expect(e).not.toBeInstanceOf(ApiError);
  });
});
