import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { SettingsInfo } from '../../../core/api/settings';
import { SETTINGS_METHOD_SCHEMAS } from '../../../core/api/settings';
import { validate } from '../../../core/api/schema';
import { changedText, checkAlias, checkAnnounce, checkLimit, checkListen, checkSettings, draftOf, parseSize, rebaseDraft, sectionOf, sizeHint, sizeText } from '../../../renderer/src/lib/settings-form';
import { exactSize, formatSize } from '../../../renderer/src/lib/format';

const CURRENT: SettingsInfo = {
  alias: 'glasswing', listen: '127.0.0.1:9735', announceAddresses: [], announcedAddresses: ['127.0.0.1:9735'], network: 'regtest', datadir: '/tmp/gw',
  onion: { ratePerSecond: 4, burst: 10, queueBytes: 262144, memoryCapBytes: 8388608, messageBudgetPerSecond: 50 },
  mailbox: { perPeerMessages: 200, perPeerBytes: 1048576, totalBytes: 67108864, expiryHours: 72 },
  fromCommandLine: ['listen'], configFile: '/tmp/gw/config.json',
  chain: { kind: 'none', endpoint: null, rpcCookie: null, next: null },
  fee: { url: null, pollMs: null, next: null },
  channels: { minFundingSat: '20000', maxFundingSat: '1000000000', maxToSelfDelay: 2016, toSelfDelay: 144, minimumDepth: 3, trustedZeroconfPeers: [] },
  async: { role: 'none', lsp: null, profile: 'ldk', description: 'async payments', releaseWindowSeconds: 86_400, releaseWindowSource: 'default', next: null },
};

