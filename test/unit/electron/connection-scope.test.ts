/** Handler registrations made by a client connection end with that connection (WebSocket and IPC). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Node } from '../../../core/node';
import { createNodeApi } from '../../../core/api/node-api';
import { ApiServer } from '../../../main/daemon/api-server';
import { connectSocketClient, type SocketLike } from '../../../core/api';
import { tempDir } from '../../support/tmp';

describe('connection-scoped calls over the WebSocket bridge', () => {
  let node: Node;
  let server: ApiServer;
  let url: string;
  const token = 'a'.repeat(64);

  beforeAll(async () => {
    node = await Node.open({ datadir: tempDir(), alias: 'scope', network: 'regtest', listen: null, version: '0.0.0-test' });
    await node.start();
    server = new ApiServer({ api: createNodeApi(node), token });
    url = await server.listen();
  });
  afterAll(async () => {
    await server.close();
    await node.stop();
  });

  const client = () => connectSocketClient(new WebSocket(url, { headers: { authorization: `Bearer ${token}` } }) as unknown as SocketLike);
  const listeners = async (tlvType: string) =>
    (await createNodeApi(node).messengerStats({})).handlers.find((h) => h.tlvType === tlvType)?.listeners ?? 0;

  it('a registration is released when the client that made it disconnects', async () => {
    const a = await client();
    const b = await client();
    await a.api.registerMessageHandler({ tlvType: '65601' });
    await b.api.registerMessageHandler({ tlvType: '65601' });
    expect(await listeners('65601')).toBe(2);
    a.close();
    await a.closed;
    await new Promise((r) => setTimeout(r, 200));
    expect(await listeners('65601')).toBe(1);
    b.close();
    await b.closed;
    await new Promise((r) => setTimeout(r, 200));
    expect(await listeners('65601')).toBe(0);
  });

  it('an explicit unregistration is not undone twice when the client leaves', async () => {
    const a = await client();
    const b = await client();
    await b.api.registerMessageHandler({ tlvType: '65603' });
    await a.api.registerMessageHandler({ tlvType: '65603' });
    await a.api.unregisterMessageHandler({ tlvType: '65603' });
    a.close();
    await a.closed;
    await new Promise((r) => setTimeout(r, 200));
    expect(await listeners('65603')).toBe(1); // b's registration survives
    b.close();
  });
});
