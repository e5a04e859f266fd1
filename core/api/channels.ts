/**
 * Channel data exchanged over the NodeApi: core/channel's own types and events (events.ts, the
 * inspector's view.ts) and the simulator's (core/simulator), re-exported for hosts and the renderer.
 */
export type { ChangeView, ChannelView, CommitmentView, HtlcView } from '../channel/view';
export type {
  ChannelConnectionState, ChannelDataLoss, ChannelDetail, ChannelEventBody, ChannelMessageInfo, ChannelSummary,
} from '../channel/events';
export type { Trace, TraceMessage, TraceStep } from '../simulator/simulator';
export type { RunSimulationParams, SimulationEventJson, SimulationResult } from '../simulator/request';
