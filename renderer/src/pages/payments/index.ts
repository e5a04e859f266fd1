export { default as PaymentsPage } from './PaymentsPage.svelte';
