/**
 * Onion messenger commands: sendonionmessage, listmessages, mailbox, messengerstats, listen,
 * createmessagepath. Each talks to the running daemon over its API.
 */
import type { CliCommand, CommandArgs } from '../command';
import { NODE_ID, UsageError, integer, stringList } from '../command';
import { connectToDaemon, withDaemon } from '../daemon-client';
import type { NodeEvent } from '../../../core/api';
import { LOGGED_MESSAGE_OUTCOMES } from '../../../core/api';
import { isGlasswingError } from '../../../core/errors';

const EXAMPLE_ID = '02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619';
const TLV_TYPE = /^(0|[1-9][0-9]{0,19})$/;
const HEX = /^([0-9a-f]{2})*$/;

function nodeIds(values: CommandArgs['values'], name: string): string[] {
  return stringList(values, name).map((v) => {
    const id = v.toLowerCase();
    if (!NODE_ID.test(id)) throw new UsageError(`--${name} ${v}: expected a node id (66 hex characters)`);
    return id;
  });
}

function tlvType(text: unknown, what: string): string {
  if (typeof text !== 'string' || !TLV_TYPE.test(text)) throw new UsageError(`${what}: expected a TLV type (a decimal number >= 64)`);
  return text;
}

function hexValue(text: unknown, what: string): string {
  const v = typeof text === 'string' ? text.toLowerCase() : '';
  if (typeof text !== 'string' || !HEX.test(v)) throw new UsageError(`${what}: expected hex bytes`);
  return v;
}

const SEND_USAGE = 'sendonionmessage DEST --tlv TYPE=HEX [--tlv ...] [--reply-path] [--wait-reply SECONDS] [--via NODEID]... [--dummy-hops N]';

export const sendonionmessage: CliCommand = {
  name: 'sendonionmessage',
  summary: 'send an onion message to a node id or a hex blinded path (optionally with a reply path, waiting for the reply)',
  usage: SEND_USAGE,
  arguments: [{ name: 'DEST', describe: 'a node id (66 hex characters) or a blinded path in hex (from createmessagepath)' }],
  options: {
    tlv: { type: 'string', multiple: true, value: 'TYPE=HEX', describe: 'a record of the message: a TLV type >= 64 and its value in hex (at least one)' },
    'reply-path': { type: 'boolean', describe: 'attach a blinded reply path to us' },
    'wait-reply': { type: 'string', value: 'SECONDS', describe: 'attach a reply path and wait this long for the reply (1..600)' },
    via: { type: 'string', multiple: true, value: 'NODEID', describe: 'route through this node (repeat for more hops, in order)' },
    'dummy-hops': { type: 'string', value: 'N', describe: 'dummy hops in our reply path (0..10)' },
  },
  examples: [`sendonionmessage ${EXAMPLE_ID} --tlv 77777=48656c6c6f`, `sendonionmessage ${EXAMPLE_ID} --tlv 77777=00 --wait-reply 10`],
  run: (ctx, { positionals, values }) => {
    const destination = positionals[0]?.toLowerCase();
    if (!destination || !HEX.test(destination)) throw new UsageError(`expected DEST, a node id or a blinded path in hex: ${SEND_USAGE}`);
    const tlvs = stringList(values, 'tlv').map((arg) => {
      const eq = arg.indexOf('=');
      if (eq < 0) throw new UsageError(`--tlv ${arg}: expected TYPE=HEX`);
      return { type: tlvType(arg.slice(0, eq), `--tlv ${arg}`), value: hexValue(arg.slice(eq + 1), `--tlv ${arg}`) };
    });
    if (tlvs.length === 0) throw new UsageError(`at least one --tlv TYPE=HEX is required: ${SEND_USAGE}`);
    const waitReplySeconds = integer(values, 'wait-reply', 1, 600);
    const dummyHops = integer(values, 'dummy-hops', 0, 10);
    const via = nodeIds(values, 'via');
    return withDaemon(ctx.datadir, ({ api }) =>
      api.sendOnionMessage({
        destination, tlvs,
        ...(via.length ? { via } : {}),
        ...(values['reply-path'] === true ? { replyPath: true } : {}),
        ...(waitReplySeconds !== undefined ? { waitReplySeconds } : {}),
        ...(dummyHops !== undefined ? { dummyHops } : {}),
      }),
    );
  },
};

