/**
 * A mailbox message written into a connection that BOLT 1 then replaces is not lost (issue 16,
 * "nothing lost"): D (a raw peer with a fixed key) comes back, C writes D's stored message into that
 * connection, and D connects again — as two dials racing do, or as a peer that stalled does, however long
 * after the write. C keeps the message until D shows it read it: a pong, on the same connection, to a ping
 * C sent after the write (BOLT 1 "MUST respond to a ping with a pong"); until then a replaced connection
 * gets it again on the newer one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomPrivateKey, publicKeyFromPrivate, toHex } from '../../core/crypto';
import type { MessageLogEntry } from '../../core/api';
import type { Ping } from '../../core/wire';
import { MAILBOX_DELIVERY_GRACE_MS } from '../../core/runtime/messenger/service';
import type { DaemonProcess } from '../support/daemon';
import { eventually, startDaemon } from '../support/daemon';
import { RawPeer } from '../support/raw-peer';

const APP = 65_555;

/** A raw connection to C as D (the same key every time). */
async function connectAs(key: Uint8Array, c: DaemonProcess): Promise<RawPeer> {
  const peer = await RawPeer.open(c.listenPort);
  Object.assign(peer, { localKey: key });
  await peer.handshake(c.nodeId);
  return peer;
}

/** Answers every ping the peer gets with its pong, as a node does (BOLT 1). */
function answerPings(peer: RawPeer): () => void {
  let answered = 0;
  const timer = setInterval(() => {
    const pings = peer.received.filter((m): m is Ping => m.type === 'ping');
    for (; answered < pings.length; answered++) {
      const n = pings[answered]!.numPongBytes;
      if (n < 65_532) peer.sendMessage({ type: 'pong', ignored: new Uint8Array(n) });
    }
  }, 20);
  return () => clearInterval(timer);
}

describe('the mailbox across a replaced connection', () => {
  let c: DaemonProcess;
  const peers: RawPeer[] = [];
  const stops: (() => void)[] = [];

  beforeAll(async () => {
    c = await startDaemon(['--alias', 'carol']);
  }, 60_000);

  afterAll(async () => {
    for (const s of stops) s();
    for (const p of peers) p.destroy();
    await c?.stop();
  });

  const mailboxFor = async (id: string) => ((await c.cli('mailbox', 'list')).json as { messages: { nodeId: string }[] }).messages.filter((m) => m.nodeId === id);
  const forwardedTo = async (id: string) =>
    ((await c.cli('listmessages', '--limit', '200', '--outcome', 'mailbox_forwarded')).json as { messages: MessageLogEntry[] }).messages.filter((m) => m.peer === id);

  /** D away, allowed a mailbox at C, and C's own message for it waiting there. */
  async function waitingFor(dKey: Uint8Array, value: string): Promise<string> {
    const dId = toHex(publicKeyFromPrivate(dKey));
    expect((await c.cli('mailbox', 'allow', dId)).code).toBe(0);
    const sent = await c.cli('sendonionmessage', dId, '--tlv', `${APP}=${value}`);
    expect(sent.code, sent.stderr).toBe(0);
    await eventually(async () => (await mailboxFor(dId)).length === 1, 20_000, 'the message in D\'s mailbox');
    return dId;
  }

  it('writes the message again on the newer connection when the first is replaced right after the write', async () => {
    const dKey = randomPrivateKey();
    const dId = await waitingFor(dKey, '5afe');

    // D comes back; C writes the stored message into this connection.
    const first = await connectAs(dKey, c);
    peers.push(first);
    await first.waitFor((m) => m.type === 'onion_message', 15_000);
    // D connects again before it read anything (two dials racing): C keeps the newer connection and closes the first.
    const second = await connectAs(dKey, c);
    peers.push(second);
    stops.push(answerPings(second));
    await first.closed();
    // The message comes again on the newer connection, and only then (D answered C's pings there) leaves the mailbox.
    await second.waitFor((m) => m.type === 'onion_message', 20_000);
    await eventually(async () => (await mailboxFor(dId)).length === 0, 20_000, 'an empty mailbox');
    expect(await forwardedTo(dId)).toEqual([expect.objectContaining({ peer: dId })]);
  }, 120_000);

  it('keeps the message past the old 5 s grace while D has not answered C\'s ping, and writes it again when D\'s newer connection replaces the first', async () => {
    const dKey = randomPrivateKey();
    const dId = await waitingFor(dKey, '0b5e');

    const first = await connectAs(dKey, c);
    peers.push(first);
    await first.waitFor((m) => m.type === 'onion_message', 15_000);
    // C asks whether D read it: a ping after the message. D stalls and answers nothing.
    await first.waitFor((m) => m.type === 'ping', 15_000);
    const writtenAt = Date.now();
    // The message stays for as long as D does not answer — here past the grace the old rule deleted it after.
    while (Date.now() - writtenAt < MAILBOX_DELIVERY_GRACE_MS + 1_500) {
      expect(await mailboxFor(dId)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await forwardedTo(dId)).toEqual([]);

    // D dials again, more than 5 s after the write: BOLT 1 keeps the newer connection; the message comes again there.
    const second = await connectAs(dKey, c);
    peers.push(second);
    stops.push(answerPings(second));
    await first.closed();
    const again = await second.waitFor((m) => m.type === 'onion_message', 20_000);
    expect(again).toEqual(first.received.find((m) => m.type === 'onion_message'));
    await eventually(async () => (await mailboxFor(dId)).length === 0, 20_000, 'an empty mailbox');
    expect(await forwardedTo(dId)).toEqual([expect.objectContaining({ peer: dId })]);
  }, 120_000);

  it('deletes the message only after D\'s pong: still there when the ping arrives, gone once D answers, and written once', async () => {
    const dKey = randomPrivateKey();
    const dId = await waitingFor(dKey, 'c0de');

    const d = await connectAs(dKey, c);
    peers.push(d);
    await d.waitFor((m) => m.type === 'onion_message', 15_000);
    await d.waitFor((m) => m.type === 'ping', 15_000);
    expect(await mailboxFor(dId)).toHaveLength(1);
    stops.push(answerPings(d));
    await eventually(async () => (await mailboxFor(dId)).length === 0, 20_000, 'an empty mailbox');
    expect(await forwardedTo(dId)).toEqual([expect.objectContaining({ peer: dId })]);
    expect(d.received.filter((m) => m.type === 'onion_message')).toHaveLength(1);
  }, 120_000);
});
