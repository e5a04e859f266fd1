/**
 * Errors of the gossip layer. Bad gossip from a peer is normal and is not an exception: it is a
 * `GossipOutcome` (core/gossip/manager.ts) with a reason. `GossipError` is for callers that hand
 * the layer something unusable (a bad argument, a stored row that does not parse):
 * - `gossip.bad_argument` — an input of ours is unusable (wrong key length, unknown peer, ...)
 * - `gossip.bad_message` — bytes that are not the gossip message they should be (our own
 *   messages, stored rows, a failure's channel_update); `details.cause` is the wire code
 * - `gossip.bad_signature` — a signature we were asked to check does not verify
 */
import { GlasswingError } from '../errors';

export class GossipError extends GlasswingError {}
