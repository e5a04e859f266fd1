/**
 * The chain and the wallet inside the node (issue 13 item 8), through real daemon processes on a
 * real btcd (regtest), driven by the CLI and the API: a deposit seen in the mempool, then
 * confirmed, confirmations counting up, the balance; withdraw (fee rate, floor, wrong network) and
 * an RBF bump that btcd's mempool takes; a reorg (`invalidateblock`) unconfirming a deposit and
 * the node following, then reconfirming; a restart resuming from the persisted tip; the chain
 * source in config.json and Settings; bad options as typed errors; credentials nowhere.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../core/api';
import { type Btcd, faucetKey, startBtcd, waitFor } from '../support/btcd';
import { DaemonProcess, runCli } from '../support/daemon';
import { tempDir } from '../support/tmp';
import {
  deposit, expectCoinsOnChain, mempoolSpenders, restart, startWalletNode, synced, walletTx, type WalletNode,
} from '../support/wallet-node';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
});

/** Everything the daemons printed and answered must leave the RPC password out. */
const seenText: string[] = [];
function keep<T>(value: T): T {
  seenText.push(JSON.stringify(value));
  return value;
}

describe('the node\'s wallet on btcd, through the CLI and the API', () => {
  let node: WalletNode;
  let firstDeposit: string;

  it('a node started with --chain bitcoind-rpc says where its chain is (without credentials) and follows btcd\'s tip', async () => {
    node = await startWalletNode(btcd);
    expect(node.daemon.ready).toMatchObject({ network: 'regtest', chain: { source: 'bitcoind-rpc', endpoint: `http://127.0.0.1:${btcd.rpcPort}` } });
    const height = await synced(node.api, btcd);
    const info = keep((await node.cli('chaininfo')).json) as Record<string, unknown>;
    expect(info).toMatchObject({
      network: 'regtest',
      source: { kind: 'bitcoind-rpc', endpoint: `http://127.0.0.1:${btcd.rpcPort}`, rpcCookie: null, server: { flavor: 'btcd', version: 260000 } },
      tip: { height, hash: await btcd.rpc('getbestblockhash') },
      sync: { state: 'in_sync', height },
      rescan: null,
      restoreScan: null,
    });
    // btcd has no estimates on a quiet regtest: the node's fallback, never below the floor.
    expect(info.fees).toMatchObject({ fast: { target: 2, origin: 'fallback' }, normal: { target: 6 }, slow: { target: 144 } });
    expect(keep((await node.cli('getinfo')).json)).toMatchObject({ network: 'regtest', chain: { source: 'bitcoind-rpc', state: 'in_sync', height } });
  });

  it('deposit: seen unconfirmed from the mempool, then confirmed; confirmations count up with blocks; the balance moves accordingly', async () => {
    const events = await node.daemon.events();
    const { address } = keep((await node.cli('newaddress')).json) as { address: string };
    expect(address).toMatch(/^bcrt1q[0-9a-z]{38}$/);
    firstDeposit = await btcd.fund(address, 2_000_000n);
    await walletTx(node.api, firstDeposit, (t) => t.state === 'unconfirmed', 'seen in the mempool');
    expect(keep((await node.cli('getbalance')).json)).toMatchObject({ confirmedSat: '0', unconfirmedSat: '2000000', availableSat: '0', totalSat: '2000000' });
    await events.waitFor((e) => e.type === 'wallet.tx_seen' && e.txid === firstDeposit);

    const [block] = await btcd.mine(1);
    const t = await walletTx(node.api, firstDeposit, (x) => x.confirmations === 1, 'confirmed once');
    expect(t).toMatchObject({ label: 'deposit', direction: 'incoming', amountSat: '2000000', state: 'confirmed', blockHash: block });
    await events.waitFor((e) => e.type === 'wallet.tx_confirmed' && e.txid === firstDeposit);
    await events.waitFor((e) => e.type === 'chain.block_connected' && e.hash === block);
    await btcd.mine(2);
    await walletTx(node.api, firstDeposit, (x) => x.confirmations === 3, 'three confirmations');
    expect(keep((await node.cli('getbalance')).json)).toEqual({
      confirmedSat: '2000000', unconfirmedSat: '0', immatureSat: '0', lockedSat: '0', reservedSat: '0', availableSat: '2000000', totalSat: '2000000',
    });
    const funds = keep((await node.cli('listfunds')).json) as { utxos: { txid: string; amountSat: string; confirmations: number; address: string }[] };
    expect(funds.utxos).toEqual([expect.objectContaining({ txid: firstDeposit, amountSat: '2000000', confirmations: 3, address, status: 'confirmed' })]);
    await expectCoinsOnChain(node.api, btcd);
    // Amounts on the bus are decimal strings.
    const balance = events.list.filter((e): e is Extract<NodeEvent, { type: 'wallet.balance_changed' }> => e.type === 'wallet.balance_changed').at(-1);
    expect(balance?.balance.confirmedSat).toBe('2000000');
  });

  it('withdraw checks the address\'s network and the fee rate floor, pays at the given rate, and btcd\'s mempool has it', async () => {
    const payee = faucetKey().address;
    const wrong = await node.cli('withdraw', 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', '10000');
    expect(wrong.code).toBe(1);
    expect(wrong.json).toMatchObject({ error: { code: 'wallet.bad_address' } });
    const low = await node.cli('withdraw', payee, '10000', '--feerate', '0.5');
    expect(low.json).toMatchObject({ error: { code: 'wallet.fee_rate_too_low', details: { minimumSatVb: 1 } } });
    const usage = await node.cli('withdraw', payee, '12.5');
    expect(usage.code).toBe(2);
    const tooMuch = await node.cli('withdraw', payee, '9000000');
    expect(tooMuch.json).toMatchObject({ error: { code: 'wallet.insufficient_funds' } });

    // The confirmation step's preview: the exact amounts, nothing kept or sent.
    const before = (await node.api.listTransactions({})).transactions.length;
    const preview = await node.api.previewWithdraw({ address: payee, amountSat: '300000', feeRateSatVb: 3 });
    expect(BigInt(preview.totalSat)).toBe(300_000n + BigInt(preview.feeSat));
    await expect(node.api.previewWithdraw({ address: payee, amountSat: '9000000' })).rejects.toMatchObject({ code: 'wallet.insufficient_funds' });
    const all = await node.api.previewWithdraw({ address: payee, amountSat: 'all', feeRateSatVb: 3 });
    expect(BigInt(all.totalSat)).toBe(2_000_000n);
    expect((await node.api.listTransactions({})).transactions).toHaveLength(before);
    expect(await btcd.rpc<string[]>('getrawmempool')).toEqual([]);

    const sent = keep((await node.cli('withdraw', payee, '300000', '--feerate', '3')).json) as { txid: string; feeSat: string; vsize: number; amountSat: string; broadcast: string };
    expect(sent).toMatchObject({ amountSat: '300000', feeRateSatVb: 3, broadcast: 'accepted', replaces: null, feeSat: preview.feeSat, vsize: preview.vsize });
    expect(BigInt(sent.feeSat)).toBe(BigInt(Math.ceil(sent.vsize * 3)));
    const entry = await btcd.rpc<Record<string, { fee: number; size: number }>>('getrawmempool', [true]);
    expect(Object.keys(entry)).toContain(sent.txid);
    expect(BigInt(Math.round(entry[sent.txid]!.fee * 1e8))).toBe(BigInt(sent.feeSat));
    expect(await mempoolSpenders(btcd, `${firstDeposit}:${(await btcd.rpc<{ vin: { vout: number }[] }>('getrawtransaction', [sent.txid, 1])).vin[0]!.vout}`)).toEqual([sent.txid]);
    const t = await walletTx(node.api, sent.txid, (x) => x.state === 'unconfirmed', 'listed');
    expect(t).toMatchObject({ label: 'withdraw', direction: 'outgoing', amountSat: '300000', feeSat: sent.feeSat, bumpable: true });
  });

  it('bumpfee replaces the withdrawal in btcd\'s mempool (BIP 125), refuses a rate below old + 1 sat/vB, and the bump confirms', async () => {
    const [sent] = (await node.api.listTransactions({})).transactions.filter((x) => x.label === 'withdraw' && x.state === 'unconfirmed');
    const tooLow = await node.cli('bumpfee', sent!.txid, '--feerate', '3.5');
    expect(tooLow.json).toMatchObject({ error: { code: 'wallet.fee_rate_too_low', details: { minimumSatVb: expect.any(Number) } } });
    const bumpPreview = await node.api.previewBumpFee({ txid: sent!.txid, feeRateSatVb: 8 });
    expect(bumpPreview).toMatchObject({ amountSat: '300000', replaces: sent!.txid, feeRateSatVb: 8 });
    expect(bumpPreview.minimumSatVb).toBeGreaterThan(3);
    expect(bumpPreview.minimumSatVb).toBeLessThan(5);
    const bump = keep((await node.cli('bumpfee', sent!.txid, '--feerate', '8')).json) as { txid: string; replaces: string; amountSat: string };
    expect(bump).toMatchObject({ feeSat: bumpPreview.feeSat });
    expect(bump).toMatchObject({ replaces: sent!.txid, amountSat: '300000', broadcast: 'accepted' });
    const mempool = await btcd.rpc<string[]>('getrawmempool');
    expect(mempool).toContain(bump.txid);
    expect(mempool).not.toContain(sent!.txid);
    await walletTx(node.api, sent!.txid, (x) => x.state === 'replaced' && x.replacedBy === bump.txid, 'replaced by the bump');
    expect((await node.cli('bumpfee', sent!.txid)).json).toMatchObject({ error: { code: 'wallet.not_bumpable' } });
    // Without --feerate: the next-blocks estimate or the least a replacement may pay, whichever is more.
    const again = keep((await node.cli('bumpfee', bump.txid)).json) as { txid: string; feeRateSatVb: number };
    expect(again.feeRateSatVb).toBeGreaterThanOrEqual(9);
    await btcd.mine(1);
    await walletTx(node.api, again.txid, (x) => x.state === 'confirmed' && x.confirmations === 1, 'the second bump confirmed');
    await walletTx(node.api, bump.txid, (x) => x.state === 'replaced' || x.state === 'conflicted', 'the first bump is out');
    await synced(node.api, btcd);
    await expectCoinsOnChain(node.api, btcd);
  });

  it('a reorg (invalidateblock) unconfirms a deposit and the node follows; the deposit confirms again in the new chain', async () => {
    const events = await node.daemon.events();
    const txid = await deposit(node, btcd, 500_000n, 1);
    const confirmed = await walletTx(node.api, txid, (x) => x.confirmations === 1, 'confirmed');
    const before = BigInt((await node.api.getBalance({})).confirmedSat);
    await btcd.rpc('invalidateblock', [confirmed.blockHash]);
    await walletTx(node.api, txid, (x) => x.state === 'unconfirmed' && x.blockHash === null, 'unconfirmed by the reorg');
    await events.waitFor((e) => e.type === 'chain.block_disconnected' && e.hash === confirmed.blockHash);
    await events.waitFor((e) => e.type === 'wallet.tx_unconfirmed' && e.txid === txid);
    const mid = await node.api.getBalance({});
    expect(BigInt(mid.confirmedSat)).toBe(before - 500_000n);
    expect(BigInt(mid.unconfirmedSat)).toBeGreaterThanOrEqual(500_000n);
    // btcd put it back into its mempool; the next block takes it (a different block than before).
    const [next] = await btcd.mine(1);
    const again = await walletTx(node.api, txid, (x) => x.state === 'confirmed', 'confirmed again');
    expect(again.blockHash).toBe(next);
    expect(again.blockHash).not.toBe(confirmed.blockHash);
    expect(BigInt((await node.api.getBalance({})).confirmedSat)).toBe(before);
    await synced(node.api, btcd);
    await expectCoinsOnChain(node.api, btcd);
  });

  it('a restart resumes from the persisted tip: only the blocks mined while it was down are connected', async () => {
    const tipBefore = await synced(node.api, btcd);
    const txs = (await node.api.listTransactions({})).transactions;
    expect(await node.daemon.stop()).toBe(0);
    await btcd.mine(3);
    node = await restart(node);
    const events = await node.daemon.events();
    const height = await synced(node.api, btcd);
    expect(height).toBe(tipBefore + 3);
    const connected = events.list.filter((e) => e.type === 'chain.block_connected').map((e) => (e as { height: number }).height);
    const recent = (await node.api.recentEvents({ types: ['chain.block_connected'] })).events.map((e) => (e as { height: number }).height);
    expect([...new Set([...recent, ...connected])].sort((a, b) => a - b)).toEqual([tipBefore + 1, tipBefore + 2, tipBefore + 3]);
    const after = (await node.api.listTransactions({})).transactions;
    expect(after.map((t) => t.txid)).toEqual(txs.map((t) => t.txid));
    for (const t of after.filter((x) => x.state === 'confirmed')) expect(t.confirmations).toBe(txs.find((x) => x.txid === t.txid)!.confirmations + 3);
  });

  it('the chain source saved through Settings is taken at the next start; the command line wins; no credentials in settings or events', async () => {
    const settings = keep(await node.api.getSettings({}));
    expect(settings.chain).toEqual({ kind: 'bitcoind-rpc', endpoint: `http://127.0.0.1:${btcd.rpcPort}`, rpcCookie: null, next: null });
    expect(settings.fromCommandLine).toContain('chain');
    await expect(node.api.updateSettings({ chain: { kind: 'bitcoind-rpc', rpcUrl: 'ftp://x' } })).rejects.toMatchObject({ code: 'api.invalid_params' });
    await expect(node.api.updateSettings({ chain: { kind: 'bitcoind-rpc', rpcUrl: 'http://127.0.0.1:1' } })).rejects.toMatchObject({ code: 'api.invalid_params' });
    const changed = keep(await node.api.updateSettings({ chain: { kind: 'bitcoind-rpc', rpcUrl: btcd.rpcUrl } }));
    // The command line said the same, and wins anyway: nothing pending.
    expect(changed.chain.next).toBeNull();
    const saved = JSON.parse(readFileSync(join(node.daemon.datadir, 'config.json'), 'utf8')) as { chain: unknown };
    expect(saved.chain).toEqual({ kind: 'bitcoind-rpc', rpcUrl: btcd.rpcUrl });
    expect((await node.api.recentEvents({ types: ['node.settings_changed'] })).events.at(-1)).toMatchObject({ changed: ['chain'] });
    keep((await node.api.recentEvents({ limit: 5000 })).events);

    // Started without --chain: config.json's source.
    expect(await node.daemon.stop()).toBe(0);
    const plain = new DaemonProcess(node.daemon.datadir, []);
    await plain.start();
    const api = await plain.api();
    await synced(api, btcd);
    expect((await api.getSettings({})).fromCommandLine).not.toContain('chain');
    // Settings can switch it for the next start: shown as pending, with its endpoint only.
    const next = keep(await api.updateSettings({ chain: { kind: 'none' } }));
    expect(next.chain).toMatchObject({ kind: 'bitcoind-rpc', next: { kind: 'none', endpoint: null } });
    expect(await plain.stop()).toBe(0);
    const none = new DaemonProcess(node.daemon.datadir, []);
    await none.start();
    const noneApi = await none.api();
    expect(keep(await noneApi.chainInfo({}))).toMatchObject({ source: { kind: 'none', endpoint: null }, sync: { state: 'none' }, tip: null, fees: null });
    expect(keep(await noneApi.getInfo({}))).toMatchObject({ chain: { source: 'none', state: 'none', height: null } });
    // The wallet is still there to read; nothing can be received or sent without a chain.
    expect(BigInt((await noneApi.getBalance({})).totalSat)).toBeGreaterThan(0n);
    await expect(noneApi.newAddress({})).rejects.toMatchObject({ code: 'wallet.no_chain' });
    await expect(noneApi.withdraw({ address: faucetKey().address, amountSat: '1000' })).rejects.toMatchObject({ code: 'wallet.no_chain' });
    expect(await none.stop()).toBe(0);
    for (const d of [node.daemon, plain, none]) seenText.push(...d.logs);
  });

  it('bad chain options are typed errors before anything starts', async () => {
    const cases: [string[], string][] = [
      [['--chain', 'electrum'], 'config.bad_chain'],
      [['--chain', 'bitcoind-rpc'], 'config.bad_chain'],
      [['--chain', 'bitcoind-rpc', '--rpc-url', 'ftp://u:p@127.0.0.1:1'], 'config.bad_chain'],
      [['--chain', 'bitcoind-rpc', '--rpc-url', 'http://127.0.0.1:1'], 'config.bad_chain'],
      [['--rpc-url', 'not a url'], 'config.bad_chain'],
      [['--chain', 'esplora'], 'config.bad_chain'],
      [['--chain', 'none', '--esplora-url', 'http://x'], 'config.bad_chain'],
      [['--chain-poll-ms', '0'], 'config.bad_number'],
      [['--restore-birthday', '5'], 'config.usage'],
    ];
    for (const [args, code] of cases) {
      const r = await runCli(['daemon', '--datadir', tempDir(), '--no-listen', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.json, args.join(' ')).toMatchObject({ error: { code } });
    }
    const dir = tempDir();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ chain: { kind: 'bitcoind-rpc', rpcUrl: 'http://nocreds:1' } }));
    expect((await runCli(['daemon', '--datadir', dir, '--no-listen'])).json).toMatchObject({ error: { code: 'config.bad_chain' } });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ chain: 'btcd' }));
    expect((await runCli(['daemon', '--datadir', dir, '--no-listen'])).json).toMatchObject({ error: { code: 'settings.malformed' } });
  });

  it('the RPC password appears in no log line, API answer or event', () => {
    seenText.push(...node.daemon.logs);
    expect(seenText.length).toBeGreaterThan(10);
    for (const text of seenText) expect(text).not.toContain(btcd.rpcPass);
  });
});

