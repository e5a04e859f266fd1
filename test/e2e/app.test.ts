/**
 * The renderer end to end: Debian's Chromium (playwright-core) against real `glasswing daemon
 * --ui` processes in browser mode. One browser for the whole file (the machine is small); the
 * tests run in order and build on each other, like a person using the app:
 * log in → look around → connect a peer → watch (and filter, and page) the activity → ping → an
 * inbound peer → disconnect → keyboard → the sidebar in narrow and wide windows → every page at
 * 1280 and 800 px in both themes → session loss and reconnection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { createServer } from 'node:net';
import { startDaemon, type DaemonProcess } from '../support/daemon';
import { launchBrowser, screenshot, until, watchProblems } from './support/browser';
import { WIDTHS, fitsWidth, setWidth, textCutShort } from './support/layout';
import { ensureRendererBuilt } from './support/build';
import { PAGES } from '../../renderer/src/lib/routes';
import { encodeMessage } from '../../core/wire';
import { RawPeer } from '../support/raw-peer';
import { onionMessageTo } from '../integration/messenger-support';

const WAIT = 20_000;

/** A port that was free a moment ago (the UI daemon keeps its API port across a restart). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('Glasswing in the browser', () => {
  let ui: DaemonProcess; // the node the browser shows
  let remote: DaemonProcess; // a node we connect to from the UI
  let dialer: DaemonProcess; // a node that connects to ours (inbound)
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let origin: string;

  beforeAll(async () => {
    ensureRendererBuilt();
    const apiPort = await freePort();
    [ui, remote, dialer] = await Promise.all([
      startDaemon(['--ui', '--alias', 'glasswing-e2e', '--api-port', String(apiPort)]),
      startDaemon(),
      startDaemon(),
    ]);
    origin = new URL(ui.ready!.ui!).origin;
    context = await launchBrowser();
    page = await context.newPage();
    problems = watchProblems(page);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
  });

  /** Text of the first element matching `selector`. */
  async function text(selector: string): Promise<string> {
    return ((await page.locator(selector).first().textContent()) ?? '').trim();
  }

  async function goTo(title: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: title, exact: false }).first().click();
    await page.locator('h1', { hasText: title }).waitFor({ timeout: WAIT });
  }

  async function chartImage(testid: string): Promise<string> {
    return page.evaluate(`document.querySelector('[data-testid="${testid}"] canvas').toDataURL()`) as Promise<string>;
  }

  it('logs in through the one-time address, lands on a clean URL and shows this node', async () => {
    await page.goto(ui.ready!.ui!);
    expect(page.url()).toBe(`${origin}/`);
    await page.locator('[data-testid="node-id"]').waitFor({ timeout: WAIT });
    expect(await text('[data-testid="node-id"]')).toBe(ui.nodeId);
    expect(await text('h1')).toBe('Overview');
    await page.locator('[data-state="connected"]').waitFor({ timeout: WAIT });
    // Identity details and the QR code of the connection address.
    expect(await page.getByText('glasswing-e2e').count()).toBeGreaterThan(0);
    const qr = page.getByRole('img', { name: /^QR code: connect to / });
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    expect(await qr.getAttribute('alt')).toContain(ui.address);
    // The copy button puts the whole id on the clipboard.
    await page.getByRole('button', { name: 'Copy node id' }).first().click();
    await page.getByRole('status').filter({ hasText: 'Copied node id' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(ui.nodeId);
    // Empty states say what to do next.
    await page.getByText('No activity yet').waitFor();
    await page.getByText('No messages in the last minute').waitFor();
    await screenshot(page, 'overview-empty-light');
    expect(problems).toEqual([]);
  }, 60_000);

  it('validates a peer address as it is typed and explains what is wrong', async () => {
    await goTo('Peers');
    await page.getByText('No peers connected').waitFor();
    const input = page.getByLabel('Peer address');
    const help = page.locator('[data-testid="address-help"]');
    const connect = page.getByRole('button', { name: 'Connect', exact: true });

    await input.fill('02abc');
    expect(await help.textContent()).toContain('5 of 66 hex digits');
    expect(await input.getAttribute('aria-invalid')).toBe('false');
    expect(await connect.isDisabled()).toBe(true);

    await input.fill('04' + 'a'.repeat(64));
    expect(await help.textContent()).toContain('starts with 02 or 03');
    expect(await input.getAttribute('aria-invalid')).toBe('true');

    await input.fill(`${remote.nodeId}@127.0.0.1`);
    expect(await help.textContent()).toContain('Add :port');

    await input.fill(`${remote.nodeId}@127.0.0.1:99999`);
    expect(await help.textContent()).toContain('between 1 and 65535');

    await input.fill(`${ui.nodeId}@127.0.0.1:9735`);
    expect(await help.textContent()).toContain('own id');
    expect(await connect.isDisabled()).toBe(true);

    // Upper-case hex is accepted (and sent lower-cased).
    await input.fill(`${remote.nodeId.toUpperCase()}@127.0.0.1:${remote.listenPort}`);
    expect(await help.textContent()).toContain('Looks right');
    expect(await connect.isDisabled()).toBe(false);
    await screenshot(page, 'peers-validation');
  }, 60_000);

  it('connects a peer through the form and lists it with direction, features and counters', async () => {
    await page.getByLabel('Peer address').fill(remote.address);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const card = page.locator(`[data-node-id="${remote.nodeId}"]`);
    await card.waitFor({ timeout: WAIT });
    await page.getByText(/^Connected to /).waitFor();
    expect(await page.getByLabel('Peer address').inputValue()).toBe('');
    expect(await card.getByText('outbound', { exact: true }).count()).toBe(1);
    expect(await card.locator(`[data-full="${remote.nodeId}"]`).count()).toBe(1);
    expect(await card.getByText(`127.0.0.1:${remote.listenPort}`).count()).toBe(1);
    // Features by name (BOLT 9), e.g. var_onion_optin which every Glasswing node sets.
    expect(await card.getByRole('list', { name: 'Features' }).getByText('var onion optin').count()).toBe(1);
    expect(await card.getByText(/^\d+ in · \d+ out$/).count()).toBeGreaterThan(0);
    // The sidebar counts it.
    expect(await page.getByRole('link', { name: /Peers/ }).getByText('1').count()).toBe(1);
  }, 60_000);

  it('shows the traffic on the Overview: the chart moves and log rows appear', async () => {
    await goTo('Overview');
    const chart = '[data-testid="wire-traffic"] [data-total]';
    await until(page, `Number(document.querySelector('${chart}')?.dataset.total) > 0`);
    const first = await chartImage('wire-traffic');
    // init went both ways; the log shows the connection and the messages.
    const log = page.locator('[data-testid="activity-log"]');
    await log.waitFor();
    expect(await log.locator('td.event', { hasText: /^init$/ }).count()).toBeGreaterThanOrEqual(2);
    expect(await log.locator('td.event', { hasText: /^connected$/ }).count()).toBe(1);
    expect(await text('[data-testid="wire-traffic-summary"]')).toMatch(/^[1-9]\d* received · [1-9]\d* sent in the last 60 s/);
    expect(await page.getByRole('list', { name: 'Message types' }).first().getByText('init').count()).toBe(1);
    // New traffic (a ping through the API of the remote node) moves the chart; in the log a ping is
    // a keepalive: hidden and counted until asked for.
    const api = await remote.api();
    await api.ping({ nodeId: ui.nodeId });
    await page.locator('[data-testid="keepalive-hidden"]').waitFor({ timeout: WAIT });
    expect(await log.locator('td.event', { hasText: /^(ping|pong)$/ }).count()).toBe(0);
    const keepalives = page.getByLabel('Show pings and pongs');
    await keepalives.check();
    await until(page, `[...document.querySelectorAll('[data-testid="activity-log"] td.event')].some((td) => td.textContent === 'ping')`);
    expect(await page.locator('[data-testid="keepalive-hidden"]').count()).toBe(0);
    await keepalives.uncheck();
    await page.locator('[data-testid="keepalive-hidden"]').waitFor();
    // The text filter: every word typed must match (event, detail, peer id or name).
    const filter = page.getByLabel('Filter the activity');
    await filter.fill('INIT');
    await until(page, `[...document.querySelectorAll('[data-testid="activity-log"] td.event')].every((td) => td.textContent === 'init')`);
    expect(await log.locator('td.event').count()).toBeGreaterThanOrEqual(2);
    await filter.fill(`connected outbound ${remote.nodeId.slice(0, 10)}`);
    await until(page, `document.querySelectorAll('[data-testid="activity-log"] tbody tr').length === 1`);
    await filter.fill('no such words here');
    await page.getByText('Nothing matches this filter').waitFor();
    await filter.fill('');
    // The window slides every second, so the picture changes even without new messages.
    await until(page, `document.querySelector('[data-testid="wire-traffic"] canvas').toDataURL() !== ${JSON.stringify(first)}`);
    await screenshot(page, 'overview-traffic-light');
    expect(problems).toEqual([]);
  }, 60_000);

  it('pages back through the activity: an older page stays still while events arrive, and Newest follows them again', async () => {
    const api = await remote.api();
    await page.getByLabel('Show pings and pongs').check();
    // Each ping from the remote node is two rows here (ping in, pong out): enough for two pages.
    for (let i = 0; i < 30; i++) await api.ping({ nodeId: ui.nodeId });
    const range = page.locator('[data-testid="activity-range"]');
    await until(page, `/^1–50 of ([6-9]\\d|\\d{3,})/.test(document.querySelector('[data-testid="activity-range"]')?.textContent ?? '')`);
    const pager = page.getByRole('navigation', { name: 'Activity pages' });
    expect(await pager.getByRole('button', { name: 'Newer' }).isDisabled()).toBe(true);
    await pager.getByRole('button', { name: 'Older' }).click();
    expect(await range.textContent()).toMatch(/^51–\d+ of \d+/);
    const firstRow = await page.locator('[data-testid="activity-log"] tbody tr').first().textContent();
    const totalOf = (t: string | null) => Number((/ of ([\d,]+)/.exec(t ?? '') ?? ['', '0'])[1]!.replace(/,/g, ''));
    const before = totalOf(await range.textContent());
    await api.ping({ nodeId: ui.nodeId });
    await until(page, `Number(((/ of ([\\d,]+)/.exec(document.querySelector('[data-testid="activity-range"]').textContent) ?? ['', '0'])[1]).replace(/,/g, '')) > ${before}`);
    // The same rows, further from the newest now.
    expect(await page.locator('[data-testid="activity-log"] tbody tr').first().textContent()).toBe(firstRow);
    expect(Number(/^(\d+)–/.exec((await range.textContent()) ?? '')?.[1])).toBeGreaterThan(51);
    // This fresh node's whole history is loaded: the oldest page says so.
    await page.getByText('The start of the history the node keeps').waitFor();
    await pager.getByRole('button', { name: 'Newest' }).click();
    expect(await range.textContent()).toMatch(/^1–50 of \d+ · newest first, live/);
    await screenshot(page, 'overview-activity-pages-light');
    await page.getByLabel('Show pings and pongs').uncheck();
    expect(problems).toEqual([]);
  }, 60_000);

  it('pings a peer from its row and shows the round trip', async () => {
    await goTo('Peers');
    const card = page.locator(`[data-node-id="${remote.nodeId}"]`);
    await card.getByRole('button', { name: 'Ping' }).click();
    await until(page, `/\\d+ ms|<1 ms|\\d\\.\\d s/.test(document.querySelector('[data-node-id="${remote.nodeId}"] [data-testid="rtt"]').textContent)`);
    expect(await card.getByRole('button', { name: 'Ping' }).isEnabled()).toBe(true);
  }, 60_000);

  it('names a peer from its row; the name replaces the id in the list and the API returns it', async () => {
    const card = page.locator(`[data-node-id="${remote.nodeId}"]`);
    await card.getByRole('button', { name: 'Name this peer' }).click();
    await card.getByLabel('Name for this peer').fill('remote shop');
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('remote shop', { exact: true }).waitFor({ timeout: WAIT });
    const peers = (await (await ui.api()).listPeers({})).peers;
    expect(peers.find((p) => p.nodeId === remote.nodeId)?.label).toBe('remote shop');
    expect(await card.getByRole('button', { name: 'Rename remote shop' }).count()).toBe(1);
  }, 60_000);

  it('lists an inbound peer live, without reloading', async () => {
    const r = await dialer.cli('connect', ui.address);
    expect(r.code).toBe(0);
    const card = page.locator(`[data-node-id="${dialer.nodeId}"]`);
    await card.waitFor({ timeout: WAIT });
    expect(await card.getByText('inbound', { exact: true }).count()).toBe(1);
    expect(await page.locator('[data-testid="peer-list"] > li').count()).toBe(2);
    await screenshot(page, 'peers-light');
  }, 60_000);

  it('disconnects a peer after confirmation (which says reconnecting stops too) and removes it from the list', async () => {
    const card = page.locator(`[data-node-id="${remote.nodeId}"]`);
    await card.getByRole('button', { name: 'Disconnect' }).click();
    await card.getByText('Disconnect this peer? This node also stops reconnecting to it.').waitFor();
    await card.getByRole('button', { name: 'Cancel' }).click();
    expect(await card.getByText(/^Disconnect this peer\?/).count()).toBe(0);
    await card.getByRole('button', { name: 'Disconnect' }).click();
    await card.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await card.waitFor({ state: 'detached', timeout: WAIT });
    expect(await page.locator('[data-testid="peer-list"] > li').count()).toBe(1);
    // As the confirmation said: no reconnection is scheduled for it.
    const uiApi = await ui.api();
    const scheduled = (await uiApi.recentEvents({ limit: 500, types: ['peer.reconnect_scheduled'] })).events;
    expect(scheduled.filter((e) => e.type === 'peer.reconnect_scheduled' && e.nodeId === remote.nodeId)).toEqual([]);
    await goTo('Overview');
    await page.locator('[data-testid="activity-log"] td.event', { hasText: /^disconnected$/ }).first().waitFor({ timeout: WAIT });
    expect(problems).toEqual([]);
  }, 60_000);

  it('Messages: listens for a type, receives a message, shows its record, and replies over its reply path', async () => {
    await goTo('Messages');
    await page.locator('[data-testid="messenger-counters"]').waitFor({ timeout: WAIT });
    // Listen for application type 65537 (until then such messages are dropped as unhandled).
    await page.getByLabel('Receive application messages of type').fill('12');
    expect(await text('#handler-help')).toContain('below 64');
    await page.getByLabel('Receive application messages of type').fill('65537');
    await page.getByRole('button', { name: 'Listen' }).click();
    await page.locator('[data-testid="handlers"]').getByText('65537', { exact: true }).waitFor({ timeout: WAIT });
    // The node drops a connection's listeners when it closes (a reload): the app listens again by
    // itself, so the message below is still delivered rather than dropped as unhandled.
    await page.reload();
    await page.locator('[data-state="connected"]').waitFor({ timeout: WAIT });
    await page.locator('[data-testid="handlers"] li', { hasText: '65537' }).getByText(/\(this app\)/).waitFor({ timeout: WAIT });
    const uiApi = await ui.api();
    const listeners = async () => (await uiApi.messengerStats({})).handlers.find((h) => h.tlvType === '65537')?.listeners ?? 0;
    for (const deadline = Date.now() + WAIT; (await listeners()) !== 1; ) {
      if (Date.now() > deadline) throw new Error(`expected one listener for 65537 after the reload, found ${await listeners()}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // The dialer sends us a message with a reply path and waits for the answer.
    const dialerApi = await dialer.api();
    const hello = Buffer.from('hello from the dialer', 'utf8').toString('hex');
    const sending = dialerApi.sendOnionMessage({ destination: ui.nodeId, tlvs: [{ type: '65537', value: hello }], waitReplySeconds: 60 });
    const delivered = page.locator('[data-testid="message-log"] [data-outcome="delivered"]').first();
    await delivered.waitFor({ timeout: WAIT });
    await delivered.click();
    const detail = page.locator('[data-testid="message-detail"]');
    expect(await detail.locator('[data-testid="record-text"]').first().textContent()).toBe('hello from the dialer');
    expect(await detail.getByText('application', { exact: true }).count()).toBe(1);
    await screenshot(page, 'messages-delivered');

    // Reply from the detail pane: the form is filled with the reply path.
    await detail.getByRole('button', { name: 'Reply' }).click();
    await page.getByText(/^Replying to /).waitFor();
    expect(await page.getByLabel('Destination').inputValue()).toMatch(/^[0-9a-f]{150,}$/);
    await page.getByLabel('Value', { exact: true }).fill('hello back from the UI');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.locator('[data-testid="send-result"]').waitFor({ timeout: WAIT });
    const result = await sending;
    expect(result.reply?.records).toEqual([{ type: '65537', value: Buffer.from('hello back from the UI', 'utf8').toString('hex') }]);
    await page.locator('[data-testid="message-log"] [data-outcome="replied"]').first().waitFor({ timeout: WAIT });
    // The counters moved with the events.
    await until(page, `/^[1-9]/.test(document.querySelector('[data-testid="messenger-counters"] dd')?.textContent ?? '')`);
    expect(problems).toEqual([]);
  }, 90_000);

  it('Messages: checks the send form as it is typed, sends to a peer, and filters the log', async () => {
    const destination = page.getByLabel('Destination');
    await destination.fill('02abcd');
    expect(await text('#send-destination-help')).toContain('66 hex digits');
    await destination.fill('zz');
    expect(await text('#send-destination-help')).toContain('Only hex digits');
    await destination.fill('04' + 'ab'.repeat(40));
    expect(await text('#send-destination-help')).toContain('not a blinded path');
    await destination.fill(dialer.nodeId);
    expect(await text('#send-destination-help')).toContain('A node id');
    await page.getByLabel('Record type').fill('63');
    expect(await text('#send-type-help')).toContain('start at 64');
    await page.getByLabel('Record type').fill('65539');
    await page.getByLabel('Value', { exact: true }).fill('a note from the UI');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('[data-testid="send-result"]').getByText(/^Sent [0-9a-f]{16} to /).waitFor({ timeout: WAIT });
    await page.locator('[data-testid="message-log"] [data-outcome="sent"]').first().waitFor({ timeout: WAIT });

    // Filter by outcome: only "sent" rows remain; clearing brings the rest back.
    const before = await text('[data-testid="log-count"]');
    await page.getByLabel('Outcome').selectOption('sent');
    expect(await text('[data-testid="log-count"]')).toMatch(/^1 of \d+ steps?$/);
    expect(await page.locator('[data-testid="message-log"] [data-outcome]').count()).toBe(1);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    expect(await text('[data-testid="log-count"]')).toBe(before);
    await screenshot(page, 'messages-light');
  }, 60_000);

  it('Messages: adds a peer to the mailbox allow-list and removes it', async () => {
    const input = page.getByLabel('Add a peer');
    await input.fill('02xyz');
    expect(await text('#mailbox-help')).toContain('66 hex digits');
    await input.fill(remote.nodeId);
    await page.getByRole('button', { name: 'Allow' }).click();
    const list = page.locator('[data-testid="mailbox-allowed"]');
    await list.locator(`[data-full="${remote.nodeId}"]`).waitFor({ timeout: WAIT });
    expect(await input.inputValue()).toBe('');
    await list.getByRole('button', { name: `Remove ${remote.nodeId} from the mailbox list` }).click();
    await list.waitFor({ state: 'detached', timeout: WAIT });
    expect(problems).toEqual([]);
  }, 60_000);

  it('Overview: the onion-message chart counts what happened to each message', async () => {
    await goTo('Overview');
    await until(page, `Number(document.querySelector('[data-testid="onion-traffic"] [data-total]')?.dataset.total) >= 3`);
    const outcomes = page.getByRole('list', { name: 'Outcomes' });
    expect(await outcomes.locator('li', { hasText: 'delivered' }).locator('.count').textContent()).not.toBe('0');
    expect(await outcomes.locator('li', { hasText: /^\s*sent/ }).first().locator('.count').textContent()).not.toBe('0');
  }, 60_000);

  it('names a malformed onion_message drop on the Overview chart and on the Messages page, with what it means', async () => {
    // A peer whose onion_message does not even decode (a path_key with prefix 05 is not a point;
    // one of a point's shape but off the curve decodes, and the peel drops it as bad_onion).
    const raw = await RawPeer.open(ui.listenPort);
    await raw.handshake(ui.nodeId);
    const wire = encodeMessage(onionMessageTo(ui.nodeId, [{ type: 65537n, value: new Uint8Array([1]) }]));
    wire[2] = 0x05;
    raw.sendPlaintext(wire);
    const drop = page.locator('[data-testid="onion-traffic-drops"] [data-reason="malformed_message"]');
    await drop.waitFor({ timeout: WAIT });
    expect(await drop.textContent()).toContain('malformed message 1');
    expect(await drop.getAttribute('title')).toContain('did not decode');
    await screenshot(page, 'overview-onion-drops-light');

    await goTo('Messages');
    const reason = page.locator('li[data-reason="malformed_message"]');
    await reason.waitFor({ timeout: WAIT });
    expect(await reason.textContent()).toContain('the peer stays connected');
    await page.locator('[data-testid="message-log"] [data-outcome="dropped"]').first().click();
    expect(await text('[data-testid="drop-reason"]')).toContain('malformed message — The onion_message itself did not decode');
    raw.destroy();
    expect(problems).toEqual([]);
  }, 60_000);

  it('moves between pages with the keyboard, focuses the new title, and toggles the theme with t', async () => {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    for (const p of PAGES) {
      await page.keyboard.press(p.key);
      await page.locator('h1', { hasText: p.title }).waitFor({ timeout: WAIT });
      // Focus moves to the new page's title (after the page renders).
      await until(page, `document.activeElement?.tagName === 'H1' && document.activeElement.textContent === ${JSON.stringify(p.title)}`);
      expect(await page.evaluate('location.hash')).toBe(p.hash === '#/' ? '#/' : p.hash);
    }
    // Typing in a field never triggers shortcuts.
    await page.keyboard.press('2');
    await page.getByLabel('Peer address').fill('');
    await page.getByLabel('Peer address').press('1');
    expect(await text('h1')).toBe('Peers');
    await page.getByLabel('Peer address').fill('');
    await page.locator('h1').focus();
    const theme = await page.evaluate('document.documentElement.dataset.theme');
    await page.keyboard.press('t');
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe(theme === 'dark' ? 'light' : 'dark');
    await page.keyboard.press('t');
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe(theme);
    // ? opens the shortcuts, Esc closes them.
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await screenshot(page, 'shortcuts-dialog');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ state: 'hidden' });
  }, 60_000);

  it('collapses the sidebar to a rail in a narrow window, opens it over the page from its toggle, and lets a wide window collapse it', async () => {
    const sidebar = page.locator('#sidebar');
    const toggle = page.locator('[data-testid="sidebar-toggle"]');
    const nameWidth = async () => (await sidebar.locator('.label').first().boundingBox())?.width ?? 0;
    await setWidth(page, 800);
    await page.locator('#sidebar[data-mode="rail"]').waitFor({ timeout: WAIT });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await toggle.getAttribute('aria-label')).toBe('Expand the sidebar');
    expect(await nameWidth()).toBeLessThanOrEqual(1);
    expect(await fitsWidth(page)).toBe(true);
    // Opened over the page: names visible; Escape closes it.
    await toggle.click();
    await page.locator('#sidebar[data-mode="overlay"]').waitFor();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await nameWidth()).toBeGreaterThan(20);
    await screenshot(page, 'sidebar-open-800');
    await page.keyboard.press('Escape');
    await page.locator('#sidebar[data-mode="rail"]').waitFor();
    // Choosing a page from it closes it too.
    await toggle.click();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Peers' }).click();
    await page.locator('h1', { hasText: 'Peers' }).waitFor();
    await page.locator('#sidebar[data-mode="rail"]').waitFor();
    // A wide window shows it in full; collapsed there, it stays collapsed after a reload.
    await setWidth(page, 1280);
    await page.locator('#sidebar[data-mode="full"]').waitFor();
    await toggle.click();
    await page.locator('#sidebar[data-mode="rail"]').waitFor();
    expect(await toggle.getAttribute('aria-label')).toBe('Expand the sidebar');
    await page.reload();
    await page.locator('#sidebar[data-mode="rail"]').waitFor({ timeout: WAIT });
    await page.locator('[data-testid="sidebar-toggle"]').click();
    await page.locator('#sidebar[data-mode="full"]').waitFor();
    expect(await page.locator('[data-testid="sidebar-toggle"]').getAttribute('aria-label')).toBe('Collapse the sidebar');
    expect(problems).toEqual([]);
  }, 60_000);

  it('renders every page at 1280 and 800 px in both themes: nothing spills sideways, no text is cut to a character (screenshots)', async () => {
    for (const theme of ['light', 'dark'] as const) {
      await goTo('Settings');
      await page.getByRole('radio', { name: new RegExp(`^${theme === 'light' ? 'Light' : 'Dark'}`) }).check({ force: true });
      expect(await page.evaluate('document.documentElement.dataset.theme')).toBe(theme);
      for (const width of [...WIDTHS, 1024]) {
        await setWidth(page, width);
        for (const p of PAGES) {
          await goTo(p.title);
          expect(await text('h1')).toBe(p.title);
          // Every page says something beyond its title: content or an empty state that explains.
          expect(((await page.locator('main').textContent()) ?? '').length).toBeGreaterThan(p.title.length + 60);
          expect(await fitsWidth(page), `${p.title} at ${width} px spills sideways`).toBe(true);
          expect(await textCutShort(page), `${p.title} at ${width} px`).toEqual([]);
          if (width !== 1024) await screenshot(page, `page-${p.id}-${theme}-${width}`);
        }
      }
    }
    await setWidth(page, 1360);
    await goTo('Settings');
    await page.getByRole('radio', { name: /^System/ }).check({ force: true });
    expect(problems).toEqual([]);
  }, 240_000);

  it('shows "Not signed in" without a session, and a new login address from glasswing uilogin works', async () => {
    await context.clearCookies();
    await page.goto(`${origin}/`);
    await page.getByRole('heading', { name: 'Not signed in' }).waitFor({ timeout: WAIT });
    expect(await page.getByText('glasswing uilogin').count()).toBe(1);
    await screenshot(page, 'signed-out');
    const r = await ui.cli('uilogin');
    expect(r.code).toBe(0);
    await page.goto((r.json as { url: string }).url);
    await page.locator('[data-state="connected"]').waitFor({ timeout: WAIT });
    expect(await text('[data-testid="node-id"]')).toBe(ui.nodeId);
  }, 60_000);

  it('shows the lost connection, retries with backoff, stays signed in across a daemon restart, and asks to sign in once revoked', async () => {
    await ui.stop();
    await page.getByText('Lost the connection to the node.').waitFor({ timeout: WAIT });
    await page.locator('[data-state="retrying"]').waitFor();
    // What was known stays on screen.
    expect(await text('[data-testid="node-id"]')).toBe(ui.nodeId);
    await screenshot(page, 'reconnecting');
    // The daemon comes back on the same address; the browser's session survived the restart
    // (DATADIR/ui-sessions.json), so the page reconnects by itself, still signed in.
    await ui.start();
    await page.locator('[data-state="connected"]').waitFor({ timeout: 30_000 });
    expect(await page.getByRole('heading', { name: 'Not signed in' }).count()).toBe(0);
    // Revoking every session signs the page out; a new login address signs it in again.
    const revoked = await ui.cli('uilogin', '--revoke', 'all');
    expect(revoked.code).toBe(0);
    await page.getByRole('heading', { name: 'Not signed in' }).waitFor({ timeout: 30_000 });
    const r = await ui.cli('uilogin');
    await page.goto((r.json as { url: string }).url);
    await page.locator('[data-state="connected"]').waitFor({ timeout: WAIT });
    expect(await text('[data-testid="node-id"]')).toBe(ui.nodeId);
  }, 90_000);
});
