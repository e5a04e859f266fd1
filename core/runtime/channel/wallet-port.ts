/**
 * The on-chain wallet (core/wallet) as the channel service's ChannelWalletPort: funding transactions
 * (built and locked, released for broadcast only once funding_signed is durable), fresh scripts for
 * closing outputs and sweeps, the anchor reserve, CPFP children through our anchor and fee inputs
 * for anchors HTLC transactions. A new request for an output the wallet already spends with an
 * unconfirmed transaction of its own (the monitor's re-bid of the same claim) abandons that one first,
 * so the new transaction replaces it (BIP 125: the monitor's bid rises at least 25 % and 1 sat/vB).
 *
 * Every wallet call's events and new scripts go to `take` (the wallet adapter publishes the events and
 * watches the scripts).
 */
import { encodeTx, txidToHex } from '../../bitcoin';
import { addressToScript, WalletError, type Wallet, type WalletEvent } from '../../wallet';
import type { Network } from '../../wire';
import type { ForeignInput } from '../../monitor';
import type { ChannelWalletPort } from './ports';

export interface WalletPortHooks {
  /** A wallet call's events and the scripts the chain layer must watch from now on. */
  take(update: { readonly events: readonly WalletEvent[]; readonly newScripts?: readonly Uint8Array[] }): void;
  now(): number;
  /** Stops rebroadcasting a transaction the wallet abandoned (the chain's own transactions). */
  forget?(txid: string): void;
}

/** sat per 1000 weight → sat/vB (exact to 3 decimals: a whole number of sat/kw divided by 250). */
function satPerVb(perKw: number): number {
  return perKw / 250;
}

export function channelWalletPort(wallet: Wallet, network: Network, hooks: WalletPortHooks): ChannelWalletPort {
  /** Abandons our own unconfirmed spend of `txid:vout` (an earlier bid for the same claim). */
  const replacePrevious = (txid: string, vout: number): string | null => {
    const spender = wallet.spenderOf(txid, vout);
    if (!spender) return null;
    const view = wallet.transaction(spender);
    if (!view || view.state !== 'unconfirmed' || (view.label !== 'cpfp' && view.label !== 'htlc_fee')) {
      throw new WalletError('wallet.bad_cpfp_input', `${txid}:${vout} is already spent by ${spender}`);
    }
    hooks.take(wallet.abandonTransaction(spender));
    hooks.forget?.(spender);
    return spender;
  };
  const signer = (input: ForeignInput) => ({ tx, inputIndex }: { tx: Parameters<ForeignInput['sign']>[0]; inputIndex: number }) => input.sign(tx, inputIndex);
  return {
    buildFunding(req) {
      const r = wallet.buildFunding({ ...req, nowMs: hooks.now() });
      hooks.take(r);
      return { txid: r.txid, tx: r.tx, outputIndex: r.outputIndex };
    },
    commitFunding(txid) {
      const r = wallet.commitFunding(txid);
      hooks.take(r);
      return r.tx;
    },
    releaseFunding(txid) {
      hooks.take(wallet.releaseFunding(txid));
    },
    preparedFundings() {
      return wallet.listTransactions().filter((t) => t.label === 'funding' && t.state === 'prepared').map((t) => t.txid);
    },
    freshScript() {
      const d = wallet.sweepDestination();
      hooks.take({ events: [], newScripts: d.newScripts });
      return d.scriptPubKey;
    },
    scriptOf(address) {
      return addressToScript(address, network);
    },
    setAnchorChannels(count) {
      wallet.setAnchorChannels(count);
    },
    fundCpfp(req) {
      const parent = txidToHex(req.parent.txid);
      const replaces = replacePrevious(parent, req.anchor.outpoint.vout);
      const r = wallet.buildCpfp({
        parent: encodeTx(req.parent.tx),
        parentFeeSat: req.parent.feeSat,
        spend: { kind: 'foreign', vout: req.anchor.outpoint.vout, maxWitnessSize: req.anchor.maxWitnessSize, sequence: req.anchor.sequence, sign: signer(req.anchor) },
        feeRateSatVb: satPerVb(req.targetFeeratePerKw),
        nowMs: hooks.now(),
      });
      hooks.take(r);
      return { txid: r.txid, tx: r.tx, replaces };
    },
    fundHtlcTx(req) {
      const input = req.htlcInput;
      if (!input.scriptPubKey) throw new WalletError('wallet.bad_cpfp_input', 'the HTLC input does not say which script it spends');
      const replaces = replacePrevious(txidToHex(input.outpoint.txid), input.outpoint.vout);
      const r = wallet.buildForeignSpend({
        tx: req.tx,
        foreign: { valueSat: input.valueSat, scriptPubKey: input.scriptPubKey, maxWitnessSize: input.maxWitnessSize, sign: signer(input) },
        feeRateSatVb: satPerVb(req.targetFeeratePerKw),
        nowMs: hooks.now(),
      });
      hooks.take(r);
      return { txid: r.txid, tx: r.tx, replaces };
    },
    abandon(txid) {
      try {
        hooks.take(wallet.abandonTransaction(txid));
      } catch (e) {
        // Confirmed or replaced meanwhile: nothing to give up.
        if (!(e instanceof WalletError)) throw e;
      }
    },
  };
}
