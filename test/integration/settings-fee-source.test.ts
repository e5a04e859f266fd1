/**
 * The fee source as a setting: `feeUrl` / `feePollMs` in config.json, set through the NodeApi
 * (updateSettings, checked: http(s) only, poll bounds, typed refusals naming the field) and
 * `glasswing settings --fee-url URL|none --fee-poll-ms N`, taken at the next start (Settings shows
 * what is in use and what comes next), and the daemon's `--fee-url` winning over config.json.
 * A real daemon on a real btcd, a fee service on 127.0.0.1 (LND's fee.url answer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { startFeeService, type FeeService } from '../support/fee-service';
import { DaemonProcess } from '../support/daemon';
import { rpcFlags } from '../support/wallet-node';
import { tempDir } from '../support/tmp';

let btcd: Btcd;
let service: FeeService;
const daemons: DaemonProcess[] = [];

beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
  // 12,000 sat/kvB for every target: 12 sat/vB.
  service = await startFeeService(12_000);
}, 60_000);

afterAll(async () => {
  for (const d of daemons) await d.stop();
  await service?.close();
});

async function daemon(datadir: string, args: string[] = []): Promise<DaemonProcess> {
  const d = new DaemonProcess(datadir, [...rpcFlags(btcd), ...args]);
  daemons.push(d);
  await d.start();
  return d;
}

const configOf = (datadir: string) => JSON.parse(readFileSync(join(datadir, 'config.json'), 'utf8')) as Record<string, unknown>;

describe('the fee source as a setting', () => {
  it('is checked, saved for the next start, taken at restart, and the daemon flag wins over config.json', async () => {
    const datadir = tempDir('glasswing-fee-settings-');
    const d = await daemon(datadir);
    const api = await d.api();
    expect((await api.getSettings({})).fee).toEqual({ url: null, pollMs: null, next: null });

    // Typed refusals naming the field; nothing saved.
    await expect(api.updateSettings({ feeUrl: 'ftp://127.0.0.1/fees' })).rejects.toMatchObject({ code: 'api.invalid_params', message: expect.stringContaining('params.feeUrl') });
    await expect(api.updateSettings({ feeUrl: 'not a url' })).rejects.toMatchObject({ code: 'api.invalid_params', message: expect.stringContaining('params.feeUrl') });
    // A URL with credentials could never be fetched: refused too.
    await expect(api.updateSettings({ feeUrl: service.url.replace('http://', 'http://user:secret@') })).rejects.toMatchObject({ code: 'api.invalid_params', message: expect.stringContaining('without a user name or password') });
    await expect(api.updateSettings({ feePollMs: 10 })).rejects.toMatchObject({ code: 'api.invalid_params', message: expect.stringContaining('feePollMs') });
    expect(configOf(datadir).feeUrl).toBeUndefined();

    // Saved, shown as the next start's, not in use yet.
    const saved = await api.updateSettings({ feeUrl: service.url, feePollMs: 1_000 });
    expect(saved.fee).toEqual({ url: null, pollMs: null, next: { url: service.url, pollMs: 1_000 } });
    expect(configOf(datadir)).toMatchObject({ feeUrl: service.url, feePollMs: 1_000 });
    await d.stop();

    // Taken at the next start: the estimates come from the service.
    const d2 = await daemon(datadir);
    const api2 = await d2.api();
    expect((await api2.getSettings({})).fee).toEqual({ url: service.url, pollMs: 1_000, next: null });
    await waitFor(async () => ((await api2.chainInfo({})).fees?.normal.satPerVb === 12 ? true : undefined), 'the estimate from the fee service');
    expect((await api2.chainInfo({})).fees?.normal.origin).toBe('source');

    // The CLI: a poll interval out of bounds is a usage error; none returns to the chain source's estimates at the next start.
    const slow = await d2.cli('settings', '--fee-poll-ms', '5');
    expect(slow.code).not.toBe(0);
    expect(slow.stderr).toContain('--fee-poll-ms');
    const none = await d2.cli('settings', '--fee-url', 'none');
    expect(none.code).toBe(0);
    expect(none.json).toMatchObject({ fee: { url: service.url, next: { url: null, pollMs: null } } });
    expect(configOf(datadir).feeUrl).toBeNull();
    const back = await d2.cli('settings', '--fee-url', service.url, '--fee-poll-ms', '2000');
    expect(back.json).toMatchObject({ fee: { url: service.url, pollMs: 1_000, next: { url: service.url, pollMs: 2_000 } } });
    await d2.stop();

    // The daemon's flag wins over config.json for the run (and is not saved).
    const d3 = await daemon(datadir, ['--fee-url', 'none']);
    const s3 = await (await d3.api()).getSettings({});
    expect(s3.fee).toEqual({ url: null, pollMs: null, next: null });
    expect(s3.fromCommandLine).toContain('feeUrl');
    expect(configOf(datadir)).toMatchObject({ feeUrl: service.url, feePollMs: 2_000 });
    await d3.stop();
  }, 120_000);
});
