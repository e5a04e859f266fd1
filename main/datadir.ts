/** The platform's default data directory for Glasswing. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.GLASSWING_DATADIR) return env.GLASSWING_DATADIR;
  const home = homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Glasswing');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Glasswing');
  // XDG Base Directory: $XDG_DATA_HOME, default ~/.local/share.
  return join(env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(home, '.local', 'share'), 'glasswing');
}
