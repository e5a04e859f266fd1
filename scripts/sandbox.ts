/**
 * The sandbox network for a first run: two local peer nodes, "lsp" and "shop", each a
 * `glasswing daemon` in its own data directory under DATADIR/sandbox/, connected to your node over
 * loopback (and to each other). A new user sees peers and traffic within seconds. The shop has an
 * offer ready to fetch (through a blinded path via the lsp), printed in the summary. With the
 * sandbox chain (scripts/regtest/sandbox-chain.ts), every node follows it (`--chain bitcoind-rpc`)
 * and each wallet is funded with regtest coins from its faucet.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connectToDaemon } from '../main/cli/daemon-client';
import type { NodeApi } from '../core/api';
import type { SandboxChain } from './regtest/sandbox-chain';

export interface SandboxNode {
  readonly name: string;
  readonly datadir: string;
  readonly nodeId: string;
  readonly listen: string;
  readonly api: NodeApi;
}

export interface Sandbox {
  readonly nodes: readonly SandboxNode[];
  /** The shop's offer (`lno…`), ready for `glasswing fetchinvoice`. */
  readonly offer: string;
  readonly summary: string;
}

/** What the shop sells in the sandbox. */
export const SANDBOX_OFFER = { description: 'Sandbox espresso', amountMsat: '150000', issuer: 'shop (sandbox)', quantityMax: '10' } as const;

/**
 * The shop's offer: a blinded path through the lsp (you → lsp → shop), so fetching it shows the
 * whole flow. An active one from an earlier run is reused; otherwise a new one is created.
 */
async function shopOffer(shop: SandboxNode, lsp: SandboxNode): Promise<string> {
  const { offers } = await shop.api.listOffers({ status: 'active' });
  const existing = offers.find((o) => o.description === SANDBOX_OFFER.description && o.paths[0]?.introductionNodeId === lsp.nodeId);
  if (existing) return existing.bolt12;
  const { offer } = await shop.api.createOffer({ ...SANDBOX_OFFER, paths: [[lsp.nodeId]] });
  return offer.bolt12;
}

export interface SandboxOptions {
  readonly root: string;
  readonly datadir: string;
  /** Your node, if it is a daemon the sandbox should connect to (browser mode), with its API. */
  readonly you?: { nodeId: string; listen: string; api?: NodeApi };
  readonly children: ChildProcess[];
  readonly say: (text: string) => void;
  /** The sandbox chain every node follows, or none. */
  readonly chain?: SandboxChain | null;
}

/** What a sandbox wallet is given when it holds less than half of it. */
export const SANDBOX_FUNDING_SAT = 50_000_000n;

/** The chain flags of a node on the sandbox chain. */
export function sandboxChainArgs(chain: SandboxChain | null | undefined): string[] {
  return chain ? ['--chain', 'bitcoind-rpc', '--rpc-url', chain.rpcUrl] : [];
}

/**
 * Gives a node's wallet regtest coins when it holds little (its first start, or it spent them):
 * a fresh address of it paid from the faucet, confirmed by the next block mined. Waits for the
 * node's first chain sync (an address is handed out only then). Returns the txid, or null when the
 * wallet has enough.
 */
export async function fundWallet(api: NodeApi, chain: SandboxChain, timeoutMs = 30_000): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  while ((await api.chainInfo({})).tip === null) {
    if (Date.now() > deadline) throw new Error('the node did not sync with the sandbox chain');
    await new Promise((r) => setTimeout(r, 200));
  }
  const balance = await api.getBalance({});
  if (BigInt(balance.totalSat) >= SANDBOX_FUNDING_SAT / 2n) return null;
  const { address } = await api.newAddress({});
  return await chain.fund(address, SANDBOX_FUNDING_SAT);
}

