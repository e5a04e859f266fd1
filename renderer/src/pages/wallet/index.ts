export { default as WalletPage } from './WalletPage.svelte';
