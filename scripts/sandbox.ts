/**
 * The sandbox network for a first run: two local peer nodes, "lsp" and "shop", each a
 * `glasswing daemon` in its own data directory under DATADIR/sandbox/, connected to your node over
 * loopback (and to each other). A new user sees peers and traffic within seconds. The shop has an
 * offer ready to fetch (through a blinded path via the lsp), printed in the summary. With the
 * sandbox chain (scripts/regtest/sandbox-chain.ts), every node follows it (`--chain bitcoind-rpc`)
 * and each wallet is funded with regtest coins from its faucet. When the sandbox can reach your
 * node's API, it then opens the channels you → lsp → shop (mining until they are active) and pays
 * the shop once (a BOLT 11 invoice, reached through the lsp by its route hint), so a first start
 * shows a real payment, its route and the commitments moving. Both are idempotent across restarts:
 * a channel that exists or is opening is kept, and a payment already made is not made again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connectToDaemon, readApiInfo } from '../main/cli/daemon-client';
import type { SocketApiClient } from '../core/api';
import type { NodeApi, PaymentInfo } from '../core/api';
import type { SandboxChain } from './regtest/sandbox-chain';
import { saveSettings } from '../core/node/settings';
import { FRIEND_DESCRIPTION, FriendControl, friendProcess } from './sandbox-friend';

export interface SandboxNode {
  readonly name: string;
  readonly datadir: string;
  readonly nodeId: string;
  readonly listen: string;
  readonly api: NodeApi;
}

export interface Sandbox {
  readonly nodes: readonly SandboxNode[];
  readonly lsp: SandboxNode;
  readonly shop: SandboxNode;
  /** The friend's node as it was started (FriendControl restarts it; its id and address stay). */
  readonly friendNode: SandboxNode;
  /** The shop's offer (`lno…`), ready for `glasswing fetchinvoice`. */
  readonly offer: string;
  readonly summary: string;
  /** What the sandbox did with channels and payments this start (null: no chain or no API of yours). */
  readonly activity: string | null;
  /** The friend, an async recipient whose LSP is the lsp, switched offline and online from the app (scripts/sandbox-friend.ts). */
  readonly friend: FriendControl;
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

/**
 * Waits for the node of `datadir` run by the process `pid` (the desktop app's main process) to
 * publish its API (api.json, api-token), and connects. Files left by another process (a daemon
 * that ran there before) are not taken for it. Throws when `gone()` says the process ended, or at
 * the deadline.
 */
