/** Settings: appearance, the node's settings (editable, saved in its config file), the mailbox allow-list. */
export { default as SettingsPage } from './SettingsPage.svelte';
