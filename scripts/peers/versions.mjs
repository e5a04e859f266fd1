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
