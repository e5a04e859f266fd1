/**
 * peelOnionMessage's bounds (issue 20): by default it peels as many of our own hops as the
 * messenger allows (LIMITS.selfHops, the messenger's MAX_DUMMY_HOPS) and reports each layer as it
 * peels it; a reply path longer than the limits table allows and a payload of more records than
 * any writer uses are refused as they are read. Counted in curve operations, never in time.
 */
import { describe, expect, it } from 'vitest';
import type { BlindedPath } from '../../../core/wire';
import { LIMITS, encodeTlvStream } from '../../../core/wire';
import { OnionParseError, OnionSemanticError, createBlindedPath, createOnionMessage, decodeOnionMessagePayload, peelOnionMessage } from '../../../core/onion';
import { MAX_DUMMY_HOPS } from '../../../core/messenger';
import { countCurveOps } from '../../support/curve-ops';
import { keyFromSeed, nodesFromSeed, thrown } from './support';

const [us, peer] = nodesFromSeed(20, 2) as [{ privateKey: Uint8Array; nodeId: Uint8Array }, { privateKey: Uint8Array; nodeId: Uint8Array }];
const MESSAGE = { type: 64n, value: new Uint8Array([1]) };

/** A message for us over a path that visits us `visits` times before its final hop (anyone can build one). */
function visiting(visits: number, replyPath?: BlindedPath) {
  const hops = [...Array.from({ length: visits }, () => ({ nodeId: us.nodeId, data: { nextNodeId: us.nodeId } })), { nodeId: us.nodeId, data: {} }];
  const path = createBlindedPath({ sessionKey: keyFromSeed(20, 100 + visits), hops }).path;
  return createOnionMessage({ sessionKey: keyFromSeed(20, 200 + visits), path, contents: { messageRecords: [MESSAGE], ...(replyPath ? { replyPath } : {}) } });
}

function replyPathOf(hops: number): BlindedPath {
  const nodes = Array.from({ length: hops }, (_, i) => ({ nodeId: peer.nodeId, data: i < hops - 1 ? { nextNodeId: peer.nodeId } : {} }));
  return createBlindedPath({ sessionKey: keyFromSeed(20, 300 + hops), hops: nodes }).path;
}

describe('peelOnionMessage bounds', () => {
  it(`peels at most ${LIMITS.selfHops} of our own hops by default, the messenger's MAX_DUMMY_HOPS, two ECDHs each`, () => {
    expect(MAX_DUMMY_HOPS).toBe(LIMITS.selfHops);
    const ok = visiting(LIMITS.selfHops);
    const layers: number[] = [];
    const { value, ops } = countCurveOps(() => peelOnionMessage({ packet: ok.packet, pathKey: ok.pathKey, privateKey: us.privateKey, onLayer: (n) => layers.push(n) }));
    expect(value).toMatchObject({ kind: 'receive', dummyHopsPeeled: LIMITS.selfHops });
    expect(layers).toEqual(Array.from({ length: LIMITS.selfHops + 1 }, () => 1300));
    expect(ops.ecdh).toBe(2 * (LIMITS.selfHops + 1));
    // One more visit is refused once the bound is passed, and every layer peeled was reported.
    const tooMany = visiting(LIMITS.selfHops + 1);
    let peeled = 0;
    const e = thrown(() => peelOnionMessage({ packet: tooMany.packet, pathKey: tooMany.pathKey, privateKey: us.privateKey, onLayer: () => peeled++ }));
    expect(e).toBeInstanceOf(OnionSemanticError);
    expect(peeled).toBe(LIMITS.selfHops + 1);
  });

  it(`refuses a reply path of more than ${LIMITS.blindedPathHops} hops as it is read, before its hops' points`, () => {
    const longest = visiting(0, replyPathOf(LIMITS.blindedPathHops));
    expect(peelOnionMessage({ packet: longest.packet, pathKey: longest.pathKey, privateKey: us.privateKey })).toMatchObject({
      kind: 'receive', payload: { replyPath: { hops: expect.any(Array) } },
    });
    const long = visiting(0, replyPathOf(LIMITS.blindedPathHops + 1));
    const { ops } = countCurveOps(() => {
      const e = thrown(() => peelOnionMessage({ packet: long.packet, pathKey: long.pathKey, privateKey: us.privateKey }));
      expect(e).toBeInstanceOf(OnionParseError);
      expect(e).toMatchObject({ code: 'onion.bad_payload', details: { field: 'reply_path', cause: 'wire.too_large' } });
    });
    // The packet's key, the path key, and the reply path's first_node_id and first_path_key: no hop.
    expect(ops.pointChecks).toBeLessThanOrEqual(4);
    // A caller may lower the bound.
    const short = visiting(0, replyPathOf(3));
    expect(() => peelOnionMessage({ packet: short.packet, pathKey: short.pathKey, privateKey: us.privateKey, maxReplyPathHops: 2 })).toThrow(OnionParseError);
  });

  it(`refuses an onionmsg_tlv of more than ${LIMITS.onionRecords} records at the first one too many`, () => {
    const records = Array.from({ length: LIMITS.onionRecords + 1 }, (_, i) => ({ type: 64n + BigInt(i), value: new Uint8Array(0) }));
    expect(() => decodeOnionMessagePayload(encodeTlvStream(records))).toThrowError(expect.objectContaining({ code: 'onion.bad_payload', details: expect.objectContaining({ cause: 'wire.too_large' }) }));
    expect(decodeOnionMessagePayload(encodeTlvStream(records.slice(1))).messageRecords).toHaveLength(LIMITS.onionRecords);
  });
});
