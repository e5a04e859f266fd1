/** A channel link as the node's list and events show it (plain JSON), and updates named in words. */
import { toHex } from '../crypto';
import { txidToHex } from '../bitcoin';
import { formatShortChannelId } from '../wire';
import type { ChannelLifecycle, ChannelOnChainInfo, ChannelSummary } from './events';
import type { ChannelLink } from './link';
import type { Change } from './state';

/** `add local:3`, `fulfill remote:1`, `fee 2000`: an update, named from this node's view. */
export function describeChange(c: Change): string {
  const u = c.update;
  if (u.kind === 'fee') return `fee ${u.feeratePerKw}`;
  if (u.kind === 'add') return `add ${u.htlc.offerer}:${u.htlc.id}`;
  return `${u.kind} ${c.origin === 'local' ? 'remote' : 'local'}:${u.id}`;
}

/** What the node adds to a link's summary: where the channel is in its life and on chain. */
export interface SummaryExtras {
  readonly lifecycle?: ChannelLifecycle;
  readonly shortChannelId?: bigint | null;
  readonly onChain?: ChannelOnChainInfo | null;
}

export function summarize(link: ChannelLink, extras: SummaryExtras = {}): ChannelSummary {
  const s = link.state;
  const scid = extras.shortChannelId ?? null;
  const local = s.localCommit.spec;
  const remote = (s.remoteNextCommit ?? s.remoteCommit).spec;
  const htlcs = new Set([...local.htlcs, ...remote.htlcs].map((h) => `${h.offerer}:${h.id}`));
  return {
    channelId: toHex(s.params.channelId),
    peer: link.peerId,
    state: link.phase,
    lifecycle: extras.lifecycle ?? (s.status.kind === 'failed' ? 'failed' : 'active'),
    shortChannelId: scid === null ? null : formatShortChannelId(scid),
    aliases: {
      local: s.aliases?.local != null ? formatShortChannelId(s.aliases.local) : null,
      remote: s.aliases?.remote != null ? formatShortChannelId(s.aliases.remote) : null,
    },
    onChain: extras.onChain ?? null,
    funder: s.params.funder,
    channelType: s.params.channelType,
    fundingOutpoint: `${txidToHex(s.params.fundingOutpoint.txid)}:${s.params.fundingOutpoint.vout}`,
    capacitySat: s.params.fundingSatoshis.toString(),
    localBalanceMsat: local.localMsat.toString(),
    remoteBalanceMsat: local.remoteMsat.toString(),
    localCtn: s.localCommit.ctn,
    remoteCtn: (s.remoteNextCommit ?? s.remoteCommit).ctn,
    numHtlcs: htlcs.size,
    feeratePerKw: local.feeratePerKw,
    // BOLT 2 open_channel/accept_channel: to_self_delay "is the number of blocks that the other node's to-self outputs must be delayed".
    toSelfDelay: s.params.remote.config.toSelfDelay,
    failure: s.status.kind === 'failed' ? { code: s.status.code, message: s.status.message } : null,
    dataLoss: link.dataLoss,
    createdAt: link.createdAt,
  };
}
