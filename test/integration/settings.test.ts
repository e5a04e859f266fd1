/** Settings change while the node runs, are saved in config.json, and survive a restart. */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { DaemonProcess, runCli, startDaemon } from '../support/daemon';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

describe('node settings', () => {
  it('changes alias, listen address and onion limits live, saves them, and keeps them after a restart', async () => {
    const d = await startDaemon();
    const api = await d.api();
    const events: string[] = [];
    api.subscribe((e) => events.push(e.type));
    const oldPort = d.listenPort;
    const before = await api.getSettings({});
    expect(before).toMatchObject({ listen: `127.0.0.1:${oldPort}`, network: 'regtest', fromCommandLine: ['listen'] });

    const after = await api.updateSettings({ alias: 'renamed', listen: '127.0.0.1:0', onion: { ratePerSecond: 2, burst: 3 }, mailbox: { expiryHours: 1 } });
    expect(after.alias).toBe('renamed');
    const newPort = Number(after.listen!.split(':')[1]);
    expect(newPort).not.toBe(oldPort);
    expect(await portOpen(newPort)).toBe(true);
    expect(await portOpen(oldPort)).toBe(false);
    expect((await api.getInfo({})).alias).toBe('renamed');
    expect((await api.messengerStats({})).inbound).toMatchObject({ perSecond: 2, burst: 3 });
    expect(events).toContain('node.settings_changed');
    const saved = JSON.parse(readFileSync(join(d.datadir, 'config.json'), 'utf8'));
    expect(saved).toMatchObject({ alias: 'renamed', onion: { ratePerSecond: 2, burst: 3 }, mailbox: { expiryHours: 1 } });

    // A listen address that cannot be used changes nothing.
    await expect(api.updateSettings({ listen: '203.0.113.1:9' })).rejects.toMatchObject({ code: 'peer.listen_failed' });
    expect((await api.getSettings({})).listen).toBe(after.listen);

    await d.stop();
    await d.start(); // the harness passes --listen again: it wins over the saved address
    const restarted = await (await d.api()).getSettings({});
    expect(restarted).toMatchObject({ alias: 'renamed', onion: { ratePerSecond: 2, burst: 3 }, mailbox: { expiryHours: 1 }, fromCommandLine: ['listen'] });
    expect((await d.cli('settings', '--alias', 'via-cli')).json).toMatchObject({ alias: 'via-cli' });
    await d.stop();
  });

  it('saves the async payments role for the next start, says so, and takes it after a restart', async () => {
    const d = await startDaemon();
    const api = await d.api();
    const lsp = `02${'ab'.repeat(32)}@127.0.0.1:9735`;
    expect((await api.getSettings({})).async).toEqual({ role: 'none', lsp: null, profile: 'ldk', description: 'async payments', releaseWindowSeconds: 86_400, releaseWindowSource: 'default', next: null });
    // A recipient without its LSP, a malformed LSP, an unknown role: typed refusals naming the field, nothing saved.
    await expect(api.updateSettings({ async: { role: 'recipient' } })).rejects.toMatchObject({ code: 'api.invalid_params', message: expect.stringContaining('params.async.lsp') });
    await expect(api.updateSettings({ async: { lsp: 'nope' } })).rejects.toMatchObject({ code: 'api.invalid_params', message: expect.stringContaining('lsp') });
    await expect(api.updateSettings({ async: { role: 'boss' as 'lsp' } })).rejects.toMatchObject({ code: 'api.invalid_params' });
    const saved = await api.updateSettings({ async: { role: 'recipient', lsp, description: 'coffee while I sleep' } });
    // In force until the restart; the next start's settings shown beside.
    expect(saved.async).toMatchObject({ role: 'none', next: { role: 'recipient', lsp, profile: 'ldk', description: 'coffee while I sleep' } });
    expect(JSON.parse(readFileSync(join(d.datadir, 'config.json'), 'utf8')).async).toEqual({ role: 'recipient', lsp, description: 'coffee while I sleep' });
    expect((await api.asyncOffer({})).role).toBe('none');
    await d.stop();
    await d.start();
    const api2 = await d.api();
    expect((await api2.getSettings({})).async).toEqual({ role: 'recipient', lsp, profile: 'ldk', description: 'coffee while I sleep', releaseWindowSeconds: 86_400, releaseWindowSource: 'default', next: null });
    expect((await api2.asyncOffer({})).role).toBe('recipient');
    // Back to none: "" removes the LSP.
    expect((await api2.updateSettings({ async: { role: 'none', lsp: '' } })).async.next).toMatchObject({ role: 'none', lsp: null });
    await d.stop();
  });

  it('the async release window: set from the CLI at once, saved; the daemon flag wins and the settings say so', async () => {
    const d = await startDaemon();
    const set = await d.cli('settings', '--async-release-window-seconds', '3600');
    expect(set.json).toMatchObject({ async: { releaseWindowSeconds: 3600, releaseWindowSource: 'saved', next: null } });
    expect(JSON.parse(readFileSync(join(d.datadir, 'config.json'), 'utf8')).async).toEqual({ releaseWindowSeconds: 3600 });
    const bad = await d.cli('settings', '--async-release-window-seconds', '604801');
    expect(bad.code).toBe(2);
    await d.stop();
    const flagged = new DaemonProcess(d.datadir, ['--async-release-window-seconds', '45']);
    await flagged.start();
    const api = await flagged.api();
    expect((await api.getSettings({})).async).toMatchObject({ releaseWindowSeconds: 45, releaseWindowSource: 'command-line' });
    // Saved, not applied: the flag's window stays in force.
    expect((await api.updateSettings({ async: { releaseWindowSeconds: 120 } })).async).toMatchObject({ releaseWindowSeconds: 45, releaseWindowSource: 'command-line' });
    expect(JSON.parse(readFileSync(join(d.datadir, 'config.json'), 'utf8')).async).toEqual({ releaseWindowSeconds: 120 });
    await flagged.stop();
  });

  it('refuses to start with a malformed config.json, naming the file', async () => {
    const d = await startDaemon();
    await d.stop();
    writeFileSync(join(d.datadir, 'config.json'), '{"alias": 7}');
    const r = await runCli(['daemon', '--datadir', d.datadir, '--listen', '127.0.0.1:0']);
    expect(r.code).not.toBe(0);
    expect(JSON.parse(r.stderr.trim().split('\n').pop()!)).toMatchObject({ error: { code: 'settings.malformed', message: expect.stringContaining('config.json') } });
  });

  it('addresses to announce: --announce-addr wins for the run, the saved list is checked, bad ones are refused saying which', async () => {
    const d = await startDaemon();
    const api = await d.api();
    // Nothing set: the listen address (loopback is kept, for regtest nodes on one machine).
    expect(await api.getSettings({})).toMatchObject({ announceAddresses: [], announcedAddresses: [`127.0.0.1:${d.listenPort}`] });
    const set = await api.updateSettings({ announceAddresses: ['node.example.com:9735', '[2001:db8::1]:9735'] });
    expect(set).toMatchObject({ announceAddresses: ['node.example.com:9735', '[2001:db8::1]:9735'], announcedAddresses: ['[2001:db8::1]:9735', 'node.example.com:9735'] });
    expect(JSON.parse(readFileSync(join(d.datadir, 'config.json'), 'utf8')).announceAddresses).toEqual(['node.example.com:9735', '[2001:db8::1]:9735']);
    await expect(api.updateSettings({ announceAddresses: ['a.example:1', 'b.example:2'] })).rejects.toMatchObject({ code: 'api.invalid_params', message: expect.stringContaining('one DNS name') });
    await expect(api.updateSettings({ announceAddresses: ['1.2.3.4:0'] })).rejects.toMatchObject({ code: 'api.invalid_params', message: expect.stringContaining('[0]') });
    await d.stop();
    // A command-line list wins for the run (and is not saved); a bad one stops the start saying why.
    const bad = await runCli(['daemon', '--datadir', d.datadir, '--listen', '127.0.0.1:0', '--announce-addr', '1.2.3.4:5,nope']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--announce-addr must be');
    const run = new DaemonProcess(d.datadir, ['--announce-addr', '198.51.100.7:9735']);
    await run.start();
    expect(await (await run.api()).getSettings({})).toMatchObject({ announceAddresses: ['198.51.100.7:9735'], fromCommandLine: expect.arrayContaining(['announceAddresses']) });
    await run.stop();
    expect(JSON.parse(readFileSync(join(d.datadir, 'config.json'), 'utf8')).announceAddresses).toEqual(['node.example.com:9735', '[2001:db8::1]:9735']);
    // A malformed saved list stops the start, naming the file's field.
    writeFileSync(join(d.datadir, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(d.datadir, 'config.json'), 'utf8')), announceAddresses: ['1.2.3.4:0'] }));
    const r = await runCli(['daemon', '--datadir', d.datadir, '--listen', '127.0.0.1:0']);
    expect(r.code).not.toBe(0);
    expect(JSON.parse(r.stderr.trim().split('\n').pop()!)).toMatchObject({ error: { code: 'settings.malformed', message: expect.stringContaining('announceAddresses') } });
  });
});
