/**
 * BOLT 8 Noise_XK handshake (Noise_XK_secp256k1_ChaChaPoly_SHA256, prologue "lightning") as two
 * sans-I/O state machines:
 *
 *   initiator                                   responder
 *   new NoiseInitiator({ localStatic,           new NoiseResponder({ localStatic })
 *                        remoteStatic })
 *   act1 = i.actOne()              --50-->      act2 = r.actTwo(act1)
 *   { act3, session } = i.actThree(act2) <--50--
 *                                  --66-->      session = r.complete(act3)
 *
 * Every method either returns or throws a TransportError; a HandshakeError (bad length,
 * version, key or MAC in a given act) leaves the object closed with its secrets zeroed.
 */
import {
  CryptoError, equalBytes, isValidPrivateKey, isValidPublicKey, publicKeyFromPrivate, randomPrivateKey, sha256, toHex, zeroize,
} from '../crypto';
import { ACT_ONE_LENGTH, ACT_THREE_LENGTH, ACT_TWO_LENGTH, HANDSHAKE_VERSION, MAC_LENGTH } from './constants';
import type { HandshakeAct, HandshakeErrorCode } from './errors';
import { HandshakeError, TransportError } from './errors';
import type { ActLabel } from './handshake-state';
import { HandshakeState } from './handshake-state';
import { EMPTY, hasCompressedPrefix } from './noise';
import { NoiseSession } from './session';
import type { Traceable, TraceSink } from './trace';
import { TRACE } from './trace';

export interface InitiatorOptions extends Traceable {
  /** Our node's 32-byte static private key (BOLT 8 `ls.priv`). Copied; the caller keeps its array. */
  readonly localStatic: Uint8Array;
  /** The responder's 33-byte compressed static public key (BOLT 8 `rs.pub`), known in advance. */
  readonly remoteStatic: Uint8Array;
  /** BOLT 8 `e.priv`: only for test vectors. A fresh random key is generated when absent. */
  readonly ephemeral?: Uint8Array;
}

export interface ResponderOptions extends Traceable {
  /** Our node's 32-byte static private key (BOLT 8 `ls.priv`). Copied; the caller keeps its array. */
  readonly localStatic: Uint8Array;
  /** BOLT 8 `e.priv`: only for test vectors. A fresh random key is generated when absent. */
  readonly ephemeral?: Uint8Array;
}

/** What the initiator gets once Act Two is accepted: the bytes to send and the live session. */
export interface ActThreeResult {
  /** The 66-byte Act Three to send to the responder. */
  readonly act3: Uint8Array;
  /** The established session (send `act3` before any frame it produces). */
  readonly session: NoiseSession;
}

const LABEL: Record<HandshakeAct, ActLabel> = { 1: 'Act One', 2: 'Act Two', 3: 'Act Three' };

type ActFailure = 'bad_length' | 'bad_version' | 'bad_pubkey' | 'bad_ciphertext' | 'bad_tag';

function fail(act: HandshakeAct, what: ActFailure, message: string, details?: Record<string, unknown>): HandshakeError {
  return new HandshakeError(`transport.act${act}_${what}` as HandshakeErrorCode, act, `act ${act}: ${message}`, details);
}

function privateKeyOption(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array) || !isValidPrivateKey(value)) {
    throw new TransportError('transport.invalid_key', `${field}: expected a valid 32-byte secp256k1 private key`, { field });
  }
  return value.slice();
}

/**
 * The public key of each static private key array callers hand us: the node passes the same key
 * array for every connection, so its k·G is computed once instead of per handshake. Keyed by the
 * caller's array, an entry lives no longer than the array holding the secret; the SHA-256 of the
 * contents it was computed from notices a caller that changed the array since.
 */
const staticPublicKeys = new WeakMap<Uint8Array, { readonly contents: Uint8Array; readonly publicKey: Uint8Array }>();

/** `key`·G, where `key` is our copy of the caller's `localStatic` array. Never mutated by its users. */
function staticPublicKey(callerArray: Uint8Array, key: Uint8Array): Uint8Array {
  const contents = sha256(key);
  const cached = staticPublicKeys.get(callerArray);
  if (cached !== undefined && equalBytes(cached.contents, contents)) return cached.publicKey;
  const publicKey = publicKeyFromPrivate(key);
  staticPublicKeys.set(callerArray, { contents, publicKey });
  return publicKey;
}

