/**
 * TEST-ONLY node process for channel tests: the same Node class the daemon runs, served by the
 * normal ApiServer (so the CLI and API clients work against it), plus test-control commands on
 * stdin that core/ and main/ do not expose — opening a channel on an agreed outpoint, adding,
 * fulfilling and failing HTLCs, update_fee, commit, inspecting the state, and arming a SIGKILL of
 * itself at a precise point of a step (for crash tests).
 *
 *   node --import tsx test/support/channel-node.ts --datadir DIR --listen 127.0.0.1:PORT [--ui]
 *
 * `--payments` runs the node's payments (invoices, paying, forwarding, automatic commitment_signed);
 * without it the channels are driven by hand through the controls below.
 * `--ui` also serves the renderer exactly as `glasswing daemon --ui` does (main/daemon/ui-server.ts)
 * and adds the one-time login address `"ui"` to the ready line, for the e2e tests of the inspector.
 *
 * stdout: one `{"event":"ready",...}` line, then one `{"id":N,"ok":true,"result":...}` (or
 * `"ok":false,"error":{code,message}`) line per command. stdin: `{"id":N,"cmd":"...",...}` lines.
 * The node also appends every commitment_signed it hands to a connection, and every revocation
 * it receives, to DIR/commitments.jsonl (the crash tests check no commitment number is ever
 * signed twice differently).
 */
import { appendFileSync, chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Node } from '../../core/node';
import { loadOrCreateIdentity } from '../../core/store';
import { buildBolt11Invoice } from '../../core/invoices';
import { createNodeApi } from '../../core/api/node-api';
import { fromHex, randomBytes, sha256, toHex, utf8 } from '../../core/crypto';
import { isGlasswingError } from '../../core/errors';
import { ApiServer } from '../../main/daemon/api-server';
import { RENDERER_DIST } from '../../main/daemon/run';
import { UiServer } from '../../main/daemon/ui-server';
import { API_INFO_FILE, API_TOKEN_FILE } from '../../main/cli/daemon-client';
import { COMMITMENTS_LOG, harnessPreimage, keysFromJson, keysToJson, specFromJson, termsFor } from './channel-open';
import type { Json } from './channel-open';

const ONION = new Uint8Array(1366);

