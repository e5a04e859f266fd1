import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/crypto';
import type { PaymentRelay } from '../../../core/onion';
import {
  aggregateBlindedPayInfo, blindedAmountToForward, blindedOutgoingCltv, blindedPaymentHops, createBlindedPath, createOnionPacket,
  decodePaymentHopPayload, encodeOnionPacket, encodePaymentHopPayload, forwardingFee, peelPaymentOnion,
} from '../../../core/onion';
import type { BlindedPath } from '../../../core/wire';
import { loadVectors } from '../../support/vectors';
import { encryptedDataFromJson, scid, withoutLengthPrefix } from './helpers';

type Tlvs = Parameters<typeof encryptedDataFromJson>[0];
interface Vector {
  generate: {
    session_key: string;
    associated_data: string;
    final_amount_msat: number;
    final_cltv: number;
    blinded_payinfo: { fee_base_msat: number; fee_proportional_millionths: number; cltv_expiry_delta: number };
    blinded_route: { first_node_id: string; first_path_key: string; hops: { alias: string; blinded_node_id: string; encrypted_data: string }[] };
    full_route: {
      hops: {
        alias: string;
        pubkey: string;
        payload: string;
        tlvs: {
          outgoing_channel_id?: string;
          amt_to_forward?: number;
          outgoing_cltv_value?: number;
          total_amount_msat?: number;
          current_path_key?: string;
          encrypted_recipient_data?: Tlvs;
        };
      }[];
    };
    onion: string;
  };
  decrypt: { hops: { alias: string; onion: string; node_privkey: string; next_path_key?: string }[] };
}

const v = loadVectors<Vector>('bolt04/blinded-payment-onion-test.json');
const g = v.generate;
const full = g.full_route.hops;
const associatedData = fromHex(g.associated_data);
// Real node ids of the blinded hops (the vector lists them by private key 0x42.., 0x43.., ...).
const REAL_IDS = [
  '0324653eac434488002cc06bbfb7f10fe18991e35f9fe4302dbea6d2353dc0ab1c',
  '027f31ebc5462c1fdce1b737ecff52d37d75dea43ce11c74d25aa297165faa2007',
  '032c0b7cf95324a07d05398b240174dc0c2be444d96b159aa6c7f7b1e668680991',
  '02edabbd16b41c8371b92ef2f04c1185b4f03b6dcd52ba9b78d9d7c89c8f221145',
];
const blindedData = full.slice(1).map((h) => encryptedDataFromJson(h.tlvs.encrypted_recipient_data!));
const relays = blindedData.slice(0, 3).map((d) => d.paymentRelay!) as PaymentRelay[];

function vectorPath(): BlindedPath {
  const hops = blindedData.map((data, i) => ({ nodeId: fromHex(REAL_IDS[i]!), data }));
  // Bob -> Carol (session 0x02..), then Carol's override joins Dave -> Eve (session 0x01..).
  const first = createBlindedPath({ sessionKey: fromHex('02'.repeat(32)), hops: hops.slice(0, 2), pad: false }).path;
  const second = createBlindedPath({ sessionKey: fromHex('01'.repeat(32)), hops: hops.slice(2), pad: false }).path;
  return { ...first, hops: [...first.hops, ...second.hops] };
}

