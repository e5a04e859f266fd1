import { GlasswingError } from '../errors';

/**
 * Why a peer connection failed or ended. Codes:
 * - `peer.bad_address` — not NODEID@HOST:PORT
 * - `peer.connect_failed` — TCP connection refused, unreachable or timed out
 * - `peer.handshake_timeout` — the BOLT 8 handshake did not complete in time
 * - `peer.too_many_handshakes` — refused: too many connections from the address are in the handshake
 * - `peer.inbound_rate_limited` — refused: the address opens connections faster than its token bucket allows
 * - `peer.init_timeout` — no `init` arrived in time
 * - `peer.first_message_not_init` — BOLT 1: the first message must be `init`
 * - `peer.unknown_required_features` — they require feature bits we do not know (BOLT 1)
 * - `peer.missing_required_features` — they lack a feature we require
 * - `peer.incompatible_network` — no chain in common (BOLT 1 `networks`)
 * - `peer.unknown_even_message` — an unknown even message type (BOLT 1: close the connection)
 * - `peer.malformed_message` — a known message that does not decode
 * - `peer.ping_timeout` — no `pong` for our `ping` in time
 * - `peer.ping_flood` — they kept sending pings over our rate limit (BOLT 1: precautions against ping flooding)
 * - `peer.queue_overflow` — they do not read fast enough: our outbound queue overflowed
 * - `peer.replaced` — a newer connection to the same node id took over (BOLT 1)
 * - `peer.closed_by_remote` — the TCP connection was closed by the other side
 * - `peer.disconnect_requested` — we were asked to disconnect
 * - `peer.shutting_down` — our node is stopping
 * - `peer.not_connected` — an operation needs a connected peer
 * - `peer.self_connection` — the address is our own node id
 * - `peer.has_channels` — a peer we have channels with cannot be forgotten
 * - `peer.listen_failed` — the listen address cannot be used (taken, not ours)
 */
export class PeerError extends GlasswingError {}
