/**
 * The reorg campaign (issue 19 item 3): two real daemons A and B on a real btcd (a new regtest
 * database each run), and reorgs of depth 1–6 (btcd `invalidateblock` of the block `depth` below
 * the tip, then `depth + 1` new blocks: a longer competing chain, into which the returned
 * transactions are mined again) at seeded random moments of a channel's life, cycle after cycle:
 *   - funding: the funding transaction confirmed but not yet locked in (fewer than minimum_depth);
 *   - closing: a cooperative closing transaction confirmed, not yet 6 deep;
 *   - force_closing: our commitment (the force closer's) confirmed, with the peer's to_remote
 *     sweep when it is already out;
 *   - sweeping: the force closer's to_local sweep confirmed (after to_self_delay).
 * After each reorg the flow goes on, and at the end of each channel's life the campaign checks:
 *   - the node follows: an opening goes back to waiting and locks in at the funding's new place
 *     (its short_channel_id is the new block's); a close is seen again at its new height and the
 *     channel ends `closed` on both nodes, classified `mutual` / `local` / `remote` as it was;
 *   - nothing lost: a cooperative close pays each end its balance less the fee (the crash
 *     campaign's ledger); after a force close the two wallets together gained exactly the
 *     capacity less every fee paid on chain (commitment, sweeps, CPFP children) and the outputs
 *     left on chain unspent (anchors nobody needed);
 *   - nothing swept twice: every output a node lists as claimed names the transaction that spent
 *     it in btcd's best chain, and every coin each wallet lists is in btcd's UTXO set with its value.
 *
 * btcd v0.26 keeps in its mempool the 1-CSV children of transactions a reorg returns there (an
 * anchors channel's to_remote sweep, broadcast once the commitment has one confirmation), and its
 * block template then fails ("sequence locks are not met") and `generate` hangs. So the peer of
 * a force close is stopped (SIGTERM) before the commitment's block and started again after the
 * reorg (a peer away is the usual reason to force close), and a reorg of the to_local sweep
 * goes no deeper than the block where it matured; `generate` refuses to run on such a mempool.
 */
import type { ClosedChannelInfo, NodeApi } from '../../core/api';
import type { ChannelSummary } from '../../core/channel/events';
import { Btcd } from '../../scripts/regtest/btcd';
import { Ledger, LedgerError } from '../crash/ledger';
import { cleanUp, tempDir } from '../support/processes';
import { Prng } from '../support/prng';
import { btcToSat, CampaignNode, feeOf, inMempool, rawTx, synced, waitUntil } from '../support/regtest';

export type ReorgMoment = 'funding' | 'closing' | 'force_closing' | 'sweeping';
export const REORG_MOMENTS: readonly ReorgMoment[] = ['funding', 'closing', 'force_closing', 'sweeping'];

export interface ReorgOptions {
  readonly reorgs: number;
  readonly seed: number;
  readonly nice?: number;
  readonly log?: (line: string) => void;
  readonly progress?: (report: ReorgReport) => void;
}

export interface ReorgRecord {
  readonly n: number;
  readonly moment: ReorgMoment;
  readonly depth: number;
  /** How deep the transaction of the moment was when its block was taken away. */
  readonly txDepth: number;
  /** From the new chain's last block to every node in sync at it, ms. */
  readonly followMs: number;
}

export interface ReorgReport {
  readonly seed: number;
  readonly reorgsAsked: number;
  readonly reorgs: readonly ReorgRecord[];
  readonly channels: { readonly opened: number; readonly cooperative: number; readonly force: number };
  readonly checks: number;
  readonly violations: readonly { readonly seed: number; readonly reorg: number; readonly what: string }[];
  readonly setupMs: number;
  readonly elapsedMs: number;
}

const DEPOSIT_SAT = 20_000_000n;
const CHANNEL_SAT = 1_000_000n;
const PUSH_MSAT = 300_000_000n;

class CampaignViolation extends Error {}

/** btcd, with a `generate` that refuses to hang. */
class RegtestChain {
  btcd!: Btcd;
  readonly dir = tempDir('glasswing-campaign-btcd-');

