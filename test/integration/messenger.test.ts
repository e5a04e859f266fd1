/**
 * Issue 5: onion messages between real `glasswing daemon` processes over loopback, in a line
 * A — B — C — D (A dials B, B dials C, D dials C). Driven through the CLI and the API.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { publicKeyFromPrivate, randomPrivateKey, toHex } from '../../core/crypto';
import type { MessageLogEntry, NodeEvent, SendOnionMessageResult } from '../../core/api';
import type { DaemonProcess } from '../support/daemon';
import { eventually, startDaemon } from '../support/daemon';
import { StreamingCli } from './messenger-support';

const APP = '65537';

describe('onion messages through a line of four daemons', () => {
  let a: DaemonProcess;
  let b: DaemonProcess;
  let c: DaemonProcess;
  let d: DaemonProcess;

  beforeAll(async () => {
    [a, b, c, d] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((alias) => startDaemon(['--alias', alias])));
    for (const [from, to] of [[a, b], [b, c], [d, c]] as const) expect((await from.cli('connect', to.address)).code).toBe(0);
  }, 180_000);

  async function log(node: DaemonProcess, ...args: string[]): Promise<MessageLogEntry[]> {
    const r = await node.cli('listmessages', '--limit', '1000', ...args);
    expect(r.code).toBe(0);
    return (r.json as { messages: MessageLogEntry[] }).messages;
  }

  it('advertises option_onion_messages in getinfo and sees it at its peers', async () => {
    const info = (await a.cli('getinfo')).json as { features: { name: string; bit: number }[] };
    expect(info.features).toContainEqual(expect.objectContaining({ name: 'option_onion_messages', bit: 39 }));
    const peers = (await b.cli('listpeers')).json as { peers: { features: { name: string }[] }[] };
    expect(peers.peers.every((p) => p.features.some((f) => f.name === 'option_onion_messages'))).toBe(true);
  }, 120_000);

  it('carries a message A→B→C→D and D’s reply back to A over the blinded reply path', async () => {
    const listener = new StreamingCli(['--datadir', d.datadir, 'listen', '--tlv', APP, '--reply', 'beef', '--count', '1']);
    await listener.waitFor((l) => l.listening === APP);
    const sent = await a.cli('sendonionmessage', d.nodeId, '--tlv', `${APP}=cafe`, '--via', b.nodeId, '--via', c.nodeId, '--wait-reply', '60');
    expect(sent.code, sent.stderr).toBe(0);
    const result = sent.json as SendOnionMessageResult;
    expect(result).toMatchObject({ firstHop: b.nodeId, route: 'via', replyPath: true });
    expect(result.reply).toMatchObject({ from: b.nodeId, records: [{ type: APP, value: 'beef' }] });

    const received = await listener.waitFor((l) => l.value === 'cafe');
    expect(received).toMatchObject({ from: c.nodeId, tlvType: APP, replyPath: expect.stringMatching(/^[0-9a-f]+$/) });
    expect((received.replyPath as string).startsWith(c.nodeId)).toBe(true); // the reply path is introduced by C, D's peer
    await listener.waitFor((l) => l.replied === received.messageId);
    expect(await listener.exited).toBe(0);

    // Every hop reports its step in its traffic log.
    expect((await log(b, '--outcome', 'forwarded')).map((m) => m.event.to)).toEqual([c.nodeId, a.nodeId]);
    expect((await log(c, '--outcome', 'forwarded')).map((m) => m.event.to)).toEqual([d.nodeId, b.nodeId]);
    expect(await log(d, '--outcome', 'replied')).toEqual([expect.objectContaining({ peer: c.nodeId, tlvTypes: [APP] })]);
    expect(await log(a, '--outcome', 'delivered')).toEqual([
      expect.objectContaining({ event: expect.objectContaining({ handler: 'reply', inReplyTo: result.messageId, records: [{ type: APP, value: 'beef' }] }) }),
    ]);
    expect(await log(a, '--outcome', 'sent', '--type', APP)).toEqual([expect.objectContaining({ peer: b.nodeId })]);
  }, 120_000);

  it('delivers over a blinded path with dummy hops and answers through an API-registered handler', async () => {
    const dApi = await d.api();
    const events: NodeEvent[] = [];
    dApi.subscribe((e) => {
      events.push(e);
      if (e.type === 'onion.delivered' && e.tlvType === '65539' && e.replyPath) {
        void dApi.sendOnionMessage({ destination: e.replyPath, tlvs: [{ type: '65539', value: 'd00d' }], inReplyTo: e.messageId });
      }
    });
    expect(await dApi.registerMessageHandler({ tlvType: '65539' })).toEqual({ tlvType: '65539', listeners: 1 });
    const made = await d.cli('createmessagepath', '--via', c.nodeId, '--dummy-hops', '2');
    expect(made.code).toBe(0);
    const path = made.json as { path: string; introductionNodeId: string; hops: number };
    expect(path).toMatchObject({ introductionNodeId: c.nodeId, hops: 4 });

    const sent = await a.cli('sendonionmessage', path.path, '--tlv', '65539=0badf00d', '--via', b.nodeId, '--dummy-hops', '3', '--wait-reply', '60');
    expect(sent.code, sent.stderr).toBe(0);
    expect((sent.json as SendOnionMessageResult).reply).toMatchObject({ records: [{ type: '65539', value: 'd00d' }] });
    const delivered = events.find((e) => e.type === 'onion.delivered' && e.tlvType === '65539');
    expect(delivered).toMatchObject({ handler: 'application', dummyHopsPeeled: 2, from: c.nodeId, records: [{ type: '65539', value: '0badf00d' }] });
    // A peeled the three dummy hops of its own reply path.
    const replies = await log(a, '--outcome', 'delivered', '--type', '65539');
    expect(replies).toEqual([expect.objectContaining({ event: expect.objectContaining({ handler: 'reply', dummyHopsPeeled: 3 }) })]);
    await dApi.unregisterMessageHandler({ tlvType: '65539' });
  }, 120_000);

  it('drops a message whose next hop is offline and not allow-listed, with the reason recorded', async () => {
    const nobody = toHex(publicKeyFromPrivate(randomPrivateKey()));
    const sent = await a.cli('sendonionmessage', nobody, '--tlv', `${APP}=01`, '--via', b.nodeId, '--via', c.nodeId);
    expect(sent.code, sent.stderr).toBe(0);
    const drop = await eventually(async () => (await log(c, '--outcome', 'dropped')).find((m) => m.event.to === nobody), 20_000, 'the drop at C');
    expect(drop.event).toMatchObject({ reason: 'next_hop_offline', from: b.nodeId });
    const stats = (await c.cli('messengerstats')).json as { drops: Record<string, number> };
    expect(stats.drops.next_hop_offline).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('keeps a message for offline allow-listed D in C’s mailbox across C’s restart and delivers it exactly once', async () => {
    expect((await c.cli('mailbox', 'allow', d.nodeId)).json).toEqual({ nodeId: d.nodeId, allowed: true });
    // D goes offline and will not redial C on its own: the test reconnects it once its listener runs.
    expect((await d.cli('disconnect', c.nodeId)).code).toBe(0);
    await d.stop();
    const cApi = await c.api();
    await eventually(async () => !(await cApi.listPeers({})).peers.some((p) => p.nodeId === d.nodeId), 20_000, 'C to see D go');

    const sent = await a.cli('sendonionmessage', d.nodeId, '--tlv', `${APP}=5afe`, '--via', b.nodeId, '--via', c.nodeId);
    expect(sent.code, sent.stderr).toBe(0);
    const stored = await eventually(async () => {
      const box = (await c.cli('mailbox', 'list')).json as { messages: { nodeId: string; messageId: string }[] };
      return box.messages.find((m) => m.nodeId === d.nodeId);
    }, 20_000, 'the message in C’s mailbox');
    expect(await log(c, '--outcome', 'mailbox_wake')).toEqual([expect.objectContaining({ peer: d.nodeId, event: expect.objectContaining({ messages: 1 }) })]);

    // C restarts on the same port; B redials it. The stored message survives.
    const port = c.listenPort;
    await c.stop();
    await c.start(`127.0.0.1:${port}`);
    const afterRestart = (await c.cli('mailbox', 'list')).json as { allowed: { nodeId: string }[]; messages: { messageId: string }[] };
    expect(afterRestart.allowed.map((x) => x.nodeId)).toEqual([d.nodeId]);
    expect(afterRestart.messages.map((m) => m.messageId)).toEqual([stored.messageId]);

    // D comes back, listens, and connects to C: the mailbox is delivered.
    await d.start();
    const listener = new StreamingCli(['--datadir', d.datadir, 'listen', '--tlv', APP]);
    await listener.waitFor((l) => l.listening === APP);
    expect((await d.cli('connect', c.address)).code).toBe(0);
    await listener.waitFor((l) => l.value === '5afe');
    await eventually(async () => ((await c.cli('mailbox', 'list')).json as { messages: unknown[] }).messages.length === 0, 20_000, 'an empty mailbox');
    expect(await log(c, '--outcome', 'mailbox_forwarded')).toEqual([expect.objectContaining({ messageId: stored.messageId, peer: d.nodeId })]);

    // Reconnecting again delivers nothing more: exactly once.
    expect((await d.cli('disconnect', c.nodeId)).code).toBe(0);
    expect((await d.cli('connect', c.address)).code).toBe(0);
    expect((await d.cli('ping', c.nodeId)).code).toBe(0);
    expect(listener.lines.filter((l) => l.value === '5afe')).toHaveLength(1);
    expect((await log(d, '--outcome', 'delivered', '--type', APP)).filter((m) => (m.event.records as { value: string }[])[0]!.value === '5afe')).toHaveLength(1);
    await listener.stop();
  }, 120_000);

  it('rejects bad sendonionmessage arguments with usage errors and unknown destinations with no_route', async () => {
    const noTlv = await a.cli('sendonionmessage', d.nodeId);
    expect(noTlv.code).toBe(2);
    const badTlv = await a.cli('sendonionmessage', d.nodeId, '--tlv', '12=00');
    expect(JSON.parse(badTlv.stderr)).toMatchObject({ error: { code: 'messenger.bad_tlv' } });
    const unknown = await a.cli('sendonionmessage', toHex(publicKeyFromPrivate(randomPrivateKey())), '--tlv', `${APP}=00`);
    expect(JSON.parse(unknown.stderr)).toMatchObject({ error: { code: 'messenger.no_route' } });
    const reserved = await (await a.api()).registerMessageHandler({ tlvType: '64' }).catch((e: unknown) => e);
    expect(reserved).toMatchObject({ code: 'messenger.reserved_tlv_type' });
  }, 120_000);
});
