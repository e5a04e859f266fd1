/** The channel views shared by the Channels inspector and the Channel lab. */
export { default as BalanceBar } from './BalanceBar.svelte';
export { default as ChangeLists } from './ChangeLists.svelte';
export { default as CommitmentCard } from './CommitmentCard.svelte';
export { default as DustExposure } from './DustExposure.svelte';
export { default as HtlcTable } from './HtlcTable.svelte';
export { default as PartyState } from './PartyState.svelte';
export { default as SequenceDiagram } from './SequenceDiagram.svelte';