describe('settings form', () => {
  it('starts from the settings in force with nothing to save', () => {
    const c = checkSettings(draftOf(CURRENT), CURRENT);
    expect(c.valid).toBe(true);
    expect(c.change).toBeNull();
  });

  it('saves only what changed, grouped as the node takes it', () => {
    const d = { ...draftOf(CURRENT), alias: 'café ☕', ratePerSecond: '20', burst: '40', totalBytes: '128 MiB' };
    const c = checkSettings(d, CURRENT);
    expect(c.change).toEqual({ alias: 'café ☕', onion: { ratePerSecond: 20, burst: 40 }, mailbox: { totalBytes: 134217728 } });
    expect(c.changed).toEqual(['alias', 'onion', 'mailbox']);
    expect(checkSettings({ ...draftOf(CURRENT), listen: '' }, CURRENT).change).toEqual({ listen: '' });
  });

  it('checks each field against the node’s bounds and says why', () => {
    expect(checkAlias('x'.repeat(33))).toEqual({ ok: false, reason: '33 bytes; an alias is at most 32 bytes of UTF-8.' });
    // 11 × "☕" is 33 bytes of UTF-8 though only 11 characters.
    expect(checkAlias('☕'.repeat(11)).ok).toBe(false);
    expect(checkListen('localhost').ok).toBe(false);
    expect(checkListen('[::1]:9735').ok).toBe(true);
    expect(checkListen('1.2.3.4:70000')).toEqual({ ok: false, reason: 'The port is between 0 and 65535 (0: any free port).' });
    expect(checkLimit('ratePerSecond', '0')).toEqual({ ok: false, reason: 'At least 1.' });
    expect(checkLimit('ratePerSecond', '10001')).toEqual({ ok: false, reason: 'At most 10,000.' });
    expect(checkLimit('queueBytes', '2 GiB')).toEqual({ ok: false, reason: 'At most 1 GiB.' });
    expect(checkLimit('queueBytes', '256 KiB')).toEqual({ ok: true, value: 262144, hint: '256 KiB = 262,144 bytes' });
    expect(checkLimit('burst', '1.5').ok).toBe(false);
    const bad = checkSettings({ ...draftOf(CURRENT), expiryHours: 'soon' }, CURRENT);
    expect(bad.valid).toBe(false);
    expect(bad.change).toBeNull();
  });

  it('keeps a size in the unit it was typed in: 512 KiB is not shown back as 524.3 kB', () => {
    expect(draftOf(CURRENT)).toMatchObject({ queueBytes: '256 KiB', memoryCapBytes: '8 MiB', perPeerBytes: '1 MiB', totalBytes: '64 MiB' });
    expect(checkLimit('queueBytes', '512 KiB')).toMatchObject({ value: 524288, hint: '512 KiB = 524,288 bytes' });
    expect(checkLimit('queueBytes', '512kib')).toMatchObject({ hint: '512 KiB = 524,288 bytes' });
    expect(checkLimit('queueBytes', '1.5 MB')).toMatchObject({ hint: '1.5 MB = 1,500,000 bytes' });
    expect(checkLimit('queueBytes', '524288')).toMatchObject({ hint: '524,288 bytes = 512 KiB' });
    expect(checkLimit('queueBytes', '1234567')).toMatchObject({ hint: '1,234,567 bytes (about 1.2 MB)' });
    expect(sizeHint('900', 900)).toBe('900 bytes');
    // Saved as 512 KiB, the node returns 524288, and the form shows "512 KiB" again.
    const saved: SettingsInfo = { ...CURRENT, onion: { ...CURRENT.onion, queueBytes: 524288 } };
    expect(draftOf(saved).queueBytes).toBe('512 KiB');
    expect(formatSize(1_000_000)).toBe('1 MB');
    expect(formatSize(1_234_567)).toBe('1.2 MB');
  });

  it('reads back every size it writes, exactly (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (n) => {
        expect(parseSize(sizeText(n))).toBe(n);
        const exact = exactSize(n);
        if (exact !== null) expect(parseSize(exact)).toBe(n);
      }),
    );
  });

  it('warns about limits that cannot both hold, without refusing them', () => {
    const c = checkSettings({ ...draftOf(CURRENT), queueBytes: '16 MiB', burst: '2' }, CURRENT);
    expect(c.valid).toBe(true);
    expect(c.warnings.queueBytes).toContain('memory cap');
    expect(c.warnings.burst).toContain('rate');
  });

  it('follows changes made elsewhere in the fields not being edited', () => {
    const edited = { ...draftOf(CURRENT), alias: 'mine' };
    const next: SettingsInfo = { ...CURRENT, alias: 'theirs', onion: { ...CURRENT.onion, ratePerSecond: 9 } };
    const d = rebaseDraft(edited, CURRENT, next);
    expect(d.alias).toBe('mine');
    expect(d.ratePerSecond).toBe('9');
    expect(changedText(['alias', 'onion'])).toBe('alias, onion-message limits');
  });

  it('reads sizes with units', () => {
    expect(parseSize('1,024')).toBe(1024);
    expect(parseSize('1.5 MB')).toBe(1_500_000);
    expect(parseSize('8 MiB')).toBe(8 * 1024 * 1024);
    expect(parseSize('8 parsecs')).toBeNull();
    expect(sectionOf('burst')).toBe('onion');
    expect(sectionOf('expiryHours')).toBe('mailbox');
  });

  it('every change it builds passes the node’s schema (property)', () => {
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 2_000_000_000 }).map(String), fc.constantFrom('1 KiB', '3 MiB', '0', ''));
    fc.assert(
      fc.property(
        fc.record({ alias: fc.string({ maxLength: 40 }), listen: fc.constantFrom('', '127.0.0.1:0', 'host:9735', 'bad', '[::1]:99999'), announceAddresses: fc.constantFrom('', '1.2.3.4:9735', 'a.example:1, [2001:db8::1]:9735', 'x:0', 'bad', Array(9).fill('h:1').join(',')), ratePerSecond: text, burst: text, queueBytes: text, memoryCapBytes: text, perPeerMessages: text, perPeerBytes: text, totalBytes: text, expiryHours: text }),
        (d) => {
          const c = checkSettings(d, CURRENT);
          if (!c.change) return true;
          validate(SETTINGS_METHOD_SCHEMAS.updateSettings, c.change);
          return true;
        },
      ),
    );
  });

  it('announce addresses: a list of HOST:PORT, saved when it differs, empty to announce the listen address', () => {
    const d = { ...draftOf(CURRENT), announceAddresses: '203.0.113.5:9735,  node.example.com:9735' };
    const c = checkSettings(d, CURRENT);
    expect(c.change).toEqual({ announceAddresses: ['203.0.113.5:9735', 'node.example.com:9735'] });
    expect(c.changed).toEqual(['announceAddresses']);
    expect(changedText(c.changed)).toBe('announced addresses');
    expect(sectionOf('announceAddresses')).toBe('announceAddresses');
    expect(checkAnnounce('', ['127.0.0.1:9735'])).toMatchObject({ ok: true, hint: expect.stringContaining('127.0.0.1:9735') });
    expect(checkAnnounce('1.2.3.4:0', [])).toMatchObject({ ok: false, reason: expect.stringContaining('1.2.3.4:0') });
    expect(checkAnnounce('example.com', [])).toMatchObject({ ok: false });
    expect(checkAnnounce(Array(9).fill('h.example:1').join(' '), [])).toMatchObject({ ok: false, reason: 'At most 8 addresses.' });
    // Back to none: an empty list is a change when addresses were set.
    const set = { ...CURRENT, announceAddresses: ['203.0.113.5:9735'] };
    expect(checkSettings({ ...draftOf(set), announceAddresses: ' ' }, set).change).toEqual({ announceAddresses: [] });
  });
});
