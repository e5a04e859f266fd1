/**
 * The crash campaign's ledger: what every node's channel balances and wallet must hold, computed
 * from what the campaign did (opens, closes, and the payments the payers report succeeded),
 * independently of the nodes' own bookkeeping, and compared with what they list.
 *
 * Channel balances, msat, per channel and per end (the balances of the newest commitment, before
 * commitment fees, as listChannels shows them):
 *   at open:  funder = capacity × 1000 − push, fundee = push;
 *   for every part of a succeeded payment with route hops h0…hk (each hop: the node, the channel
 *   into it, the HTLC amount it receives): the node before hop i (the payer for i = 0) gives
 *   route[i].amountMsat over the channel into hop i, and hop i takes it. So the payer pays the
 *   amount plus every forwarding fee, a forwarder keeps in − out, the payee gets the amount.
 * Both ends must agree (one's local is the other's remote) and match these figures to the msat.
 *
 * Wallets, sat (totalSat: confirmed + unconfirmed + immature + locked):
 *   at start:             what the deposits brought;
 *   opening (funder):     − capacity − the funding transaction's fee (from btcd);
 *   cooperative close:    + floor(local msat / 1000), less the closing fee for the end that pays it
 *                         (BOLT 3 legacy closing_signed: the funder; option_simple_close: the
 *                         closer). The fee paid is floor(local)+floor(remote) − the outputs; the
 *                         sub-satoshi remainders are nobody's (btcd counts them in the fee).
 *                         The closing transaction's outputs must be exactly one of those two
 *                         splits (an output below the dust limit may be left out).
 * So the sum over a node's wallet and channels changes only by the payments and forwarding fees
 * it made and the on-chain fees it paid: it reconciles to the satoshi less fees.
 */

export interface RouteHop {
  readonly nodeId: string;
  readonly shortChannelId: string;
  readonly amountMsat: string;
}

export interface SucceededPart {
  /** The payer's channel (into the first hop). */
  readonly channelId: string;
  readonly route: readonly RouteHop[];
}

interface ChannelEntry {
  readonly channelId: string;
  readonly funder: string;
  readonly fundee: string;
  readonly capacitySat: bigint;
  /** The short_channel_id and the aliases (a route hint of a private channel may name it by an alias). */
  readonly shortChannelIds: Set<string>;
  readonly localMsat: Map<string, bigint>;
}

export class LedgerError extends Error {}

export class Ledger {
  readonly #channels = new Map<string, ChannelEntry>();
  readonly #wallets = new Map<string, bigint>();

  /** `nodeId` → expected wallet total (sat). */
  wallet(nodeId: string): bigint {
    return this.#wallets.get(nodeId) ?? 0n;
  }

  setWallet(nodeId: string, sat: bigint): void {
    this.#wallets.set(nodeId, sat);
  }

  channels(): readonly ChannelEntry[] {
    return [...this.#channels.values()];
  }

  channel(channelId: string): ChannelEntry | undefined {
    return this.#channels.get(channelId);
  }

  /** Expected local balance of `nodeId` on `channelId`, msat. */
  local(channelId: string, nodeId: string): bigint {
    const c = this.#channels.get(channelId);
    const v = c?.localMsat.get(nodeId);
    if (v === undefined) throw new LedgerError(`no channel ${channelId} with ${nodeId}`);
    return v;
  }

  open(o: { channelId: string; funder: string; fundee: string; capacitySat: bigint; pushMsat: bigint; fundingFeeSat: bigint }): void {
    if (this.#channels.has(o.channelId)) throw new LedgerError(`channel ${o.channelId} opened twice`);
    this.#channels.set(o.channelId, {
      channelId: o.channelId, funder: o.funder, fundee: o.fundee, capacitySat: o.capacitySat, shortChannelIds: new Set(),
      localMsat: new Map([[o.funder, o.capacitySat * 1000n - o.pushMsat], [o.fundee, o.pushMsat]]),
    });
    this.#wallets.set(o.funder, this.wallet(o.funder) - o.capacitySat - o.fundingFeeSat);
  }

  /** The names routes may give the channel: its short_channel_id once confirmed, and its aliases. */
  nameChannel(channelId: string, shortChannelIds: readonly (string | null)[]): void {
    const c = this.#channels.get(channelId);
    if (!c) throw new LedgerError(`no channel ${channelId}`);
    for (const s of shortChannelIds) if (s) c.shortChannelIds.add(s);
  }

  /**
   * A cooperative close confirmed with these output values: each end's balance, rounded down to the
   * satoshi, goes to its wallet, less the fee for the end that paid it. Returns who paid and the fee;
   * throws LedgerError when the outputs are not a split of the ledger's balances.
   */
  cooperativeClose(channelId: string, outputsSat: readonly bigint[], dustLimitSat = 546n): { payer: string; feeSat: bigint } {
    const c = this.#channels.get(channelId);
    if (!c) throw new LedgerError(`no channel ${channelId}`);
    const ends = [...c.localMsat.entries()].map(([node, msat]) => ({ node, sat: msat / 1000n }));
    const whole = ends.reduce((s, e) => s + e.sat, 0n);
    const feeSat = whole - outputsSat.reduce((s, v) => s + v, 0n);
    const sorted = (xs: readonly bigint[]) => [...xs].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)).join(',');
    for (const payer of ends) {
      const split = ends.map((e) => (e.node === payer.node ? e.sat - feeSat : e.sat));
      if (sorted(split.filter((v) => v >= dustLimitSat)) !== sorted(outputsSat)) continue;
      ends.forEach((e, i) => this.#wallets.set(e.node, this.wallet(e.node) + (split[i]! >= dustLimitSat ? split[i]! : 0n)));
      this.#channels.delete(channelId);
      return { payer: payer.node, feeSat };
    }
    throw new LedgerError(`closing outputs ${outputsSat.join(', ')} sat are no split of the balances ${ends.map((e) => `${e.sat}`).join(' + ')} sat less a fee`);
  }

  /** The channel is gone (force-closed: its outputs went to the wallets, checked from the chain by the campaign). */
  forget(channelId: string): void {
    if (!this.#channels.delete(channelId)) throw new LedgerError(`no channel ${channelId}`);
  }

  /** A succeeded part of `payer`'s payment: every hop's HTLC moves along its channel. */
  applyPart(payer: string, part: SucceededPart): void {
    let from = payer;
    let channel = this.#channels.get(part.channelId);
    if (!channel) throw new LedgerError(`part over unknown channel ${part.channelId}`);
    for (let i = 0; i < part.route.length; i++) {
      const hop = part.route[i]!;
      if (i > 0) {
        channel = [...this.#channels.values()].find((c) => c.shortChannelIds.has(hop.shortChannelId));
        if (!channel) throw new LedgerError(`hop ${i} over unknown short channel id ${hop.shortChannelId}`);
      }
      const give = channel.localMsat.get(from);
      const take = channel.localMsat.get(hop.nodeId);
      if (give === undefined || take === undefined) throw new LedgerError(`hop ${i}: channel ${channel.channelId} is not between ${from} and ${hop.nodeId}`);
      const amount = BigInt(hop.amountMsat);
      channel.localMsat.set(from, give - amount);
      channel.localMsat.set(hop.nodeId, take + amount);
      from = hop.nodeId;
    }
  }
}
