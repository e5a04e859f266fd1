import { describe, expect, it } from 'vitest';
import { fromHex, publicKeyFromPrivate, sha256, toHex } from '../../../core/crypto';
import {
  SIGHASH_ALL, decodeTx, encodeDerSignature, encodeTx, encodeWitnessSignature, legacySighashAll, p2pkh, p2wpkh, p2wsh,
  txid, txidFromHex, txidToHex,
} from '../../../core/bitcoin';
import type { Transaction } from '../../../core/bitcoin';
import { ecdsaSign } from '../../../core/crypto';
import {
  buildCommitmentTx, buildHtlcTxs, commitmentObscuringFactor, derivePrivkey, derivePubkey, deriveRevocationPubkey,
  finalizeCommitmentTx, finalizeHtlcTx, fundingScript, perCommitmentPoint, signCommitmentTx, signCounterpartyHtlcTx,
  signHolderHtlcTx, verifyCommitmentSignature, verifyCounterpartyHtlcSignature,
} from '../../../core/channel';
import type { ChannelType, CommitmentHtlc, CommitmentKeys } from '../../../core/channel';
import { loadVectors } from '../../support/vectors';

interface VHtlc { id: number; direction: 'remote->local' | 'local->remote'; amount_msat: number; expiry: number; payment_preimage: string }
interface VHtlcTx {
  commit_output_index: number;
  kind: 'htlc_success' | 'htlc_timeout';
  htlc_id: number;
  remote_htlc_signature: string;
  local_htlc_signature?: string;
  tx: string;
}
interface VCase {
  name: string;
  to_local_msat: number;
  to_remote_msat: number;
  local_feerate_per_kw: number;
  local_dust_limit_satoshi: number;
  htlcs_used: number[];
  base_fee_satoshi?: number;
  actual_fee_satoshi?: number;
  expected_outputs?: { kind: string; htlc_id?: number; amount_satoshi: number; witness_script?: string; p2wpkh_pubkey?: string }[];
  remote_signature: string;
  local_signature?: string;
  output_commit_tx: string;
  num_htlcs: number;
  htlc_txs: VHtlcTx[];
}
interface CommitmentVectors {
  funding_tx: Record<string, string | number>;
  common: Record<string, unknown> & { htlcs: VHtlc[]; internal: Record<string, string> };
  legacy: { cases: VCase[] };
  anchors: { cases: VCase[] };
}

const v = loadVectors<CommitmentVectors>('bolt03/commitment.json');
const c = v.common as unknown as Record<string, string> & { htlcs: VHtlc[]; internal: Record<string, string> };
/** Private keys in the spec carry a trailing 01 (compressed marker). */
const priv = (s: string) => fromHex(s).subarray(0, 32);
const hex = (s: string) => fromHex(s);

const point = hex(c.internal.local_per_commitment_point!);
const localFundingPriv = priv(c.local_funding_privkey!);
const remoteFundingPriv = priv(c.internal.remote_funding_privkey!);
const localHtlcPriv = derivePrivkey(priv(c.internal.local_payment_basepoint_secret!), point);
const remoteHtlcPriv = derivePrivkey(priv(c.internal.remote_payment_basepoint_secret!), point);
const fundingSatoshis = BigInt(v.common.funding_amount_satoshi as number);

const keys: CommitmentKeys = {
  perCommitmentPoint: point,
  revocationPubkey: deriveRevocationPubkey(hex(c.internal.remote_revocation_basepoint!), point),
  holderDelayedPubkey: derivePubkey(hex(c.internal.local_delayed_payment_basepoint!), point),
  holderHtlcPubkey: derivePubkey(hex(c.local_htlc_basepoint!), point),
  counterpartyHtlcPubkey: derivePubkey(hex(c.remote_htlc_basepoint!), point),
  counterpartyPaymentPubkey: hex(c.remote_payment_basepoint!),
};

function htlcsOf(ids: number[]): CommitmentHtlc<number>[] {
  return ids.map((id) => {
    const h = c.htlcs.find((x) => x.id === id)!;
    return {
      direction: h.direction === 'local->remote' ? 'offered' : 'received',
      amountMsat: BigInt(h.amount_msat),
      paymentHash: sha256(hex(h.payment_preimage)),
      cltvExpiry: h.expiry,
      ref: id,
    };
  });
}

function build(k: VCase, channelType: ChannelType) {
  return buildCommitmentTx<number>({
    channelType,
    fundingOutpoint: { txid: txidFromHex(c.funding_tx_id!), vout: v.common.funding_output_index as number },
    fundingSatoshis,
    holderFundingPubkey: hex(c.local_funding_pubkey!),
    counterpartyFundingPubkey: hex(c.remote_funding_pubkey!),
    obscuringFactor: commitmentObscuringFactor(hex(c.local_payment_basepoint!), hex(c.remote_payment_basepoint!)),
    commitmentNumber: v.common.commitment_number as number,
    holderIsFunder: true,
    toHolderMsat: BigInt(k.to_local_msat),
    toCounterpartyMsat: BigInt(k.to_remote_msat),
    feeratePerKw: k.local_feerate_per_kw,
    dustLimitSat: BigInt(k.local_dust_limit_satoshi),
    toSelfDelay: v.common.local_delay as number,
    keys,
    htlcs: htlcsOf(k.htlcs_used),
  });
}

