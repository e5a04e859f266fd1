/**
 * Internal: the running handshake state both roles share — the handshake hash `h`, the
 * chaining key `ck` and the per-act operations on them (BOLT 8 "Handshake State"). Every step
 * can report its values to a trace sink so the test vectors can check them.
 */
import { ecdh, hkdfTwoKeys, toHex, zeroize } from '../crypto';
import { EMPTY, decryptWithAD, encryptWithAD, initialState, mixHash, nonce } from './noise';
import type { TraceSink } from './trace';

export type ActLabel = 'Act One' | 'Act Two' | 'Act Three';

export class HandshakeState {
  #h: Uint8Array;
  #ck: Uint8Array;
  readonly #trace: TraceSink | undefined;

  /** BOLT 8 "Handshake State Initialization", keyed by the responder's static public key. */
  constructor(responderStatic: Uint8Array, trace: TraceSink | undefined) {
    const { h, ck } = initialState(responderStatic);
    this.#h = h;
    this.#ck = ck;
    this.#trace = trace;
  }

  /** `h = SHA-256(h || data)`, traced as `h`. */
  mixHash(data: Uint8Array, act: ActLabel): void {
    this.#h = mixHash(this.#h, data);
    this.value(act, 'h', this.#h);
  }

  /**
   * `ss = ECDH(k, rk)` then `ck, temp_k = HKDF(ck, ss)`; returns `temp_k`. The caller has
   * already checked that `publicKey` is a valid point (ECDH would throw CryptoError otherwise).
   */
  mixKey(privateKey: Uint8Array, publicKey: Uint8Array, act: ActLabel, tempName: string): Uint8Array {
    const ss = ecdh(privateKey, publicKey);
    if (this.#trace) {
      this.value(act, 'ss', ss);
      this.trace(() => ({ op: 'HKDF', salt: toHex(this.#ck), ikm: toHex(ss), act }));
    }
    const [ck, tempK] = hkdfTwoKeys(this.#ck, ss);
    zeroize(this.#ck, ss);
    this.#ck = ck;
    if (this.#trace) this.trace(() => ({ op: 'value', name: `ck,${tempName}`, value: [toHex(ck), toHex(tempK)], act }));
    return tempK;
  }

  /** `encryptWithAD(k, n, h, plaintext)` — the handshake always uses `h` as the AD. */
  encrypt(k: Uint8Array, n: number, plaintext: Uint8Array, act: ActLabel): Uint8Array {
    this.#traceAead('encryptWithAD', k, n, plaintext, act);
    return encryptWithAD(k, n, this.#h, plaintext);
  }

  /** `decryptWithAD(k, n, h, ciphertext)`; a failed MAC throws CryptoError `crypto.bad_mac`. */
  decrypt(k: Uint8Array, n: number, ciphertext: Uint8Array, act: ActLabel): Uint8Array {
    this.#traceAead('decryptWithAD', k, n, ciphertext, act);
    return decryptWithAD(k, n, this.#h, ciphertext);
  }

  /** BOLT 8 Act Three, final step: `HKDF(ck, zero)` → the two session keys, and the final `ck`. */
  split(): { first: Uint8Array; second: Uint8Array; ck: Uint8Array } {
    this.trace(() => ({ op: 'HKDF', salt: toHex(this.#ck), ikm: '', act: 'Act Three' }));
    const [first, second] = hkdfTwoKeys(this.#ck, EMPTY);
    return { first, second, ck: this.#ck.slice() };
  }

  /** Traces a named value (skipped entirely when no sink is set). */
  value(act: ActLabel, name: string, bytes: Uint8Array): void {
    if (this.#trace) this.#trace({ op: 'value', name, value: toHex(bytes), act });
  }

  trace(make: () => Parameters<TraceSink>[0]): void {
    if (this.#trace) this.#trace(make());
  }

  /** Zeroes the chaining key (the only secret held here). */
  destroy(): void {
    zeroize(this.#ck, this.#h);
  }

  #traceAead(op: string, k: Uint8Array, n: number, input: Uint8Array, act: ActLabel): void {
    if (this.#trace) this.#trace({ op, k: toHex(k), nonce: toHex(nonce(n)), ad: toHex(this.#h), input: toHex(input), act });
  }
}
