/** Settings: appearance, the node's configuration (read-only), the connection. */
export { default as SettingsPage } from './SettingsPage.svelte';
