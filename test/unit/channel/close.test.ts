/**
 * Cooperative close (core/channel/close) between two in-memory nodes over BOLT 1 bytes, their channels in
 * real SQLite files: shutdown rules (script forms, upfront scripts, no HTLC added after it, retransmission),
 * HTLCs settled first, the closing_signed negotiation (fee_range, old style, no overlap and its timeout,
 * reconnections), option_simple_close (variants, RBF), and the BOLT 3 closing transactions themselves.
 */
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../core/crypto';
import { decodeTx } from '../../../core/bitcoin';
import {
  CloseError, buildLegacyClosingTx, buildSimpleClosingTx, closingTxWeight, feeForWeight,
} from '../../../core/channel/close';
import { ChannelCommandError } from '../../../core/channel/errors';
import { decodeChannelState, encodeChannelState } from '../../../core/channel/state-codec';
import { encodeMessage } from '../../../core/wire';
import type { ClosingComplete, ClosingSigned, Message } from '../../../core/wire';
import { ONION, nodeFeatures, openedNet, preimageOf, randomP2wpkh, settle } from '../../support/establish-net';
import type { EstablishNet, Party } from '../../support/establish-net';

function sentTypes(p: Party, from = 0): string[] {
  return p.log.sent.slice(from).map((m) => m.type);
}

function warnings(p: Party): string[] {
  return p.log.sent.filter((m): m is Extract<Message, { type: 'warning' }> => m.type === 'warning').map((m) => new TextDecoder().decode(m.data));
}

/** Delivers everything, passing each message from `from` through `edit` first. */
function deliverEditing(net: EstablishNet, from: Party, edit: (m: Message) => Message): void {
  for (let i = 0; i < 1000; i++) {
    const m = net.take(from);
    if (m) {
      from.other.receive(encodeMessage(edit(m)));
      continue;
    }
    if (!net.deliverOne(from.other)) return;
  }
}

const stripRange = (m: Message): Message => (m.type === 'closing_signed' ? { ...m, tlvs: {} } : m);

