/**
 * Opening and closing channels in the app: the Open channel form checked as typed (amount, push,
 * fee rate, type) into `openChannel` params and its summary; a channel's lifecycle in words
 * (awaiting N of M confirmations, active, closing, force-closing with pending outputs, closed);
 * what a close costs and when the funds return; the on-chain resolution rows (one per output: role,
 * value, status, matures at / deadline against the tip, claim, spender, depth).
 */
import type { ChannelSummary } from '../../../core/api/channels';
import type { MonitorView, OpeningInfo, OutputView } from '../../../core/api/channel-methods';
import type { ChannelSettingsInfo } from '../../../core/api/settings';

export type Tone = 'good' | 'warn' | 'bad' | 'neutral';

// ----- the Open channel form ------------------------------------------------------------------

export interface OpenDraft {
  nodeId: string;
  amountSat: string;
  pushSat: string;
  feeRate: string;
  channelType: 'anchors' | 'static_remotekey';
  zeroconf: boolean;
}

export type OpenField = 'nodeId' | 'amountSat' | 'pushSat' | 'feeRate';

export interface OpenParams {
  readonly nodeId: string;
  readonly amountSat: string;
  readonly pushMsat?: string;
  readonly feeRateSatVb?: number;
  readonly channelType: 'anchors' | 'static_remotekey';
  readonly zeroconf?: boolean;
}

/** BOLT 2: without option_support_large_channel, funding_satoshis is below 2^24. */
export const MAX_CHANNEL_SAT = 16_777_215n;
/** Below this the peer's reserve and fees leave little to pay with (and most peers refuse). */
export const MIN_CHANNEL_SAT = 20_000n;

export function emptyOpenDraft(nodeId = ''): OpenDraft {
  return { nodeId, amountSat: '', pushSat: '', feeRate: '', channelType: 'anchors', zeroconf: false };
}

const WHOLE = /^[0-9]+$/;
const RATE = /^(0|[1-9][0-9]*)(\.[0-9]{1,3})?$/;

/** The form's problems per field, and the params once there are none. */
export function checkOpenForm(d: OpenDraft, ctx: { readonly availableSat: bigint | null }): { problems: Partial<Record<OpenField, string>>; params: OpenParams | null } {
  const problems: Partial<Record<OpenField, string>> = {};
  const nodeId = d.nodeId.trim().toLowerCase();
  if (!/^0[23][0-9a-f]{64}$/.test(nodeId)) problems.nodeId = 'Choose a connected peer (a node id is 66 hex characters).';
  const amountText = d.amountSat.replaceAll(/[\s,_]/g, '');
  let amount: bigint | null = null;
  if (!WHOLE.test(amountText)) problems.amountSat = 'The channel size in whole sat.';
  else {
    amount = BigInt(amountText);
    if (amount < MIN_CHANNEL_SAT) problems.amountSat = `At least ${MIN_CHANNEL_SAT.toLocaleString('en-US')} sat.`;
    else if (amount > MAX_CHANNEL_SAT) problems.amountSat = `At most ${MAX_CHANNEL_SAT.toLocaleString('en-US')} sat (channels larger than 2^24 sat need option_support_large_channel).`;
    else if (ctx.availableSat !== null && amount > ctx.availableSat) problems.amountSat = `The wallet has ${ctx.availableSat.toLocaleString('en-US')} sat available (the fee comes on top).`;
  }
  const pushText = d.pushSat.replaceAll(/[\s,_]/g, '');
  let push = 0n;
  if (pushText !== '') {
    if (!WHOLE.test(pushText)) problems.pushSat = 'Whole sat, or leave it empty.';
    else {
      push = BigInt(pushText);
      if (amount !== null && push >= amount) problems.pushSat = 'A gift to the peer must be less than the channel size.';
    }
  }
  const rateText = d.feeRate.trim();
  let rate: number | undefined;
  if (rateText !== '') {
    if (!RATE.test(rateText) || Number(rateText) <= 0) problems.feeRate = 'sat/vB, a positive number with at most 3 decimals; empty: the chain’s estimate.';
    else rate = Number(rateText);
  }
  if (Object.keys(problems).length > 0 || amount === null) return { problems, params: null };
  return {
    problems,
    params: {
      nodeId,
      amountSat: amount.toString(),
      ...(push > 0n ? { pushMsat: (push * 1000n).toString() } : {}),
      ...(rate !== undefined ? { feeRateSatVb: rate } : {}),
      channelType: d.channelType,
      ...(d.zeroconf ? { zeroconf: true } : {}),
    },
  };
}

