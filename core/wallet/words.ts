/**
 * Backup words. The node's 32-byte seed IS the BIP39 entropy, so its 24 words are the BIP39
 * encoding of the seed: `wordsFromSeed` ⇄ `seedFromWords` restore the node (and its node id).
 * The wallet's BIP32 master key comes from the BIP39 *seed* of those words with an empty
 * passphrase (keys.ts), so the same words also restore the on-chain funds in any BIP84 wallet.
 *
 * The words are secret: errors name the position of a bad word, never the word.
 */
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { WalletError } from './errors';

/** The node seed is 32 bytes: BIP39 "ENT" = 256 bits, "MS" = 24 words. */
export const SEED_LENGTH = 32;
export const SEED_WORD_COUNT = 24;

const WORDS = new Set(wordlist);

/** The 24 words (BIP39 English, single spaces) that encode a 32-byte node seed. */
export function wordsFromSeed(seed: Uint8Array): string {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_LENGTH) {
    throw new WalletError('wallet.bad_seed', `the node seed must be ${SEED_LENGTH} bytes`);
  }
  // BIP39 "Generating the mnemonic": ENT bits + SHA256(ENT)[0:ENT/32] checksum bits, 11 bits per word.
  return entropyToMnemonic(seed, wordlist);
}

/**
 * Splits and normalises backup words (BIP39 NFKD, any whitespace, any case) and checks each is
 * in the English list. `counts` are the accepted lengths.
 */
export function normalizeWords(words: string, counts: readonly number[] = [SEED_WORD_COUNT]): string {
  if (typeof words !== 'string') throw new WalletError('wallet.words_count', 'backup words must be text');
  const list = words.normalize('NFKD').toLowerCase().trim().split(/\s+/).filter((w) => w !== '');
  if (!counts.includes(list.length)) {
    const expected = counts.length === 1 ? `${counts[0]}` : `${counts.slice(0, -1).join(', ')} or ${counts[counts.length - 1]}`;
    throw new WalletError('wallet.words_count', `expected ${expected} words, got ${list.length}`, { count: list.length });
  }
  list.forEach((word, i) => {
    if (!WORDS.has(word)) {
      throw new WalletError('wallet.words_unknown', `word ${i + 1} is not in the BIP39 English word list`, { position: i + 1 });
    }
  });
  return list.join(' ');
}

/** Throws `wallet.words_checksum` unless the (normalised, known) words carry a valid BIP39 checksum. */
export function entropyFromNormalizedWords(words: string): Uint8Array {
  try {
    return mnemonicToEntropy(words, wordlist);
  } catch {
    // Every word is known and the count is right, so only the checksum can have failed.
    throw new WalletError(
      'wallet.words_checksum',
      'the words do not match their checksum: one of them is wrong or two are swapped',
    );
  }
}

/** The 32-byte node seed from its 24 backup words. */
export function seedFromWords(words: string): Uint8Array {
  return entropyFromNormalizedWords(normalizeWords(words, [SEED_WORD_COUNT]));
}