export async function waitForNodeApi(datadir: string, opts: { pid: number; timeoutMs: number; gone?: () => boolean }): Promise<SocketApiClient> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.gone?.()) throw new Error('the app stopped before its node answered');
    try {
      if (readApiInfo(datadir).info.pid === opts.pid) return await connectToDaemon(datadir);
    } catch {
      // not published yet (or not answering yet)
    }
    if (Date.now() > deadline) throw new Error(`the app's node did not publish its API in ${Math.round(opts.timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Each sandbox channel's capacity (the funder's side; nothing pushed). */
export const SANDBOX_CHANNEL_SAT = 2_000_000n;

/** The payment ids of the sandbox's two payments (`-2`, `-3`… when an earlier try failed): the shop's BOLT 11 invoice, its offer. */
export const SANDBOX_PAYMENT_ID = 'sandbox-first-espresso';
export const SANDBOX_OFFER_PAYMENT_ID = 'sandbox-offer-espresso';

/** What the shop's BOLT 11 invoice of the first payment says. */
export const SANDBOX_INVOICE_DESCRIPTION = 'Sandbox espresso (first purchase)';

async function poll<T>(check: () => Promise<T | undefined>, what: string, timeoutMs: number, step?: () => Promise<void>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    if (step) await step();
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A channel from `from` to the peer `to` that is active, being opened, or null (none, or only closed/failed ones). */
async function existingChannel(from: NodeApi, to: string): Promise<{ channelId: string | null; active: boolean } | null> {
  const live = (await from.listChannels({})).channels.find((c) => c.peer === to && c.lifecycle === 'active');
  if (live) return { channelId: live.channelId, active: live.state === 'active' };
  const opening = (await from.listOpenings({})).openings.find((o) => o.peer === to && (o.lifecycle === 'opening' || o.lifecycle === 'awaiting_confirmations'));
  return opening ? { channelId: opening.channelId, active: false } : null;
}

/** Both ends list the channel between them active (and reestablished). */
async function channelActive(a: NodeApi, aId: string, b: NodeApi, bId: string): Promise<boolean> {
  const [x, y] = await Promise.all([existingChannel(a, bId), existingChannel(b, aId)]);
  return x?.active === true && y?.active === true;
}

/**
 * The channels you → lsp → shop: each opened by its left end (so the payment's way has the funds)
 * unless one exists or is being opened, then blocks mined until both are active on both ends.
 */
export async function openSandboxChannels(
  you: { nodeId: string; api: NodeApi },
  lsp: SandboxNode,
  shop: SandboxNode,
  chain: SandboxChain,
  say: (text: string) => void,
  timeoutMs = 120_000,
  friend?: SandboxNode,
): Promise<{ opened: number }> {
  const pairs = [
    { from: { name: 'you', nodeId: you.nodeId, api: you.api }, to: lsp },
    { from: lsp, to: shop },
    // The friend's LSP funds the channel to it, so a payment can reach the friend.
    ...(friend ? [{ from: lsp, to: friend }] : []),
  ];
  let opened = 0;
  for (const { from, to } of pairs) {
    if (await existingChannel(from.api, to.nodeId)) continue;
    // The funder's coins must be confirmed and the peer connected (init exchanged) before open_channel.
    await poll(async () => (BigInt((await from.api.getBalance({})).confirmedSat) >= SANDBOX_CHANNEL_SAT * 2n ? true : undefined), `${from.name}'s confirmed coins`, timeoutMs, () => chain.mine(1));
    await poll(async () => ((await from.api.listPeers({})).peers.some((p) => p.nodeId === to.nodeId) ? true : undefined), `${from.name} connected to ${to.name}`, timeoutMs);
    const r = await from.api.openChannel({ nodeId: to.nodeId, amountSat: String(SANDBOX_CHANNEL_SAT) });
    opened++;
    say(`opening a ${Number(SANDBOX_CHANNEL_SAT) / 1e8} BTC channel ${from.name} → ${to.name} (funding ${r.fundingTxid.slice(0, 12)}…, ${r.minimumDepth} confirmation(s))…`);
  }
  // A block at a time until both channels are active (a block every few seconds comes later).
  await poll(async () => {
    const ok = (await channelActive(you.api, you.nodeId, lsp.api, lsp.nodeId)) && (await channelActive(lsp.api, lsp.nodeId, shop.api, shop.nodeId))
      && (!friend || (await channelActive(lsp.api, lsp.nodeId, friend.api, friend.nodeId)));
    return ok ? true : undefined;
  }, 'the sandbox channels active', timeoutMs, async () => {
    // Blocks only while a funding waits for confirmations (after a restart the channels just reestablish).
    const waiting = await Promise.all([you.api, lsp.api].map(async (api) => (await api.listOpenings({})).openings.some((o) => o.lifecycle === 'awaiting_confirmations')));
    if (waiting.some(Boolean)) await chain.mine(1);
  });
  say(opened > 0 ? 'channels you → lsp → shop are active.' : 'channels you → lsp → shop: active (from an earlier run).');
  return { opened };
}

/**
 * Pays `request()` once, under the payment id `id` (`id-2`, `id-3`… after a failed try):
 * remembered by your node's payments, so nothing is paid when one succeeded or is still pending.
 * Returns the payment made, null when one was made before, or 'not paid' when `pay` refused (said why).
 */
async function payOnce(you: NodeApi, id: string, what: string, request: () => Promise<string>, names: ReadonlyMap<string, string>, say: (text: string) => void): Promise<PaymentInfo | null | 'not paid'> {
  const earlier = (await you.listPayments({})).payments.filter((p) => p.paymentId === id || p.paymentId.startsWith(`${id}-`));
  if (earlier.some((p) => p.status !== 'failed')) return null;
  const paymentId = earlier.length === 0 ? id : `${id}-${earlier.length + 1}`;
  let paid: PaymentInfo;
  try {
    paid = await you.pay({ invoice: await request(), paymentId });
  } catch (e) {
    // Refused before anything was paid (e.g. the offer's invoice could not be fetched): tried again next start.
    say(`could not pay ${what}: ${e instanceof Error ? e.message : String(e)}`);
    return 'not paid';
  }
  const route = paid.parts.find((p) => p.status === 'succeeded')?.route ?? paid.parts[0]?.route ?? [];
  say(paid.status === 'succeeded'
    ? `paid ${what}: ${Number(paid.amountMsat) / 1000} sat (fee ${Number(paid.feeMsat ?? '0') / 1000} sat) along you → ${route.map((h) => names.get(h.nodeId) ?? `${h.nodeId.slice(0, 12)}…`).join(' → ')}${paid.kind === 'bolt12' ? ' → a blinded path to the shop' : ''}.`
    : `the sandbox's payment of ${what} ${paid.status}${paid.failure ? `: ${paid.failure.message}` : ''}.`);
  return paid;
}