describe('shutdown', () => {
  it('a shutdown script the peer may not use gets a warning and a disconnection; nothing is recorded', () => {
    const { net } = openedNet();
    // OP_RETURN is only a shutdown form with option_simple_close (not negotiated here).
    net.a.send({ type: 'shutdown', channelId: net.a.link!.channelId, scriptpubkey: Uint8Array.of(0x6a, 0x06, 1, 2, 3, 4, 5, 6) });
    net.deliverAll();
    expect(warnings(net.b)[0]).toMatch(/not an allowed form/);
    expect(net.connected).toBe(false);
    expect(net.b.link!.state.closing?.shutdownRemote ?? null).toBeNull();
    net.close();
  });

  it('a future segwit version is allowed only with option_shutdown_anysegwit', () => {
    const taproot = Uint8Array.of(0x51, 0x20, ...new Uint8Array(32).fill(7));
    const without = openedNet({ a: { features: nodeFeatures({ anySegwit: false }) }, b: { features: nodeFeatures({ anySegwit: false }) } });
    without.net.a.send({ type: 'shutdown', channelId: without.net.a.link!.channelId, scriptpubkey: taproot });
    without.net.deliverAll();
    expect(warnings(without.net.b)).toHaveLength(1);
    without.net.close();
    const withIt = openedNet();
    withIt.net.a.close(taproot);
    withIt.net.deliverAll();
    expect(toHex(withIt.net.b.link!.state.closing!.shutdownRemote!)).toBe(toHex(taproot));
    withIt.net.close();
  });

  it('the upfront_shutdown_script binds: our close must use it, and the peer\'s other script fails the connection', () => {
    const upfront = randomP2wpkh();
    const { net } = openedNet({ upfrontA: upfront });
    expect(() => net.a.closer!.close({ scriptPubKey: randomP2wpkh() })).toThrowError(CloseError);
    // A peer that ignores its upfront script: B sees it and refuses.
    net.a.send({ type: 'shutdown', channelId: net.a.link!.channelId, scriptpubkey: randomP2wpkh() });
    net.deliverAll();
    expect(warnings(net.b)[0]).toMatch(/upfront_shutdown_script/);
    expect(net.connected).toBe(false);
    net.reconnect();
    net.deliverAll();
    // With no script given, the upfront one is used.
    net.a.runLink(null, net.a.closer!.close({}));
    net.deliverAll();
    expect(toHex(net.b.link!.state.closing!.shutdownRemote!)).toBe(toHex(upfront));
    net.close();
  });

  it('no HTLC is added after a shutdown: ours is refused; the peer\'s fails the channel; one crossing our shutdown is failed back', () => {
    const { net } = openedNet();
    const { a, b } = net;
    a.close(randomP2wpkh());
    // A's shutdown is on its way; B adds an HTLC before it arrives (crossing).
    b.addHtlc(10_000_000n, 'crossing');
    net.deliverAll();
    settle(net);
    expect(() => a.link!.addHtlc({ amountMsat: 1_000n, paymentHash: new Uint8Array(32), cltvExpiry: 500, onionRoutingPacket: ONION })).toThrowError(ChannelCommandError);
    const incoming = a.link!.state.incomingHtlcs.find((h) => h.id === 0n);
    expect(incoming?.failBack).toBe('shutdown');
    // B received A's shutdown and answered with its own: now a B add is a protocol violation.
    expect(b.link!.state.closing!.shutdownLocal).not.toBeNull();
    expect(() => b.link!.addHtlc({ amountMsat: 1_000n, paymentHash: new Uint8Array(32), cltvExpiry: 500, onionRoutingPacket: ONION })).toThrowError(
      expect.objectContaining({ code: 'channel_command.shutting_down' }),
    );
    b.send({ type: 'update_add_htlc', channelId: b.link!.channelId, id: 1n, amountMsat: 5_000n, paymentHash: new Uint8Array(32), cltvExpiry: 500, onionRoutingPacket: ONION });
    net.deliverAll();
    expect(a.link!.state.status).toMatchObject({ kind: 'failed', code: 'channel.htlc_after_shutdown' });
    net.close();
  });

  it('closing waits for pending HTLCs to settle, then the funder starts closing_signed', () => {
    const { net } = openedNet();
    const { a, b } = net;
    const id = a.addHtlc(30_000_000n, 'pending');
    settle(net);
    b.close(randomP2wpkh());
    settle(net);
    expect(a.link!.state.closing!.shutdownRemote).not.toBeNull();
    expect(b.link!.state.closing!.shutdownRemote).not.toBeNull();
    expect(sentTypes(a)).not.toContain('closing_signed');
    b.step(b.link!.fulfillHtlc(id, preimageOf('pending')));
    settle(net);
    expect(sentTypes(a)).toContain('closing_signed');
    expect(a.closingTxs).toHaveLength(1);
    expect(b.closingTxs.map((t) => t.txid)).toEqual(a.closingTxs.map((t) => t.txid));
    net.close();
  });

  it('our shutdown is persisted and re-sent after a reconnection and after a restart; negotiation then completes', () => {
    const { net } = openedNet();
    const { a, b } = net;
    const id = a.addHtlc(30_000_000n, 'r');
    settle(net);
    a.close(randomP2wpkh());
    net.disconnect(); // A's shutdown lost on the wire
    expect(a.channels.loadChannel(toHex(a.link!.channelId))!.state.closing!.shutdownLocal).not.toBeNull();
    a.crash();
    expect(a.link!.state.closing!.shutdownLocal).not.toBeNull();
    const from = a.log.sent.length;
    net.reconnect();
    net.deliverAll();
    expect(sentTypes(a, from).slice(0, 2)).toEqual(['channel_reestablish', 'shutdown']);
    expect(b.link!.state.closing!.shutdownRemote).not.toBeNull();
    b.step(b.link!.fulfillHtlc(id, preimageOf('r')));
    settle(net);
    expect(a.closingTxs).toHaveLength(1);
    net.close();
  });
});

