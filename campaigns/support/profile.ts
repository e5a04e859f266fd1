/**
 * Where a process's time went: reads a V8 CPU profile (`node --cpu-prof` writes one per thread at
 * exit; the main thread's is the busiest) and sums self time by function and by source file, and
 * inclusive time by named stages (a sample counts for a stage when the stage's function is on its
 * stack). Idle time ("(idle)") is kept apart, so shares are of the time the thread was busy.
 * `from` skips everything before the first sample with that function on its stack (the start-up).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './processes';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Row {
  readonly name: string;
  readonly ms: number;
}

export interface ProfileSummary {
  /** Busy milliseconds (every sample but idle) in the window. */
  readonly busyMs: number;
  readonly idleMs: number;
  /** Self time by function, most first. */
  readonly byFunction: readonly Row[];
  /** Self time by source file (or the engine's own categories: "(garbage collector)", "(program)"). */
  readonly byFile: readonly Row[];
  /** Inclusive time of each stage asked for, in the order asked. */
  readonly stages: readonly Row[];
}

export interface ProfileOptions {
  readonly top?: number;
  readonly from?: string;
  /** Stage name → the function names that make it (any of them on the stack). */
  readonly stages?: Readonly<Record<string, readonly string[]>>;
}

function fileOf(url: string): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const rel = relative(REPO_ROOT, path);
  return rel.startsWith('..') ? path : rel;
}

/** Reads a profile; null when it is not one (so the caller can pick among a directory's files). */
export function summarizeProfile(path: string, opts: ProfileOptions = {}): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stack = (id: number): Set<string> => {
    const names = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) names.add(byId.get(cur)!.callFrame.functionName);
    return names;
  };
  const stageEntries = Object.entries(opts.stages ?? {});
  const stageMs = new Map(stageEntries.map(([name]) => [name, 0]));
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let started = opts.from === undefined;
  for (let i = 0; i < p.samples.length; i++) {
    const node = byId.get(p.samples[i]!);
    if (!node) continue;
    const names = !started || stageEntries.length ? stack(node.id) : undefined;
    if (!started) {
      if (!names!.has(opts.from!)) continue;
      started = true;
    }
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += ms;
      continue;
    }
    busy += ms;
    const f = url ? fileOf(url) : functionName || '(native)';
    const key = url ? `${functionName || '(anonymous)'} ${f}:${lineNumber + 1}` : functionName || '(native)';
    fn.set(key, (fn.get(key) ?? 0) + ms);
    file.set(f, (file.get(f) ?? 0) + ms);
    for (const [stage, fns] of stageEntries) if (fns.some((x) => names!.has(x))) stageMs.set(stage, stageMs.get(stage)! + ms);
  }
  const top = opts.top ?? 20;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => ({ name, ms }));
  return { busyMs: busy, idleMs: idle, byFunction: sorted(fn), byFile: sorted(file), stages: [...stageMs].map(([name, ms]) => ({ name, ms })) };
}

export function formatProfile(s: ProfileSummary): string {
  const pct = (ms: number) => `${((ms / Math.max(1, s.busyMs)) * 100).toFixed(1)}%`.padStart(6);
  const rows = (title: string, list: readonly Row[]) => (list.length ? [title, ...list.map((r) => `  ${pct(r.ms)}  ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${r.name}`)] : []);
  return [
    `busy ${(s.busyMs / 1000).toFixed(1)} s, idle ${(s.idleMs / 1000).toFixed(1)} s (shares are of busy time)`,
    ...rows('by stage (inclusive; stages overlap where one calls another):', s.stages),
    ...rows('by file (self time):', s.byFile),
    ...rows('by function (self time):', s.byFunction),
  ].join('\n');
}
