/** Pages whose node API does not exist yet: the frame and an honest empty state. */
export { default as ChannelLabPage } from './ChannelLabPage.svelte';