describe('BOLT 3 Appendix C: derived keys', () => {
  it('the internal secrets give the published points and keys', () => {
    expect(toHex(perCommitmentPoint(priv(c.internal.x_local_per_commitment_secret!)))).toBe(c.internal.local_per_commitment_point);
    expect(toHex(perCommitmentPoint(priv(c.internal.remote_revocation_basepoint_secret!)))).toBe(c.internal.remote_revocation_basepoint);
    expect(toHex(perCommitmentPoint(priv(c.internal.local_delayed_payment_basepoint_secret!)))).toBe(c.internal.local_delayed_payment_basepoint);
    expect(toHex(perCommitmentPoint(priv(c.internal.local_payment_basepoint_secret!)))).toBe(c.local_payment_basepoint);
    expect(toHex(perCommitmentPoint(priv(c.internal.remote_payment_basepoint_secret!)))).toBe(c.remote_payment_basepoint);
    expect(toHex(perCommitmentPoint(localFundingPriv))).toBe(c.local_funding_pubkey);
    expect(toHex(perCommitmentPoint(remoteFundingPriv))).toBe(c.remote_funding_pubkey);
    expect(toHex(localHtlcPriv)).toBe(c.local_privkey!.slice(0, 64));
    expect(toHex(remoteHtlcPriv)).toBe(c.internal.remote_privkey!.slice(0, 64));
    expect(toHex(derivePrivkey(priv(c.internal.local_delayed_payment_basepoint_secret!), point))).toBe(c.internal.local_delayed_privkey!.slice(0, 64));
    expect(toHex(keys.revocationPubkey)).toBe(c.local_revocation_pubkey);
    expect(toHex(keys.holderDelayedPubkey)).toBe(c.local_delayedpubkey);
    expect(toHex(keys.holderHtlcPubkey)).toBe(c.local_htlcpubkey);
    expect(toHex(keys.counterpartyHtlcPubkey)).toBe(c.remote_htlcpubkey);
    expect(toHex(fundingScript(hex(c.local_funding_pubkey!), hex(c.remote_funding_pubkey!)))).toBe(c.funding_witness_script);
  });

  it('the obscuring factor is 0x2bb038521914', () => {
    expect(commitmentObscuringFactor(hex(c.local_payment_basepoint!), hex(c.remote_payment_basepoint!)).toString(16)).toBe(c.obscuring_factor);
  });
});

describe('BOLT 3 Appendix B: funding transaction', () => {
  const f = v.funding_tx as Record<string, string> & Record<string, number>;
  it('rebuilds the funding transaction byte for byte, P2PKH signature included', () => {
    const coinbasePriv = priv(f.block1_coinbase_privkey as string);
    const coinbasePub = publicKeyFromPrivate(coinbasePriv);
    const coinbaseTx = decodeTx(hex(f.block1_coinbase_tx as string));
    expect(txidToHex(txid(coinbaseTx))).toBe(f.input_txid);
    const prevScript = coinbaseTx.outputs[f.input_index as number]!.scriptPubKey;
    expect(toHex(prevScript)).toBe(toHex(p2pkh(coinbasePub)));
    const witnessScript = fundingScript(hex(f.local_funding_pubkey as string), hex(f.remote_funding_pubkey as string));
    expect(toHex(witnessScript)).toBe(f.funding_witness_script);
    const unsigned: Transaction = {
      version: 2,
      inputs: [{ prevout: { txid: txidFromHex(f.input_txid as string), vout: f.input_index as number }, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }],
      // BIP 69 order: the funding output (smaller) first, as funding_output_index 0 says.
      outputs: [
        { value: BigInt(f.funding_satoshis as number), scriptPubKey: p2wsh(witnessScript) },
        { value: BigInt(f.change_satoshis as number), scriptPubKey: p2wpkh(coinbasePub) },
      ],
      locktime: 0,
    };
    const sig = ecdsaSign(legacySighashAll(unsigned, 0, prevScript), coinbasePriv);
    const sigPush = encodeWitnessSignature(sig, SIGHASH_ALL);
    const scriptSig = Uint8Array.from([sigPush.length, ...sigPush, coinbasePub.length, ...coinbasePub]);
    const signed: Transaction = { ...unsigned, inputs: [{ ...unsigned.inputs[0]!, scriptSig }] };
    expect(toHex(encodeTx(signed))).toBe(f.funding_tx);
    expect(txidToHex(txid(signed))).toBe(f.funding_txid);
    expect(f.funding_output_index).toBe(0);
    // The fee matches feerate_per_kw 15000 for this transaction's weight, rounded down.
    const fee = BigInt(f.input_satoshis as number) - BigInt(f.funding_satoshis as number) - BigInt(f.change_satoshis as number);
    expect(fee).toBe((15000n * BigInt(4 * encodeTx(signed).length)) / 1000n);
  });
});

