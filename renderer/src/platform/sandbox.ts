/**
 * The sandbox friend's switch (browser mode only): `POST /sandbox/friend` on the page's own
 * origin, which the daemon's UI server passes to the control endpoint `npm start` serves
 * (scripts/sandbox-friend.ts). Not part of the NodeApi: the friend is another node, run by the
 * sandbox, not by ours. The same endpoint tells the async timeline what the sandbox's lsp and
 * friend did for one of our payments (`roleSteps`, checked by lib/role-steps.ts).
 */
import { parseRoleSteps, type RoleStepsAnswer, type RoleStepsQuery } from '../lib/role-steps';

export type FriendState = 'online' | 'offline' | 'starting' | 'stopping';

export interface FriendStatus {
  readonly state: FriendState;
  readonly nodeId: string;
  readonly offer: string | null;
  readonly receivedMsat: string | null;
  readonly error: string | null;
}

const STATES: readonly string[] = ['online', 'offline', 'starting', 'stopping'];

/** The answer checked before it is shown (it comes from another process). */
export function parseFriendStatus(v: unknown): FriendStatus | null {
  if (v === null || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const str = (x: unknown): x is string => typeof x === 'string';
  if (!STATES.includes(o.state as string) || !str(o.nodeId) || !/^[0-9a-f]{66}$/.test(o.nodeId)) return null;
  if (o.offer !== null && !(str(o.offer) && /^lno1[0-9a-z]+$/.test(o.offer))) return null;
  if (o.receivedMsat !== null && !(str(o.receivedMsat) && /^[0-9]{1,20}$/.test(o.receivedMsat))) return null;
  if (o.error !== null && !str(o.error)) return null;
  return { state: o.state as FriendState, nodeId: o.nodeId, offer: o.offer as string | null, receivedMsat: o.receivedMsat as string | null, error: (o.error as string | null)?.slice(0, 300) ?? null };
}

/**
 * How long an answer may take: a status is answered at once by the sandbox (it waits at most a few
 * seconds for the friend's node); a switch waits for the friend's node to stop (killed after 20 s)
 * or start.
 */
export const FRIEND_WAIT_MS = { status: 10_000, offline: 90_000, online: 90_000, steps: 10_000 } as const;

/** Posts a request to the sandbox: its answer's body, or null when there is no sandbox friend (`{ friend: null }`); throws with the reason otherwise. */
async function post(body: { action: keyof typeof FRIEND_WAIT_MS } & Record<string, unknown>): Promise<unknown> {
  const wait = FRIEND_WAIT_MS[body.action];
  let res: Response;
  try {
    res = await fetch('/sandbox/friend', {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(wait),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'TimeoutError') throw new Error(`no answer from the sandbox within ${wait / 1000} s`);
    throw new Error('your node does not answer (is it running?)');
  }
  const answer = (await res.json().catch(() => null)) as unknown;
  // No sandbox friend (no `npm start` sandbox behind this daemon).
  if (res.ok && answer !== null && typeof answer === 'object' && 'friend' in answer && (answer as { friend: unknown }).friend === null) return null;
  if (!res.ok) throw new Error((answer as { error?: unknown } | null)?.error?.toString() ?? `the sandbox answered ${res.status}`);
  return answer;
}

/** Asks for the friend's status or switches it; null when there is no sandbox friend, throws with the reason otherwise. */
export async function friendControl(action: 'status' | 'offline' | 'online'): Promise<FriendStatus | null> {
  const body = await post({ action });
  if (body === null) return null;
  const status = parseFriendStatus(body);
  if (!status) throw new Error('the sandbox sent an answer this app does not understand');
  return status;
}

/** What the sandbox's lsp and friend did for one of our async payments; null without a sandbox, throws with the reason otherwise. */
export async function roleSteps(q: RoleStepsQuery): Promise<RoleStepsAnswer | null> {
  const body = await post({ action: 'steps', paymentHash: q.paymentHash, offerId: q.offerId, since: q.since });
  if (body === null) return null;
  const answer = parseRoleSteps(body);
  if (!answer) throw new Error('the sandbox sent steps this app does not understand');
  return answer;
}
