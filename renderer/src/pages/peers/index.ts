/** Peers: connect form, the live peer list with ping and disconnect. */
export { default as PeersPage } from './PeersPage.svelte';
