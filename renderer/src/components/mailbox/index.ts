/** The mailbox allow-list editor, shared by the Messages and Settings pages. */
export { default as MailboxAllowList } from './MailboxAllowList.svelte';
