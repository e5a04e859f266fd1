/**
 * The wallet's keys: BIP32 (@scure/bip32) from the BIP39 seed of the backup words (@scure/bip39,
 * empty passphrase), BIP84 account 0 — P2WPKH receive keys at m/84'/coin'/0'/0/i and change keys
 * at m/84'/coin'/0'/1/i, coin type 0 on mainnet and 1 on every test network (BIP 44 / SLIP-44).
 * The same words restore these funds in any BIP84 wallet.
 *
 * Only the two chain keys (…/0 and …/1) keep private material; the master and account private
 * keys are wiped once derived. Private keys leave this object only to sign, as copies the caller
 * zeroes.
 */
import { HARDENED_OFFSET, HDKey, type Versions } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { hash160, toHex, zeroize } from '../crypto';
import { p2wpkh } from '../bitcoin';
import type { Network } from '../wire';
import { addressToScript, scriptToAddress } from './address';
import { entropyFromNormalizedWords, normalizeWords, wordsFromSeed } from './words';

export type Keychain = 'receive' | 'change';

/** BIP 44 "change" level: 0 external (receive), 1 internal (change). */
const CHAIN_LEVEL: Readonly<Record<Keychain, number>> = { receive: 0, change: 1 };

/** SLIP-0132 version bytes BIP 84 uses for account keys: zpub/zprv (mainnet), vpub/vprv (test networks). */
export const BIP84_VERSIONS: Readonly<Record<'mainnet' | 'test', Versions>> = {
  mainnet: { private: 0x04b2430c, public: 0x04b24746 },
  test: { private: 0x045f18bc, public: 0x045f1cf6 },
};

/** BIP39 mnemonic lengths (12–24 words); the node seed itself is always 24. */
const MNEMONIC_LENGTHS = [12, 15, 18, 21, 24];

export class WalletKeys {
  readonly network: Network;
  /** BIP 44 coin type: 0 for bitcoin, 1 for every test network. */
  readonly coinType: 0 | 1;
  /** The account key without private material. */
  readonly #account: HDKey;
  readonly #chains: Record<Keychain, HDKey>;
  readonly #publicKeys = new Map<string, Uint8Array>();

  private constructor(bip39Seed: Uint8Array, network: Network) {
    this.network = network;
    this.coinType = network === 'mainnet' ? 0 : 1;
    const master = HDKey.fromMasterSeed(bip39Seed, network === 'mainnet' ? BIP84_VERSIONS.mainnet : BIP84_VERSIONS.test);
    // BIP 84: m / 84' / coin_type' / account' / change / address_index
    const account = master.derive(`m/84'/${this.coinType}'/0'`);
    this.#chains = { receive: account.deriveChild(CHAIN_LEVEL.receive), change: account.deriveChild(CHAIN_LEVEL.change) };
    this.#account = new HDKey({
      versions: account.versions, depth: account.depth, index: account.index, parentFingerprint: account.parentFingerprint,
      chainCode: account.chainCode!, publicKey: account.publicKey!,
    });
    account.wipePrivateData();
    master.wipePrivateData();
  }

  /**
   * Keys from BIP39 words (12–24, English): BIP39 seed = PBKDF2(words, "mnemonic"), i.e. an empty
   * passphrase. Invalid words are a `wallet.words_*` error.
   */
  static fromWords(words: string, network: Network): WalletKeys {
    const normalized = normalizeWords(words, MNEMONIC_LENGTHS);
    entropyFromNormalizedWords(normalized); // checksum
    const seed = mnemonicToSeedSync(normalized, '');
    try {
      return new WalletKeys(seed, network);
    } finally {
      zeroize(seed);
    }
  }

  /** Keys from the node's 32-byte seed: those of its 24 backup words. */
  static fromNodeSeed(seed: Uint8Array, network: Network): WalletKeys {
    return WalletKeys.fromWords(wordsFromSeed(seed), network);
  }

  get accountPath(): string {
    return `m/84'/${this.coinType}'/0'`;
  }

  /** The account's extended public key (zpub on mainnet, vpub elsewhere), for watch-only wallets. */
  get accountExtendedPublicKey(): string {
    return this.#account.publicExtendedKey;
  }

  /** A public identifier of this wallet and network (HASH160 of the account public key), kept by the store. */
  get accountId(): string {
    return `${this.network}:${toHex(hash160(this.#account.publicKey!))}`;
  }

  publicKey(chain: Keychain, index: number): Uint8Array {
    checkIndex(index);
    const key = `${chain}/${index}`;
    let pub = this.#publicKeys.get(key);
    if (!pub) {
      pub = this.#chains[chain].deriveChild(index).publicKey!;
      this.#publicKeys.set(key, pub);
    }
    return pub;
  }

  /** The P2WPKH output script of a key: OP_0 <HASH160(pubkey)> (BIP 141). */
  script(chain: Keychain, index: number): Uint8Array {
    return p2wpkh(this.publicKey(chain, index));
  }

  address(chain: Keychain, index: number): string {
    return scriptToAddress(this.script(chain, index), this.network)!;
  }

  /** Parses an address of this wallet's network into its output script. */
  scriptOf(address: string): Uint8Array {
    return addressToScript(address, this.network);
  }

  /** A copy of the private key at chain/index: the caller zeroes it after signing. */
  privateKey(chain: Keychain, index: number): Uint8Array {
    checkIndex(index);
    const child = this.#chains[chain].deriveChild(index);
    const copy = child.privateKey!.slice();
    child.wipePrivateData();
    return copy;
  }

  /** Forgets the private material; the object can still derive public keys already cached. */
  wipe(): void {
    this.#chains.receive.wipePrivateData();
    this.#chains.change.wipePrivateData();
  }
}

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= HARDENED_OFFSET) {
    throw new RangeError(`address index ${index} is outside 0..2^31-1`);
  }
}
