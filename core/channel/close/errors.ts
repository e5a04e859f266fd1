/**
 * CloseError (`channel_close.*`): a local close command the protocol or the channel's commitments forbid
 * right now (no script, a script other than the upfront one, a bump before closing_sig), or the caller
 * breaking the closer's contract (sending our signatures before the monitor recorded them). What the peer
 * does wrong is answered on the wire (a `warning`, or the channel failed through its link), not thrown.
 */
import { GlasswingError } from '../../errors';

export class CloseError extends GlasswingError {}
