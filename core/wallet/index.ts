/**
 * core/wallet: the on-chain wallet from the node seed (BIP39 words, BIP32/BIP84 keys), its UTXO
 * set kept from chain inputs, coin selection, signing, RBF, CPFP and channel funding. Sans-I/O:
 * persisted through the `WalletStore` port, fed by the chain layer.
 */
export * from './errors';
export * from './words';
export * from './keys';
export * from './address';
export * from './fees';
export * from './coin-selection';
export * from './build';
export * from './events';
export * from './store';
export { outpointKey, type WalletCoin } from './state';
export * from './wallet';
export * from './view';