describe('BOLT 4 blinded-payment-onion-test.json', () => {
  it('the recipient creates the vector blinded route from its encrypted_data_tlvs', () => {
    const path = vectorPath();
    expect(toHex(path.firstPathKey)).toBe(g.blinded_route.first_path_key);
    expect(path.firstNodeId).toEqual({ kind: 'node_id', nodeId: fromHex(g.blinded_route.first_node_id) });
    expect(path.hops.map((h) => [toHex(h.blindedNodeId), toHex(h.encryptedRecipientData)])).toEqual(
      g.blinded_route.hops.map((h) => [h.blinded_node_id, h.encrypted_data]),
    );
  });

  it('aggregates the blinded hops payment_relay into the vector blinded_payinfo', () => {
    expect(aggregateBlindedPayInfo(relays)).toEqual({
      feeBaseMsat: BigInt(g.blinded_payinfo.fee_base_msat),
      feeProportionalMillionths: BigInt(g.blinded_payinfo.fee_proportional_millionths),
      cltvExpiryDelta: g.blinded_payinfo.cltv_expiry_delta,
    });
  });

  it('the sender pays the introduction node amount + payinfo fee and the final CLTV + payinfo delta (Alice payload)', () => {
    const info = aggregateBlindedPayInfo(relays);
    const amount = BigInt(g.final_amount_msat);
    const alice = full[0]!;
    const payload = encodePaymentHopPayload({
      amtToForward: amount + forwardingFee(amount, info.feeBaseMsat, info.feeProportionalMillionths),
      outgoingCltvValue: g.final_cltv + info.cltvExpiryDelta,
      shortChannelId: scid(alice.tlvs.outgoing_channel_id!),
    });
    expect(toHex(payload)).toBe(toHex(withoutLengthPrefix(alice.payload)));
    expect(decodePaymentHopPayload(payload)).toEqual({
      amtToForward: BigInt(alice.tlvs.amt_to_forward!),
      outgoingCltvValue: alice.tlvs.outgoing_cltv_value,
      shortChannelId: scid(alice.tlvs.outgoing_channel_id!),
    });
  });

  it('decodes the blinded hops payloads into the vector tlvs', () => {
    const bob = decodePaymentHopPayload(withoutLengthPrefix(full[1]!.payload));
    expect(toHex(bob.currentPathKey!)).toBe(full[1]!.tlvs.current_path_key);
    const eve = full[4]!;
    expect(decodePaymentHopPayload(withoutLengthPrefix(eve.payload))).toMatchObject({
      amtToForward: BigInt(eve.tlvs.amt_to_forward!),
      totalAmountMsat: BigInt(eve.tlvs.total_amount_msat!),
      outgoingCltvValue: eve.tlvs.outgoing_cltv_value,
    });
  });

  it('builds the blinded hops payloads and the exact onion of the vector', () => {
    const eve = full[4]!.tlvs;
    const hops = blindedPaymentHops({
      path: vectorPath(),
      amountMsat: BigInt(g.final_amount_msat),
      totalAmountMsat: BigInt(eve.total_amount_msat!),
      finalCltvValue: g.final_cltv,
    });
    expect(hops.map((h) => toHex(h.nodeId))).toEqual(full.slice(1).map((h) => h.pubkey));
    expect(hops.map((h) => toHex(h.payload))).toEqual(full.slice(1).map((h) => toHex(withoutLengthPrefix(h.payload))));
    const alice = { nodeId: fromHex(full[0]!.pubkey), payload: withoutLengthPrefix(full[0]!.payload) };
    const { packet } = createOnionPacket({ sessionKey: fromHex(g.session_key), hops: [alice, ...hops], associatedData });
    expect(toHex(encodeOnionPacket(packet))).toBe(g.onion);
  });

  it('every hop peels the onion into its action and hands the next hop the vector onion and path key', () => {
    const hops = v.decrypt.hops;
    let pathKey: Uint8Array | undefined;
    const actions = hops.map((hop, i) => {
      const action = peelPaymentOnion({ packet: fromHex(hop.onion), privateKey: fromHex(hop.node_privkey), associatedData, ...(pathKey ? { pathKey } : {}) });
      if (action.kind === 'forward' || action.kind === 'blinded_forward') {
        expect(toHex(encodeOnionPacket(action.packet)), hop.alias).toBe(hops[i + 1]!.onion);
      }
      if (action.kind === 'blinded_forward') {
        expect(toHex(action.nextPathKey), hop.alias).toBe(hop.next_path_key);
        pathKey = action.nextPathKey;
      }
      return action;
    });
    expect(actions.map((a) => a.kind)).toEqual(['forward', 'blinded_forward', 'blinded_forward', 'blinded_forward', 'blinded_receive']);
    expect(actions[0]).toMatchObject({ shortChannelId: scid('0x0x10'), amtToForward: 110125n, outgoingCltvValue: 749150 });
    expect(actions[1]).toMatchObject({ introduction: true, next: { shortChannelId: scid('0x0x1') }, paymentRelay: relays[0] });
    expect(actions[2]).toMatchObject({ introduction: false, next: { shortChannelId: scid('0x0x2') } });
    expect(actions[4]).toMatchObject({
      amtToForward: BigInt(g.final_amount_msat),
      totalAmountMsat: BigInt(full[4]!.tlvs.total_amount_msat!),
      outgoingCltvValue: g.final_cltv,
      pathId: fromHex(full[4]!.tlvs.encrypted_recipient_data!.path_id!),
    });
  });

  it('the blinded hops relay fees carry the 110,125 msat sent to Bob down to at least 100,000 msat for Eve by block 749,000', () => {
    let amount = 110125n;
    let cltv = 749150;
    for (const relay of relays) {
      amount = blindedAmountToForward(amount, relay);
      cltv = blindedOutgoingCltv(cltv, relay);
    }
    expect(amount).toBeGreaterThanOrEqual(100000n);
    expect(cltv).toBe(749000);
  });
});
