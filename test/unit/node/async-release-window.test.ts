/**
 * The async release window as a live setting (core/node `updateSettings({ async: { releaseWindowSeconds } })`):
 * an LSP's holder gives the new window to the HTLCs it holds from then on, a hold whose release path
 * was given before keeps the window of that path, the value is saved in config.json and in force
 * after a restart; a window the host gives (the daemon's --async-release-window-seconds) wins: the
 * change is saved but not applied. Real nodes (real SQLite files, a listener on 127.0.0.1); time
 * from a ManualClock so expiries are exact.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Node } from '../../../core/node';
import type { NodeEvent } from '../../../core/api';
import { ManualClock } from '../../../core/runtime/clock';
import { tempDir } from '../../support/tmp';

const T0 = 1_760_000_000_000;
const CHANNEL = 'aa'.repeat(32);

const opened: Node[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((n) => n.stop()));
});

async function open(datadir: string, opts: Partial<Parameters<typeof Node.open>[0]> = {}): Promise<{ node: Node; clock: ManualClock; events: NodeEvent[] }> {
  const clock = new ManualClock(T0);
  // The role as `glasswing daemon --async-role lsp` gives it (config.json's, without one, is then not "next").
  const node = await Node.open({ datadir, alias: 'lsp', network: 'regtest', listen: { host: '127.0.0.1', port: 0 }, version: 'test', clock, heightWithoutChain: 800_000, async: { role: 'lsp' }, fromCommandLine: ['async'], ...opts });
  opened.push(node);
  const events: NodeEvent[] = [];
  node.events.subscribe((e) => events.push(e));
  await node.start();
  return { node, clock, events };
}

/** The release expiry (unix s) the holder gives an HTLC that carried hold_htlc. */
function holdExpiry(node: Node, htlcId: number): number {
  const held = node.async.holdPolicy!.hold({
    forwardId: `${CHANNEL}:${htlcId}`, inChannelId: CHANNEL, outChannelId: 'bb'.repeat(32), amountMsat: 1_000n, cltvExpiry: 800_200, paymentHash: '00'.repeat(32), blinded: 'none', holdHtlc: true,
  });
  return Number(held!.key.split(':')[1]);
}

describe('the async release window in updateSettings', () => {
  it('is 24 h by default, applied at once when changed, kept by a hold whose path was given before, and saved for the next start', async () => {
    const datadir = tempDir('glasswing-release-window-');
    const { node, clock, events } = await open(datadir);
    expect(node.settings().async).toMatchObject({ releaseWindowSeconds: 86_400, releaseWindowSource: 'default', next: null });
    expect(holdExpiry(node, 1)).toBe(T0 / 1000 + 86_400);

    // A release path given under the old window (in our revoke_and_ack) before the change.
    node.async.releasePath(CHANNEL, 2n);
    const after = await node.updateSettings({ async: { releaseWindowSeconds: 600 } });
    expect(after.async).toMatchObject({ role: 'lsp', releaseWindowSeconds: 600, releaseWindowSource: 'saved', next: null });
    const changed = events.find((e) => e.type === 'node.settings_changed');
    expect(changed).toMatchObject({ changed: ['asyncReleaseWindow'] });
    expect(JSON.parse(readFileSync(join(datadir, 'config.json'), 'utf8')).async).toEqual({ releaseWindowSeconds: 600 });

    clock.advance(5_000);
    expect(holdExpiry(node, 3)).toBe(T0 / 1000 + 5 + 600);
    // The HTLC whose path carried the old window keeps it (P was told that expiry).
    expect(holdExpiry(node, 2)).toBe(T0 / 1000 + 86_400);

    await node.stop();
    opened.splice(opened.indexOf(node), 1);
    const again = await open(datadir);
    expect(again.node.settings().async).toMatchObject({ releaseWindowSeconds: 600, releaseWindowSource: 'saved' });
    expect(holdExpiry(again.node, 4)).toBe(T0 / 1000 + 600);
  });

  it('a window the host gives wins: a change is saved, not applied, and the settings say where the window comes from', async () => {
    const datadir = tempDir('glasswing-release-window-cli-');
    const { node } = await open(datadir, { async: { role: 'lsp', releaseWindowSeconds: 30 }, fromCommandLine: ['async', 'asyncReleaseWindow'] });
    expect(node.settings().async).toMatchObject({ releaseWindowSeconds: 30, releaseWindowSource: 'command-line' });
    const after = await node.updateSettings({ async: { releaseWindowSeconds: 7_200 } });
    expect(after.async).toMatchObject({ releaseWindowSeconds: 30, releaseWindowSource: 'command-line', next: null });
    expect(JSON.parse(readFileSync(join(datadir, 'config.json'), 'utf8')).async).toEqual({ releaseWindowSeconds: 7_200 });
    expect(holdExpiry(node, 1)).toBe(T0 / 1000 + 30);
  });

  it('refuses a window out of bounds with api.invalid_params naming the field, and changes nothing', async () => {
    const datadir = tempDir('glasswing-release-window-bad-');
    const { node } = await open(datadir);
    for (const bad of [9, 604_801, 1.5]) {
      await expect(node.updateSettings({ async: { releaseWindowSeconds: bad } })).rejects.toMatchObject({ code: 'api.invalid_params', message: expect.stringContaining('releaseWindowSeconds') });
    }
    expect(node.settings().async).toMatchObject({ releaseWindowSeconds: 86_400, releaseWindowSource: 'default' });
    expect(holdExpiry(node, 1)).toBe(T0 / 1000 + 86_400);
  });
});
