/** `glasswing uilogin`: a new one-time address that logs a browser into a daemon started with --ui. */
import type { CliCommand } from '../command';
import { readApiInfo } from '../daemon-client';
import { ApiError } from '../../../core/api';

export const uilogin: CliCommand = {
  name: 'uilogin',
  summary: 'print a one-time address that logs a browser into the UI (daemon started with --ui)',
  usage: 'uilogin',
  examples: ['uilogin', '--datadir ~/gw uilogin'],
  details: ['Opening the address signs the browser in for 30 days (a cookie, not a token in the address); sessions survive restarts of the same data directory.'],
  run: async (ctx) => {
    const { info, token } = readApiInfo(ctx.datadir);
    const httpUrl = info.url.replace(/^ws/, 'http');
    let res: Response;
    try {
      res = await fetch(`${httpUrl}/ui-login`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    } catch {
      throw new ApiError('cli.daemon_unreachable', `the daemon for ${ctx.datadir} does not answer at ${httpUrl}`);
    }
    const body = (await res.json()) as { url?: string; error?: { code: string; message: string } };
    if (!res.ok || !body.url) throw new ApiError(body.error?.code ?? 'api.error', body.error?.message ?? `HTTP ${res.status}`);
    return { url: body.url };
  },
};
