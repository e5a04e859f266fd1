/**
 * The Settings page end to end against a real daemon: edit the alias and the onion-message rate
 * limit in the UI (checked as typed), save, and see getSettings / getInfo — and the rest of the
 * app — reflect it; a change made through the API shows up in the form; the listen address given
 * on the command line is marked; the fee source is checked and saved for the next start; the
 * mailbox allow-list editor works here too.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { NodeApi } from '../../core/api';
import { startDaemon, type DaemonProcess } from '../support/daemon';
import { SCREENSHOTS_DIR, launchBrowser, screenshot, until, watchProblems } from './support/browser';
import { ensureRendererBuilt } from './support/build';
import { WAIT, goTo, logIn, setTheme, text } from './support/app';

describe('Settings in the browser', () => {
  let ui: DaemonProcess;
  let api: NodeApi;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    ensureRendererBuilt();
    ui = await startDaemon(['--ui']);
    api = await ui.api();
    context = await launchBrowser();
    page = await context.newPage();
    problems = watchProblems(page);
    await logIn(page, ui.ready!.ui!);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
  });

  it('shows the data directory and config file read-only, and marks what the command line set', async () => {
    await goTo(page, 'Settings');
    await page.locator('[data-testid="settings-form"]').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="datadir"]')).toBe(ui.datadir);
    expect(await page.getByText(`${ui.datadir}/config.json`).count()).toBe(1);
    // The daemon was started with --listen: that setting is marked.
    expect(await text(page, '[data-testid="command-line-note"]')).toContain('it wins at the next start');
    expect(await page.getByLabel('Listen address · command line').inputValue()).toBe(ui.ready!.listen);
    expect(await text(page, '[data-testid="save-bar"]')).toContain('No unsaved changes.');
  }, 60_000);

  it('checks fields as they are typed, saves alias and rate limit, and the node reflects them', async () => {
    const alias = page.getByLabel('Alias', { exact: true });
    await alias.fill('☕'.repeat(11));
    expect(await text(page, '#settings-alias-help')).toBe('33 bytes; an alias is at most 32 bytes of UTF-8.');
    expect(await page.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true);
    await alias.fill('glasswing-settings');
    expect(await text(page, '#settings-alias-help')).toBe('18 of 32 bytes.');
    const rate = page.getByLabel('Rate per peer');
    await rate.fill('0');
    expect(await text(page, '#settings-ratePerSecond-help')).toBe('At least 1.');
    await rate.fill('12');
    await page.getByLabel('Burst').fill('30');
    await page.getByLabel('Queue per peer').fill('2 GiB');
    expect(await text(page, '#settings-queueBytes-help')).toContain('At most');
    await page.getByLabel('Queue per peer').fill('512 KiB');
    expect(await text(page, '#settings-queueBytes-help')).toContain('512 KiB = 524,288 bytes');
    expect(await text(page, '[data-testid="save-bar"]')).toContain('Changed: alias, onion-message limits.');
    await screenshot(page, 'settings-editing-light');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('[data-testid="saved"]').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="saved"]')).toBe('Saved alias, onion-message limits: in force now, and kept in the config file.');

    const s = await api.getSettings({});
    expect(s.alias).toBe('glasswing-settings');
    expect(s.onion).toMatchObject({ ratePerSecond: 12, burst: 30, queueBytes: 524288 });
    expect((await api.getInfo({})).alias).toBe('glasswing-settings');
    expect((await api.messengerStats({})).inbound).toMatchObject({ perSecond: 12, burst: 30 });
    // Loaded again, a size reads back in the unit it was typed in (not "524.3 kB").
    await page.reload();
    await page.locator('h1', { hasText: 'Settings' }).waitFor({ timeout: WAIT });
    await until(page, `document.querySelector('#settings-queueBytes')?.value === '512 KiB'`);
    expect(await text(page, '#settings-queueBytes-help')).toContain('512 KiB = 524,288 bytes');
    expect(await page.getByLabel('Memory cap').inputValue()).toMatch(/^\d[\d,]* (KiB|MiB|GiB|kB|MB|GB|B)$|^\d+$/);
    // The rest of the app follows the node's event.
    await goTo(page, 'Overview');
    await page.getByText('glasswing-settings').first().waitFor({ timeout: WAIT });
    await page.locator('[data-testid="activity-log"] td.event', { hasText: /^settings changed$/ }).waitFor({ timeout: WAIT });
    expect(problems).toEqual([]);
  }, 60_000);

  it('sets the addresses to announce: checked as typed, the node says which one it refuses, saved', async () => {
    await goTo(page, 'Settings');
    const field = page.getByLabel('Addresses to announce');
    expect(await text(page, '#settings-announce-help')).toContain('Empty: peers learn your listen address');
    await field.fill('203.0.113.5:0');
    expect(await text(page, '#settings-announce-help')).toContain('the port is between 1 and 65535');
    // Looks right here, but the node refuses two DNS names (BOLT 7) and says so.
    await field.fill('a.example.com:9735, b.example.com:9735');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('one DNS name').first().waitFor({ timeout: WAIT });
    await field.fill('203.0.113.5:9735, node.example.com:9735');
    expect(await text(page, '#settings-announce-help')).toContain('these 2 addresses');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('[data-testid="saved"]').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="saved"]')).toContain('announced addresses');
    expect((await api.getSettings({})).announceAddresses).toEqual(['203.0.113.5:9735', 'node.example.com:9735']);
    await screenshot(page, 'settings-announce-light');
  }, 60_000);

  it('sets the fee source: the URL (http(s), no credentials) and poll interval checked as typed, switched to at once, then back to the chain source estimates', async () => {
    await goTo(page, 'Settings');
    const card = page.getByRole('region', { name: 'Fee source' });
    expect(await text(page, '[data-testid="fee-source"]')).toContain('the chain source’s estimates');
    await card.getByRole('button', { name: 'Change…' }).click();
    await card.getByText('Fee service', { exact: true }).click();
    const url = card.getByLabel('Fee service URL');
    await url.fill('ftp://fees.example/');
    expect(await text(page, '#fee-url-help')).toBe('It must start with http:// or https://.');
    await url.fill('https://user:pw@fees.example/v1/fees.json');
    expect(await text(page, '#fee-url-help')).toContain('No user name or password');
    await url.fill('https://fees.example/v1/fees.json');
    expect(await text(page, '#fee-url-help')).toContain('fee_by_block_target');
    const poll = card.getByLabel('Poll every (seconds)');
    await poll.fill('0');
    expect(await text(page, '#fee-poll-help')).toContain('from 1 to 86400');
    await poll.fill('600');
    await card.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('[data-testid="fee-saved"]').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="fee-saved"]')).toContain('in use now');
    // Switched at once (no daemon flag sets it): in use, nothing waits for the next start.
    await page.getByText('https://fees.example/v1/fees.json, every 10 min').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="fee-source"]')).toContain('https://fees.example/v1/fees.json, every 10 min');
    expect(await page.locator('[data-testid="fee-next"]').count()).toBe(0);
    expect((await api.getSettings({})).fee).toEqual({ url: 'https://fees.example/v1/fees.json', pollMs: 600_000, next: null });
    // Back to the chain source's estimates, at once too.
    await card.getByRole('button', { name: 'Change…' }).click();
    await card.getByText('Chain source', { exact: true }).click();
    await card.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('the chain source’s estimates').waitFor({ timeout: WAIT });
    expect((await api.getSettings({})).fee).toEqual({ url: null, pollMs: null, next: null });
    expect(problems).toEqual([]);
  }, 60_000);

  it('sets the async release window: a duration checked as typed, applied at once, and a change made elsewhere shown', async () => {
    await goTo(page, 'Settings');
    const card = page.getByRole('region', { name: 'Async release window' });
    expect(await text(page, '[data-testid="release-window-in-force"]')).toBe('In force: 1 day (the default).');
    expect(await card.getByText('Payments already held keep the window they were given.').count()).toBe(1);
    const field = card.getByLabel('Release window');
    expect(await field.inputValue()).toBe('1 d');
    expect(await card.getByRole('button', { name: 'Apply' }).isDisabled()).toBe(true);
    await field.fill('5 s');
    expect(await text(page, '#release-window-input-help')).toBe('From 10 s to 7 days (10 to 604800 seconds); this is 5 s.');
    expect(await card.getByRole('button', { name: 'Apply' }).isDisabled()).toBe(true);
    await field.fill('soon');
    expect(await text(page, '#release-window-input-help')).toContain('a number alone is seconds');
    await field.fill('30 min');
    await card.getByRole('button', { name: 'Apply' }).click();
    await page.locator('[data-testid="release-window-saved"]').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="release-window-saved"]')).toBe('Applied: payments held from now on wait up to 30 min for their release. Payments already held keep the window they were given.');
    expect(await text(page, '[data-testid="release-window-in-force"]')).toBe('In force: 30 min (saved in the config file).');
    expect((await api.getSettings({})).async).toMatchObject({ releaseWindowSeconds: 1800, releaseWindowSource: 'saved', next: null });
    await screenshot(page, 'settings-release-window-light');
    await card.screenshot({ path: join(SCREENSHOTS_DIR, 'settings-release-window-card.png') });
    // Changed through the API (another client, the CLI): the card follows.
    await api.updateSettings({ async: { releaseWindowSeconds: 7200 } });
    await page.locator('[data-testid="release-window-in-force"]', { hasText: 'In force: 2 h (saved in the config file).' }).waitFor({ timeout: WAIT });
    // The field, left as it was applied, follows; the earlier "Applied" line is gone.
    await until(page, `document.querySelector('#release-window-input')?.value === '2 h'`);
    expect(await page.locator('[data-testid="release-window-saved"]').count()).toBe(0);
    expect(await card.getByRole('button', { name: 'Apply' }).isDisabled()).toBe(true);
    expect(problems).toEqual([]);
  }, 60_000);

  it('says when --async-release-window-seconds sets the window: the command line wins, a save is kept for later', async () => {
    const flagged = await startDaemon(['--ui', '--async-release-window-seconds', '45']);
    const other = await context.newPage();
    const otherProblems = watchProblems(other);
    await logIn(other, flagged.ready!.ui!);
    await goTo(other, 'Settings');
    const card = other.getByRole('region', { name: 'Async release window' });
    await other.locator('[data-testid="release-window-in-force"]').waitFor({ timeout: WAIT });
    expect(await text(other, '[data-testid="release-window-in-force"]')).toBe('In force: 45 s (set on the command line).');
    expect(await text(other, '[data-testid="release-window-cli"]')).toContain('it wins over what you save here, at the next start too');
    // The role was not given on the command line: the async role card does not say it was.
    expect(await other.getByText('This run’s role, LSP or profile was given on the command line').count()).toBe(0);
    await card.getByLabel('Release window').fill('2 h');
    await card.getByRole('button', { name: 'Save for later' }).click();
    await other.locator('[data-testid="release-window-saved"]').waitFor({ timeout: WAIT });
    expect(await text(other, '[data-testid="release-window-saved"]')).toContain('Saved 2 h in the config file. The command line (--async-release-window-seconds) sets 45 s for this run');
    expect(await text(other, '[data-testid="release-window-in-force"]')).toBe('In force: 45 s (set on the command line).');
    expect((await (await flagged.api()).getSettings({})).async).toMatchObject({ releaseWindowSeconds: 45, releaseWindowSource: 'command-line' });
    // Saved: nothing left to save until the text differs (the button stayed enabled after a save before).
    const saveForLater = card.getByRole('button', { name: 'Save for later' });
    expect(await card.getByLabel('Release window').inputValue()).toBe('2 h');
    expect(await saveForLater.isDisabled()).toBe(true);
    await card.screenshot({ path: join(SCREENSHOTS_DIR, 'settings-release-window-cli-card.png') });
    await card.getByLabel('Release window').fill('3 h');
    expect(await saveForLater.isDisabled()).toBe(false);
    await card.getByLabel('Release window').fill('2 h');
    expect(await saveForLater.isDisabled()).toBe(true);
    expect(otherProblems).toEqual([]);
    await other.close();
    await flagged.stop();
  }, 90_000);

  it('follows a change made elsewhere in the fields not being edited', async () => {
    await goTo(page, 'Settings');
    await page.getByLabel('Messages per peer').fill('150');
    await api.updateSettings({ mailbox: { expiryHours: 48 } });
    await until(page, `document.querySelector('#settings-expiryHours')?.value === '48'`);
    expect(await page.getByLabel('Messages per peer').inputValue()).toBe('150');
    await page.getByRole('button', { name: 'Revert' }).click();
    expect(await page.getByLabel('Messages per peer').inputValue()).toBe(String((await api.getSettings({})).mailbox.perPeerMessages));
    expect(problems).toEqual([]);
  }, 60_000);

  it('edits the mailbox allow-list here too', async () => {
    const peer = '02' + '5a'.repeat(32);
    const input = page.getByLabel('Add a peer');
    await input.fill('02zz');
    expect(await text(page, '#settings-mailbox-help')).toContain('66 hex digits');
    await input.fill(peer);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.locator(`[data-testid="mailbox-allowed"] [data-full="${peer}"]`).waitFor({ timeout: WAIT });
    expect((await api.mailboxList({})).allowed.map((a) => a.nodeId)).toEqual([peer]);
    await screenshot(page, 'settings-light');
    await page.getByRole('button', { name: `Remove ${peer} from the mailbox list` }).click();
    await page.locator('[data-testid="mailbox-allowed"]').waitFor({ state: 'detached', timeout: WAIT });
    await setTheme(page, 'Dark');
    await screenshot(page, 'settings-dark');
    await setTheme(page, 'System');
    expect(problems).toEqual([]);
  }, 60_000);
});
