/**
 * A subscribed client that stops reading must not make the daemon buffer every event for it:
 * past the cap it is closed with a code and reason it can act on (reconnect and resnapshot).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Node } from '../../../core/node';
import { createNodeApi } from '../../../core/api/node-api';
import { ApiServer, SLOW_CLIENT_CLOSE_CODE } from '../../../main/daemon/api-server';
import { tempDir } from '../../support/tmp';

const MAX_UNREAD = 256 * 1024;
/** Far more than the kernel's socket buffers plus the cap; without the cap all of it is queued. */
const PUBLISH_LIMIT = 96 * 1024 * 1024;

describe('ApiServer backpressure', () => {
  let node: Node;
  let server: ApiServer;
  let url: string;
  const logs: Record<string, unknown>[] = [];
  const token = 'b'.repeat(64);

  beforeAll(async () => {
    node = await Node.open({ datadir: tempDir(), alias: 'slow', network: 'regtest', listen: null, version: '0.0.0-test' });
    await node.start();
    server = new ApiServer({ api: createNodeApi(node), token, maxUnreadBytes: MAX_UNREAD, log: (l) => logs.push(l) });
    url = await server.listen();
  });
  afterAll(async () => {
    await server.close();
    await node.stop();
  });

  it('closes a subscribed client that stops reading, with 1013 and a reason, and keeps serving others', async () => {
    const slow = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    await new Promise<void>((resolve, reject) => {
      slow.once('open', () => resolve());
      slow.once('error', reject);
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => slow.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    slow.send(JSON.stringify({ subscribe: true }));
    // Frames are handled in order: once this reply is here, the subscription is in place.
    await new Promise<void>((resolve) => {
      slow.once('message', () => resolve());
      slow.send(JSON.stringify({ id: 1, method: 'getInfo', params: {} }));
    });
    slow.pause();

    const text = 'x'.repeat(4096);
    let published = 0;
    while (!logs.some((l) => l.event === 'api_slow_client') && published < PUBLISH_LIMIT) {
      for (let i = 0; i < 256; i++) {
        node.events.publish({ type: 'peer.protocol_message', kind: 'warning', direction: 'in', nodeId: '02'.padEnd(66, '0'), channelId: '00'.repeat(32), text });
        published += text.length;
      }
      await new Promise((r) => setImmediate(r)); // let the socket flush what the kernel takes
    }
    expect(logs.find((l) => l.event === 'api_slow_client')).toMatchObject({ maxUnreadBytes: MAX_UNREAD });

    // Once it reads again it finds the close frame after what was queued before the cap.
    slow.resume();
    const { code, reason } = await closed;
    expect(code).toBe(SLOW_CLIENT_CLOSE_CODE);
    expect(reason).toMatch(/too slow/);

    // Another client is unaffected.
    const other = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    const reply = await new Promise<{ id: number; result?: { nodeId: string } }>((resolve, reject) => {
      other.once('open', () => other.send(JSON.stringify({ id: 1, method: 'getInfo', params: {} })));
      other.once('message', (d) => resolve(JSON.parse(d.toString()) as { id: number; result?: { nodeId: string } }));
      other.once('error', reject);
    });
    expect(reply.result?.nodeId).toMatch(/^0[23][0-9a-f]{64}$/);
    other.close();
  }, 120_000);
});