describe('closing_signed negotiation', () => {
  it('fee_range: the non-funder answers inside the overlap, the funder confirms — at most three closing_signed', () => {
    // B wants at least 2,000 sat/kw: A's 1,000 target is below it, A's 5,000 max above.
    const { net } = openedNet({ b: { feerates: { targetPerKw: 3_000, minPerKw: 2_000, maxPerKw: 3_000 } } });
    const { a, b } = net;
    b.close(randomP2wpkh());
    settle(net);
    const all = [...a.log.sent, ...b.log.sent].filter((m): m is ClosingSigned => m.type === 'closing_signed');
    expect(all).toHaveLength(3);
    const weight = closingTxWeight(a.link!.state.params, [a.link!.state.closing!.shutdownLocal!, a.link!.state.closing!.shutdownRemote!]);
    expect(all.map((m) => m.feeSatoshis)).toEqual([feeForWeight(1_000, weight), feeForWeight(2_000, weight), feeForWeight(2_000, weight)]);
    expect(a.closingTxs[0]!.feeSat).toBe(feeForWeight(2_000, weight));
    expect(b.closingTxs[0]!.txid).toBe(a.closingTxs[0]!.txid);
    net.close();
  });

  it('an old-style peer (no fee_range): the "strictly between" rules converge', () => {
    const { net } = openedNet({ b: { feerates: { targetPerKw: 3_000, minPerKw: 2_000, maxPerKw: 3_000 } } });
    const { a, b } = net;
    b.close(randomP2wpkh());
    // Both directions lose their fee_range on the wire.
    for (let i = 0; i < 50 && (net.inFlight(a).length || net.inFlight(b).length); i++) {
      deliverEditing(net, a, stripRange);
      deliverEditing(net, b, stripRange);
    }
    expect(a.log.failures).toEqual([]);
    expect(b.log.failures).toEqual([]);
    expect(a.closingTxs).toHaveLength(1);
    expect(b.closingTxs.map((t) => t.txid)).toEqual(a.closingTxs.map((t) => t.txid));
    const weight = closingTxWeight(a.link!.state.params, [a.link!.state.closing!.shutdownLocal!, a.link!.state.closing!.shutdownRemote!]);
    expect(a.closingTxs[0]!.feeSat).toBe(feeForWeight(2_000, weight));
    net.close();
  });

  it('ranges that do not overlap: a warning, then the channel fails when no better fee_range comes in time', () => {
    // The funder pays at most 1,500 sat/kw; the other side wants at least 2,000.
    const { net } = openedNet({ a: { feerates: { targetPerKw: 1_000, minPerKw: 253, maxPerKw: 1_500 } }, b: { feerates: { targetPerKw: 3_000, minPerKw: 2_000, maxPerKw: 3_000 } } });
    const { a, b } = net;
    b.close(randomP2wpkh());
    settle(net);
    expect(warnings(b)[0]).toMatch(/do not overlap/);
    expect(b.closingTxs).toEqual([]);
    b.runLink(null, b.closer!.tick(b.nowMs + 120_001));
    expect(b.link!.state.status).toMatchObject({ kind: 'failed', code: 'closing.timeout' });
    net.deliverAll();
    expect(a.link!.state.status).toMatchObject({ kind: 'failed', code: 'channel.peer_error' });
    net.close();
  });

  it('a bad closing_signed signature gets a warning and a disconnection; the negotiation restarts on reconnection and completes', () => {
    const { net } = openedNet();
    const { a, b } = net;
    b.close(randomP2wpkh());
    let broke = false;
    deliverEditing(net, a, (m) => {
      if (m.type !== 'closing_signed' || broke) return m;
      broke = true;
      const signature = m.signature.slice();
      signature[3]! ^= 1;
      return { ...m, signature };
    });
    expect(warnings(b).some((w) => /not valid for any variant/.test(w))).toBe(true);
    expect(net.connected).toBe(false);
    expect(b.closingTxs).toEqual([]);
    net.reconnect();
    settle(net);
    expect(a.closingTxs).toHaveLength(1);
    expect(b.closingTxs.map((t) => t.txid)).toEqual(a.closingTxs.map((t) => t.txid));
    net.close();
  });

  it('our signatures leave only after the closing transactions they sign were handed to the monitor', () => {
    const { net } = openedNet();
    const { a } = net;
    a.runLink(null, a.closer!.close({ scriptPubKey: randomP2wpkh() }));
    // Manually: B's shutdown arrives, A's closer signs a closing_signed.
    const shutdown = net.take(a)!;
    net.b.receive(encodeMessage(shutdown));
    const reply = net.take(net.b)!;
    expect(reply.type).toBe('shutdown');
    const r = a.closer!.receive(reply as Extract<Message, { type: 'shutdown' }>, 0);
    expect(r.events.map((e) => e.type)).toContain('negotiation_started');
    expect(() => a.closer!.takeOutbound()).toThrowError(expect.objectContaining({ code: 'channel_close.not_recorded' }));
    expect(a.closer!.takeSignedClosings()).toHaveLength(1);
    expect(a.closer!.takeOutbound().map((m) => m.type)).toEqual(['closing_signed']);
    net.close();
  });
});

