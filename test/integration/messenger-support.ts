/**
 * Helpers for the onion messenger integration tests: a long-running CLI process (`listen`) read
 * line by line, and onion messages built by hand for raw peers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll } from 'vitest';
import { fromHex, randomPrivateKey } from '../../core/crypto';
import { createBlindedPath, createOnionMessage, encodeOnionPacket } from '../../core/onion';
import type { OnionMessage, TlvRecord } from '../../core/wire';
import { GLASSWING_BIN } from '../support/daemon';

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** A CLI command that keeps running (e.g. `listen`), with its stdout JSON lines collected. */
export class StreamingCli {
  readonly lines: Record<string, unknown>[] = [];
  readonly child: ChildProcess;
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [GLASSWING_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(this.child);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => {
      children.delete(this.child);
      resolve(code);
    }));
    this.child.stderr!.on('data', (d) => (this.stderr += d));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        /* not JSON */
      }
    });
  }

  async waitFor(pred: (line: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(pred);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for a line; got ${JSON.stringify(this.lines)}; stderr: ${this.stderr}`);
      if (this.child.exitCode !== null) throw new Error(`the command exited with ${this.child.exitCode}; stderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/** An onion message to `nodeId` (a one-hop blinded route, as every sender builds for a peer). */
export function onionMessageTo(nodeId: string, records: readonly TlvRecord[]): OnionMessage {
  const path = createBlindedPath({ sessionKey: randomPrivateKey(), hops: [{ nodeId: fromHex(nodeId), data: {} }] }).path;
  const m = createOnionMessage({ sessionKey: randomPrivateKey(), path, contents: { messageRecords: records } });
  return { type: 'onion_message', pathKey: m.pathKey, onionMessagePacket: encodeOnionPacket(m.packet) };
}