export const listmessages: CliCommand = {
  name: 'listmessages',
  summary: 'the onion-message traffic log (newest N, oldest first), by peer, TLV type or outcome',
  usage: `listmessages [--limit N] [--peer NODEID] [--type T] [--outcome ${LOGGED_MESSAGE_OUTCOMES.slice(0, 3).join('|')}|...]`,
  options: {
    limit: { type: 'string', value: 'N', describe: 'the newest N messages (1..10000)' },
    peer: { type: 'string', value: 'NODEID', describe: 'only messages from or to this peer' },
    type: { type: 'string', value: 'T', describe: 'only messages carrying this TLV type' },
    outcome: { type: 'string', value: 'OUTCOME', describe: `only this outcome: ${LOGGED_MESSAGE_OUTCOMES.join(', ')} (a received message is logged by what became of it)` },
  },
  examples: ['listmessages --limit 20', 'listmessages --outcome dropped'],
  run: (ctx, { values }) => {
    const limit = integer(values, 'limit', 1, 10_000);
    const peer = values.peer === undefined ? undefined : nodeIds(values, 'peer')[0];
    const type = values.type === undefined ? undefined : tlvType(values.type, '--type');
    const outcome = values.outcome;
    if (outcome !== undefined && !(LOGGED_MESSAGE_OUTCOMES as readonly unknown[]).includes(outcome)) {
      throw new UsageError(`--outcome must be one of ${LOGGED_MESSAGE_OUTCOMES.join(', ')}${outcome === 'received' ? ' (received messages are logged by what became of them: delivered, forwarded, dropped or mailbox_stored)' : ''}`);
    }
    return withDaemon(ctx.datadir, ({ api }) =>
      api.listMessages({
        ...(limit !== undefined ? { limit } : {}), ...(peer ? { peer } : {}), ...(type ? { tlvType: type } : {}),
        ...(typeof outcome === 'string' ? { outcome } : {}),
      }),
    );
  },
};

const MAILBOX_USAGE = 'mailbox list|allow NODEID|deny NODEID';

export const mailbox: CliCommand = {
  name: 'mailbox',
  summary: 'the onion-message mailbox for offline peers: list it, allow or deny a peer',
  usage: MAILBOX_USAGE,
  arguments: [
    { name: 'list', describe: 'the allow-list, stored messages, totals and quotas' },
    { name: 'allow NODEID', describe: 'store messages for this peer while it is offline' },
    { name: 'deny NODEID', describe: 'stop storing messages for it (and drop those stored)' },
  ],
  examples: ['mailbox list', `mailbox allow ${EXAMPLE_ID}`],
  run: (ctx, { positionals }) => {
    const [sub, arg] = positionals;
    if (sub === 'list') return withDaemon(ctx.datadir, ({ api }) => api.mailboxList({}));
    if (sub === 'allow' || sub === 'deny') {
      const nodeId = arg?.toLowerCase();
      if (!nodeId || !NODE_ID.test(nodeId)) throw new UsageError(`expected a node id: ${MAILBOX_USAGE}`);
      return withDaemon(ctx.datadir, ({ api }) => (sub === 'allow' ? api.mailboxAllow({ nodeId }) : api.mailboxDeny({ nodeId })));
    }
    throw new UsageError(MAILBOX_USAGE);
  },
};

export const messengerstats: CliCommand = {
  name: 'messengerstats',
  summary: 'onion messenger counters by outcome and drop reason, queue sizes, rate limits, mailbox',
  usage: 'messengerstats',
  examples: ['messengerstats'],
  run: (ctx) => withDaemon(ctx.datadir, ({ api }) => api.messengerStats({})),
};

