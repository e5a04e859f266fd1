/** The app frame: sidebar navigation, connection state, shortcuts, the signed-out screen. */
export { default as Shell } from './Shell.svelte';
export { default as SignedOut } from './SignedOut.svelte';
