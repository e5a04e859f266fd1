/**
 * The payment cores next to the onion work they cannot avoid: a forward decided by the switch
 * (peel, policy, record) against a bare peel of the same onion, with and without writing its record
 * to SQLite (synchronous=FULL: one fsync per step);
 * an invoice issued and claimed; and building the onion of a part over three hops against createOnionPacket alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicKeyFromPrivate, randomBytes, scalarFromHash, sha256, utf8 } from '../core/crypto';
import { createOnionPacket, encodeOnionPacket, encodePaymentHopPayload, peelPaymentOnion } from '../core/onion';
import { HtlcSwitch, InboundPayments, NodeOnionKeys, buildPaymentOnion } from '../core/payments';
import type { ChannelDirectory, ForwardingChannel } from '../core/payments';
import type { Route } from '../core/routing';
import { DATABASE_FILE, PaymentsRepository, openDatabase } from '../core/store';
import { measure, printTable } from './harness';

const HEIGHT = 800_000;

export async function run(): Promise<void> {
  const key = (l: string) => scalarFromHash(sha256(utf8.encode(`bench-payments/${l}`)));
  const me = key('me');
  const next = key('next');
  const nextId = publicKeyFromPrivate(next);
  const meId = publicKeyFromPrivate(me);
  const dir = mkdtempSync(join(tmpdir(), 'glasswing-bench-payments-'));
  const db = openDatabase(join(dir, DATABASE_FILE));
  const store = new PaymentsRepository(db);
  const channel: ForwardingChannel = {
    channelId: 'bb'.repeat(32), peerNodeId: nextId, active: true, outboundMsat: 10n ** 12n, channelUpdate: null,
    policy: { feeBaseMsat: 1_000n, feeProportionalMillionths: 100n, cltvExpiryDelta: 40, htlcMinimumMsat: 1n, htlcMaximumMsat: 10n ** 12n, disabled: false },
  };
  const directory: ChannelDirectory = { byShortChannelId: () => channel, toPeer: () => channel, byChannelId: () => channel };
  const onionKeys = new NodeOnionKeys(me);
  const inbound = new InboundPayments({ store, network: 'regtest', sign: (u) => u.sign(me), randomBytes, height: HEIGHT });
  const sw = new HtlcSwitch({ store, onion: onionKeys, channels: directory, inbound, height: HEIGHT });

  const hash = sha256(utf8.encode('bench'));
  const onion = encodeOnionPacket(createOnionPacket({
    sessionKey: key('s'), associatedData: hash,
    hops: [
      { nodeId: meId, payload: encodePaymentHopPayload({ amtToForward: 100_000n, outgoingCltvValue: HEIGHT + 100, shortChannelId: 5n }) },
      { nodeId: nextId, payload: encodePaymentHopPayload({ amtToForward: 100_000n, outgoingCltvValue: HEIGHT + 100 }) },
    ],
  }).packet);
  let id = 0n;
  const lockedIn = () => ({ channelId: 'aa'.repeat(32), htlcId: id++, amountMsat: 200_000n, cltvExpiry: HEIGHT + 200, paymentHash: hash, onion, pathKey: null, failBack: null });

  const peel = measure('peel (core/onion)', () => void peelPaymentOnion({ packet: onion, privateKey: me, associatedData: hash }));
  const decide = measure('switch: forward decided', () => void sw.htlcLockedIn(lockedIn(), 0));
  const persisted = measure('switch: forward decided + written', () => store.applyPaymentsWrites(sw.htlcLockedIn(lockedIn(), 0).writes));

  // An invoice issued (signed, decoded back), paid by one HTLC and claimed, each step written.
  let claimNow = 0;
  const claim = measure('invoice issued, paid by one HTLC, claimed (2 writes)', () => {
    const created = inbound.createInvoice({ amountMsat: 10_000n, description: 'b' }, ++claimNow);
    store.applyPaymentsWrites(created.writes);
    const inv = created.value.invoice;
    const step = inbound.receive(
      { channelId: 'cc'.repeat(32), htlcId: id++, onionHash: new Uint8Array(32), amountMsat: 10_000n, cltvExpiry: HEIGHT + 40, paymentHash: inv.paymentHash },
      { kind: 'receive', amtToForward: 10_000n, outgoingCltvValue: HEIGHT + 40, totalMsat: 10_000n, sharedSecret: new Uint8Array(32), paymentData: { paymentSecret: inv.paymentSecret, totalMsat: 10_000n }, payload: {} },
      claimNow,
    );
    store.applyPaymentsWrites(step.writes);
  });

  const ids = [1, 2, 3].map((i) => publicKeyFromPrivate(key(`hop${i}`)));
  const route: Route = {
    hops: ids.map((nodeId, i) => ({ nodeId, shortChannelId: BigInt(i + 1), amountMsat: 100_000n + BigInt((2 - i) * 1_010), cltvExpiryDelta: 21 + (2 - i) * 40, feeMsat: i < 2 ? 1_010n : 0n, source: 'graph' as const })),
    amountMsat: 100_000n, totalAmountMsat: 102_020n, totalFeeMsat: 2_020n, totalCltvExpiryDelta: 101, cost: 0n,
  };
  const secret = randomBytes(32);
  const build = measure('build a part\'s onion (3 hops)', () => void buildPaymentOnion({ route, height: HEIGHT, paymentHash: hash, sessionKey: randomBytes(32), final: { kind: 'clear', paymentSecret: secret, totalMsat: 100_000n, paymentMetadata: null } }));
  const bare = measure('createOnionPacket (3 hops)', () => void createOnionPacket({ sessionKey: randomBytes(32), associatedData: hash, hops: ids.map((nodeId) => ({ nodeId, payload: new Uint8Array(40) })) }));

  printTable(['operation', 'ops/s', 'vs its floor'], [
    [peel.name, peel.opsPerSec, '1.00'],
    [decide.name, decide.opsPerSec, (decide.opsPerSec / peel.opsPerSec).toFixed(2)],
    [persisted.name, persisted.opsPerSec, (persisted.opsPerSec / peel.opsPerSec).toFixed(2)],
    [claim.name, claim.opsPerSec, '—'],
    [bare.name, bare.opsPerSec, '1.00'],
    [build.name, build.opsPerSec, (build.opsPerSec / bare.opsPerSec).toFixed(2)],
  ]);
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
