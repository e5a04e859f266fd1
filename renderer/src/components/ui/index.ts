/** Small building blocks shared by every page. */
export { default as Badge } from './Badge.svelte';
export { default as Card } from './Card.svelte';
export { default as CopyButton } from './CopyButton.svelte';
export { default as EmptyState } from './EmptyState.svelte';
export { default as FeatureChips } from './FeatureChips.svelte';
export { default as Icon } from './Icon.svelte';
export { default as InlineError } from './InlineError.svelte';
export { default as LoadingBlock } from './LoadingBlock.svelte';
export { default as NodeId } from './NodeId.svelte';
export { default as PageHeader } from './PageHeader.svelte';
export { default as QrCode } from './QrCode.svelte';
export { default as RelativeTime } from './RelativeTime.svelte';
export { default as Stat } from './Stat.svelte';
export { default as VirtualList } from './VirtualList.svelte';
export type { IconName } from './icons';
