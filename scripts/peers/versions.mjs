// The pinned versions of every real peer the tests and the sandbox run, and where they are built.
// Nothing here is committed code of theirs: project scripts build them from the registries into a
// cache folder outside the repository and reuse what is there.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `GLASSWING_PEERS_CACHE`, else `$XDG_CACHE_HOME/glasswing/peers`, else `~/.cache/glasswing/peers`. */
export function peersCacheDir() {
  if (process.env.GLASSWING_PEERS_CACHE) return process.env.GLASSWING_PEERS_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'glasswing', 'peers');
}

export const BTCD_VERSION = 'v0.26.0';
export const BTCD_MODULE = 'github.com/btcsuite/btcd';

/** Where the btcd and btcctl binaries of the pinned version live once built. */
export function btcdBinDir() {
  return join(peersCacheDir(), `btcd-${BTCD_VERSION}`, 'bin');
}

/** LND, built from the Go module proxy through a wrapper module (its go.mod has `replace` lines). */
export const LND_VERSION = 'v0.21.3-beta';
export const LND_MODULE = 'github.com/lightningnetwork/lnd';
/** The sub-servers the tests drive (routerrpc is always built); no dev tags. */
export const LND_TAGS = ['signrpc', 'walletrpc', 'chainrpc', 'invoicesrpc', 'peersrpc'];

/** Where lnd and lncli of the pinned version and tags live once built. */
export function lndBinDir() {
  return join(peersCacheDir(), `lnd-${LND_VERSION}`, 'bin');
}

/** rust-lightning of the LDK test peer, pinned in its Cargo.toml (`lightning = "=0.2.7"`) and Cargo.lock. */
export const LDK_VERSION = '0.2.7';

/**
 * The LDK test peer (test/interop/ldk-peer, our own crate on rust-lightning 0.2): its cargo target
 * folder lives in the cache; the binary is rebuilt when the crate's sources or Cargo.lock change
 * (cargo decides; an unchanged crate costs a second).
 */
export function ldkPeerTargetDir() {
  return join(peersCacheDir(), 'ldk-peer-target');
}
export function ldkPeerBinary() {
  return join(ldkPeerTargetDir(), 'release', 'glasswing-ldk-peer');
}
