/**
 * The channel part of the NodeApi that opens and closes channels and shows how they resolve on
 * chain: its methods and their parameter schemas. The data is the layers' own, re-exported: the
 * channel service's results (core/runtime/channel/service.ts), the openings' view
 * (core/channel/events.ts) and the monitor's per-output view (core/monitor/events.ts). Amounts are
 * decimal strings (sat, or msat where named); fee rates sat/vB numbers with up to 3 decimals.
 */
import { s } from './schema';
import { FEE_RATE_SCHEMA } from './wallet';
import type { CloseChannelResult, ClosedChannelInfo, FundChannelResult } from '../runtime/channel/service';
import type { OpeningInfo } from '../channel/events';

export type { CloseChannelResult, ClosedChannelInfo, FundChannelResult } from '../runtime/channel/service';
export type { OpeningInfo, OpeningPhaseInfo, ChannelLifecycle, ChannelOnChainInfo } from '../channel/events';
export type { MonitorView, OutputView, HtlcView as MonitorHtlcView, MonitorEvent } from '../monitor/events';
export type { ClosingKind, OutputRole } from '../monitor/classify';

/** A channel amount in sat: a whole number, at least 1, as a decimal string. */
export const CHANNEL_AMOUNT_PATTERN = /^[1-9][0-9]{0,15}$/;

export interface ChannelMethods {
  /**
   * Opens a channel to a connected peer, funded from the wallet. Resolves once funding_signed is
   * persisted and the funding transaction handed to the chain; the channel then waits for its
   * confirmations (`listOpenings`, `channel.opening` events) and becomes active.
   */
  openChannel: {
    params: {
      nodeId: string;
      amountSat: string;
      pushMsat?: string;
      /** The funding transaction's fee rate; default the chain's estimate for 6 blocks. */
      feeRateSatVb?: number;
      /** BOLT 2 announce_channel (default false). */
      announce?: boolean;
      zeroconf?: boolean;
      channelType?: 'anchors' | 'static_remotekey';
      /** BOLT 2 open_channel feerate_per_kw of the commitments; default the chain's estimate for 6 blocks (anchors: at most 2,500). */
      commitmentFeeratePerKw?: number;
    };
    result: FundChannelResult;
  };
  /**
   * Closes a channel: cooperatively (shutdown, then the closing fee negotiated and the transaction
   * broadcast), or with `force` our newest commitment on chain (funds return after the to_self_delay).
   */
  closeChannel: {
    params: { channelId: string; force?: boolean; feeRateSatVb?: number; destination?: string };
    result: CloseChannelResult;
  };
  /** Channels being opened: phase, confirmations of the funding and how many are needed. */
  listOpenings: { params: Record<string, never>; result: { openings: OpeningInfo[] } };
  /** Channels closing or closed on chain, with every output's fate (the monitor's view). */
  listClosedChannels: { params: Record<string, never>; result: { channels: ClosedChannelInfo[] } };
}

const CHANNEL_ID = s.string({ pattern: /^[0-9a-f]{64}$/, describe: 'a channel id (64 hex characters)' });

export const CHANNEL_METHOD_SCHEMAS: { readonly [M in keyof ChannelMethods]: ReturnType<typeof s.object> } = {
  openChannel: s.object(
    {
      nodeId: s.nodeId(),
      amountSat: s.string({ pattern: CHANNEL_AMOUNT_PATTERN, describe: 'an amount in sat (a whole number)' }),
      pushMsat: s.msat(),
      feeRateSatVb: FEE_RATE_SCHEMA,
      announce: s.boolean(),
      zeroconf: s.boolean(),
      channelType: s.enum('anchors', 'static_remotekey'),
      // BOLT 3: 253 sat/kw is the floor (1 sat/vB after rounding the weight).
      commitmentFeeratePerKw: s.integer({ min: 253, max: 100_000 }),
    },
    ['pushMsat', 'feeRateSatVb', 'announce', 'zeroconf', 'channelType', 'commitmentFeeratePerKw'],
  ),
  closeChannel: s.object(
    {
      channelId: CHANNEL_ID,
      force: s.boolean(),
      feeRateSatVb: FEE_RATE_SCHEMA,
      destination: s.string({ minLength: 14, maxLength: 100, pattern: /^[A-Za-z0-9]+$/, describe: 'a bitcoin address' }),
    },
    ['force', 'feeRateSatVb', 'destination'],
  ),
  listOpenings: s.object({}),
  listClosedChannels: s.object({}),
};