function publicKeyOption(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array) || !hasCompressedPrefix(value) || !isValidPublicKey(value)) {
    throw new TransportError('transport.invalid_key', `${field}: expected a valid 33-byte compressed public key`, { field });
  }
  return value.slice();
}

/**
 * Receiver steps 1–3 of Acts One and Two (`m = v || re || c`): exactly 50 bytes, version 0, and
 * `re` with a compressed-key prefix. Returns `re` and `c`. Whether `re` is on the curve is
 * learnt from the ECDH that uses it (`ecdhOrBadKey`): parsing it twice would cost a square root.
 */
function parseEphemeralAct(act: 1 | 2, m: unknown): { re: Uint8Array; c: Uint8Array } {
  if (!(m instanceof Uint8Array)) throw new TransportError('transport.not_bytes', `act ${act}: expected a Uint8Array`);
  // Step 1: read _exactly_ 50 bytes (the spec's ACTn_READ_FAILED).
  const expected = act === 1 ? ACT_ONE_LENGTH : ACT_TWO_LENGTH;
  if (m.length !== expected) {
    throw fail(act, 'bad_length', `expected exactly ${expected} bytes, got ${m.length}`, { length: m.length });
  }
  // Step 2: v is the first byte, re the next 33, c the last 16.
  const v = m[0]!;
  const re = m.slice(1, 34);
  const c = m.slice(34, 34 + MAC_LENGTH);
  // Step 3: "If `v` is an unrecognized handshake version, then [the receiver] MUST abort".
  if (v !== HANDSHAKE_VERSION) throw fail(act, 'bad_version', `unknown handshake version ${v}`, { version: v });
  // Step 2 (deserialize re as a point): its encoding here, its curve membership by the ECDH.
  if (!hasCompressedPrefix(re)) throw fail(act, 'bad_pubkey', 'ephemeral key is not a valid compressed point');
  return { re, c };
}

/**
 * `hs.mixKey` with a received public key, whose curve membership the ECDH checks: a point off the
 * curve (CryptoError `crypto.invalid_point`) is this act's `bad_pubkey`.
 */
function mixKeyWithReceivedKey(
  hs: HandshakeState,
  privateKey: Uint8Array,
  received: Uint8Array,
  act: HandshakeAct,
  tempName: string,
  what: string,
): Uint8Array {
  try {
    return hs.mixKey(privateKey, received, LABEL[act], tempName);
  } catch (e) {
    if (e instanceof CryptoError && e.code === 'crypto.invalid_point') throw fail(act, 'bad_pubkey', `${what} is not a valid compressed point`);
    throw e;
  }
}

/** Acts One and Two as sent: `0 || e.pub || c` (50 bytes). */
function ephemeralAct(ePub: Uint8Array, c: Uint8Array): Uint8Array {
  const m = new Uint8Array(ACT_ONE_LENGTH);
  m[0] = HANDSHAKE_VERSION;
  m.set(ePub, 1);
  m.set(c, 34);
  return m;
}

type InitiatorState = 'initial' | 'awaiting_act_two' | 'done' | 'closed';

/** The side that opens the connection and already knows the responder's node id. */
export class NoiseInitiator {
  #state: InitiatorState = 'initial';
  readonly #hs: HandshakeState;
  readonly #ls: Uint8Array;
  readonly #lsPub: Uint8Array;
  readonly #rs: Uint8Array;
  readonly #e: Uint8Array;
  readonly #trace: TraceSink | undefined;
  #tempK2: Uint8Array = EMPTY;
  #re: Uint8Array = EMPTY;

  constructor(options: InitiatorOptions) {
    this.#ls = privateKeyOption(options.localStatic, 'localStatic');
    this.#rs = publicKeyOption(options.remoteStatic, 'remoteStatic');
    this.#e = options.ephemeral === undefined ? randomPrivateKey() : privateKeyOption(options.ephemeral, 'ephemeral');
    this.#lsPub = staticPublicKey(options.localStatic, this.#ls);
    this.#trace = options[TRACE];
    // Initialization: the initiator mixes in rs.pub — h = SHA-256(h || rs.pub.serializeCompressed())
    this.#hs = new HandshakeState(this.#rs, this.#trace);
  }