  async start(): Promise<void> {
    this.btcd = await Btcd.start({ dir: this.dir });
    const btcd = this.btcd;
    process.once('exit', () => btcd.kill());
  }

  rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    return this.btcd.rpc<T>(method, params);
  }

  /**
   * `generate n`. btcd v0.26 builds its block template from a mempool that may hold a 1-CSV child
   * of a transaction a reorg returned there; every template then fails ("block contains
   * transaction whose input sequence locks are not met") and `generate` never answers (restarting
   * btcd does not help: it comes back with a chain state that refuses the returned transactions as
   * orphans). The campaign avoids making such a child (see forceCycle); this guard turns a hang
   * into an error that says why.
   */
  async generate(n: number): Promise<string[]> {
    const locked = await this.#lockedChild();
    if (locked) throw new Error(`btcd's mempool holds ${locked}, a BIP 68-locked child of a mempool transaction: btcd v0.26's generate would hang`);
    return await this.btcd.mine(n);
  }

  async #lockedChild(): Promise<string | null> {
    const mempool = new Set(await this.rpc<string[]>('getrawmempool'));
    for (const txid of mempool) {
      const tx = await this.rpc<{ version: number; vin: { txid?: string; sequence: number }[] }>('getrawtransaction', [txid, 1]);
      // BIP 68: version ≥ 2, the disable flag (bit 31) clear, a block-based lock (bit 22 clear) of at least 1.
      if (tx.version >= 2 && tx.vin.some((i) => i.txid && mempool.has(i.txid) && (i.sequence & 0x80000000) === 0 && (i.sequence & 0x400000) === 0 && (i.sequence & 0xffff) > 0)) return txid;
    }
    return null;
  }

  async stop(): Promise<void> {
    await this.btcd.stop();
  }
}