export const CHANNEL_TYPE_WORDS: Readonly<Record<'anchors' | 'static_remotekey', { label: string; explain: string }>> = {
  anchors: {
    label: 'Anchors',
    explain: 'Commitments carry two small anchor outputs: a force close pays its fee when it happens, from coins the wallet keeps in reserve (CPFP). Preferred.',
  },
  static_remotekey: {
    label: 'Static remote key',
    explain: 'The older type: the commitment fee is fixed in advance. For peers that do not support anchors.',
  },
};

// ----- lifecycle --------------------------------------------------------------------------------

export interface LifecycleWords {
  readonly label: string;
  readonly tone: Tone;
  readonly explain: string;
}

/** An opening in words: `awaiting 1 of 3 confirmations`. */
export function openingWords(o: OpeningInfo): LifecycleWords {
  if (o.lifecycle === 'failed') return { label: 'failed to open', tone: 'bad', explain: o.failure ? `${o.failure.message} (${o.failure.code})` : 'The opening failed.' };
  if (o.lifecycle === 'opening') return { label: 'opening', tone: 'warn', explain: `Negotiating with the peer (${o.phase.replaceAll('_', ' ')}).` };
  if (o.minimumDepth === 0) return { label: 'zero-conf', tone: 'warn', explain: 'Usable before the funding confirms: the peer trusts us, or we trust the peer.' };
  return {
    label: `awaiting ${Math.min(o.confirmations, o.minimumDepth)} of ${o.minimumDepth} confirmations`,
    tone: 'warn',
    explain: 'The funding transaction is broadcast; the channel becomes active once it is buried this deep (channel_ready).',
  };
}

/** A channel's place in its life in words, with its on-chain part when it is closing. */
export function lifecycleWords(c: Pick<ChannelSummary, 'lifecycle' | 'onChain'>): LifecycleWords {
  const pending = c.onChain?.pendingOutputs ?? 0;
  switch (c.lifecycle) {
    case 'active':
      return { label: 'open', tone: 'good', explain: 'The funding output is unspent.' };
    case 'closing':
      return c.onChain?.closingTxid
        ? { label: `closing · ${c.onChain.confirmations} conf.`, tone: 'warn', explain: 'The cooperative closing transaction is on chain; the channel counts as closed once it is 6 blocks deep.' }
        : { label: 'closing', tone: 'warn', explain: 'Shutdown sent: pending HTLCs settle, then the closing fee is negotiated and the closing transaction broadcast.' };
    case 'force_closing':
      return { label: pending > 0 ? `force-closing · ${pending} pending` : 'force-closing', tone: 'warn', explain: 'A commitment transaction is on chain (or on its way): the outputs below are claimed as they mature.' };
    case 'failed':
      return { label: 'failed', tone: 'bad', explain: 'The channel failed: it closes on chain.' };
    case 'closed':
      return { label: 'closed', tone: 'neutral', explain: 'Every output is resolved.' };
  }
}

// ----- closing ----------------------------------------------------------------------------------

