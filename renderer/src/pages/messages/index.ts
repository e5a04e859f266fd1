/** Messages: the onion-message log with details, the send form, the mailbox, counters and handlers. */
export { default as MessagesPage } from './MessagesPage.svelte';