describe('option_simple_close', () => {
  const simple = () => {
    const features = nodeFeatures({ simpleClose: true });
    return { features };
  };

  it('each side sends closing_complete for a fee it pays and gets closing_sig; then RBF with a higher fee', () => {
    const { net } = openedNet({ a: simple(), b: simple() });
    const { a, b } = net;
    b.close(randomP2wpkh());
    settle(net);
    const mine = (p: Party) => p.closingTxs.filter((t) => t.closer === 'local');
    expect(mine(a)).toHaveLength(1);
    expect(mine(b)).toHaveLength(1);
    expect(a.closingTxs.map((t) => t.txid).sort()).toEqual(b.closingTxs.map((t) => t.txid).sort());
    const first = mine(a)[0]!;
    // RBF: a higher fee from A, signed back by B (sequence 0xFFFFFFFD).
    a.runLink(null, a.closer!.bump({ targetPerKw: 3_000, minPerKw: 253, maxPerKw: 5_000 }));
    expect(() => a.closer!.bump({ targetPerKw: 4_000, minPerKw: 253, maxPerKw: 5_000 })).toThrowError(expect.objectContaining({ code: 'channel_close.awaiting_closing_sig' }));
    net.deliverAll();
    const second = mine(a)[1]!;
    expect(second.feeSat).toBeGreaterThan(first.feeSat);
    expect(decodeTx(second.tx).inputs[0]!.sequence).toBe(0xfffffffd);
    expect(b.closingTxs.map((t) => t.txid)).toContain(second.txid);
    net.close();
  });

  it('the side with less drops its own dust output; the other keeps both, or its own alone when the closee\'s is dust', () => {
    const completes = (p: Party) => p.log.sent.filter((m): m is ClosingComplete => m.type === 'closing_complete');
    const fields = (m: ClosingComplete) => Object.keys(m.tlvs!).filter((k) => k !== 'unknownTlvs').sort();
    const scriptA = randomP2wpkh();
    const scriptB = randomP2wpkh();
    const probe = openedNet();
    const fee = feeForWeight(1_000, closingTxWeight(probe.net.a.link!.state.params, [scriptA, scriptB]));
    probe.net.close();

    // B can pay its fee but keeps 100 sat, dust for a P2WPKH (294): it omits its own output.
    const one = openedNet({ a: { ...simple(), closeScript: scriptA }, b: { ...simple(), closeScript: scriptB }, pushMsat: (fee + 100n) * 1000n });
    one.net.a.close(scriptA);
    settle(one.net);
    expect(fields(completes(one.net.a)[0]!)).toEqual(['closerAndCloseeOutputs', 'closerOutputOnly']);
    expect(fields(completes(one.net.b)[0]!)).toEqual(['closeeOutputOnly']);
    const fromB = one.net.a.closingTxs.find((t) => t.closer === 'remote')!;
    expect(decodeTx(fromB.tx).outputs.map((o) => toHex(o.scriptPubKey))).toEqual([toHex(scriptA)]);
    expect(one.net.a.log.failures).toEqual([]);
    one.net.close();

    // B holds 200 sat: dust on A's transaction (A sends closer_output_only alone), and no fee B could pay.
    const two = openedNet({ a: { ...simple(), closeScript: scriptA }, b: { ...simple(), closeScript: scriptB }, pushMsat: 200_000n });
    two.net.a.close(scriptA);
    settle(two.net);
    expect(fields(completes(two.net.a)[0]!)).toEqual(['closerOutputOnly']);
    expect(completes(two.net.b)).toEqual([]);
    expect(two.net.b.closingTxs.map((t) => t.closer)).toEqual(['remote']);
    two.net.close();
  });

  it('closing_complete whose closee_scriptpubkey is not our script is ignored with a warning', () => {
    const { net } = openedNet({ a: simple(), b: simple() });
    const { a, b } = net;
    b.close(randomP2wpkh());
    net.deliverOne(b); // B's shutdown
    net.deliverOne(a); // A's shutdown → both send closing_complete
    deliverEditing(net, a, (m) => (m.type === 'closing_complete' ? { ...m, closeeScriptpubkey: randomP2wpkh() } : m));
    expect(warnings(b).some((w) => /closee_scriptpubkey/.test(w))).toBe(true);
    net.close();
  });
});

