/** The Channels page: the list, and the live inspector of one channel. */
export { default as ChannelsPage } from './ChannelsPage.svelte';
