/** The MessageRouter's rules, in order: via hops, a connected peer, a known address, the gossip graph, else no_route. */
import { describe, expect, it } from 'vitest';
import type { RoutingView } from '../../../core/messenger';
import { MAX_GRAPH_HOPS, planRoute, replyPathNodes } from '../../../core/messenger';
import type { BlindedPath } from '../../../core/wire';

const id = (c: string) => `02${c.repeat(64)}`;
const [US, B, C, D, I] = ['a', 'b', 'c', 'd', 'e'].map(id) as [string, string, string, string, string];
const somePath = {} as BlindedPath;

function view(connected: string[], addresses: Record<string, string> = {}): RoutingView {
  return { ourNodeId: US, isConnected: (n) => connected.includes(n), addressOf: (n) => addresses[n] };
}

describe('planRoute', () => {
  it('uses the via hops first, even when the destination is connected', () => {
    const plan = planRoute({ kind: 'node', nodeId: D }, [B, C], view([B, D]));
    expect(plan).toMatchObject({ kind: 'via', firstHop: B, intermediates: [B, C] });
    expect(plan.connectTo).toBeUndefined();
  });

  it('dials the first via hop when only its address is known', () => {
    expect(planRoute({ kind: 'node', nodeId: D }, [B], view([], { [B]: '127.0.0.1:1' })).connectTo).toEqual({ nodeId: B, address: '127.0.0.1:1' });
  });

  it('goes direct to a connected destination or introduction node', () => {
    expect(planRoute({ kind: 'node', nodeId: D }, [], view([D]))).toMatchObject({ kind: 'direct', firstHop: D });
    expect(planRoute({ kind: 'blinded', introductionNodeId: I, path: somePath }, [], view([I]))).toMatchObject({ kind: 'direct', firstHop: I });
  });

  it('connects first to a destination the address book knows', () => {
    expect(planRoute({ kind: 'node', nodeId: D }, [], view([], { [D]: 'h:9735' }))).toMatchObject({ kind: 'connect_first', firstHop: D, connectTo: { nodeId: D, address: 'h:9735' } });
  });

  it('with the gossip graph: a connected neighbour of the target carries it, else the announced address is dialled; the address book still comes first', () => {
    // Regression (four daemons P–L1–L2–R): R, back online, could not send release_held_htlc to L1 (no address, not a peer).
    const graph = (neighbours: Record<string, string[]>, announced: Record<string, string> = {}) => ({
      graphNeighbours: (n: string) => neighbours[n] ?? [], graphAddressOf: (n: string) => announced[n],
    });
    const blinded = { kind: 'blinded' as const, introductionNodeId: I, path: somePath };
    const viaB = planRoute(blinded, [], { ...view([B]), ...graph({ [I]: [C, US, B] }, { [I]: 'i:9735' }) });
    expect(viaB).toMatchObject({ kind: 'via', firstHop: B, intermediates: [B] });
    expect(viaB.connectTo).toBeUndefined();
    expect(replyPathNodes(viaB, US)).toEqual([I, B, US]);
    // No connected neighbour (C is not connected, we are not our own hop): the node_announcement's address.
    expect(planRoute(blinded, [], { ...view([]), ...graph({ [I]: [C, US] }, { [I]: 'i:9735' }) })).toMatchObject({ kind: 'connect_first', firstHop: I, connectTo: { nodeId: I, address: 'i:9735' } });
    expect(planRoute(blinded, [], { ...view([B], { [I]: 'book:1' }), ...graph({ [I]: [B] }) })).toMatchObject({ kind: 'connect_first', connectTo: { address: 'book:1' } });
    expect(() => planRoute(blinded, [], { ...view([B]), ...graph({ [I]: [C] }) })).toThrowError(expect.objectContaining({ code: 'messenger.no_route' }));
  });

  it('with the gossip graph: the shortest chain of onion-message relays from a peer of ours, never through us or a node that does not relay', () => {
    const [E, F, G, H] = ['1', '2', '3', '4'].map(id) as [string, string, string, string];
    // I — C — D — B(peer), and I — E — F — G — H — B(peer): the shorter chain wins.
    const edges: [string, string][] = [[I, C], [C, D], [D, B], [I, E], [E, F], [F, G], [G, H], [H, B]];
    const neighbours = (n: string) => edges.flatMap(([x, y]) => (x === n ? [y] : y === n ? [x] : []));
    const blinded = { kind: 'blinded' as const, introductionNodeId: I, path: somePath };
    const relays = (no: string[]) => ({ graphNeighbours: neighbours, relaysOnionMessages: (n: string) => !no.includes(n) });
    const plan = planRoute(blinded, [], { ...view([B]), ...relays([]) });
    expect(plan).toMatchObject({ kind: 'via', firstHop: B, intermediates: [B, D, C] });
    expect(replyPathNodes(plan, US)).toEqual([I, C, D, B, US]);
    // C does not relay onion messages: the other chain needs 5 relays (B, H, G, F, E), more than MAX_GRAPH_HOPS.
    expect(MAX_GRAPH_HOPS).toBe(4);
    expect(() => planRoute(blinded, [], { ...view([B]), ...relays([C]) })).toThrowError(
      expect.objectContaining({ code: 'messenger.no_route', details: { nodeId: I, relays: 5, maxRelays: 4 }, message: expect.stringContaining('has 5 relays, more than the 4 we use') }),
    );
    // Nothing in the graph at all: the plain no_route, which names no relay count.
    expect(() => planRoute(blinded, [], { ...view([B]), ...relays([C, H]) })).toThrowError(expect.objectContaining({ code: 'messenger.no_route', details: { nodeId: I } }));
    // With H a peer too, the chain through E, F, G, H is 4 relays: taken.
    expect(planRoute(blinded, [], { ...view([H]), ...relays([C]) })).toMatchObject({ firstHop: H, intermediates: [H, G, F, E] });
    // We are never a relay, even when the graph puts us on the shortest chain.
    const viaUs = (n: string) => ({ [I]: [US, E], [US]: [I, B], [E]: [I, B], [B]: [US, E] })[n] ?? [];
    expect(planRoute(blinded, [], { ...view([B]), graphNeighbours: viaUs })).toMatchObject({ intermediates: [B, E] });
  });

  it('fails with messenger.no_route otherwise, and when a via hop is ourselves', () => {
    expect(() => planRoute({ kind: 'node', nodeId: D }, [], view([B]))).toThrowError(expect.objectContaining({ code: 'messenger.no_route' }));
    expect(() => planRoute({ kind: 'node', nodeId: D }, [C], view([B]))).toThrowError(expect.objectContaining({ code: 'messenger.no_route' }));
    expect(() => planRoute({ kind: 'node', nodeId: D }, [US], view([US]))).toThrowError(expect.objectContaining({ code: 'messenger.no_route' }));
  });
});

describe('replyPathNodes', () => {
  it('reverses the via hops to us: the hop before the destination introduces the reply path', () => {
    expect(replyPathNodes(planRoute({ kind: 'node', nodeId: D }, [B, C], view([B])), US)).toEqual([C, B, US]);
  });

  it('starts at us for a direct route', () => {
    expect(replyPathNodes(planRoute({ kind: 'node', nodeId: D }, [], view([D])), US)).toEqual([US]);
  });

  it('starts at a blinded destination’s introduction node, which its recipient can reach', () => {
    expect(replyPathNodes(planRoute({ kind: 'blinded', introductionNodeId: I, path: somePath }, [B], view([B])), US)).toEqual([I, B, US]);
    expect(replyPathNodes(planRoute({ kind: 'blinded', introductionNodeId: I, path: somePath }, [B, I], view([B])), US)).toEqual([I, B, US]);
  });
});