export async function runReorg(opts: ReorgOptions): Promise<ReorgReport> {
  const log = opts.log ?? (() => {});
  const prng = new Prng(opts.seed);
  const t0 = Date.now();
  const reorgs: ReorgRecord[] = [];
  const violations: { seed: number; reorg: number; what: string }[] = [];
  const channels = { opened: 0, cooperative: 0, force: 0 };
  const ledger = new Ledger();
  let checks = 0;
  let setupMs = 0;
  const chain = new RegtestChain();
  const snapshot = (): ReorgReport => ({
    seed: opts.seed, reorgsAsked: opts.reorgs, reorgs, channels, checks, violations, setupMs, elapsedMs: Date.now() - t0,
  });
  const violation = (what: string): never => {
    throw new CampaignViolation(what);
  };

  try {
    await chain.start();
    await chain.generate(101);
    const [a, b] = await Promise.all(['A', 'B'].map((n) => CampaignNode.create(n, chain.btcd, { nice: opts.nice })));
    const nodes = [a!, b!];
    await Promise.all(nodes.map((n) => n.start()));
    const followed = async () => await synced(chain.btcd, nodes.filter((n) => n.alive), 120_000);
    const mine = async (n: number) => {
      const hashes = await chain.generate(n);
      await followed();
      return hashes;
    };
    await followed();
    for (const n of nodes) await chain.btcd.fund((await n.api.newAddress({})).address, DEPOSIT_SAT);
    await mine(1);
    for (const n of nodes) {
      await waitUntil(async () => ((await n.api.getBalance({})).confirmedSat === String(DEPOSIT_SAT) ? true : undefined), `${n.name}'s deposit`);
      ledger.setWallet(n.nodeId, DEPOSIT_SAT);
    }
    await a!.api.connect({ address: b!.address, reconnect: true });
    setupMs = Date.now() - t0;

    /**
     * A reorg that takes away the block holding `txid` (mined `txDepth` blocks ago at most 6):
     * invalidates the block `depth` below the tip (depth ≥ txDepth), mines depth + 1 new blocks,
     * and waits until both nodes follow the new tip.
     */
    const reorg = async (moment: ReorgMoment, txid: string, maxDepth = 6): Promise<void> => {
      const tx = await chain.rpc<{ confirmations?: number }>('getrawtransaction', [txid, 1]);
      const txDepth = tx.confirmations ?? 0;
      if (txDepth < 1 || txDepth > Math.min(6, maxDepth)) throw new Error(`${moment}: ${txid} is ${txDepth} deep, not 1–${Math.min(6, maxDepth)}`);
      const depth = prng.int(txDepth, Math.min(6, maxDepth));
      const tip = await chain.rpc<number>('getblockcount');
      const gone = await chain.rpc<string>('getblockhash', [tip - depth + 1]);
      await chain.rpc('invalidateblock', [gone]);
      const hashes = await chain.generate(depth + 1);
      const mined = Date.now();
      await followed();
      reorgs.push({ n: reorgs.length + 1, moment, depth, txDepth, followMs: Date.now() - mined });
      log(`reorg ${reorgs.length}/${opts.reorgs}: ${moment}, depth ${depth} (the transaction ${txDepth} deep), ${hashes.length} new blocks; followed in ${Date.now() - mined} ms`);
    };

    /** Waits for `txid` in the mempool (or already in a block); mines a block now and then for a broadcast btcd missed (the node rebroadcasts at blocks). */
    const broadcast = async (txid: string, what: string): Promise<void> => {
      for (let round = 0; ; round++) {
        try {
          await waitUntil(async () => ((await inMempool(chain.btcd, txid)) || (await chain.rpc<{ confirmations?: number }>('getrawtransaction', [txid, 1])).confirmations ? true : undefined), `${what} broadcast`, 20_000, 250);
          return;
        } catch (e) {
          if (round === 3) violation(`${what} ${txid} never reached btcd: ${(e as Error).message}`);
          await mine(1);
        }
      }
    };

    /** The transaction in btcd's mempool or best chain spending `outpoint`, scanning the mempool and the blocks from `fromHeight`. */
    const spenderOf = async (outpoint: string, fromHeight: number): Promise<string | undefined> => {
      const [txid, vout] = outpoint.split(':');
      for (const m of await chain.rpc<string[]>('getrawmempool')) if ((await rawTx(chain.btcd, m)).vin.some((i) => i.txid === txid && i.vout === Number(vout))) return m;
      const tip = await chain.rpc<number>('getblockcount');
      for (let h = tip; h >= fromHeight && h > 0; h--) {
        // btcd's getblock at verbosity 2 lists the transactions under `rawtx`.
        const block = await chain.rpc<{ rawtx?: { txid: string; vin: { txid?: string; vout?: number }[] }[]; tx?: unknown }>('getblock', [await chain.rpc<string>('getblockhash', [h]), 2]);
        for (const t of block.rawtx ?? []) if (t.vin.some((i) => i.txid === txid && i.vout === Number(vout))) return t.txid;
      }
      return undefined;
    };

    const checkWalletsOnChain = async (): Promise<void> => {
      checks++;
      for (const n of nodes) {
        const { utxos } = await n.api.listFunds({});
        for (const u of utxos) {
          const out = await chain.rpc<{ value: number } | null>('gettxout', [u.txid, u.vout, true]);
          if (!out) violation(`${n.name}'s wallet lists ${u.txid}:${u.vout}, not in btcd's UTXO set after the reorgs`);
          if (btcToSat(out!.value) !== BigInt(u.amountSat)) violation(`${n.name}'s wallet says ${u.txid}:${u.vout} holds ${u.amountSat} sat, btcd ${btcToSat(out!.value)}`);
        }
      }
    };

    const checkLedgerWallets = async (): Promise<void> => {
      for (const n of nodes) {
        await waitUntil(async () => (BigInt((await n.api.getBalance({})).totalSat) === ledger.wallet(n.nodeId) ? true : undefined), `${n.name}'s wallet`, 60_000, 250)
          .catch(async () => violation(`${n.name}'s wallet holds ${(await n.api.getBalance({})).totalSat} sat, the ledger says ${ledger.wallet(n.nodeId)}`));
      }
    };

    const summaryOf = async (api: NodeApi, id: string) => (await api.listChannels({})).channels.find((c) => c.channelId === id);
    const channelOn = async (n: CampaignNode, id: string, ok: (s: ChannelSummary) => boolean, what: string, timeoutMs = 120_000): Promise<ChannelSummary> =>
      await waitUntil(async () => {
        const s = await summaryOf(n.api, id);
        return s && ok(s) ? s : undefined;
      }, `${what} on ${n.name}`, timeoutMs, 250).catch(async () => violation(`channel ${id}: not ${what} on ${n.name} (it says ${JSON.stringify(await summaryOf(n.api, id).then((s) => s && { lifecycle: s.lifecycle, state: s.state, onChain: s.onChain }))})`));
    const closedOn = async (n: CampaignNode, id: string, ok: (c: ClosedChannelInfo) => boolean, what: string, timeoutMs = 120_000): Promise<ClosedChannelInfo> =>
      await waitUntil(async () => {
        const c = (await n.api.listClosedChannels({})).channels.find((x) => x.channel.channelId === id);
        return c && ok(c) ? c : undefined;
      }, `${what} on ${n.name}`, timeoutMs, 250).catch(async () => {
        const c = (await n.api.listClosedChannels({})).channels.find((x) => x.channel.channelId === id);
        return violation(`channel ${id}: not ${what} on ${n.name} (it says ${JSON.stringify(c && { state: c.onChain.state, closing: c.onChain.closing, outputs: c.onChain.outputs.map((o) => [o.role, o.status, o.claim?.txid ?? null, o.spentBy?.txid ?? null]) })})`);
      });

    /** Opens A–B (funded by the end with more in its wallet) with a reorg before lock-in; returns the channel id once active. */
    const fundingCycle = async (): Promise<{ id: string; funder: CampaignNode; fundee: CampaignNode }> => {
      const [funder, fundee] = ledger.wallet(a!.nodeId) >= ledger.wallet(b!.nodeId) ? [a!, b!] : [b!, a!];
      const opened = await funder.api.openChannel({ nodeId: fundee.nodeId, amountSat: String(CHANNEL_SAT), pushMsat: String(PUSH_MSAT), feeRateSatVb: 2 });
      await broadcast(opened.fundingTxid, 'the funding transaction');
      ledger.open({ channelId: opened.channelId, funder: funder.nodeId, fundee: fundee.nodeId, capacitySat: CHANNEL_SAT, pushMsat: PUSH_MSAT, fundingFeeSat: await feeOf(chain.btcd, opened.fundingTxid) });
      channels.opened++;
      // Before lock-in: fewer confirmations than minimum_depth (1 when minimum_depth is 1: it locks in at once).
      await mine(prng.int(1, Math.max(1, opened.minimumDepth - 1)));
      await reorg('funding', opened.fundingTxid);
      // The funding is back in the new chain: the opening follows it there and locks in.
      for (;;) {
        const conf = (await chain.rpc<{ confirmations?: number }>('getrawtransaction', [opened.fundingTxid, 1])).confirmations ?? 0;
        if (conf >= opened.minimumDepth) break;
        if (conf === 0) await broadcast(opened.fundingTxid, 'the funding transaction again');
        await mine(1);
      }
      const where = await chain.rpc<{ blockhash: string }>('getrawtransaction', [opened.fundingTxid, 1]);
      const block = await chain.rpc<{ height: number; tx: string[] }>('getblock', [where.blockhash, 1]);
      const scid = `${block.height}x${block.tx.indexOf(opened.fundingTxid)}x${opened.fundingOutputIndex}`;
      for (const n of [funder, fundee]) {
        const s = await channelOn(n, opened.channelId, (x) => x.lifecycle === 'active' && x.state === 'active', 'active after the funding reorg');
        if (s.shortChannelId !== scid) violation(`channel ${opened.channelId}: ${n.name} has short_channel_id ${s.shortChannelId}, the funding is at ${scid} in the best chain`);
        ledger.nameChannel(opened.channelId, [s.shortChannelId]);
      }
      checks++;
      return { id: opened.channelId, funder, fundee };
    };

    const cooperativeCycle = async (id: string): Promise<void> => {
      const closer = prng.pick(nodes);
      const fundingTxid = (await summaryOf(a!.api, id))!.fundingOutpoint.split(':')[0]!;
      await closer.api.closeChannel({ channelId: id });
      const closingTxid = await waitUntil(async () => {
        for (const txid of await chain.rpc<string[]>('getrawmempool')) if ((await rawTx(chain.btcd, txid)).vin.some((i) => i.txid === fundingTxid)) return txid;
        return undefined;
      }, 'the closing transaction', 120_000, 250).catch(() => violation(`channel ${id}: no closing transaction after closechannel`));
      await mine(prng.int(1, 5));
      await reorg('closing', closingTxid);
      for (const n of nodes) {
        const c = await closedOn(n, id, (x) => x.onChain.closing?.txid === closingTxid && x.onChain.closing.kind === 'mutual', 'seeing the mutual close again');
        const at = await chain.rpc<{ confirmations?: number }>('getrawtransaction', [closingTxid, 1]);
        if (at.confirmations && c.onChain.closing!.depth > 0 && c.onChain.closing!.depth !== at.confirmations) {
          // Depths are read at different moments: give the node one more look.
          await closedOn(n, id, (x) => x.onChain.closing!.depth === at.confirmations, `at the closing transaction's depth ${at.confirmations}`, 30_000);
        }
      }
      await mine(6);
      for (const n of nodes) await channelOn(n, id, (s) => s.lifecycle === 'closed', 'closed');
      const outs = (await rawTx(chain.btcd, closingTxid)).vout.map((o) => btcToSat(o.value));
      try {
        ledger.cooperativeClose(id, outs);
      } catch (e) {
        if (e instanceof LedgerError) violation(`channel ${id}: ${e.message}`);
        throw e;
      }
      channels.cooperative++;
      await checkLedgerWallets();
      await checkWalletsOnChain();
    };

    const forceCycle = async (id: string): Promise<void> => {
      const closer = prng.pick(nodes);
      const other = closer === a ? b! : a!;
      const before = new Map(await Promise.all(nodes.map(async (n) => [n, BigInt((await n.api.getBalance({})).totalSat)] as const)));
      // As a user would: the peer is away (a connected peer answers our error by failing the channel too).
      await closer.api.disconnect({ nodeId: other.nodeId });
      await waitUntil(async () => ((await closer.api.listPeers({})).peers.length === 0 && (await other.api.listPeers({})).peers.length === 0 ? true : undefined), 'disconnected');
      const forced = await closer.api.closeChannel({ channelId: id, force: true });
      const commitmentTxid = (forced as { commitmentTxid?: string }).commitmentTxid!;
      await broadcast(commitmentTxid, 'the commitment');
      // The peer away: its to_remote sweep (1 block after the commitment) must not reach btcd's mempool before the reorg (see above).
      await other.stop();
      await mine(prng.int(1, 4));
      await reorg('force_closing', commitmentTxid);
      await other.start();
      await followed();
      // The commitment is mined again in the new chain (or broadcast again by its node, then mined).
      await broadcast(commitmentTxid, 'the commitment after the reorg');
      if (!(await chain.rpc<{ confirmations?: number }>('getrawtransaction', [commitmentTxid, 1])).confirmations) await mine(1);
      await a!.api.connect({ address: b!.address, reconnect: true }).catch(() => {});
      const view = await closedOn(closer, id, (x) => x.onChain.closing?.txid === commitmentTxid && x.onChain.closing.kind === 'local', 'seeing its commitment again');
      await closedOn(other, id, (x) => x.onChain.closing?.txid === commitmentTxid && x.onChain.closing.kind === 'remote', 'seeing the remote commitment again');
      const toLocal = view.onChain.outputs.find((o) => o.role === 'local_to_local');
      if (toLocal) {
        // Mine to the to_self_delay, then until the sweep is in a block; reorg it away.
        const matured = await closedOn(closer, id, (x) => x.onChain.outputs.some((o) => o.role === 'local_to_local' && o.maturesAt !== null), 'knowing when to_local matures');
        const maturesAt = matured.onChain.outputs.find((o) => o.role === 'local_to_local')!.maturesAt!;
        const tip = await chain.rpc<number>('getblockcount');
        if (maturesAt > tip) await mine(maturesAt - tip);
        const claiming = await closedOn(closer, id, (x) => x.onChain.outputs.some((o) => o.role === 'local_to_local' && o.claim?.txid != null), 'claiming to_local', 120_000);
        const sweepTxid = claiming.onChain.outputs.find((o) => o.role === 'local_to_local')!.claim!.txid!;
        await broadcast(sweepTxid, 'the to_local sweep');
        await mine(prng.int(1, 3));
        const swept = (await spenderOf(toLocal.outpoint, maturesAt - 1)) ?? violation(`to_local ${toLocal.outpoint} not spent in the last blocks`);
        // No deeper than the block where to_local matured: below it the sweep's CSV lock is not met (see above).
        await reorg('sweeping', swept, (await chain.rpc<number>('getblockcount')) - maturesAt + 1);
      }
      // Everything resolves: mine until both nodes call the channel closed.
      for (let i = 0; i < 40; i++) {
        const done = await Promise.all(nodes.map(async (n) => (await summaryOf(n.api, id))?.lifecycle === 'closed'));
        if (done.every(Boolean)) break;
        await mine(1);
        if (i === 39) violation(`channel ${id}: not closed on both nodes 40 blocks after the last reorg`);
      }
      // Nothing swept twice: each output a node claimed names the transaction that spent it in the best chain.
      const closedAt = (await chain.rpc<{ blockhash: string }>('getrawtransaction', [commitmentTxid, 1])).blockhash;
      const fromHeight = (await chain.rpc<{ height: number }>('getblock', [closedAt, 1])).height;
      for (const n of nodes) {
        const c = (await n.api.listClosedChannels({})).channels.find((x) => x.channel.channelId === id)!;
        for (const o of c.onChain.outputs) {
          if (!o.spentBy) continue;
          const onChain = await spenderOf(o.outpoint, fromHeight);
          if (onChain !== o.spentBy.txid) violation(`${n.name}: output ${o.outpoint} (${o.role}) spent by ${o.spentBy.txid} says the node, by ${onChain ?? 'nothing'} in btcd's best chain`);
        }
      }
      // Nothing lost: capacity = Σ wallet gains + every fee on chain + what is left unspent.
      const commitment = await rawTx(chain.btcd, commitmentTxid);
      let fees = await feeOf(chain.btcd, commitmentTxid);
      let unspent = 0n;
      const spenders = new Set<string>();
      for (const o of commitment.vout) {
        const s = await spenderOf(`${commitmentTxid}:${o.n}`, fromHeight);
        if (s) spenders.add(s);
        else unspent += btcToSat(o.value);
      }
      for (const s of spenders) fees += await feeOf(chain.btcd, s);
      // CPFP children of the commitment spend an anchor and a wallet coin: their fee is counted above.
      const expected = CHANNEL_SAT - fees - unspent;
      let gained = 0n;
      await waitUntil(async () => {
        gained = 0n;
        for (const n of nodes) gained += BigInt((await n.api.getBalance({})).totalSat) - before.get(n)!;
        return gained === expected ? true : undefined;
      }, 'the wallets to hold the channel less the fees', 60_000, 500).catch(() => violation(`channel ${id} (force): the wallets gained ${gained} sat, the chain says ${expected} (capacity ${CHANNEL_SAT} − fees ${fees} − unspent ${unspent})`));
      for (const n of nodes) ledger.setWallet(n.nodeId, BigInt((await n.api.getBalance({})).totalSat));
      channels.force++;
      checks++;
      await checkWalletsOnChain();
    };

    while (reorgs.length < opts.reorgs) {
      const { id } = await fundingCycle();
      opts.progress?.(snapshot());
      if (reorgs.length >= opts.reorgs) break;
      if (prng.chance(0.5)) await cooperativeCycle(id);
      else await forceCycle(id);
      await a!.api.connect({ address: b!.address, reconnect: true }).catch(() => {});
      opts.progress?.(snapshot());
    }
  } catch (e) {
    if (!(e instanceof CampaignViolation)) throw e;
    violations.push({ seed: opts.seed, reorg: reorgs.length, what: e.message });
    log(`VIOLATION after reorg ${reorgs.length} (seed ${opts.seed}): ${e.message}`);
  } finally {
    await chain.stop().catch(() => {});
    cleanUp();
  }
  return snapshot();
}

