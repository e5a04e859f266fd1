/**
 * Channel establishment and cooperative close against a real btcd on regtest: the funder's wallet
 * (core/wallet, fed by test/support/wallet-feeder.ts) builds the funding transaction, which is broadcast
 * only after funding_signed is persisted, confirms, and both sides reach channel_ready with the real
 * short_channel_id; an HTLC moves over the resulting links; then a cooperative close whose transaction
 * btcd accepts and mines, paying both sides' scripts. Also: a reorg of the funding before lock-in, and
 * option_simple_close (each side's closing transaction is valid; one confirms).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeTx, txid as computeTxid, txidToHex } from '../../core/bitcoin';
import { fromHex, randomBytes, toHex } from '../../core/crypto';
import { shortChannelIdOf } from '../../core/channel/establish';
import { openDatabase } from '../../core/store';
import { WalletRepository } from '../../core/store/wallet-repository';
import { Wallet, WalletKeys } from '../../core/wallet';
import { type Btcd, startBtcd } from '../support/btcd';
import { type EstablishNet, establishNet, nodeFeatures, type Party, preimageOf, randomP2wpkh, settle } from '../support/establish-net';
import { tempDir } from '../support/tmp';
import { WalletFeeder } from '../support/wallet-feeder';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
});

/** A funded wallet for the funder, and the harness's funding hooks pointed at it and at btcd. */
async function fundedWallet(p: Party, amountSat: bigint): Promise<{ wallet: Wallet; feeder: WalletFeeder; toBroadcast: Uint8Array[] }> {
  const wallet = Wallet.open({ keys: WalletKeys.fromNodeSeed(randomBytes(32), 'regtest'), store: new WalletRepository(openDatabase(join(tempDir('glasswing-est-wallet-'), 'w.sqlite'))) });
  const feeder = await WalletFeeder.atTip(btcd, wallet);
  await btcd.fund(wallet.newAddress().address, amountSat);
  await btcd.mine(1);
  await feeder.sync();
  const toBroadcast: Uint8Array[] = [];
  p.buildFunding = (a) => {
    const built = wallet.buildFunding({ scriptPubKey: a.scriptPubKey, amountSat: a.amountSat, feeRateSatVb: a.feeRateSatVb, nowMs: Date.now() });
    // Built, signed, coins locked — and not broadcastable yet.
    expect(wallet.pendingBroadcasts().map((x) => x.txid)).not.toContain(built.txid);
    return { tx: built.tx, outputIndex: built.outputIndex };
  };
  p.broadcast = (tx) => {
    const id = txidToHex(computeTxid(decodeTx(tx)));
    // broadcast_funding only comes once funding_signed is durable: the opening record is in SQLite.
    expect(p.openings.load().some((r) => txidToHex(r.terms.fundingOutpoint.txid) === id)).toBe(true);
    toBroadcast.push(wallet.commitFunding(id).tx);
  };
  return { wallet, feeder, toBroadcast };
}

/** Tells each party what btcd knows of the funding transactions it watches (mempool, block, reorged out), then the tip. */
async function syncChain(net: EstablishNet): Promise<void> {
  const tip = await btcd.height();
  for (const p of [net.a, net.b]) {
    for (const id of [...p.watching]) {
      let info: { hex: string; blockhash?: string; confirmations?: number } | null = null;
      try {
        info = await btcd.rpc('getrawtransaction', [id, 1]);
      } catch {
        info = null;
      }
      if (!info) continue;
      p.seen(fromHex(info.hex));
      if (info.blockhash && (info.confirmations ?? 0) > 0) {
        const block = await btcd.rpc<{ height: number; tx: string[] }>('getblock', [info.blockhash, 1]);
        p.confirmed(id, { height: block.height, txIndex: block.tx.indexOf(id), blockHash: info.blockhash });
      } else if (p.opening?.shortChannelId !== null) {
        p.unconfirmed(id);
      }
    }
    p.tip(tip);
  }
  net.deliverAll();
}

async function broadcastAll(list: Uint8Array[]): Promise<string[]> {
  const ids: string[] = [];
  for (const raw of list.splice(0)) ids.push(await accept(raw));
  return ids;
}

/** btcd's verdict first (testmempoolaccept), then the broadcast. */
async function accept(raw: Uint8Array): Promise<string> {
  const [verdict] = await btcd.rpc<{ allowed?: boolean; 'reject-reason'?: string }[]>('testmempoolaccept', [[toHex(raw)], 0.1]);
  expect(verdict!['reject-reason'] ?? 'allowed').toBe('allowed');
  return await btcd.rpc<string>('sendrawtransaction', [toHex(raw)]);
}