/** About ten minutes a block. */
export function blocksAsTime(blocks: number): string {
  const minutes = blocks * 10;
  if (minutes < 90) return `about ${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `about ${hours} hours`;
  return `about ${Math.round(hours / 24)} days`;
}

export interface CloseSummary {
  readonly cooperative: string;
  readonly force: string;
}

/** What each kind of close costs and when our funds return, for the close dialog. */
export function closeSummary(c: Pick<ChannelSummary, 'funder' | 'channelType' | 'localBalanceMsat'>, toSelfDelay: number | null): CloseSummary {
  const ours = BigInt(c.localBalanceMsat) / 1000n;
  const payer = c.funder === 'local' ? 'You opened the channel, so you pay the closing fee (negotiated with the peer, near the rate you choose).' : 'The peer opened the channel and pays the closing fee.';
  const anchors = c.channelType.includes('anchors');
  return {
    cooperative: `Both sides sign one closing transaction. ${payer} Your ${ours.toLocaleString('en-US')} sat reach the wallet as soon as it confirms.`,
    force:
      `Your latest commitment goes on chain without the peer. Your ${ours.toLocaleString('en-US')} sat are locked for ${toSelfDelay === null ? 'the delay the peer asked for (to_self_delay, often 144 blocks: about a day)' : `${toSelfDelay} blocks (${blocksAsTime(toSelfDelay)})`} after it confirms, then swept to the wallet; pending HTLCs resolve on chain. ` +
      (anchors ? 'Its fee is raised from the wallet’s reserve through our anchor output (CPFP) if the chain needs more.' : c.funder === 'local' ? 'Its fee was fixed when it was signed and comes out of your balance.' : 'Its fee was fixed when it was signed; the peer paid it.'),
  };
}

// ----- on-chain resolution ------------------------------------------------------------------------

export const OUTPUT_ROLE_WORDS: Readonly<Record<string, string>> = {
  local_to_local: 'Ours (to_local, delayed)',
  local_htlc_offered: 'HTLC we offered',
  local_htlc_received: 'HTLC we received',
  local_second_stage: 'Ours (HTLC second stage, delayed)',
  to_remote: 'Ours (to_remote)',
  remote_htlc_offered: 'HTLC the peer offered',
  remote_htlc_received: 'HTLC we offered (peer’s commitment)',
  their_main: 'The peer’s balance',
  revoked_to_local: 'Revoked: the peer’s balance (ours to take)',
  revoked_htlc: 'Revoked HTLC (ours to take)',
  revoked_second_stage: 'Revoked second stage (ours to take)',
  our_anchor: 'Our anchor',
  their_anchor: 'The peer’s anchor',
};

export function roleWords(role: string): string {
  return OUTPUT_ROLE_WORDS[role] ?? role.replaceAll('_', ' ');
}

export interface ResolutionRow {
  readonly outpoint: string;
  readonly role: string;
  readonly valueSat: string;
  readonly status: string;
  readonly tone: Tone;
  /** "matures in 12 blocks (#345)", "deadline in 30 blocks (#400)", or null. */
  readonly timing: string | null;
  readonly claimTxid: string | null;
  readonly spender: string | null;
  readonly depth: number | null;
}

const STATUS_TONES: Readonly<Record<string, Tone>> = {
  spent: 'good', resolved: 'good', claiming: 'warn', maturing: 'warn', claimable: 'warn', awaiting_preimage: 'warn', uneconomical: 'neutral', theirs: 'neutral', not_claimed: 'neutral',
};

export function resolutionRows(view: MonitorView): ResolutionRow[] {
  const tip = view.bestHeight;
  const when = (o: OutputView): string | null => {
    if (o.maturesAt !== null && o.maturesAt > tip) return `matures in ${o.maturesAt - tip} blocks (#${o.maturesAt})`;
    if (o.deadline !== null) return o.deadline > tip ? `deadline in ${o.deadline - tip} blocks (#${o.deadline})` : `deadline passed (#${o.deadline})`;
    if (o.maturesAt !== null) return `matured at #${o.maturesAt}`;
    return null;
  };
  return view.outputs.map((o) => ({
    outpoint: o.outpoint,
    role: roleWords(o.role),
    valueSat: o.valueSat,
    status: o.status.replaceAll('_', ' '),
    tone: STATUS_TONES[o.status] ?? 'neutral',
    timing: when(o),
    claimTxid: o.claim?.txid ?? null,
    spender: o.spentBy ? `${o.spentBy.by === 'us' ? 'us' : o.spentBy.by === 'peer' ? 'the peer' : 'anyone'} · ${o.spentBy.txid.slice(0, 10)}…` : null,
    depth: o.spentBy?.depth ?? null,
  }));
}

