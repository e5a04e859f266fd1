/**
 * Events pushed to a subscribed API client: the events of one turn of the daemon's event loop go
 * in one frame (`{ events }`, oldest first; a lone event as `{ event }`), a reply never overtakes
 * events published before it, and the socket client hands every event to its listeners in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Node } from '../../../core/node';
import { createNodeApi } from '../../../core/api/node-api';
import type { NodeEvent } from '../../../core/api';
import { connectSocketClient } from '../../../core/api/socket-client';
import type { SocketLike } from '../../../core/api/socket-client';
import { ApiServer } from '../../../main/daemon/api-server';
import { tempDir } from '../../support/tmp';

type Frame = { id?: number; result?: unknown; event?: NodeEvent; events?: NodeEvent[] };

function warning(text: string) {
  return { type: 'peer.protocol_message' as const, kind: 'warning' as const, direction: 'in' as const, nodeId: '02'.padEnd(66, '0'), channelId: '00'.repeat(32), text };
}

describe('ApiServer event frames', () => {
  let node: Node;
  let server: ApiServer;
  let url: string;
  const token = 'c'.repeat(64);
  const headers = { authorization: `Bearer ${token}` };

  beforeAll(async () => {
    node = await Node.open({ datadir: tempDir(), alias: 'frames', network: 'regtest', listen: null, version: '0.0.0-test' });
    await node.start();
    server = new ApiServer({ api: createNodeApi(node), token });
    url = await server.listen();
  });
  afterAll(async () => {
    await server.close();
    await node.stop();
  });

  /** A raw subscribed client: every frame it receives, parsed, in order. */
  async function rawClient(): Promise<{ ws: WebSocket; frames: Frame[]; next: (pred: (f: Frame) => boolean) => Promise<Frame> }> {
    const ws = new WebSocket(url, { headers });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const frames: Frame[] = [];
    const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as Frame;
      frames.push(f);
      for (const w of [...waiters]) if (w.pred(f)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(f);
      }
    });
    const next = (pred: (f: Frame) => boolean) => new Promise<Frame>((resolve) => {
      const found = frames.find(pred);
      if (found) resolve(found);
      else waiters.push({ pred, resolve });
    });
    ws.send(JSON.stringify({ subscribe: true }));
    ws.send(JSON.stringify({ id: 1, method: 'getInfo', params: {} }));
    await next((f) => f.id === 1); // frames are handled in order: subscribed now
    return { ws, frames, next };
  }

  const texts = (f: Frame) => (f.events ?? (f.event ? [f.event] : [])).map((e) => (e as { text?: string }).text);

  it('batches the events of one turn into one frame, oldest first, and sends a lone event as { event }', async () => {
    const { ws, frames, next } = await rawClient();
    const start = frames.length;
    for (const t of ['a1', 'a2', 'a3']) node.events.publish(warning(t));
    const batch = await next((f) => texts(f).includes('a1'));
    expect(batch.events?.map((e) => (e as { text: string }).text)).toEqual(['a1', 'a2', 'a3']);
    expect(batch.events!.map((e) => e.seq)).toEqual([batch.events![0]!.seq, batch.events![0]!.seq + 1, batch.events![0]!.seq + 2]);
    node.events.publish(warning('b1'));
    const lone = await next((f) => texts(f).includes('b1'));
    expect(lone.event).toMatchObject({ type: 'peer.protocol_message', text: 'b1' });
    expect(lone.events).toBeUndefined();
    expect(frames.slice(start).flatMap(texts)).toEqual(['a1', 'a2', 'a3', 'b1']);
    ws.close();
  });

  it('a reply never overtakes the events published before it', async () => {
    const { ws, frames, next } = await rawClient();
    const start = frames.length;
    node.events.publish(warning('c1'));
    ws.send(JSON.stringify({ id: 2, method: 'getInfo', params: {} }));
    await next((f) => f.id === 2);
    const order = frames.slice(start).map((f) => (f.id === 2 ? 'reply' : texts(f).join(',')));
    expect(order.indexOf('c1')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('c1')).toBeLessThan(order.indexOf('reply'));
    ws.close();
  });

  it('the socket client gives its listeners every event of a batch, in order', async () => {
    const client = await connectSocketClient(new WebSocket(url, { headers }) as unknown as SocketLike);
    const seen: string[] = [];
    const all = new Promise<void>((resolve) => {
      client.api.subscribe((e) => {
        const text = (e as { text?: string }).text;
        if (text?.startsWith('d')) seen.push(text);
        if (seen.length === 50) resolve();
      });
    });
    await client.api.getInfo({}); // subscribed once this returns
    for (let i = 0; i < 50; i++) node.events.publish(warning(`d${i}`));
    await all;
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => `d${i}`));
    client.close();
  });
});