/**
 * The sandbox's payments, each made once (kept across restarts): a BOLT 11 invoice the shop
 * issues (its route hint names the lsp's channel to it, so your node finds you → lsp → shop with
 * no gossip), then the shop's offer (its invoice fetched over the offer's blinded message path;
 * the invoice's blinded payment path has the lsp, the shop's channel peer, as introduction node).
 */
export async function sandboxPayments(you: NodeApi, lsp: SandboxNode, shop: SandboxNode, offer: string, say: (text: string) => void): Promise<{ invoice: PaymentInfo | null | 'not paid'; offer: PaymentInfo | null | 'not paid' }> {
  const names = new Map([[lsp.nodeId, lsp.name], [shop.nodeId, shop.name]]);
  const invoice = await payOnce(you, SANDBOX_PAYMENT_ID, 'the shop\'s invoice', async () => (await shop.api.createInvoice({ amountMsat: SANDBOX_OFFER.amountMsat, description: SANDBOX_INVOICE_DESCRIPTION })).bolt11, names, say);
  // The offer has a quantity_max, so the request names a quantity: fetch its invoice (lni1…), then pay it.
  const fetch = async (): Promise<string> => (await you.fetchInvoice({ offer, quantity: '1', payerNote: 'first espresso from the sandbox' })).invoice.bolt12;
  const paidOffer = await payOnce(you, SANDBOX_OFFER_PAYMENT_ID, 'the shop\'s offer', fetch, names, say);
  if (!invoice && !paidOffer) say('the sandbox\'s payments were made in an earlier run (see Payments in the app).');
  return { invoice, offer: paidOffer };
}

/** Starts a sandbox daemon; `async` is saved in its config.json first (its async payments role, taken at start). */
export async function startNode(opts: SandboxOptions, name: string, async?: Record<string, unknown>): Promise<SandboxNode & { child: ChildProcess }> {
  const datadir = join(opts.datadir, 'sandbox', name);
  mkdirSync(datadir, { recursive: true, mode: 0o700 });
  if (async) saveSettings(datadir, { async });
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
  child.once('exit', () => client.close());
  return { name, datadir, nodeId: ready.nodeId, listen: ready.listen, api: client.api, child };
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  // The lsp is also the async payments LSP (L1 and L2) of the friend and of your node.
  const [lsp, shop] = await Promise.all([startNode(opts, 'lsp', { role: 'lsp' }), startNode(opts, 'shop')]);
  // The friend: an async recipient whose LSP is the lsp (it dials the lsp itself; its channel comes with the others).
  const friendAsync = { role: 'recipient', lsp: `${lsp.nodeId}@${lsp.listen}`, description: FRIEND_DESCRIPTION };
  const friendNode = await startNode(opts, 'friend', friendAsync);
  const friend = new FriendControl(friendNode.nodeId, async () => {
    const n = await startNode(opts, 'friend', friendAsync);
    return friendProcess(n.nodeId, n.api, n.child);
  });
  friend.adopt(friendProcess(friendNode.nodeId, friendNode.api, friendNode.child));
  // shop ↔ lsp (the shop dials the lsp); both dial you when you join.
  await shop.api.connect({ address: `${lsp.nodeId}@${lsp.listen}`, reconnect: true });
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
  await Promise.all([
    shop.api.labelPeer({ nodeId: lsp.nodeId, label: 'lsp' }),
    lsp.api.labelPeer({ nodeId: shop.nodeId, label: 'shop' }),
    lsp.api.labelPeer({ nodeId: friendNode.nodeId, label: 'friend' }),
    friendNode.api.labelPeer({ nodeId: lsp.nodeId, label: 'lsp' }),
  ]);
  const parts = { lsp, shop, friendNode, offer, friend };
  const activity = opts.you ? await joinSandbox(parts, opts.you, opts) : null;
  return { ...parts, nodes: [lsp, shop, friendNode], activity, summary: sandboxSummary(parts, activity) };
}

