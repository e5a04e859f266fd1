import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { channelPolicy, channelSettingsProblem, readSavedSettings, saveSettings } from '../../../core/node/settings';
import { validate } from '../../../core/api/schema';
import { METHOD_SCHEMAS } from '../../../core/api/methods';

const PEER = `03${'cd'.repeat(32)}`;

describe('channel settings (config.json `channels`, updateSettings)', () => {
  it('become the acceptance policy and opening defaults', () => {
    expect(channelPolicy({ minFundingSat: '500000', maxToSelfDelay: 1000, trustedZeroconfPeers: [PEER], toSelfDelay: 288, minimumDepth: 6 })).toEqual({
      acceptance: { minFundingSat: 500_000n, maxToSelfDelay: 1000, trustedZeroconfPeers: [PEER] },
      defaults: { toSelfDelay: 288, minimumDepth: 6 },
    });
    expect(channelPolicy(undefined)).toEqual({ acceptance: {}, defaults: {} });
  });

  it('name the field that is wrong', () => {
    expect(channelSettingsProblem({ minFundingSat: '1', maxFundingSat: '2', trustedZeroconfPeers: [] })).toBeNull();
    expect(channelSettingsProblem({ minFundingSat: 5 })?.field).toBe('minFundingSat');
    expect(channelSettingsProblem({ minFundingSat: '10', maxFundingSat: '9' })?.field).toBe('minFundingSat');
    expect(channelSettingsProblem({ trustedZeroconfPeers: ['nope'] })?.field).toBe('trustedZeroconfPeers');
    expect(channelSettingsProblem({ minimumDepth: 0 })?.field).toBe('minimumDepth');
    expect(channelSettingsProblem({ surprise: 1 })?.field).toBe('surprise');
    expect(channelSettingsProblem([])).not.toBeNull();
  });

  it('a malformed config.json is refused naming the field; a saved change merges with what is there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-channel-settings-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ channels: { minimumDepth: 'three' } }));
    expect(() => readSavedSettings(dir)).toThrowError(expect.objectContaining({ code: 'settings.malformed', message: expect.stringContaining('channels.minimumDepth') }));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ channels: { minimumDepth: 6 } }));
    saveSettings(dir, { channels: { trustedZeroconfPeers: [PEER] } });
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).channels).toEqual({ minimumDepth: 6, trustedZeroconfPeers: [PEER] });
  });

  it('the API schema takes them and refuses bad ones', () => {
    expect(() => validate(METHOD_SCHEMAS.updateSettings, { channels: { minFundingSat: '100000', trustedZeroconfPeers: [PEER] } })).not.toThrow();
    expect(() => validate(METHOD_SCHEMAS.updateSettings, { channels: { minFundingSat: 100000 } })).toThrowError(expect.objectContaining({ code: 'api.invalid_params' }));
    expect(() => validate(METHOD_SCHEMAS.updateSettings, { channels: { trustedZeroconfPeers: ['02'] } })).toThrowError(expect.objectContaining({ code: 'api.invalid_params' }));
  });
});