// ----- channel acceptance settings ----------------------------------------------------------------

export interface ChannelSettingsDraft {
  minFundingSat: string;
  maxFundingSat: string;
  maxToSelfDelay: string;
  toSelfDelay: string;
  minimumDepth: string;
  /** One node id a line (or separated by commas / spaces). */
  trusted: string;
}

export type ChannelSettingsField = keyof ChannelSettingsDraft;

export function channelSettingsDraft(c: ChannelSettingsInfo): ChannelSettingsDraft {
  return {
    minFundingSat: c.minFundingSat, maxFundingSat: c.maxFundingSat, maxToSelfDelay: String(c.maxToSelfDelay), toSelfDelay: String(c.toSelfDelay),
    minimumDepth: String(c.minimumDepth), trusted: c.trustedZeroconfPeers.join('\n'),
  };
}

/** The settings form checked: problems per field, and the change (only what differs) once there are none. */
export function checkChannelSettings(d: ChannelSettingsDraft, current: ChannelSettingsInfo): { problems: Partial<Record<ChannelSettingsField, string>>; change: Partial<ChannelSettingsInfo> | null } {
  const problems: Partial<Record<ChannelSettingsField, string>> = {};
  const change: { -readonly [K in keyof ChannelSettingsInfo]?: ChannelSettingsInfo[K] } = {};
  const sats = (f: 'minFundingSat' | 'maxFundingSat'): bigint | null => {
    const t = d[f].replaceAll(/[\s,_]/g, '');
    if (!/^[0-9]{1,16}$/.test(t)) {
      problems[f] = 'Whole sat.';
      return null;
    }
    return BigInt(t);
  };
  const min = sats('minFundingSat');
  const max = sats('maxFundingSat');
  if (min !== null && max !== null && min > max) problems.minFundingSat = 'At most the largest channel.';
  const blocks = (f: 'maxToSelfDelay' | 'toSelfDelay' | 'minimumDepth', hi: number): number | null => {
    const t = d[f].trim();
    if (!/^[0-9]+$/.test(t) || Number(t) < 1 || Number(t) > hi) {
      problems[f] = `A number of blocks from 1 to ${hi.toLocaleString('en-US')}.`;
      return null;
    }
    return Number(t);
  };
  const maxDelay = blocks('maxToSelfDelay', 65_535);
  const delay = blocks('toSelfDelay', 65_535);
  const depth = blocks('minimumDepth', 144);
  const ids = d.trusted.split(/[\s,]+/).map((x) => x.trim().toLowerCase()).filter(Boolean);
  const badId = ids.find((x) => !/^0[23][0-9a-f]{64}$/.test(x));
  if (badId) problems.trusted = `Not a node id: ${badId.length > 20 ? `${badId.slice(0, 20)}…` : badId}`;
  if (Object.keys(problems).length > 0) return { problems, change: null };
  if (min!.toString() !== current.minFundingSat) change.minFundingSat = min!.toString();
  if (max!.toString() !== current.maxFundingSat) change.maxFundingSat = max!.toString();
  if (maxDelay !== current.maxToSelfDelay) change.maxToSelfDelay = maxDelay!;
  if (delay !== current.toSelfDelay) change.toSelfDelay = delay!;
  if (depth !== current.minimumDepth) change.minimumDepth = depth!;
  const unique = [...new Set(ids)];
  if (unique.join(',') !== current.trustedZeroconfPeers.join(',')) change.trustedZeroconfPeers = unique;
  return { problems, change: Object.keys(change).length > 0 ? change : null };
}
