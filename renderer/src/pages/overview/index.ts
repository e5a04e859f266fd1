/** Overview: identity, figures, live traffic charts, the activity log, features. */
export { default as OverviewPage } from './OverviewPage.svelte';
