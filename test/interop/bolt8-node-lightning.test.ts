/**
 * Issue 3 "Done when": a Lightning implementation written by others completes the BOLT 8
 * handshake and the `init` exchange with `glasswing daemon` in both directions and gets `pong`
 * for its `ping`. The other implementation is node-lightning (@node-lightning/noise for BOLT 8,
 * @node-lightning/wire for the messages), an independent TypeScript codebase with its own crypto.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import * as noise from '@node-lightning/noise';
import { InitMessage, PingMessage, PongMessage } from '@node-lightning/wire';
import { BitField } from '@node-lightning/core';
import { startDaemon, eventually, type DaemonProcess } from '../support/daemon';
import { publicKeyFromPrivate, toHex } from '../../core/crypto';
import { chainHash } from '../../core/wire';

const REGTEST = Buffer.from(chainHash('regtest'));

/** Their init: the features node-lightning nodes set, on regtest. */
function theirInit(): InitMessage {
  const init = new InitMessage();
  const features = new BitField<number>();
  for (const bit of [1, 9, 13, 15]) features.set(bit); // data_loss_protect, var_onion_optin, static_remotekey, payment_secret (optional)
  init.features = features;
  init.chainHashes = [REGTEST];
  return init;
}

/** Reads node-lightning NoiseSocket messages as (type, payload) pairs. */
function messages(socket: noise.NoiseSocket): { next: (type: number, timeoutMs?: number) => Promise<Buffer> } {
  const queue: Buffer[] = [];
  socket.on('data', (buf: Buffer) => queue.push(buf));
  return {
    next: async (type, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = queue.findIndex((b) => b.readUInt16BE(0) === type);
        if (i >= 0) return queue.splice(i, 1)[0]!;
        if (Date.now() > deadline) throw new Error(`no message of type ${type}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

describe('interop with node-lightning (BOLT 8 + BOLT 1)', () => {
  let node: DaemonProcess;
  beforeAll(async () => {
    node = await startDaemon();
  }, 60_000);

  it('node-lightning dials glasswing: handshake, init both ways, ping → pong', async () => {
    const ls = randomBytes(32);
    const socket = noise.connect({ ls, rpk: Buffer.from(node.nodeId, 'hex'), host: '127.0.0.1', port: node.listenPort });
    const inbox = messages(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('ready', () => resolve());
      socket.once('error', reject);
    });
    socket.write(theirInit().serialize());
    const ourInit = InitMessage.deserialize(await inbox.next(16));
    expect(ourInit.chainHashes.map((h) => h.toString('hex'))).toContain(REGTEST.toString('hex'));
    expect(ourInit.features.isSet(8)).toBe(true); // var_onion_optin, required

    const ping = new PingMessage();
    ping.numPongBytes = 12;
    ping.ignored = Buffer.alloc(3);
    socket.write(ping.serialize());
    const pong = PongMessage.deserialize(await inbox.next(19));
    expect(pong.ignored.length).toBe(12);

    const api = await node.api();
    const theirId = toHex(publicKeyFromPrivate(new Uint8Array(ls)));
    const peers = await eventually(async () => {
      const { peers } = await api.listPeers({});
      return peers.find((p) => p.nodeId === theirId);
    }, 10_000, 'node-lightning to be listed');
    expect(peers.direction).toBe('inbound');
    socket.end();
  });

  describe('glasswing dials node-lightning', () => {
    const ls = randomBytes(32);
    const theirId = toHex(publicKeyFromPrivate(new Uint8Array(ls)));
    let server: noise.NoiseServer;
    let port = 0;
    const pongsSent: number[] = [];

    beforeAll(async () => {
      server = noise.createServer({ ls }, (socket) => {
        // A minimal BOLT 1 peer written with node-lightning's codecs: answer init and ping.
        socket.on('data', (buf: Buffer) => {
          const type = buf.readUInt16BE(0);
          if (type === 16) socket.write(theirInit().serialize());
          if (type === 18) {
            const ping = PingMessage.deserialize(buf);
            if (ping.numPongBytes < 65532) {
              socket.write(new PongMessage(ping.numPongBytes).serialize());
              pongsSent.push(ping.numPongBytes);
            }
          }
        });
      });
      await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, () => resolve()));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => server.close());

    it('connects through the CLI, completes init, and gets pong for its ping', async () => {
      const r = await node.cli('connect', `${theirId}@127.0.0.1:${port}`, '--no-reconnect');
      expect(r.code).toBe(0);
      expect(r.json).toMatchObject({ nodeId: theirId, direction: 'outbound' });
      const ping = await node.cli('ping', theirId, '--bytes', '5');
      expect(ping.code).toBe(0);
      expect(ping.json).toMatchObject({ nodeId: theirId, rttMs: expect.any(Number) });
      expect(pongsSent).toContain(5);
    });
  });
});