async function blockOf(id: string): Promise<{ height: number; txIndex: number }> {
  const info = await btcd.rpc<{ blockhash: string }>('getrawtransaction', [id, 1]);
  const block = await btcd.rpc<{ height: number; tx: string[] }>('getblock', [info.blockhash, 1]);
  return { height: block.height, txIndex: block.tx.indexOf(id) };
}

const sat = (btc: number): bigint => BigInt(Math.round(btc * 1e8));

describe('channel establishment and cooperative close on a real btcd', () => {
  it('funds from the wallet, broadcasts after funding_signed, reaches channel_ready with the real short_channel_id, moves an HTLC, closes cooperatively', async () => {
    const closeB = randomP2wpkh();
    const net = establishNet({ defaults: { minimumDepth: 3 } }, { defaults: { minimumDepth: 3 }, closeScript: closeB });
    const { a, b } = net;
    const { wallet, feeder, toBroadcast } = await fundedWallet(a, 3_000_000n);
    a.height = b.height = await btcd.height();
    const closeA = wallet.sweepDestination().scriptPubKey;

    a.open({ fundingSatoshis: 1_000_000n, pushMsat: 200_000_000n, feeratePerKw: 2_500, fundingFeeRateSatVb: 2, upfrontShutdownScript: closeA });
    net.deliverAll();
    expect(a.opening!.phase).toBe('awaiting_lock_in');
    expect(b.opening!.phase).toBe('awaiting_lock_in');
    expect(toBroadcast).toHaveLength(1);
    const [fundingId] = await broadcastAll(toBroadcast);
    const channelId = toHex(a.opening!.channelId!);
    expect(toHex(b.opening!.channelId!)).toBe(channelId);

    await btcd.mine(1);
    await syncChain(net);
    expect(a.opening!.depth).toBe(1);
    expect(a.link).toBeNull();
    await btcd.mine(2);
    await syncChain(net);
    // Both at minimum_depth: channel_ready both ways, the channel is its links'.
    expect(a.link?.phase).toBe('active');
    expect(b.link?.phase).toBe('active');
    const where = await blockOf(fundingId!);
    const scid = shortChannelIdOf(where.height, where.txIndex, a.opening!.snapshot().terms.fundingOutpoint.vout);
    const readyA = a.log.openingEvents.find((e) => e.type === 'channel_ready');
    const readyB = b.log.openingEvents.find((e) => e.type === 'channel_ready');
    expect(readyA?.type === 'channel_ready' && readyA.channel.shortChannelId).toBe(scid);
    expect(readyB?.type === 'channel_ready' && readyB.channel.shortChannelId).toBe(scid);
    // The wallet sees its funding transaction confirmed.
    await feeder.sync();
    expect(wallet.transaction(fundingId!)).toMatchObject({ label: 'funding', confirmations: 3 });

    // An HTLC over the links: A pays B 50,000 sat.
    const id = a.addHtlc(50_000_000n, 'btcd-htlc');
    settle(net);
    b.step(b.link!.fulfillHtlc(id, preimageOf('btcd-htlc')));
    settle(net);
    expect(a.link!.state.localCommit.spec).toMatchObject({ localMsat: 750_000_000n, remoteMsat: 250_000_000n, htlcs: [] });

    // Cooperative close: A asks; B answers with its script.
    a.close(closeA);
    settle(net);
    expect(a.closingTxs).toHaveLength(1);
    expect(b.closingTxs.map((c) => c.txid)).toEqual(a.closingTxs.map((c) => c.txid));
    const closing = a.closingTxs[0]!;
    // The monitor was told of every closing transaction we signed before our signatures left.
    expect(a.log.signedClosings).toContain(closing.txid);
    expect(b.log.signedClosings).toContain(closing.txid);
    const closingId = await accept(closing.tx);
    expect(closingId).toBe(closing.txid);
    await btcd.mine(1);
    const mined = await btcd.rpc<{ vout: { value: number; scriptPubKey: { hex: string } }[]; confirmations: number }>('getrawtransaction', [closingId, 1]);
    expect(mined.confirmations).toBe(1);
    const paid = (script: Uint8Array) => mined.vout.filter((o) => o.scriptPubKey.hex === toHex(script)).reduce((s, o) => s + sat(o.value), 0n);
    // The funder pays the fee: A gets its 750,000 sat less the fee, B its 250,000.
    expect(paid(closeB)).toBe(250_000n);
    expect(paid(closeA)).toBe(750_000n - closing.feeSat);
    await feeder.sync();
    expect(wallet.listUtxos().some((u) => u.txid === closingId && u.amountSat === 750_000n - closing.feeSat)).toBe(true);
    net.close();
  });

  it('a reorg of the funding before lock-in sends the opening back to waiting; it locks in on the new block, with its short_channel_id', async () => {
    const net = establishNet({ defaults: { minimumDepth: 2 } }, { defaults: { minimumDepth: 2 } });
    const { a, b } = net;
    const { toBroadcast } = await fundedWallet(a, 2_000_000n);
    a.height = b.height = await btcd.height();
    a.open({ fundingSatoshis: 500_000n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2 });
    net.deliverAll();
    const [fundingId] = await broadcastAll(toBroadcast);
    const [first] = await btcd.mine(1);
    await syncChain(net);
    expect(b.opening!.depth).toBe(1);
    const firstScid = b.opening!.shortChannelId;
    expect(firstScid).not.toBeNull();

    // The block goes away before minimum_depth: the funding is back in the mempool.
    await btcd.rpc('invalidateblock', [first]);
    await syncChain(net);
    expect(b.opening!.depth).toBe(0);
    expect(b.opening!.shortChannelId).toBeNull();
    expect(b.log.openingEvents.some((e) => e.type === 'funding_reorged' && !e.lockedIn)).toBe(true);
    expect(a.link).toBeNull();
    expect(b.link).toBeNull();

    // Two blocks on another branch: the funding confirms again, in another block.
    const mempool = await btcd.rpc<string[]>('getrawmempool', []);
    expect(mempool).toContain(fundingId);
    await btcd.mine(2);
    await syncChain(net);
    expect(a.link?.phase).toBe('active');
    expect(b.link?.phase).toBe('active');
    const where = await blockOf(fundingId!);
    const scid = shortChannelIdOf(where.height, where.txIndex, b.opening!.snapshot().terms.fundingOutpoint.vout);
    expect(b.opening!.shortChannelId).toBe(scid);
    expect(b.opening!.snapshot().confirmation!.blockHash).not.toBe(first);
    expect(b.opening!.snapshot().confirmation!.blockHash).toBe(await btcd.rpc<string>('getblockhash', [where.height]));
    const ready = b.log.openingEvents.find((e) => e.type === 'channel_ready');
    expect(ready?.type === 'channel_ready' && ready.channel.shortChannelId).toBe(scid);
    net.close();
  });

  it('option_simple_close: each side signs the other\'s closing transaction; both are valid to btcd and one confirms', async () => {
    const features = nodeFeatures({ simpleClose: true });
    const closeA = randomP2wpkh();
    const closeB = randomP2wpkh();
    const net = establishNet({ features, defaults: { minimumDepth: 1 }, closeScript: closeA }, { features, defaults: { minimumDepth: 1 }, closeScript: closeB });
    const { a, b } = net;
    const { toBroadcast } = await fundedWallet(a, 2_000_000n);
    a.height = b.height = await btcd.height();
    a.open({ fundingSatoshis: 600_000n, pushMsat: 300_000_000n, feeratePerKw: 1_000, fundingFeeRateSatVb: 2 });
    net.deliverAll();
    await broadcastAll(toBroadcast);
    await btcd.mine(1);
    await syncChain(net);
    expect(a.link?.phase).toBe('active');
    b.close(closeB);
    settle(net);
    // Each side sent closing_complete for a transaction whose fee it pays, and got closing_sig back.
    const ofA = a.closingTxs.find((c) => c.closer === 'local')!;
    const ofB = b.closingTxs.find((c) => c.closer === 'local')!;
    expect(ofA).toBeDefined();
    expect(ofB).toBeDefined();
    expect(b.closingTxs.map((c) => c.txid)).toContain(ofA.txid);
    expect(a.closingTxs.map((c) => c.txid)).toContain(ofB.txid);
    for (const c of [ofA, ofB]) {
      const [verdict] = await btcd.rpc<{ allowed?: boolean; 'reject-reason'?: string }[]>('testmempoolaccept', [[toHex(c.tx)], 0.1]);
      expect(verdict!['reject-reason'] ?? 'allowed').toBe('allowed');
    }
    const id = await accept(ofB.tx);
    await btcd.mine(1);
    const mined = await btcd.rpc<{ vout: { value: number; scriptPubKey: { hex: string } }[] }>('getrawtransaction', [id, 1]);
    const paid = (script: Uint8Array) => mined.vout.filter((o) => o.scriptPubKey.hex === toHex(script)).reduce((s, o) => s + sat(o.value), 0n);
    // B closed and paid the fee from its 300,000 sat; A's balance is whole (less the commitment fee it no longer pays).
    expect(paid(closeB)).toBe(300_000n - ofB.feeSat);
    expect(paid(closeA)).toBe(300_000n);
    net.close();
  });
});
