/**
 * The node's `init` features (core/node/features.ts). Regression: we advertised neither basic_mpp
 * nor option_route_blinding, so LDK built no blinded payment path through us (its router uses only
 * peers that set option_route_blinding as the introduction node) and answered our invoice_request
 * for its offer with an invoice_error.
 */
import { describe, expect, it } from 'vitest';
import { knownFeatures, localInitFeatures, nodeFeatureNames } from '../../../core/node/features';

const RPC_CHAIN = { kind: 'bitcoind-rpc' };
const NO_CHAIN = { kind: 'none' };

describe('node init features', () => {
  it('a node that pays advertises basic_mpp and option_route_blinding as optional, with their dependencies set', () => {
    for (const chain of [RPC_CHAIN, NO_CHAIN]) {
      const v = localInitFeatures(nodeFeatureNames(chain));
      expect(v.isOptional('basic_mpp')).toBe(true);
      expect(v.isOptional('option_route_blinding')).toBe(true);
      expect(v.missingDependencies()).toEqual([]);
      // BOLT 9: both belong in init (context IN9).
      expect(v.misplacedFeatures('I')).not.toContain('basic_mpp');
      expect(v.misplacedFeatures('I')).not.toContain('option_route_blinding');
    }
  });

  it('with payments off neither is advertised; channel features only with a chain', () => {
    const off = localInitFeatures(nodeFeatureNames(RPC_CHAIN, { payments: false }));
    expect(off.has('basic_mpp')).toBe(false);
    expect(off.has('option_route_blinding')).toBe(false);
    expect(off.has('option_anchors')).toBe(true);
    expect(localInitFeatures(nodeFeatureNames(NO_CHAIN)).has('option_anchors')).toBe(false);
  });

  it('what we advertise we also understand when a peer requires it', () => {
    const names = nodeFeatureNames(RPC_CHAIN).concat();
    const known = knownFeatures(names).map((f) => f.name);
    expect(known).toEqual(expect.arrayContaining(names));
  });
});