  /** The responder's static public key this handshake authenticates (a copy). */
  get remoteStatic(): Uint8Array {
    return this.#rs.slice();
  }

  /** Act One, sender actions: returns the 50 bytes `0 || e.pub || c` to send. */
  actOne(): Uint8Array {
    this.#expect('initial', 'actOne');
    const hs = this.#hs;
    const a = LABEL[1];
    const ePub = publicKeyFromPrivate(this.#e); // step 1: e = generateKey() (injected or random)
    hs.mixHash(ePub, a); // step 2: h = SHA-256(h || e.pub.serializeCompressed())
    const tempK1 = hs.mixKey(this.#e, this.#rs, a, 'temp_k1'); // steps 3–4: es = ECDH(e.priv, rs); ck, temp_k1 = HKDF(ck, es)
    const c = hs.encrypt(tempK1, 0, EMPTY, a); // step 5: c = encryptWithAD(temp_k1, 0, h, zero)
    zeroize(tempK1);
    hs.value(a, 'c', c);
    hs.mixHash(c, a); // step 6: h = SHA-256(h || c)
    this.#state = 'awaiting_act_two';
    return ephemeralAct(ePub, c); // step 7: m = 0 || e.pub || c
  }

  /**
   * Accepts the responder's 50-byte Act Two and produces Act Three plus the session.
   * Throws HandshakeError `transport.act2_*` if Act Two is rejected.
   */
  actThree(act2: Uint8Array): ActThreeResult {
    this.#expect('awaiting_act_two', 'actThree');
    try {
      this.#receiveActTwo(act2);
      return this.#sendActThree();
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  /** Zeroes every secret; the handshake can no longer be used. Idempotent. */
  destroy(): void {
    if (this.#state !== 'done') this.#state = 'closed';
    zeroize(this.#ls, this.#e, this.#tempK2);
    this.#hs.destroy();
  }

  /** Act Two, receiver actions (the initiator's side). */
  #receiveActTwo(m: Uint8Array): void {
    const hs = this.#hs;
    const a = LABEL[2];
    const { re, c } = parseEphemeralAct(2, m); // steps 1–3
    this.#re = re;
    hs.value(a, 're', re);
    hs.mixHash(re, a); // step 4: h = SHA-256(h || re.serializeCompressed())
    this.#tempK2 = mixKeyWithReceivedKey(hs, this.#e, re, 2, 'temp_k2', 'ephemeral key'); // steps 5–6: ee = ECDH(e.priv, re); ck, temp_k2 = HKDF(ck, ee)
    zeroize(this.#e); // the initiator's ephemeral private key is not needed after `ee`
    try {
      hs.decrypt(this.#tempK2, 0, c, a); // step 7: p = decryptWithAD(temp_k2, 0, h, c)
    } catch {
      throw fail(2, 'bad_tag', 'MAC check failed (the responder does not hold the expected static key)');
    }
    hs.mixHash(c, a); // step 8: h = SHA-256(h || c)
  }

  /** Act Three, sender actions. */
  #sendActThree(): ActThreeResult {
    const hs = this.#hs;
    const a = LABEL[3];
    const c = hs.encrypt(this.#tempK2, 1, this.#lsPub, a); // step 1: c = encryptWithAD(temp_k2, 1, h, s.pub)
    hs.value(a, 'c', c);
    hs.mixHash(c, a); // step 2: h = SHA-256(h || c)
    const tempK3 = hs.mixKey(this.#ls, this.#re, a, 'temp_k3'); // steps 3–4: se = ECDH(s.priv, re); ck, temp_k3 = HKDF(ck, se)
    const t = hs.encrypt(tempK3, 0, EMPTY, a); // step 5: t = encryptWithAD(temp_k3, 0, h, zero)
    zeroize(tempK3);
    hs.value(a, 't', t);
    const { first: sk, second: rk, ck } = hs.split(); // step 6: sk, rk = HKDF(ck, zero)
    hs.value(a, 'sk', sk);
    hs.value(a, 'rk', rk);
    hs.value(a, 'ck', ck);
    // Steps 7–8: rn = sn = 0, rck = sck = ck — done by the session.
    const session = new NoiseSession({ sendingKey: sk, receivingKey: rk, chainingKey: ck, remoteStatic: this.#rs, [TRACE]: this.#trace });
    zeroize(sk, rk, ck);
    this.#state = 'done';
    this.destroy();
    const act3 = new Uint8Array(ACT_THREE_LENGTH);
    act3[0] = HANDSHAKE_VERSION; // step 9: m = 0 || c || t
    act3.set(c, 1);
    act3.set(t, 1 + c.length);
    return { act3, session };
  }

  #expect(state: InitiatorState, method: string): void {
    if (this.#state === state) return;
    if (this.#state === 'closed') throw new TransportError('transport.closed', `${method}: the handshake failed or was destroyed`);
    throw new TransportError('transport.out_of_order', `${method}: not valid in state ${this.#state}`, { state: this.#state });
  }
}

type ResponderState = 'awaiting_act_one' | 'awaiting_act_three' | 'done' | 'closed';

/** The side that accepts the connection; it learns the initiator's node id in Act Three. */
export class NoiseResponder {
  #state: ResponderState = 'awaiting_act_one';
  readonly #hs: HandshakeState;
  readonly #ls: Uint8Array;
  readonly #e: Uint8Array;
  readonly #trace: TraceSink | undefined;
  #tempK2: Uint8Array = EMPTY;
  #re: Uint8Array = EMPTY;

  constructor(options: ResponderOptions) {
    this.#ls = privateKeyOption(options.localStatic, 'localStatic');
    this.#e = options.ephemeral === undefined ? randomPrivateKey() : privateKeyOption(options.ephemeral, 'ephemeral');
    this.#trace = options[TRACE];
    // Initialization: the responder mixes in ls.pub — h = SHA-256(h || ls.pub.serializeCompressed())
    this.#hs = new HandshakeState(staticPublicKey(options.localStatic, this.#ls), this.#trace);
  }

  /**
   * Accepts the initiator's 50-byte Act One and returns the 50-byte Act Two to send.
   * Throws HandshakeError `transport.act1_*` if Act One is rejected.
   */
  actTwo(act1: Uint8Array): Uint8Array {
    this.#expect('awaiting_act_one', 'actTwo');
    try {
      this.#receiveActOne(act1);
      return this.#sendActTwo();
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  /**
   * Accepts the initiator's 66-byte Act Three and returns the session; `session.remoteStatic`
   * is the initiator's node id. Throws HandshakeError `transport.act3_*` if it is rejected.
   */
  complete(act3: Uint8Array): NoiseSession {
    this.#expect('awaiting_act_three', 'complete');
    try {
      return this.#receiveActThree(act3);
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  /** Zeroes every secret; the handshake can no longer be used. Idempotent. */
  destroy(): void {
    if (this.#state !== 'done') this.#state = 'closed';
    zeroize(this.#ls, this.#e, this.#tempK2);
    this.#hs.destroy();
  }

  /** Act One, receiver actions (the responder's side). */
  #receiveActOne(m: Uint8Array): void {
    const hs = this.#hs;
    const a = LABEL[1];
    const { re, c } = parseEphemeralAct(1, m); // steps 1–3
    this.#re = re;
    hs.value(a, 're', re);
    hs.mixHash(re, a); // step 4: h = SHA-256(h || re.serializeCompressed())
    const tempK1 = mixKeyWithReceivedKey(hs, this.#ls, re, 1, 'temp_k1', 'ephemeral key'); // steps 5–6: es = ECDH(s.priv, re); ck, temp_k1 = HKDF(ck, es)
    zeroize(this.#ls); // the responder's static private key is not needed after `es`
    try {
      hs.decrypt(tempK1, 0, c, a); // step 7: p = decryptWithAD(temp_k1, 0, h, c)
    } catch {
      throw fail(1, 'bad_tag', 'MAC check failed (the initiator does not know our static key)');
    } finally {
      zeroize(tempK1);
    }
    hs.mixHash(c, a); // step 8: h = SHA-256(h || c)
  }

  /** Act Two, sender actions. */
  #sendActTwo(): Uint8Array {
    const hs = this.#hs;
    const a = LABEL[2];
    const ePub = publicKeyFromPrivate(this.#e); // step 1: e = generateKey() (injected or random)
    hs.value(a, 'e.pub', ePub);
    hs.mixHash(ePub, a); // step 2: h = SHA-256(h || e.pub.serializeCompressed())
    this.#tempK2 = hs.mixKey(this.#e, this.#re, a, 'temp_k2'); // steps 3–4: ee = ECDH(e.priv, re); ck, temp_k2 = HKDF(ck, ee)
    const c = hs.encrypt(this.#tempK2, 0, EMPTY, a); // step 5: c = encryptWithAD(temp_k2, 0, h, zero)
    hs.value(a, 'c', c);
    hs.mixHash(c, a); // step 6: h = SHA-256(h || c)
    this.#state = 'awaiting_act_three';
    return ephemeralAct(ePub, c); // step 7: m = 0 || e.pub || c
  }

  /** Act Three, receiver actions. */
  #receiveActThree(m: Uint8Array): NoiseSession {
    const hs = this.#hs;
    const a = LABEL[3];
    if (!(m instanceof Uint8Array)) throw new TransportError('transport.not_bytes', 'act 3: expected a Uint8Array');
    // Step 1: read _exactly_ 66 bytes (the spec's ACT3_READ_FAILED).
    if (m.length !== ACT_THREE_LENGTH) {
      throw fail(3, 'bad_length', `expected exactly ${ACT_THREE_LENGTH} bytes, got ${m.length}`, { length: m.length });
    }
    // Step 2: v is the first byte, c the next 49, t the last 16.
    const v = m[0]!;
    const c = m.slice(1, 50);
    const t = m.slice(50, 66);
    // Step 3: an unrecognized version MUST abort.
    if (v !== HANDSHAKE_VERSION) throw fail(3, 'bad_version', `unknown handshake version ${v}`, { version: v });
    let rs: Uint8Array;
    try {
      rs = hs.decrypt(this.#tempK2, 1, c, a); // step 4: rs = decryptWithAD(temp_k2, 1, h, c)
    } catch {
      throw fail(3, 'bad_ciphertext', 'MAC check of the encrypted static key failed');
    }
    hs.value(a, 'rs', rs);
    // Its encoding here; whether it is on the curve, from the ECDH of step 6.
    if (!hasCompressedPrefix(rs)) throw fail(3, 'bad_pubkey', 'the initiator static key is not a valid compressed point', { rs: toHex(rs) });
    hs.mixHash(c, a); // step 5: h = SHA-256(h || c)
    const tempK3 = mixKeyWithReceivedKey(hs, this.#e, rs, 3, 'temp_k3', 'the initiator static key'); // steps 6–7: se = ECDH(e.priv, rs); ck, temp_k3 = HKDF(ck, se)
    try {
      hs.decrypt(tempK3, 0, t, a); // step 8: p = decryptWithAD(temp_k3, 0, h, t)
    } catch {
      throw fail(3, 'bad_tag', 'final MAC check failed (the initiator does not hold the static key it sent)');
    } finally {
      zeroize(tempK3);
    }
    const { first: rk, second: sk, ck } = hs.split(); // step 9: rk, sk = HKDF(ck, zero)
    hs.value(a, 'sk', sk);
    hs.value(a, 'rk', rk);
    hs.value(a, 'ck', ck);
    // Steps 10–11: rn = sn = 0, rck = sck = ck — done by the session.
    const session = new NoiseSession({ sendingKey: sk, receivingKey: rk, chainingKey: ck, remoteStatic: rs, [TRACE]: this.#trace });
    zeroize(sk, rk, ck);
    this.#state = 'done';
    this.destroy();
    return session;
  }

  #expect(state: ResponderState, method: string): void {
    if (this.#state === state) return;
    if (this.#state === 'closed') throw new TransportError('transport.closed', `${method}: the handshake failed or was destroyed`);
    throw new TransportError('transport.out_of_order', `${method}: not valid in state ${this.#state}`, { state: this.#state });
  }
}
