/**
 * The `OnionKeys` port over our node key: BOLT 4 Onion Decryption of incoming payment onions with
 * core/onion's reader rules, and the bare shared secret for a packet whose payload failed them.
 * The key is copied and zeroed by `destroy()`.
 */
import { ecdh, zeroize } from '../crypto';
import type { EncryptedDataTlv, PaymentHopAction } from '../onion';
import { decodeOnionPacket, peelPaymentOnion, processBlindedHop } from '../onion';
import type { OnionKeys } from './ports';
import type { AsyncPaymentsProfile } from '../wire';

export class NodeOnionKeys implements OnionKeys {
  readonly #nodeKey: Uint8Array;

  readonly #asyncPayments: AsyncPaymentsProfile | undefined;

  /** `asyncPayments`: the numbers of the final hop's invoice_request (async payments profile; default LDK's). */
  constructor(nodeKey: Uint8Array, asyncPayments?: AsyncPaymentsProfile) {
    this.#nodeKey = nodeKey.slice();
    this.#asyncPayments = asyncPayments;
  }

  peel(opts: { readonly packet: Uint8Array; readonly paymentHash: Uint8Array; readonly pathKey: Uint8Array | null }): PaymentHopAction {
    return peelPaymentOnion({
      packet: opts.packet,
      privateKey: this.#nodeKey,
      associatedData: opts.paymentHash, // BOLT 2: "MUST use payment_hash as associated_data"
      ...(opts.pathKey ? { pathKey: opts.pathKey } : {}),
      ...(this.#asyncPayments ? { asyncPayments: this.#asyncPayments } : {}),
    });
  }

  sharedSecret(packet: Uint8Array): Uint8Array | null {
    try {
      // BOLT 4 Shared Secret: ss = SHA256(ECDH(public_key, node key)), the key the sender used for our layer.
      return ecdh(this.#nodeKey, decodeOnionPacket(packet, 'payment').publicKey);
    } catch {
      return null;
    }
  }

  blindedHop(pathKey: Uint8Array, encryptedRecipientData: Uint8Array): { readonly data: EncryptedDataTlv; readonly nextPathKey: Uint8Array } {
    // BOLT 4: ss_i = SHA256(k_i · E_i), rho_i = HMAC256("rho", ss_i), then E_{i+1} (or next_path_key_override).
    const hop = processBlindedHop({ privateKey: this.#nodeKey, pathKey, encryptedRecipientData });
    zeroize(hop.sharedSecret);
    return { data: hop.data, nextPathKey: hop.nextPathKey };
  }

  destroy(): void {
    zeroize(this.#nodeKey);
  }
}
