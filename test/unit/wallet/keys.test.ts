/**
 * Backup words and BIP84 keys against the official vectors (BIP 84, BIP 39's English vectors;
 * see data/PROVENANCE.md), plus round trips and bad input as typed errors.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { WIF } from '@scure/btc-signer';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/crypto';
import { isGlasswingError } from '../../../core/errors';
import { WalletError, WalletKeys, seedFromWords, wordsFromSeed } from '../../../core/wallet';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
const bip84 = JSON.parse(readFileSync(join(DATA, 'bip84.json'), 'utf8')) as {
  mnemonic: string;
  account: { xpub: string };
  keys: { chain: 'receive' | 'change'; index: number; privkey: string; pubkey: string; address: string }[];
};
const bip39 = JSON.parse(readFileSync(join(DATA, 'bip39-24-words.json'), 'utf8')) as [string, string, string, string][];

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof WalletError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('backup words (the node seed is the BIP39 entropy)', () => {
  it.each(bip39.map((v) => [v[1].split(' ').slice(0, 3).join(' '), v] as const))('encodes the BIP39 vector "%s …"', (_name, v) => {
    expect(wordsFromSeed(fromHex(v[0]))).toBe(v[1]);
    expect(toHex(seedFromWords(v[1]))).toBe(v[0]);
  });

  it('round-trips any 32-byte seed through 24 words', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const words = wordsFromSeed(seed);
        expect(words.split(' ')).toHaveLength(24);
        expect(seedFromWords(words)).toEqual(seed);
      }),
    );
  });

  it('accepts any case and whitespace', () => {
    const words = bip39[1]![1];
    expect(toHex(seedFromWords(`  ${words.toUpperCase().split(' ').join(' \n\t ')}  `))).toBe(bip39[1]![0]);
  });

  it('names the problem: count, unknown word by position (never the word), checksum', () => {
    const words = bip39[1]![1].split(' ');
    expect(codeOf(() => seedFromWords(words.slice(0, 23).join(' ')))).toBe('wallet.words_count');
    expect(codeOf(() => seedFromWords(bip84.mnemonic))).toBe('wallet.words_count'); // 12 words: not a node seed
    const typo = [...words];
    typo[6] = 'sausagex';
    try {
      seedFromWords(typo.join(' '));
      expect.unreachable();
    } catch (e) {
      expect((e as WalletError).code).toBe('wallet.words_unknown');
      expect((e as WalletError).message).toContain('word 7');
      expect((e as WalletError).message).not.toContain('sausagex');
    }
    // Swapping two different words keeps every word valid but breaks the checksum.
    const swapped = [...words];
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    expect(codeOf(() => seedFromWords(swapped.join(' ')))).toBe('wallet.words_checksum');
    expect(codeOf(() => wordsFromSeed(new Uint8Array(31)))).toBe('wallet.bad_seed');
  });

  it('gives a value or a WalletError for any text', () => {
    const word = fc.constantFrom(...bip39.flatMap((v) => v[1].split(' ')), 'zoo', 'abandon', 'xyz', '');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(word, { maxLength: 30 }).map((w) => w.join(' '))), (text) => {
        try {
          expect(seedFromWords(text)).toHaveLength(32);
        } catch (e) {
          expect(isGlasswingError(e, 'wallet')).toBe(true);
        }
      }),
    );
  });
});

describe('BIP84 keys', () => {
  const keys = WalletKeys.fromWords(bip84.mnemonic, 'mainnet');

  it('derives the BIP 84 test vector account zpub from the mnemonic', () => {
    expect(keys.accountPath).toBe("m/84'/0'/0'");
    expect(keys.accountExtendedPublicKey).toBe(bip84.account.xpub);
  });

  it.each(bip84.keys.map((k) => [`${k.chain}/${k.index}`, k] as const))('derives the BIP 84 vector key %s', (_name, k) => {
    expect(toHex(keys.publicKey(k.chain, k.index))).toBe(k.pubkey);
    expect(keys.address(k.chain, k.index)).toBe(k.address);
    expect(toHex(keys.privateKey(k.chain, k.index))).toBe(toHex(WIF().decode(k.privkey)));
    expect(toHex(keys.scriptOf(k.address))).toBe(toHex(keys.script(k.chain, k.index)));
  });

  it('uses coin type 1 and the network prefix on the test networks', () => {
    const seed = mnemonicToSeedSync(bip84.mnemonic, '');
    const reference = HDKey.fromMasterSeed(seed).derive("m/84'/1'/0'/0/3").publicKey!;
    for (const [network, prefix] of [['testnet', 'tb1q'], ['signet', 'tb1q'], ['testnet4', 'tb1q'], ['regtest', 'bcrt1q']] as const) {
      const k = WalletKeys.fromWords(bip84.mnemonic, network);
      expect(k.coinType).toBe(1);
      expect(k.accountPath).toBe("m/84'/1'/0'");
      expect(toHex(k.publicKey('receive', 3))).toBe(toHex(reference));
      expect(k.address('receive', 3).startsWith(prefix)).toBe(true);
      expect(k.accountExtendedPublicKey.startsWith('vpub')).toBe(true);
    }
  });

  it('derives the wallet of a node seed from its 24 words', () => {
    const seed = fromHex(bip39[2]![0]);
    const fromSeed = WalletKeys.fromNodeSeed(seed, 'regtest');
    const fromWords = WalletKeys.fromWords(bip39[2]![1], 'regtest');
    expect(fromSeed.accountId).toBe(fromWords.accountId);
    expect(fromSeed.address('change', 7)).toBe(fromWords.address('change', 7));
    // The BIP39 seed (PBKDF2 of the words, empty passphrase) is the BIP32 master seed, as in any BIP84 wallet.
    const reference = HDKey.fromMasterSeed(mnemonicToSeedSync(bip39[2]![1], '')).derive("m/84'/1'/0'/1/7").publicKey!;
    expect(toHex(fromSeed.publicKey('change', 7))).toBe(toHex(reference));
  });

  it('parses addresses of its network only, naming the other network', () => {
    const regtest = WalletKeys.fromWords(bip84.mnemonic, 'regtest');
    expect(codeOf(() => regtest.scriptOf(bip84.keys[0]!.address))).toBe('wallet.bad_address');
    try {
      regtest.scriptOf(bip84.keys[0]!.address);
    } catch (e) {
      expect((e as Error).message).toContain('mainnet');
    }
    expect(codeOf(() => keys.scriptOf('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5'))).toBe('wallet.bad_address'); // checksum
    expect(codeOf(() => keys.scriptOf(''))).toBe('wallet.bad_address');
    expect(toHex(keys.scriptOf('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4'))).toBe('0014751e76e8199196d454941c45d1b3a323f1433bd6');
    expect(toHex(keys.scriptOf('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2'))).toBe('76a91477bff20c60e522dfaa3350c39b030a5d004e839a88ac');
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (text) => {
        try {
          keys.scriptOf(text);
        } catch (e) {
          expect(isGlasswingError(e, 'wallet.bad_address')).toBe(true);
        }
      }),
    );
  });

  it('rejects malformed words with typed errors', () => {
    expect(codeOf(() => WalletKeys.fromWords('abandon '.repeat(11).trim(), 'mainnet'))).toBe('wallet.words_count');
    expect(codeOf(() => WalletKeys.fromWords(`${'abandon '.repeat(11)}abandon`, 'mainnet'))).toBe('wallet.words_checksum');
  });
});