describe('a node on a chain source that fails', () => {
  it('garbage from the source is a typed error in chaininfo and getinfo ("out of sync"); the node stays up', async () => {
    const { startBadServer } = await import('../support/esplora');
    const bad = await startBadServer('garbage');
    try {
      const node = await startWalletNode(btcd, { args: ['--chain', 'bitcoind-rpc', '--rpc-url', `http://u:p@127.0.0.1:${bad.port}`, '--no-listen'] });
      const info = await waitFor(async () => {
        const i = await node.api.chainInfo({});
        return i.sync.state === 'out_of_sync' ? i : undefined;
      }, 'out of sync');
      expect(info.sync).toMatchObject({ state: 'out_of_sync', reason: { code: 'chain.source.bad_response' }, height: null });
      expect((await node.api.getInfo({})).chain).toMatchObject({ source: 'bitcoind-rpc', state: 'out_of_sync' });
      await expect(node.api.newAddress({})).rejects.toMatchObject({ code: 'wallet.chain_not_ready' });
      expect(await node.daemon.stop()).toBe(0);
    } finally {
      await bad.close();
    }
  });

  it('btcd out of reach (a proxy closed): out of sync with the reason, the node stays up; back: in sync, and what happened meanwhile is seen', async () => {
    const { startTcpProxy } = await import('../support/esplora');
    const proxy = await startTcpProxy(btcd.rpcPort);
    try {
      const url = btcd.rpcUrl.replace(`:${btcd.rpcPort}`, `:${proxy.port}`);
      const node = await startWalletNode(btcd, { args: ['--chain', 'bitcoind-rpc', '--rpc-url', url, '--no-listen'] });
      await synced(node.api, btcd);
      const { address } = await node.api.newAddress({});
      await proxy.pause();
      await waitFor(async () => {
        const s = (await node.api.chainInfo({})).sync;
        return s.state === 'out_of_sync' && s.reason.code === 'chain.source.unreachable' ? s : undefined;
      }, 'out of sync: unreachable');
      const txid = await btcd.fund(address, 100_000n);
      await btcd.mine(1);
      expect((await node.api.getInfo({})).chain.state).toBe('out_of_sync');
      await proxy.resume();
      await synced(node.api, btcd, 90_000);
      await walletTx(node.api, txid, (t) => t.confirmations === 1, 'confirmed after the source came back');
      expect(await node.daemon.stop()).toBe(0);
    } finally {
      await proxy.close();
    }
  }, 120_000);
});