function runCases(kind: 'legacy' | 'anchors', channelType: ChannelType): void {
  const cases = v[kind].cases;
  it(`has every ${kind} case (${kind === 'legacy' ? 16 : 9})`, () => expect(cases).toHaveLength(kind === 'legacy' ? 16 : 9));

  for (const k of cases) {
    it(`${k.name}: commitment and HTLC transactions byte for byte`, () => {
      const commit = build(k, channelType);

      // Intermediate expectations (legacy cases carry them from the spec's '#' lines).
      if (k.base_fee_satoshi !== undefined) expect(commit.baseFeeSat).toBe(BigInt(k.base_fee_satoshi));
      if (k.actual_fee_satoshi !== undefined) {
        const outSum = commit.tx.outputs.reduce((s, o) => s + o.value, 0n);
        expect(fundingSatoshis - outSum).toBe(BigInt(k.actual_fee_satoshi));
      }
      if (k.expected_outputs) {
        const got = commit.outputs.map((o) => ({
          kind: o.kind,
          htlc_id: 'htlc' in o ? o.htlc.ref : undefined,
          amount_satoshi: Number(o.valueSat),
          script: o.witnessScript ? toHex(o.witnessScript) : toHex(p2wpkh(keys.counterpartyPaymentPubkey)),
        }));
        const want = k.expected_outputs.map((o) => ({
          kind: o.kind,
          htlc_id: o.htlc_id,
          amount_satoshi: o.amount_satoshi,
          script: o.witness_script ?? toHex(p2wpkh(hex(o.p2wpkh_pubkey!))),
        }));
        // Every output the spec lists is there; the last legacy case lists only its HTLC outputs.
        for (const w of want) expect(got).toContainEqual(w);
        const htlcOutputs = (list: { kind: string }[]) => list.filter((o) => o.kind.startsWith('htlc_')).length;
        expect(htlcOutputs(got)).toBe(htlcOutputs(want));
        if (want.some((o) => !o.kind.startsWith('htlc_'))) expect(got).toHaveLength(want.length);
      }

      // Signatures: both funding keys, deterministic RFC 6979, compared in DER.
      const remoteSig = signCommitmentTx(commit, fundingSatoshis, remoteFundingPriv);
      const localSig = signCommitmentTx(commit, fundingSatoshis, localFundingPriv);
      expect(toHex(encodeDerSignature(remoteSig))).toBe(k.remote_signature);
      if (k.local_signature) expect(toHex(encodeDerSignature(localSig))).toBe(k.local_signature);
      expect(verifyCommitmentSignature(commit, fundingSatoshis, remoteSig, hex(c.remote_funding_pubkey!))).toBe(true);
      const signed = finalizeCommitmentTx(commit, hex(c.local_funding_pubkey!), localSig, hex(c.remote_funding_pubkey!), remoteSig);
      expect(toHex(encodeTx(signed))).toBe(k.output_commit_tx);
      expect(toHex(encodeTx(decodeTx(hex(k.output_commit_tx))))).toBe(k.output_commit_tx);

      // HTLC transactions, in commitment output order.
      const htlcTxs = buildHtlcTxs(commit, keys, k.local_feerate_per_kw, v.common.local_delay as number, channelType);
      expect(htlcTxs).toHaveLength(k.num_htlcs);
      expect(commit.htlcOutputs.map((o) => o.outputIndex)).toEqual(k.htlc_txs.map((t) => t.commit_output_index));
      htlcTxs.forEach((h, i) => {
        const want = k.htlc_txs[i]!;
        const ref = commit.htlcOutputs[i]!.htlc.ref;
        expect(h.kind).toBe(want.kind);
        expect(ref).toBe(want.htlc_id);
        const remoteHtlcSig = signCounterpartyHtlcTx(h, channelType, remoteHtlcPriv);
        const localHtlcSig = signHolderHtlcTx(h, localHtlcPriv);
        expect(toHex(encodeDerSignature(remoteHtlcSig))).toBe(want.remote_htlc_signature);
        if (want.local_htlc_signature) expect(toHex(encodeDerSignature(localHtlcSig))).toBe(want.local_htlc_signature);
        expect(verifyCounterpartyHtlcSignature(h, channelType, remoteHtlcSig, keys.counterpartyHtlcPubkey)).toBe(true);
        const preimage = hex(c.htlcs.find((x) => x.id === ref)!.payment_preimage);
        const final = finalizeHtlcTx(h, channelType, remoteHtlcSig, localHtlcSig, preimage);
        expect(toHex(encodeTx(final))).toBe(want.tx);
      });
    });
  }
}

describe('BOLT 3 Appendix C: commitment and HTLC transactions (option_static_remotekey)', () => {
  runCases('legacy', 'static_remotekey');
});

describe('BOLT 3 Appendix F: commitment and HTLC transactions (option_anchors)', () => {
  runCases('anchors', 'anchors');
});
