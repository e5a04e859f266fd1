/**
 * Channel errors. Three kinds, so callers can tell them apart without reading codes:
 * - ChannelError (`channel.*`): the peer broke a BOLT 2/3 rule. The channel must fail
 *   (send `error`); the state given to the call is left untouched.
 * - ChannelCommandError (`channel_command.*`): a local command the protocol forbids right now
 *   (e.g. an HTLC above the peer's limits). Nothing was sent; the channel is fine.
 * - ShachainError (`shachain.*`) and ChannelStateError (`channel_state.*`): per-commitment
 *   secret storage and persisted-snapshot decoding.
 */
import { GlasswingError } from '../errors';

export class ChannelError extends GlasswingError {}

export class ChannelCommandError extends GlasswingError {}

export class ShachainError extends GlasswingError {}

export class ChannelStateError extends GlasswingError {}

/**
 * ChannelLinkError (`channel_link.*`): the link's own invariants (e.g. a message handed out
 * before the state it commits to was persisted). A bug in the caller, never the peer's doing.
 */
export class ChannelLinkError extends GlasswingError {}
