/** The Offers page: our offers and their history, paying offers, refunds, and the BOLT 12 decoder. */
export { default as OffersPage } from './OffersPage.svelte';
