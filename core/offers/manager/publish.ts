/** Creating the blinded message paths we publish in an offer or a refund, and their records. */
import { toHex, zeroize } from '../../crypto';
import type { BlindedPath } from '../../wire';
import { MAX_OFFER_PATHS, MAX_PATH_VIA_HOPS, MAX_PUBLISHED_DUMMY_HOPS } from './constants';
import type { ManagerContext } from './context';
import { OffersError } from './errors';
import { createPublishedPath } from './paths';
import type { PublishedPathRecord } from './records';

export interface NewPublishedPaths {
  readonly paths: BlindedPath[];
  /** The records, once the owner's id (which depends on the paths) is known. */
  records(ownerId: string, ownerKind: PublishedPathRecord['ownerKind']): PublishedPathRecord[];
}

/** One blinded path per `via` list (introduction node first), each ending at us with its own path_id. */
export function newPublishedPaths(ctx: ManagerContext, via: readonly (readonly Uint8Array[])[], dummyHops: number): NewPublishedPaths {
  if (via.length > MAX_OFFER_PATHS) throw new OffersError('offers.bad_argument', `at most ${MAX_OFFER_PATHS} paths`);
  if (!Number.isInteger(dummyHops) || dummyHops < 0 || dummyHops > MAX_PUBLISHED_DUMMY_HOPS) {
    throw new OffersError('offers.bad_argument', `dummy hops must be 0..${MAX_PUBLISHED_DUMMY_HOPS}`);
  }
  const made = via.map((hops) => {
    if (hops.length === 0 || hops.length > MAX_PATH_VIA_HOPS) throw new OffersError('offers.bad_argument', `a path has 1..${MAX_PATH_VIA_HOPS} hops before us`);
    const pathId = ctx.randomBytes(32);
    const sessionKey = ctx.randomBytes(32);
    try {
      return { pathId: toHex(pathId), intro: toHex(hops[0]!), ...createPublishedPath({ sessionKey, via: hops, ourNodeId: ctx.keys.nodeId, pathId, dummyHops }) };
    } finally {
      zeroize(sessionKey, pathId);
    }
  });
  return {
    paths: made.map((m) => m.path),
    records: (ownerId, ownerKind) =>
      made.map((m, pathIndex) => ({
        pathId: m.pathId, ownerId, ownerKind, pathIndex, introductionNodeId: m.intro,
        finalPathKey: toHex(m.finalPathKey), finalBlindedNodeId: toHex(m.finalBlindedNodeId),
      })),
  };
}