async function startNode(opts: SandboxOptions, name: string): Promise<SandboxNode> {
  const datadir = join(opts.datadir, 'sandbox', name);
  mkdirSync(datadir, { recursive: true, mode: 0o700 });
  const args = ['daemon', '--datadir', datadir, '--listen', '127.0.0.1:0', '--alias', name, ...sandboxChainArgs(opts.chain)];
  const child = spawn(process.execPath, [join(opts.root, 'bin/glasswing.mjs'), ...args], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  opts.children.push(child);
  const ready = await new Promise<{ nodeId: string; listen: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sandbox node ${name} exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const v = JSON.parse(line) as { event?: string; nodeId: string; listen: string };
        if (v.event === 'ready') resolve(v);
      } catch {
        /* not JSON */
      }
    });
  });
  const client = await connectToDaemon(datadir);
  return { name, datadir, nodeId: ready.nodeId, listen: ready.listen, api: client.api };
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const [lsp, shop] = await Promise.all([startNode(opts, 'lsp'), startNode(opts, 'shop')]);
  // shop ↔ lsp, and both to you: the shop dials the lsp, the lsp and the shop dial you.
  await shop.api.connect({ address: `${lsp.nodeId}@${lsp.listen}`, reconnect: true });
  if (opts.you) {
    await lsp.api.connect({ address: `${opts.you.nodeId}@${opts.you.listen}`, reconnect: true });
    await shop.api.connect({ address: `${opts.you.nodeId}@${opts.you.listen}`, reconnect: true });
  }
  const offer = await shopOffer(shop, lsp);
  // Regtest coins in every wallet (yours too, when the sandbox can reach its API), confirmed by the next block.
  const chain = opts.chain;
  if (chain) {
    const apis = [lsp.api, shop.api, ...(opts.you?.api ? [opts.you.api] : [])];
    const funded = await Promise.all(apis.map((api) => fundWallet(api, chain).catch((e: unknown) => {
      opts.say(`could not fund a sandbox wallet: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    })));
    if (funded.some((t) => t !== null)) {
      await chain.mine(1);
      opts.say(`funded ${funded.filter((t) => t !== null).length} wallet(s) with ${Number(SANDBOX_FUNDING_SAT) / 1e8} regtest BTC each.`);
    }
  }
  // Names instead of node ids, on every node (we have no gossip to learn aliases from).
  await Promise.all([shop.api.labelPeer({ nodeId: lsp.nodeId, label: 'lsp' }), lsp.api.labelPeer({ nodeId: shop.nodeId, label: 'shop' })]);
  const you = opts.you;
  if (you?.api) {
    const yourApi = you.api;
    await Promise.all([
      yourApi.labelPeer({ nodeId: lsp.nodeId, label: 'lsp (sandbox)' }),
      yourApi.labelPeer({ nodeId: shop.nodeId, label: 'shop (sandbox)' }),
      lsp.api.labelPeer({ nodeId: you.nodeId, label: 'you' }),
      shop.api.labelPeer({ nodeId: you.nodeId, label: 'you' }),
    ]);
    // One real purchase request right away: an invoice_request to the shop through the lsp and
    // the shop's invoice back, so the traffic charts, logs and offer history have something to show.
    yourApi.fetchInvoice({ offer, quantity: '1', payerNote: 'first espresso from the sandbox' }).then(
      () => opts.say('fetched an invoice for the shop\'s offer (see Offers in the app).'),
      (e: unknown) => opts.say(`could not fetch the shop's invoice yet: ${e instanceof Error ? e.message : String(e)}`),
    );
  }
  return {
    nodes: [lsp, shop],
    offer,
    summary:
      `lsp ${lsp.nodeId.slice(0, 12)}… at ${lsp.listen}, shop ${shop.nodeId.slice(0, 12)}… at ${shop.listen}\n` +
      `the shop's offer (${SANDBOX_OFFER.description}, ${Number(SANDBOX_OFFER.amountMsat) / 1000} sat; fetch it with: glasswing fetchinvoice OFFER):\n${offer}`,
  };
}
