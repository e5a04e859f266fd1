/**
 * Closing the API server does not wait for idle connections: a browser keeps a spare socket open
 * that never sends a request (Chromium: about 100 s), and Node's `server.close()` waits for every
 * connection, so a daemon with the app open took that long to stop. `close()` now ends such
 * sockets with the server. The socket here is a real TCP connection to the real server.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Node } from '../../../core/node';
import { createNodeApi } from '../../../core/api/node-api';
import { ApiServer } from '../../../main/daemon/api-server';
import { tempDir } from '../../support/tmp';

describe('ApiServer.close', () => {
  let node: Node;

  beforeAll(async () => {
    node = await Node.open({ datadir: tempDir(), alias: 'close', network: 'regtest', listen: null, version: '0.0.0-test' });
    await node.start();
  });
  afterAll(async () => {
    await node.stop();
  });

  it('ends a connection that never sent a request, and one that is between requests, instead of waiting for them', async () => {
    const server = new ApiServer({ api: createNodeApi(node), token: 'd'.repeat(64) });
    const url = new URL((await server.listen()).replace(/^ws/, 'http'));
    const open = (): Promise<Socket> => new Promise((resolve, reject) => {
      const s = connect(Number(url.port), url.hostname, () => resolve(s));
      s.once('error', reject);
    });
    const silent = await open();
    const keptAlive = await open();
    keptAlive.write(`GET /nothing HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`);
    await new Promise((resolve) => keptAlive.once('data', resolve));
    const ended = (s: Socket) => new Promise<void>((resolve) => (s.destroyed || s.readableEnded ? resolve() : s.once('close', () => resolve())));
    // Without the fix this close waits for the silent socket until the client gives up (the test's timeout first).
    await server.close();
    await Promise.all([ended(silent), ended(keptAlive)]);
    expect(silent.destroyed || silent.readableEnded).toBe(true);
  });
});
