/**
 * Errors of the routing layer:
 * - `routing.bad_request` — the request cannot be searched (no amount, a key that is not 33 bytes,
 *   source and destination the same, ...)
 * - `routing.no_route` — no path satisfies every constraint (`details.reason` says which search ended it)
 * - `routing.search_limit` — the search gave up after `maxWork` labels without finding a route
 */
import { GlasswingError } from '../errors';

export class RoutingError extends GlasswingError {}
