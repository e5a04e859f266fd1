/**
 * The first-run sandbox (scripts/sandbox.ts): the shop has an offer ready when the sandbox
 * starts, its summary prints it, your node fetches an invoice for it through the lsp, and a
 * second start reuses the same offer.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { FetchInvoiceResult } from '../../core/api';
import { SANDBOX_OFFER, startSandbox } from '../../scripts/sandbox';
import { eventually, startDaemon } from '../support/daemon';
import { tempDir } from '../support/tmp';
import { REPO_ROOT } from '../support/vectors';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

async function stopAll(): Promise<void> {
  await Promise.all(children.splice(0).map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  })));
}

describe('the sandbox shop', () => {
  it('has an offer ready to fetch through the lsp, printed in the summary, and keeps it across restarts', async () => {
    const you = await startDaemon(['--alias', 'you']);
    const datadir = tempDir('glasswing-sandbox-');
    const yourApi = await you.api();
    const opts = { root: REPO_ROOT, datadir, you: { nodeId: you.nodeId, listen: you.ready!.listen!, api: yourApi }, children, say: () => undefined };
    const sandbox = await startSandbox(opts);
    expect(sandbox.offer).toMatch(/^lno1/);
    expect(sandbox.summary).toContain(sandbox.offer);
    expect(sandbox.summary).toContain('glasswing fetchinvoice');
    const lsp = sandbox.nodes.find((n) => n.name === 'lsp')!;
    const shop = sandbox.nodes.find((n) => n.name === 'shop')!;

    // Your node shows the sandbox peers by name, and has already fetched one invoice from the shop.
    const peers = await eventually(async () => {
      const list = (await yourApi.listPeers({})).peers;
      return list.length === 2 ? list : undefined;
    }, 20_000, 'both sandbox peers');
    expect(Object.fromEntries(peers.map((p) => [p.nodeId, p.label]))).toEqual({ [lsp.nodeId]: 'lsp (sandbox)', [shop.nodeId]: 'shop (sandbox)' });
    await eventually(async () => (await yourApi.listInvoices({})).invoices.length > 0, 60_000, 'the first sandbox invoice');

    const r = await you.cli('fetchinvoice', sandbox.offer, '--quantity', '2');
    expect(r.code, r.stderr).toBe(0);
    const fetched = r.json as FetchInvoiceResult;
    expect(fetched.sentVia).toEqual({ pathIndex: 0, firstHop: lsp.nodeId });
    expect(fetched.invoice).toMatchObject({ amountMsat: String(2n * BigInt(SANDBOX_OFFER.amountMsat)), description: SANDBOX_OFFER.description });

    await stopAll();
    const again = await startSandbox(opts);
    expect(again.offer).toBe(sandbox.offer);
  }, 180_000);
});