export const createmessagepath: CliCommand = {
  name: 'createmessagepath',
  summary: 'a blinded path to this node (hex) that others can send onion messages to',
  usage: 'createmessagepath [--via NODEID]... [--dummy-hops N]',
  options: {
    via: { type: 'string', multiple: true, value: 'NODEID', describe: 'the path starts at this peer (repeat for more hops, in order; default: a connected peer)' },
    'dummy-hops': { type: 'string', value: 'N', describe: 'dummy hops at the end (0..10)' },
  },
  examples: ['createmessagepath', `createmessagepath --via ${EXAMPLE_ID} --dummy-hops 2`],
  run: (ctx, { values }) => {
    const via = nodeIds(values, 'via');
    const dummyHops = integer(values, 'dummy-hops', 0, 10);
    return withDaemon(ctx.datadir, ({ api }) => api.createMessagePath({ ...(via.length ? { via } : {}), ...(dummyHops !== undefined ? { dummyHops } : {}) }));
  },
};

export const listen: CliCommand = {
  name: 'listen',
  summary: 'print each onion message of a TLV type as a JSON line as it arrives; --reply answers over its reply path',
  usage: 'listen --tlv TYPE [--reply HEX] [--reply-type T] [--count N]',
  options: {
    tlv: { type: 'string', value: 'TYPE', describe: 'the TLV type to receive (required; >= 64)' },
    reply: { type: 'string', value: 'HEX', describe: 'answer each message over its reply path with this value' },
    'reply-type': { type: 'string', value: 'T', describe: 'the TLV type of the answer (default: --tlv)' },
    count: { type: 'string', value: 'N', describe: 'stop after N messages (default: run until interrupted)' },
  },
  examples: ['listen --tlv 77777', 'listen --tlv 77777 --reply 4f4b --count 1'],
  run: async (ctx, { values }) => {
    const type = tlvType(values.tlv, '--tlv');
    const reply = values.reply === undefined ? undefined : hexValue(values.reply, '--reply');
    const replyType = values['reply-type'] === undefined ? type : tlvType(values['reply-type'], '--reply-type');
    const count = integer(values, 'count', 1, 1_000_000);
    const client = await connectToDaemon(ctx.datadir);
    let seen = 0;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const answer = async (e: Extract<NodeEvent, { type: 'onion.delivered' }>): Promise<void> => {
      if (reply === undefined) return;
      if (!e.replyPath) return ctx.emitLine({ replied: e.messageId, error: { code: 'messenger.no_reply_path', message: 'the message has no reply path' } });
      try {
        const sent = await client.api.sendOnionMessage({ destination: e.replyPath, tlvs: [{ type: replyType, value: reply }], inReplyTo: e.messageId });
        ctx.emitLine({ replied: e.messageId, messageId: sent.messageId, firstHop: sent.firstHop });
      } catch (err) {
        ctx.emitLine({ replied: e.messageId, error: isGlasswingError(err) ? { code: err.code, message: err.message } : { code: 'internal', message: String(err) } });
      }
    };
    // Subscribe before registering, so no message can arrive unseen in between.
    client.api.subscribe((e) => {
      if (e.type !== 'onion.delivered' || e.handler !== 'application' || e.tlvType !== type) return;
      const record = e.records?.find((r) => r.type === type);
      ctx.emitLine({ messageId: e.messageId, from: e.from, tlvType: type, value: record?.value ?? '', records: e.records ?? [], replyPath: e.replyPath ?? null, receivedAt: e.time });
      void answer(e).finally(() => {
        if (count !== undefined && ++seen >= count) finish();
      });
    });
    await client.api.registerMessageHandler({ tlvType: type });
    ctx.emitLine({ listening: type });
    const onSignal = () => finish();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await Promise.race([done, client.closed]);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.api.unregisterMessageHandler({ tlvType: type }).catch(() => undefined);
    client.close();
    return undefined;
  },
};
