/** Chart wrappers, one component per chart kind (Chart.js, registered in register.ts). */
export { default as TrafficChart } from './TrafficChart.svelte';
