/**
 * A mailbox message written into a connection that BOLT 1 then replaces is not lost (issue 16,
 * "nothing lost"): D (a raw peer with a fixed key) comes back, C writes D's stored message into that
 * connection, and D connects again at once — as two dials racing do — before reading it. C keeps the
 * message until a connection lasted MAILBOX_DELIVERY_GRACE_MS and writes it again on the newer one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomPrivateKey, publicKeyFromPrivate, toHex } from '../../core/crypto';
import type { MessageLogEntry } from '../../core/api';
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

describe('the mailbox across a replaced connection', () => {
  let c: DaemonProcess;
  const dKey = randomPrivateKey();
  const dId = toHex(publicKeyFromPrivate(dKey));
  const peers: RawPeer[] = [];

  beforeAll(async () => {
    c = await startDaemon(['--alias', 'carol']);
  }, 60_000);

  afterAll(async () => {
    for (const p of peers) p.destroy();
    await c?.stop();
  });

  it('writes the message again on the newer connection when the first is replaced right after the write', async () => {
    expect((await c.cli('mailbox', 'allow', dId)).code).toBe(0);
    // C's own message for D, which is away: it waits in D's mailbox.
    const sent = await c.cli('sendonionmessage', dId, '--tlv', `${APP}=5afe`);
    expect(sent.code, sent.stderr).toBe(0);
    await eventually(async () => ((await c.cli('mailbox', 'list')).json as { messages: { nodeId: string }[] }).messages.some((m) => m.nodeId === dId), 20_000, 'the message in D\'s mailbox');

    // D comes back; C writes the stored message into this connection.
    const first = await connectAs(dKey, c);
    peers.push(first);
    await first.waitFor((m) => m.type === 'onion_message', 15_000);
    // D connects again before it read anything (two dials racing): C keeps the newer connection and closes the first.
    const second = await connectAs(dKey, c);
    peers.push(second);
    await first.closed();
    // The message comes again on the newer connection, and only then leaves the mailbox.
    await second.waitFor((m) => m.type === 'onion_message', 20_000);
    await eventually(async () => ((await c.cli('mailbox', 'list')).json as { messages: unknown[] }).messages.length === 0, 20_000, 'an empty mailbox');
    const forwarded = ((await c.cli('listmessages', '--limit', '100', '--outcome', 'mailbox_forwarded')).json as { messages: MessageLogEntry[] }).messages;
    expect(forwarded).toEqual([expect.objectContaining({ peer: dId })]);
  }, 120_000);
});