/** What `npm start` prints about the sandbox: its nodes, what it did with your node, the shop's offer. */
export function sandboxSummary(s: Pick<Sandbox, 'lsp' | 'shop' | 'friendNode' | 'offer'>, activity: string | null): string {
  return `lsp ${s.lsp.nodeId.slice(0, 12)}… at ${s.lsp.listen}, shop ${s.shop.nodeId.slice(0, 12)}… at ${s.shop.listen}, ` +
    `friend ${s.friendNode.nodeId.slice(0, 12)}… at ${s.friendNode.listen} (an async recipient; its LSP is the lsp: switch it offline and pay it under Payments)\n` +
    (activity ? `${activity}\n` : '') +
    `the shop's offer (${SANDBOX_OFFER.description}, ${Number(SANDBOX_OFFER.amountMsat) / 1000} sat; fetch it with: glasswing fetchinvoice OFFER):\n${s.offer}`;
}

/**
 * Your node joins the sandbox: the lsp and the shop dial it and name it, and — when the sandbox
 * can reach your node's API — your wallet is funded (if it holds little), the channels
 * you → lsp → shop are opened and the shop is paid once. Called by startSandbox when your node is
 * already up (browser mode), or later, once the desktop app's node publishes its API (Electron).
 * Returns what it did with channels and payments (null: no chain or no API of yours).
 */
export async function joinSandbox(
  s: Pick<Sandbox, 'lsp' | 'shop' | 'friendNode' | 'offer'>,
  you: { nodeId: string; listen: string; api?: NodeApi },
  opts: Pick<SandboxOptions, 'say' | 'chain'>,
): Promise<string | null> {
  const { lsp, shop, friendNode, offer } = s;
  await lsp.api.connect({ address: `${you.nodeId}@${you.listen}`, reconnect: true });
  await shop.api.connect({ address: `${you.nodeId}@${you.listen}`, reconnect: true });
  if (!you.api) return null;
  const yourApi = you.api;
  const chain = opts.chain;
  await Promise.all([
    yourApi.labelPeer({ nodeId: lsp.nodeId, label: 'lsp (sandbox)' }),
    yourApi.labelPeer({ nodeId: shop.nodeId, label: 'shop (sandbox)' }),
    yourApi.labelPeer({ nodeId: friendNode.nodeId, label: 'friend (sandbox)' }),
    lsp.api.labelPeer({ nodeId: you.nodeId, label: 'you' }),
    shop.api.labelPeer({ nodeId: you.nodeId, label: 'you' }),
  ]);
  let activity: string | null = null;
  let paidHere = false;
  // The channels you → lsp → shop and one payment over them (once; kept across restarts).
  if (chain) {
    try {
      // Your coins, when startSandbox could not fund them (your node was not up yet) — null when you have enough.
      if ((await fundWallet(yourApi, chain)) !== null) {
        await chain.mine(1);
        opts.say(`funded your wallet with ${Number(SANDBOX_FUNDING_SAT) / 1e8} regtest BTC.`);
      }
      const { opened } = await openSandboxChannels({ nodeId: you.nodeId, api: yourApi }, lsp, shop, chain, opts.say, undefined, friendNode);
      const paid = await sandboxPayments(yourApi, lsp, shop, offer, opts.say);
      const state = (p: PaymentInfo | null | 'not paid'): string => (p === null ? 'paid earlier' : p === 'not paid' ? p : p.status);
      paidHere = paid.offer !== null && paid.offer !== 'not paid';
      activity = `channels you → lsp → shop active${opened ? ` (${opened} opened now)` : ''}; the shop's invoice ${state(paid.invoice)}, its offer ${state(paid.offer)}`;
    } catch (e) {
      activity = `channels/payment not done: ${e instanceof Error ? e.message : String(e)}`;
      opts.say(`the sandbox could not open its channels or pay: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  // One real purchase request right away: an invoice_request to the shop through the lsp and
  // the shop's invoice back, so the traffic charts, logs and offer history have something to show.
  // (Not when the offer was just paid: its invoice was fetched for that.)
  if (!paidHere) yourApi.fetchInvoice({ offer, quantity: '1', payerNote: 'first espresso from the sandbox' }).then(
    () => opts.say('fetched an invoice for the shop\'s offer (see Offers in the app).'),
    (e: unknown) => opts.say(`could not fetch the shop's invoice yet: ${e instanceof Error ? e.message : String(e)}`),
  );
  return activity;
}