type KillPoint = 'after_persist' | 'before_persist' | 'after_send';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { datadir: { type: 'string' }, listen: { type: 'string' }, ui: { type: 'boolean' }, payments: { type: 'boolean' } } });
  const datadir = values.datadir!;
  const [host, port] = (values.listen ?? '127.0.0.1:0').split(':');
  const node = await Node.open({
    datadir,
    alias: 'channel-harness',
    network: 'regtest',
    listen: { host: host!, port: Number(port) },
    version: 'test',
    ...(values.payments ? {} : { payments: false as const }),
    // No chain here: both ends of a test channel run at height 0.
    heightWithoutChain: 0,
    log: (line) => process.stderr.write(JSON.stringify(line) + '\n'),
    // The harness steps the protocol by hand (commit is a command).
    channels: { autoCommit: false },
  });
  const nodeId = toHex(node.nodeId);
  const api = createNodeApi(node);
  const svc = node.channels;
  let kill: { point: KillPoint; left: number } | null = null;
  let killOnClaim = false;
  let killOnCause: string | null = null;
  let killUnpersisted = false;
  const hit = (point: KillPoint) => {
    if (kill?.point !== point || --kill.left > 0) return;
    // Dies here, synchronously: nothing after this point of the step happens.
    process.kill(process.pid, 'SIGKILL');
  };
  const log = (line: Record<string, unknown>) => appendFileSync(join(datadir, COMMITMENTS_LOG), JSON.stringify(line) + '\n');
  node.events.subscribe((e) => {
    // Published by the fulfill's channel step before its message goes out (ChannelService #apply).
    if (killOnClaim && e.type === 'channel.updated' && e.cause === 'fulfill_htlc') process.kill(process.pid, 'SIGKILL');
    if (killOnCause !== null && e.type === 'channel.updated' && (e.persisted || killUnpersisted) && e.cause === killOnCause) process.kill(process.pid, 'SIGKILL');
    if (e.type === 'channel.updated' && e.persisted) hit('after_persist');
    else if (e.type === 'wire.message' && e.direction === 'in' && (e.messageType === 'commitment_signed' || e.messageType === 'revoke_and_ack')) hit('before_persist');
    else if (e.type === 'channel.message' && (e.messageType === 'commitment_signed' || e.messageType === 'revoke_and_ack')) {
      if (e.direction === 'out' && e.messageType === 'commitment_signed') log({ signed: e.commitmentNumber, signature: e.signature, channelId: e.channelId });
      if (e.direction === 'in' && e.messageType === 'revoke_and_ack') log({ revoked: e.commitmentNumber, channelId: e.channelId });
      if (e.direction === 'out') hit('after_send');
    }
  });

  const { listen } = await node.start();
  const token = toHex(randomBytes(32));
  const ui = values.ui ? new UiServer({ distDir: RENDERER_DIST, sandboxControl: join(datadir, 'sandbox', 'control.json') }) : undefined;
  const server = new ApiServer({ api, token, ...(ui ? { http: ui.handle, authorize: ui.authorize, createUiLogin: () => ui.createLogin() } : {}) });
  const url = await server.listen();
  ui?.setOrigin(`http://127.0.0.1:${server.port}`);
  for (const [file, text] of [[API_TOKEN_FILE, token + '\n'], [API_INFO_FILE, JSON.stringify({ url, pid: process.pid }) + '\n']] as const) {
    rmSync(join(datadir, file), { force: true });
    writeFileSync(join(datadir, file), text, { mode: 0o600 });
    chmodSync(join(datadir, file), 0o600);
  }

  const commands: Record<string, (a: Record<string, unknown>) => Promise<Json> | Json> = {
    reserve_keys: () => keysToJson(svc.reserveKeys()),
    sign_initial: (a) => {
      const terms = termsFor(a.role as 'funder' | 'fundee', specFromJson(a.spec as Record<string, unknown>), keysFromJson(a.remoteKeys as Record<string, unknown>));
      return { signature: toHex(svc.signInitialCommitment(a.keyIndex as number, terms)) };
    },
    open: (a) => {
      const terms = termsFor(a.role as 'funder' | 'fundee', specFromJson(a.spec as Record<string, unknown>), keysFromJson(a.remoteKeys as Record<string, unknown>));
      return svc.openChannel(a.peer as string, a.keyIndex as number, terms, fromHex(a.remoteSignature as string)) as unknown as Json;
    },
    connect: async (a) => (await api.connect({ address: a.address as string, reconnect: true })).nodeId,
    add: (a) => {
      const channelId = a.channelId as string;
      const id = svc.inspect(channelId)?.stored.state.nextLocalHtlcId ?? 0n;
      const r = svc.addHtlc(channelId, {
        amountMsat: BigInt(a.amountMsat as string),
        paymentHash: sha256(harnessPreimage(nodeId, id)),
        cltvExpiry: (a.cltvExpiry as number | undefined) ?? 1000,
        onionRoutingPacket: ONION,
      });
      return r.id.toString();
    },
    fulfill: (a) => {
      const channelId = a.channelId as string;
      const peer = svc.inspect(channelId)!.stored.peerId;
      const id = BigInt(a.htlcId as string);
      svc.fulfillHtlc(channelId, id, harnessPreimage(peer, id));
      return true;
    },
    fail: (a) => {
      svc.failHtlc(a.channelId as string, BigInt(a.htlcId as string), utf8.encode('harness failure'));
      return true;
    },
    fee: (a) => {
      svc.updateFee(a.channelId as string, a.feeratePerKw as number);
      return true;
    },
    commit: (a) => {
      svc.commit(a.channelId as string);
      return true;
    },
    state: (a) => stateSummary(a.channelId as string),
    /** A BOLT 11 invoice signed with this node's key for a payment hash it never issued (tests of unknown hashes). */
    foreign_invoice: async (a) => {
      const identity = await loadOrCreateIdentity(datadir);
      const unsigned = buildBolt11Invoice({
        network: 'regtest', timestamp: Math.floor(node.clock.now() / 1000), paymentHash: randomBytes(32), paymentSecret: randomBytes(32),
        description: 'nobody issued this', amountMsat: BigInt(a.amountMsat as string), expirySeconds: 3600,
        ...(a.routeHints ? { routeHints: (a.routeHints as { pubkey: string; shortChannelId: string; feeBaseMsat: number; feeProportionalMillionths: number; cltvExpiryDelta: number }[][]).map((r) => r.map((h) => ({ ...h, pubkey: fromHex(h.pubkey), shortChannelId: BigInt(h.shortChannelId) }))) } : {}),
      });
      return unsigned.sign(identity.nodeKey).string;
    },
    /** Dies (SIGKILL) as soon as a payment is claimed: its write is durable, its update_fulfill_htlc not yet handed to the channel. */
    /**
     * Dies (SIGKILL) at the first persisted channel step caused by this message or command (with
     * `unpersisted`: at the first such step, written or not), before the step's messages and onStep.
     */
    arm_kill_on_update: (a) => {
      killOnCause = a.cause as string;
      killUnpersisted = a.unpersisted === true;
      return true;
    },
    arm_kill_on_claim: () => {
      killOnClaim = true;
      return true;
    },
    arm_kill: (a) => {
      kill = { point: a.point as KillPoint, left: a.after as number };
      return true;
    },
    shutdown: async () => {
      await server.close();
      await node.stop();
      setImmediate(() => process.exit(0));
      return true;
    },
  };

  function stateSummary(channelId: string): Json {
    const found = svc.inspect(channelId);
    if (!found) return null;
    const s = found.stored.state;
    const htlcs = (spec: typeof s.localCommit.spec) => spec.htlcs.map((h) => ({ offerer: h.offerer, id: h.id.toString(), amountMsat: h.amountMsat.toString() }));
    const removing = new Set(s.changes.filter((c) => c.update.kind !== 'add' && c.update.kind !== 'fee').map((c) => `${c.origin === 'local' ? 'remote' : 'local'}:${(c.update as { id: bigint }).id}`));
    const pendingAdds = new Set(s.changes.flatMap((c) => (c.update.kind === 'add' ? [`${c.update.htlc.offerer}:${c.update.htlc.id}`] : [])));
    return {
      phase: found.phase,
      status: s.status.kind === 'normal' ? 'normal' : s.status.code,
      localCtn: s.localCommit.ctn,
      remoteCtn: s.remoteCommit.ctn,
      remoteNextCtn: s.remoteNextCommit?.ctn ?? null,
      revocationOwed: s.revocationOwed,
      feeratePerKw: s.localCommit.spec.feeratePerKw,
      remoteFeeratePerKw: (s.remoteNextCommit ?? s.remoteCommit).spec.feeratePerKw,
      localMsat: s.localCommit.spec.localMsat.toString(),
      remoteMsat: s.localCommit.spec.remoteMsat.toString(),
      localHtlcs: htlcs(s.localCommit.spec),
      remoteHtlcs: htlcs((s.remoteNextCommit ?? s.remoteCommit).spec),
      changes: s.changes.length,
      signable: s.changes.some((c) => (c.list === 'remote_unacked' || c.list === 'remote_acked') && c.signedInRemote === null),
      removable: s.localCommit.spec.htlcs
        .filter((h) => h.offerer === 'remote' && !removing.has(`remote:${h.id}`) && !pendingAdds.has(`remote:${h.id}`))
        .map((h) => h.id.toString()),
      lastSent: found.stored.lastSent,
      signaturesValid: svc.checkLocalSignatures(channelId).ok,
      dataLoss: found.stored.dataLoss as unknown as Json,
    };
  }

  const reply = (line: Record<string, unknown>) => process.stdout.write(JSON.stringify(line) + '\n');
  reply({ event: 'ready', nodeId, listen: listen[0] ?? null, api: url, ...(ui ? { ui: ui.createLogin() } : {}) });
  createInterface({ input: process.stdin }).on('line', (line) => {
    let req: Record<string, unknown>;
    try {
      req = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const run = commands[req.cmd as string];
    Promise.resolve()
      .then(() => {
        if (!run) throw new Error(`unknown command ${String(req.cmd)}`);
        return run(req);
      })
      .then(
        (result) => reply({ id: req.id, ok: true, result }),
        (e: unknown) => reply({ id: req.id, ok: false, error: { code: isGlasswingError(e) ? e.code : 'harness.error', message: e instanceof Error ? e.message : String(e) } }),
      );
  });
  process.stdin.on('end', () => void commands.shutdown!({}));
}

void main().catch((e: unknown) => {
  process.stderr.write(`channel-node failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
