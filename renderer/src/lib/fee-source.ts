/**
 * The fee source form of Settings: the chain source's estimates, or a fee service (LND's `fee.url`
 * answer) polled every N seconds. Checked as the node checks it (core/node/settings.ts
 * `feeUrlProblem` / `feePollMsProblem`); the node switches to it at once (unless its --fee-url wins).
 */
import type { FeeSourceSetting, UpdateSettingsParams } from '../../../core/api/settings';

export type FeeSourceKind = 'chain' | 'service';
export type FeeSourceField = 'url' | 'pollSeconds';

export interface FeeSourceDraft {
  readonly kind: FeeSourceKind;
  readonly url: string;
  /** Seconds between polls, as typed. */
  readonly pollSeconds: string;
}

export interface FeeSourceCheck {
  readonly problems: Partial<Record<FeeSourceField, string>>;
  /** `updateSettings` params when nothing is wrong. */
  readonly change: Pick<UpdateSettingsParams, 'feeUrl' | 'feePollMs'> | null;
}

/** The node's bounds (FEE_POLL_MS), in seconds. */
export const FEE_POLL_SECONDS = { min: 1, max: 86_400, default: 300 } as const;

/** A draft from the setting shown (the next start's when one is saved, else the one in use). */
export function feeSourceDraft(s: FeeSourceSetting): FeeSourceDraft {
  return {
    kind: s.url ? 'service' : 'chain',
    url: s.url ?? '',
    pollSeconds: String(s.pollMs !== null ? s.pollMs / 1000 : FEE_POLL_SECONDS.default),
  };
}

export function checkFeeSource(d: FeeSourceDraft): FeeSourceCheck {
  if (d.kind === 'chain') return { problems: {}, change: { feeUrl: '' } };
  const problems: Partial<Record<FeeSourceField, string>> = {};
  const text = d.url.trim();
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    problems.url = text === '' ? 'The fee service’s address: https://HOST/PATH.' : 'Not a URL: https://HOST/PATH…';
  }
  if (url) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.url = 'It must start with http:// or https://.';
    else if (url.username || url.password) problems.url = 'No user name or password in it: the node cannot fetch such an address.';
  }
  const seconds = d.pollSeconds.trim();
  const n = /^[0-9]{1,6}$/.test(seconds) ? Number(seconds) : NaN;
  if (!(n >= FEE_POLL_SECONDS.min && n <= FEE_POLL_SECONDS.max)) {
    problems.pollSeconds = `A whole number of seconds from ${FEE_POLL_SECONDS.min} to ${FEE_POLL_SECONDS.max} (a day).`;
  }
  if (Object.keys(problems).length > 0) return { problems, change: null };
  return { problems, change: { feeUrl: url!.href, feePollMs: n * 1000 } };
}

/** "https://… every 5 min", or the chain source's estimates. */
export function describeFeeSource(s: FeeSourceSetting): string {
  if (!s.url) return 'the chain source’s estimates';
  const ms = s.pollMs ?? FEE_POLL_SECONDS.default * 1000;
  const every = ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
  return `${s.url}, every ${every}`;
}
