/**
 * The fee source as a setting: `feeUrl` / `feePollMs` in config.json, set through the NodeApi
 * (updateSettings, checked: http(s) only, poll bounds, typed refusals naming the field) and
 * `glasswing settings --fee-url URL|none --fee-poll-ms N`, switched to at once while the node runs
 * (the chain layer stops asking the old service and asks the new one; none returns to the chain
 * source's estimates) and kept for the next start, and the daemon's `--fee-url` winning over
 * config.json for its run. A real daemon on a real btcd, fee services on 127.0.0.1 (LND's fee.url
 * answer); a channel between two daemons shows the funder's next update_fee following the new
 * service (BOLT 2: the funder "SHOULD send update_fee to ensure the current fee rate is sufficient").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { startFeeService, type FeeService } from '../support/fee-service';
import { DaemonProcess } from '../support/daemon';
import { deposit, rpcFlags, startWalletNode, type WalletNode } from '../support/wallet-node';
import { channelOf, openActive } from '../support/chain-daemons';
import { tempDir } from '../support/tmp';

let btcd: Btcd;
let service: FeeService;
let second: FeeService | undefined;
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
  await second?.close();
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

    // Saved and in use at once (a daemon without --fee-url).
    const saved = await api.updateSettings({ feeUrl: service.url, feePollMs: 1_000 });
    expect(saved.fee).toEqual({ url: service.url, pollMs: 1_000, next: null });
    expect(configOf(datadir)).toMatchObject({ feeUrl: service.url, feePollMs: 1_000 });
    await waitFor(async () => ((await api.chainInfo({})).fees?.normal.satPerVb === 12 ? true : undefined), 'the estimate from the fee service, without a restart');
    await d.stop();

    // Kept for the next start: the estimates come from the service.
    const d2 = await daemon(datadir);
    const api2 = await d2.api();
    expect((await api2.getSettings({})).fee).toEqual({ url: service.url, pollMs: 1_000, next: null });
    await waitFor(async () => ((await api2.chainInfo({})).fees?.normal.satPerVb === 12 ? true : undefined), 'the estimate from the fee service');
    expect((await api2.chainInfo({})).fees?.normal.origin).toBe('source');

    // The CLI: a poll interval out of bounds is a usage error; none returns to the chain source's estimates at once.
    const slow = await d2.cli('settings', '--fee-poll-ms', '5');
    expect(slow.code).not.toBe(0);
    expect(slow.stderr).toContain('--fee-poll-ms');
    const none = await d2.cli('settings', '--fee-url', 'none');
    expect(none.code).toBe(0);
    expect(none.json).toMatchObject({ fee: { url: null, pollMs: null, next: null } });
    expect(configOf(datadir).feeUrl).toBeNull();
    const back = await d2.cli('settings', '--fee-url', service.url, '--fee-poll-ms', '2000');
    expect(back.json).toMatchObject({ fee: { url: service.url, pollMs: 2_000, next: null } });
    await d2.stop();

    // The daemon's --fee-poll-ms has the setting's bounds: 500 ms is refused at start.
    const fast = new DaemonProcess(datadir, [...rpcFlags(btcd), '--fee-url', service.url, '--fee-poll-ms', '500']);
    await expect(fast.start()).rejects.toThrow('--fee-poll-ms');

    // The daemon's flag wins over config.json for the run (and is not saved).
    const d3 = await daemon(datadir, ['--fee-url', 'none']);
    const s3 = await (await d3.api()).getSettings({});
    expect(s3.fee).toEqual({ url: null, pollMs: null, next: null });
    expect(s3.fromCommandLine).toContain('feeUrl');
    expect(configOf(datadir)).toMatchObject({ feeUrl: service.url, feePollMs: 2_000 });
    await d3.stop();
  }, 120_000);

  it('is switched while the node runs: the next estimate and the funder\'s next update_fee follow the new service; none returns to the chain source\'s; the flag wins', async () => {
    // Below the 2,500 sat/kw our anchors commitments stop at: 4,000 sat/kvB (1,000 sat/kw), then
    // 8,000 sat/kvB (2,000 sat/kw) from the second service.
    service.set(4_000);
    second = await startFeeService(8_000);
    const node = async (name: string, args: string[] = []): Promise<WalletNode> => {
      const n = await startWalletNode(btcd, { datadir: tempDir(`glasswing-fee-live-${name}-`), args: [...rpcFlags(btcd), ...args] });
      daemons.push(n.daemon);
      return n;
    };
    const a = await node('a');
    const b = await node('b');
    const normal = async (n: WalletNode) => (await n.api.chainInfo({})).fees?.normal;

    // A fee service switched on live.
    expect((await a.api.updateSettings({ feeUrl: service.url, feePollMs: 1_000 })).fee).toEqual({ url: service.url, pollMs: 1_000, next: null });
    await waitFor(async () => ((await normal(a))?.satPerVb === 4 ? true : undefined), 'A\'s estimate from the first service');
    // A funds a channel to B at that rate.
    await deposit(a, btcd, 1_000_000n);
    await a.api.connect({ address: b.daemon.address });
    await waitFor(async () => ((await b.api.listPeers({})).peers.some((p) => p.nodeId === a.daemon.nodeId) ? true : undefined), 'connected');
    const opened = await openActive(btcd, a, b, 500_000n, 0n, ['--feerate', '2'], [a, b]);
    const feerates = async () => [(await channelOf(a.api, opened.channelId, () => true, 'A\'s channel')).feeratePerKw, (await channelOf(b.api, opened.channelId, () => true, 'B\'s channel')).feeratePerKw];
    expect(await feerates()).toEqual([1_000, 1_000]);

    // Switched to the second service while running: the estimate follows it, and so does A's update_fee.
    const switched = await a.api.updateSettings({ feeUrl: second.url });
    expect(switched.fee).toEqual({ url: second.url, pollMs: 1_000, next: null });
    expect(configOf(a.daemon.datadir)).toMatchObject({ feeUrl: second.url, feePollMs: 1_000 });
    await waitFor(async () => ((await normal(a))?.satPerVb === 8 ? true : undefined), 'A\'s estimate from the second service');
    await waitFor(async () => ((await feerates()).every((r) => r === 2_000) ? true : undefined), 'both commitments at 2,000 sat/kw (update_fee)');
    expect(a.daemon.logs.some((l) => l.includes('"fee_source_switched"') && l.includes(second!.url))).toBe(true);
    // The first service is asked no more: polls are one at a time, so once the second has answered,
    // nothing is in flight to the first.
    const seen = second.requests;
    await waitFor(() => (second!.requests > seen ? true : undefined), 'a poll of the second service');
    const firstAsked = service.requests;
    const now = second.requests;
    await waitFor(() => (second!.requests >= now + 2 ? true : undefined), 'two more polls of the second service');
    expect(service.requests).toBe(firstAsked);

    // A new interval alone applies at once too.
    expect((await a.api.updateSettings({ feePollMs: 2_000 })).fee).toEqual({ url: second.url, pollMs: 2_000, next: null });

    // None: back to the chain source's estimate, as at a start without a service — what a daemon
    // started now without one reads from btcd (whose own estimate moved with the blocks mined since).
    expect((await a.api.updateSettings({ feeUrl: '' })).fee).toEqual({ url: null, pollMs: null, next: null });
    const d = await node('d');
    let last: unknown;
    await waitFor(async () => {
      const [ea, ed] = [await normal(a), await normal(d)];
      last = { a: ea, d: ed };
      return ea && ed && ea.satPerVb === ed.satPerVb && ea.origin === ed.origin ? true : undefined;
    }, 'A\'s estimate from the chain source again').catch((e: Error) => {
      throw new Error(`${e.message}; last seen ${JSON.stringify(last)}`);
    });
    // btcd's own estimate here (about 2 sat/vB, from the blocks' transactions) is not the second service's.
    expect((await normal(a))?.satPerVb).not.toBe(8);

    // The daemon's --fee-url wins for its run: a change is saved for the next start, not switched to.
    const c = await node('c', ['--fee-url', second.url, '--fee-poll-ms', '1000']);
    await waitFor(async () => ((await normal(c))?.satPerVb === 8 ? true : undefined), 'C\'s estimate from its flag\'s service');
    const kept = await c.api.updateSettings({ feeUrl: service.url });
    expect(kept.fee.url).toBe(second.url);
    expect(configOf(c.daemon.datadir).feeUrl).toBe(service.url);
    const firstBefore = service.requests;
    const secondNow = second.requests;
    await waitFor(() => (second!.requests >= secondNow + 2 ? true : undefined), 'C still polling its flag\'s service');
    expect(service.requests).toBe(firstBefore);
  }, 180_000);
});
