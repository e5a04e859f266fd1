/**
 * `glasswing uilogin`: a new one-time address that signs a browser into a daemon started with
 * --ui; with --sessions, the browser sessions; with --revoke, ends one or all of them.
 */
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { readApiInfo } from '../daemon-client';
import { ApiError } from '../../../core/api';

async function call(datadir: string, method: 'GET' | 'POST', path: string): Promise<unknown> {
  const { info, token } = readApiInfo(datadir);
  const httpUrl = info.url.replace(/^ws/, 'http');
  let res: Response;
  try {
    res = await fetch(`${httpUrl}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  } catch {
    throw new ApiError('cli.daemon_unreachable', `the daemon for ${datadir} does not answer at ${httpUrl}`);
  }
  const body = (await res.json()) as { error?: { code: string; message: string } };
  if (!res.ok || body.error) throw new ApiError(body.error?.code ?? 'api.error', body.error?.message ?? `HTTP ${res.status}`);
  return body;
}

export const uilogin: CliCommand = {
  name: 'uilogin',
  summary: 'print a one-time address that signs a browser into the app (daemon started with --ui); list or revoke sessions',
  usage: 'uilogin [--sessions | --revoke ID|all]',
  options: {
    sessions: { type: 'boolean', describe: 'list the signed-in browser sessions (id, created, last used, expires) instead' },
    revoke: { type: 'string', value: 'ID|all', describe: 'sign out one session (its id from --sessions) or all of them; their open pages are disconnected' },
  },
  examples: ['uilogin', '--datadir ~/gw uilogin --sessions', 'uilogin --revoke all'],
  details: [
    'Opening the address signs the browser in for 30 days (an HttpOnly cookie, never a token in the address).',
    'Sessions are kept in DATADIR/ui-sessions.json (mode 0600, only their hashes), so they survive restarts.',
  ],
  run: async (ctx, { values }) => {
    if (values.sessions === true && values.revoke !== undefined) throw new UsageError('give --sessions or --revoke, not both');
    if (values.sessions === true) return call(ctx.datadir, 'GET', '/ui-sessions');
    if (typeof values.revoke === 'string') {
      if (!/^(all|[0-9a-f]{12})$/.test(values.revoke)) throw new UsageError(`--revoke takes a session id (12 hex characters, from --sessions) or "all", got ${JSON.stringify(values.revoke)}`);
      return call(ctx.datadir, 'POST', `/ui-sessions/revoke?id=${values.revoke}`);
    }
    return call(ctx.datadir, 'POST', '/ui-login');
  },
};
