/**
 * The sandbox network for a first run: two local peer nodes, "lsp" and "shop", each a
 * `glasswing daemon` in its own data directory under DATADIR/sandbox/, connected to your node over
 * loopback (and to each other). A new user sees peers and traffic within seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connectToDaemon } from '../main/cli/daemon-client';
import type { NodeApi } from '../core/api';

export interface SandboxNode {
  readonly name: string;
  readonly datadir: string;
  readonly nodeId: string;
  readonly listen: string;
  readonly api: NodeApi;
}

export interface Sandbox {
  readonly nodes: readonly SandboxNode[];
  readonly summary: string;
}

export interface SandboxOptions {
  readonly root: string;
  readonly datadir: string;
  /** Your node, if it is a daemon the sandbox should connect to (browser mode). */
  readonly you?: { nodeId: string; listen: string };
  readonly children: ChildProcess[];
  readonly say: (text: string) => void;
}

async function startNode(opts: SandboxOptions, name: string): Promise<SandboxNode> {
  const datadir = join(opts.datadir, 'sandbox', name);
  mkdirSync(datadir, { recursive: true, mode: 0o700 });
  const child = spawn(process.execPath, [join(opts.root, 'bin/glasswing.mjs'), 'daemon', '--datadir', datadir, '--listen', '127.0.0.1:0', '--alias', name], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  opts.children.push(child);
  const ready = await new Promise<{ nodeId: string; listen: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sandbox node ${name} exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const v = JSON.parse(line) as { event?: string; nodeId: string; listen: string };
        if (v.event === 'ready') resolve(v);
      } catch {
        /* not JSON */
      }
    });
  });
  const client = await connectToDaemon(datadir);
  return { name, datadir, nodeId: ready.nodeId, listen: ready.listen, api: client.api };
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const [lsp, shop] = await Promise.all([startNode(opts, 'lsp'), startNode(opts, 'shop')]);
  // shop ↔ lsp, and both to you: the shop dials the lsp, the lsp and the shop dial you.
  await shop.api.connect({ address: `${lsp.nodeId}@${lsp.listen}`, reconnect: true });
  if (opts.you) {
    await lsp.api.connect({ address: `${opts.you.nodeId}@${opts.you.listen}`, reconnect: true });
    await shop.api.connect({ address: `${opts.you.nodeId}@${opts.you.listen}`, reconnect: true });
  }
  return {
    nodes: [lsp, shop],
    summary: `lsp ${lsp.nodeId.slice(0, 12)}… at ${lsp.listen}, shop ${shop.nodeId.slice(0, 12)}… at ${shop.listen}`,
  };
}