describe('BOLT 3 closing transactions', () => {
  const { net } = openedNet();
  const params = net.a.link!.state.params;
  const local = randomP2wpkh();
  const remote = Uint8Array.of(0x00, 0x20, ...new Uint8Array(32).fill(9));
  net.close();

  it('legacy: outputs rounded down, the fee from the funder, outputs below the dust limit removed, BIP 69 order', () => {
    const c = buildLegacyClosingTx(params, { localMsat: 600_000_999n, remoteMsat: 399_999_001n }, { local, remote }, 1_000n, { dustLimitSat: 546n });
    expect(c.tx.version).toBe(2);
    expect(c.tx.locktime).toBe(0);
    expect(c.tx.inputs[0]!.sequence).toBe(0xffffffff);
    expect(c.outputs.map((o) => [o.side, o.valueSat])).toEqual([['remote', 399_999n], ['local', 599_000n]]);
    expect(c.feeSat).toBe(1_001n);
    const dusty = buildLegacyClosingTx(params, { localMsat: 999_500_000n, remoteMsat: 500_000n }, { local, remote }, 1_000n, { dustLimitSat: 546n });
    expect(dusty.outputs.map((o) => o.side)).toEqual(['local']);
    // Same value: the script decides (memcmp, then the shorter).
    const tie = buildLegacyClosingTx(params, { localMsat: 500_000_000n, remoteMsat: 500_000_000n }, { local: remote, remote: local }, 0n, { dustLimitSat: 546n });
    expect(tie.outputs.map((o) => toHex(o.scriptPubKey))).toEqual([toHex(local), toHex(remote)].sort());
    expect(() => buildLegacyClosingTx(params, { localMsat: 500_000n, remoteMsat: 999_500_000n }, { local, remote }, 600n, { dustLimitSat: 546n })).toThrowError(RangeError);
  });

  it('option_simple_close: the closer pays, OP_RETURN outputs are zero, locktime as given, sequence 0xFFFFFFFD', () => {
    const opReturn = Uint8Array.of(0x6a, 0x06, ...utf8.encode('glass!'));
    const c = buildSimpleClosingTx(params, { localMsat: 600_000_000n, remoteMsat: 400_000_000n }, { closer: 'remote', closerScript: remote, closeeScript: local, feeSat: 700n, locktime: 123 }, 'closer_and_closee_outputs');
    expect(c.tx.locktime).toBe(123);
    expect(c.tx.inputs[0]!.sequence).toBe(0xfffffffd);
    expect(c.outputs.map((o) => [o.side, o.valueSat])).toEqual([['remote', 399_300n], ['local', 600_000n]]);
    const burn = buildSimpleClosingTx(params, { localMsat: 600_000_000n, remoteMsat: 400_000_000n }, { closer: 'local', closerScript: opReturn, closeeScript: remote, feeSat: 700n, locktime: 0 }, 'closer_and_closee_outputs');
    expect(burn.outputs.map((o) => [o.side, o.valueSat])).toEqual([['local', 0n], ['remote', 400_000n]]);
    expect(burn.feeSat).toBe(600_000n);
  });

  it('the closing part of the channel state round-trips through the state codec', () => {
    const { net: n } = openedNet();
    n.a.close(randomP2wpkh());
    n.deliverAll();
    const s = n.a.link!.state;
    expect(decodeChannelState(JSON.parse(JSON.stringify(encodeChannelState(s))))).toEqual(s);
    expect(s.closing!.shutdownLocal).not.toBeNull();
    expect(s.aliases!.local).not.toBeNull();
    n.close();
  });
});
