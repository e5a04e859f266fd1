/**
 * When the mailbox lets a message go (issue 16: "a connection replaced more than 5 s after the write still
 * loses its message"): a real Node in this process (real PeerManager on loopback TCP, real SQLite) and D, a raw
 * BOLT 8 peer the test drives message by message. C deletes a message it wrote to D only at D's pong to a ping
 * sent after the write — a pong to a ping that may have left before it does not count, so it takes two in a row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomPrivateKey, publicKeyFromPrivate, toHex } from '../../../core/crypto';
import type { NodeApi } from '../../../core/api';
import { createNodeApi } from '../../../core/api/node-api';
import { Node } from '../../../core/node';
import type { Message, Ping } from '../../../core/wire';
import { RawPeer } from '../../support/raw-peer';
import { tempDir } from '../../support/tmp';

async function until<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the mailbox deletes a message once the peer\'s pong shows it read it', () => {
  let node: Node;
  let api: NodeApi;
  let port: number;
  let d: RawPeer | undefined;

  beforeAll(async () => {
    node = await Node.open({ datadir: tempDir('glasswing-mailbox-'), alias: 'c', network: 'regtest', listen: { host: '127.0.0.1', port: 0 }, version: 'test' });
    const { listen } = await node.start();
    port = Number(listen[0]!.split(':').pop());
    api = createNodeApi(node);
  });

  afterAll(async () => {
    d?.destroy();
    await node.stop();
  });

  it('answers to the first ping alone leave it in the mailbox; the pong to the second deletes it, once', async () => {
    const key = randomPrivateKey();
    const dId = toHex(publicKeyFromPrivate(key));
    await api.mailboxAllow({ nodeId: dId });
    await api.sendOnionMessage({ destination: dId, tlvs: [{ type: '65541', value: 'beef' }] });
    const stored = async () => (await api.mailboxList({})).messages.filter((m) => m.nodeId === dId);
    await until(async () => (await stored()).length === 1, 'the message in D\'s mailbox');

    d = await RawPeer.open(port);
    Object.assign(d, { localKey: key });
    await d.handshake(toHex(node.nodeId));
    const peer = d;
    await peer.waitFor((m) => m.type === 'onion_message');
    const pings = () => peer.received.filter((m): m is Ping & Message => m.type === 'ping');
    const pong = (p: Ping) => peer.sendMessage({ type: 'pong', ignored: new Uint8Array(p.numPongBytes) });

    // The first ping: answered. C pings again (the first could have been outstanding from before the write).
    await until(() => pings().length >= 1, 'C\'s first ping');
    expect(await stored()).toHaveLength(1);
    pong(pings()[0]!);
    await until(() => pings().length >= 2, 'C\'s second ping');
    expect(await stored()).toHaveLength(1);
    // The second pong: D read everything before it — the message leaves the mailbox, reported once, never written again.
    pong(pings()[1]!);
    await until(async () => (await stored()).length === 0, 'an empty mailbox');
    const forwarded = (await api.listMessages({ outcome: 'mailbox_forwarded', limit: 100 })).messages.filter((m) => m.peer === dId);
    expect(forwarded).toHaveLength(1);
    expect(peer.received.filter((m) => m.type === 'onion_message')).toHaveLength(1);
  });
});

describe('a peer that never answers pings gets each mailbox message once per connection', () => {
  let node: Node;
  let api: NodeApi;
  let port: number;
  const peers: RawPeer[] = [];

  beforeAll(async () => {
    // Short ping timeout, no keepalive: C's confirmation pings go unanswered within a test's time.
    node = await Node.open({
      datadir: tempDir('glasswing-mailbox-nopong-'), alias: 'c', network: 'regtest', listen: { host: '127.0.0.1', port: 0 }, version: 'test',
      peerTiming: { pingTimeoutMs: 1_500, pingIntervalMs: 600_000 },
    });
    const { listen } = await node.start();
    port = Number(listen[0]!.split(':').pop());
    api = createNodeApi(node);
  });

  afterAll(async () => {
    for (const p of peers) p.destroy();
    await node.stop();
  });

  it('writes it once on a connection whose pings go unanswered (never again there), once more on each new connection, and deletes it at a pong', async () => {
    const key = randomPrivateKey();
    const dId = toHex(publicKeyFromPrivate(key));
    await api.mailboxAllow({ nodeId: dId });
    await api.sendOnionMessage({ destination: dId, tlvs: [{ type: '65543', value: 'feed' }] });
    const stored = async () => (await api.mailboxList({})).messages.filter((m) => m.nodeId === dId);
    await until(async () => (await stored()).length === 1, 'the message in D\'s mailbox');
    const connect = async () => {
      const d = await RawPeer.open(port);
      peers.push(d);
      Object.assign(d, { localKey: key });
      await d.handshake(toHex(node.nodeId));
      return d;
    };
    const copies = (d: RawPeer) => d.received.filter((m) => m.type === 'onion_message').length;

    // Three connections on which D reads everything and answers no ping (BOLT 1 says it must): C's confirmation
    // fails on each, C's session closes it for the unanswered ping, and the message was written there once.
    for (let i = 0; i < 3; i++) {
      const d = await connect();
      await d.waitFor((m) => m.type === 'onion_message');
      await d.waitFor((m) => m.type === 'ping');
      await d.closed();
      expect(copies(d)).toBe(1);
      expect(await stored()).toHaveLength(1);
    }
    // A fourth connection, on which D answers: the message comes once more and leaves the mailbox.
    const d = await connect();
    const timer = setInterval(() => {
      for (const p of d.received.splice(0)) {
        if (p.type === 'ping') d.sendMessage({ type: 'pong', ignored: new Uint8Array(p.numPongBytes) });
        else if (p.type === 'onion_message') seen++;
      }
    }, 20);
    let seen = 0;
    try {
      await until(async () => (await stored()).length === 0, 'an empty mailbox');
    } finally {
      clearInterval(timer);
    }
    expect(seen).toBe(1);
    const forwarded = (await api.listMessages({ outcome: 'mailbox_forwarded', limit: 100 })).messages.filter((m) => m.peer === dId);
    expect(forwarded).toHaveLength(1);
  }, 60_000);
});
