/**
 * Backup words and restore, through real daemons on btcd: `backupwords` needs the passphrase of
 * an encrypted seed; `glasswing daemon --restore-words-file F` into an empty data directory brings
 * back the same node id and, scanning from the birthday until no new script appears, every coin
 * (payments spread over addresses past the first look-ahead window, a spend, change); it refuses a
 * data directory that holds a node, and bad words are typed errors that name no word.
 */
import { writeFileSync } from 'node:fs';
import { seedFromWords } from '../../core/wallet/words';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Btcd, faucetKey, startBtcd, waitFor } from '../support/btcd';
import { runCli } from '../support/daemon';
import { tempDir } from '../support/tmp';
import { expectCoinsOnChain, rpcFlags, startWalletNode, synced, walletTx } from '../support/wallet-node';

let btcd: Btcd;
beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
});

describe('backup words and restore from them', () => {
  it('restores the node id and every coin, scanning past the first look-ahead window; refuses a directory that holds a node', async () => {
    const passFile = join(tempDir(), 'pass');
    writeFileSync(passFile, 'correct horse battery\n');
    const birthday = await btcd.height();
    const original = await startWalletNode(btcd, { args: [...rpcFlags(btcd), '--passphrase-file', passFile] });
    await synced(original.api, btcd);

    // Addresses 0..34 handed out; 0, 15 and 30 paid (each within 20 of the last used one), then a spend.
    const addresses: string[] = [];
    for (let i = 0; i < 35; i++) addresses.push((await original.api.newAddress({})).address);
    const paid = [0, 15, 30];
    for (const i of paid) await btcd.fund(addresses[i]!, 300_000n + BigInt(i));
    await btcd.mine(1);
    await waitFor(async () => ((await original.api.getBalance({})).confirmedSat === '900045' ? true : undefined), 'the three payments confirmed');
    const spend = await original.api.withdraw({ address: faucetKey().address, amountSat: '123456', feeRateSatVb: 2 });
    await btcd.mine(2);
    await walletTx(original.api, spend.txid, (t) => t.confirmations === 2, 'the spend confirmed');
    await synced(original.api, btcd);
    const balance = await original.api.getBalance({});

    // The words only with the passphrase of the encrypted seed; never logged.
    const locked = await original.cli('backupwords');
    expect(locked.json).toMatchObject({ error: { code: 'store.locked' } });
    await expect(original.api.backupWords({ passphrase: 'wrong' })).rejects.toMatchObject({ code: 'store.locked' });
    const backup = await original.cli('backupwords', '--passphrase-file', passFile);
    const { words, encrypted, note } = backup.json as { words: string[]; encrypted: boolean; note: string };
    expect(words).toHaveLength(24);
    expect(encrypted).toBe(true);
    expect(note).toMatch(/NOT restore channels/);
    const nodeId = original.daemon.nodeId;

    // Into a data directory that holds a node: refused before anything is written.
    const wordsFile = join(tempDir(), 'words.txt');
    writeFileSync(wordsFile, ` ${words.join('  ').toUpperCase()}\n`);
    expect(await original.daemon.stop()).toBe(0);
    const refused = await runCli(['daemon', '--datadir', original.daemon.datadir, '--no-listen', '--restore-words-file', wordsFile, ...rpcFlags(btcd)]);
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ error: { code: 'node.restore_not_empty' } });
    // No two backup words in a row anywhere (one alone can be an ordinary word: "network" is one).
    const pairs = words.slice(1).map((w, i) => new RegExp(`\\b${words[i]}\\W+${w}\\b`, 'i'));
    for (const line of [...original.daemon.logs, refused.stderr]) for (const pair of pairs) expect(line).not.toMatch(pair);

    // Bad words: typed, naming the position, not the word.
    const badFile = join(tempDir(), 'bad.txt');
    writeFileSync(badFile, [...words.slice(0, 23), 'zzzz'].join(' '));
    const bad = await runCli(['daemon', '--datadir', tempDir(), '--no-listen', '--restore-words-file', badFile, ...rpcFlags(btcd)]);
    expect(bad.json).toMatchObject({ error: { code: 'wallet.words_unknown' } });
    expect(bad.stderr).not.toContain('zzzz');
    const swapped = join(tempDir(), 'swapped.txt');
    // Two words swapped: a checksum catches it unless the swap happens to keep the 8 checksum bits
    // right (1 in 256 seeds); the first adjacent pair whose swap breaks the checksum is taken.
    const swaps = words.slice(0, -1).map((_, i) => [...words.slice(0, i), words[i + 1]!, words[i]!, ...words.slice(i + 2)].join(' '));
    const breaksChecksum = (w: string) => {
      try {
        seedFromWords(w);
        return false;
      } catch {
        return true;
      }
    };
    writeFileSync(swapped, swaps.find(breaksChecksum)!);
    expect((await runCli(['daemon', '--datadir', tempDir(), '--no-listen', '--restore-words-file', swapped, ...rpcFlags(btcd)])).json)
      .toMatchObject({ error: { code: 'wallet.words_checksum' } });

    // Into an empty directory, from a birthday below the first payment.
    const restored = await startWalletNode(btcd, {
      args: [...rpcFlags(btcd), '--no-listen', '--restore-words-file', wordsFile, '--restore-birthday', String(birthday)],
    });
    expect(restored.daemon.nodeId).toBe(nodeId);
    const scanning = await restored.api.chainInfo({});
    expect(scanning.restoreScan === null || scanning.restoreScan.birthday === birthday).toBe(true);
    await waitFor(async () => {
      const info = await restored.api.chainInfo({});
      return info.restoreScan === null && info.rescan === null && info.sync.state === 'in_sync' ? true : undefined;
    }, 'the restore scan done', 60_000);
    await synced(restored.api, btcd);
    expect(await restored.api.getBalance({})).toEqual(balance);
    const txs = (await restored.api.listTransactions({})).transactions;
    expect(txs.filter((t) => t.label === 'deposit').map((t) => t.amountSat).sort()).toEqual(['300000', '300015', '300030']);
    expect(txs.find((t) => t.txid === spend.txid)).toMatchObject({ direction: 'outgoing', state: 'confirmed', amountSat: '123456' });
    await expectCoinsOnChain(restored.api, btcd);
    // The next address continues after the ones the original used.
    const next = (await restored.api.newAddress({})).address;
    expect(addresses.slice(0, 31)).not.toContain(next);
    expect(restored.daemon.logs.some((l) => l.includes('wallet_restore_scanned'))).toBe(true);
    // Restarted after the scan: nothing to scan again, the same coins.
    expect(await restored.daemon.stop()).toBe(0);
    const again = await startWalletNode(btcd, { datadir: restored.daemon.datadir, args: [...rpcFlags(btcd), '--no-listen'] });
    await synced(again.api, btcd);
    expect((await again.api.chainInfo({})).restoreScan).toBeNull();
    expect(await again.api.getBalance({})).toEqual(balance);
    expect(await again.daemon.stop()).toBe(0);
  }, 180_000);

  it('an unencrypted seed gives its words without a passphrase; the default birthday is genesis', async () => {
    const node = await startWalletNode(btcd, { args: [...rpcFlags(btcd), '--no-listen'] });
    await synced(node.api, btcd);
    const { address } = await node.api.newAddress({});
    const txid = await btcd.fund(address, 77_000n);
    await btcd.mine(1);
    await walletTx(node.api, txid, (t) => t.confirmations === 1, 'confirmed');
    const { words, encrypted } = await node.api.backupWords({});
    expect(encrypted).toBe(false);
    expect(await node.daemon.stop()).toBe(0);
    const file = join(tempDir(), 'w');
    writeFileSync(file, words.join(' '));
    const restored = await startWalletNode(btcd, { args: [...rpcFlags(btcd), '--no-listen', '--restore-words-file', file] });
    await waitFor(async () => ((await restored.api.getBalance({})).confirmedSat === '77000' ? true : undefined), 'the coin found from genesis', 60_000);
    expect(restored.daemon.nodeId).toBe(node.daemon.nodeId);
    expect(await restored.daemon.stop()).toBe(0);
  }, 120_000);
});
