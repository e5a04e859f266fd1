/** The Channel lab: the protocol simulator, played step by step. */
export { default as ChannelLabPage } from './LabPage.svelte';
