/** BOLT 8 numbers, in one table. */

/** BOLT 8 "Noise Protocol Instantiation": the protocol name hashed into the initial state. */
export const PROTOCOL_NAME = 'Noise_XK_secp256k1_ChaChaPoly_SHA256';

/** BOLT 8 "Handshake State Initialization", step 3: the prologue. */
export const PROLOGUE = 'lightning';

/** BOLT 8 "Handshake Versioning": the only version this implementation speaks. */
export const HANDSHAKE_VERSION = 0;

/** BOLT 8: Act One is exactly 50 bytes (version, ephemeral key, tag). */
export const ACT_ONE_LENGTH = 50;
/** BOLT 8: Act Two is exactly 50 bytes (version, ephemeral key, tag). */
export const ACT_TWO_LENGTH = 50;
/** BOLT 8: Act Three is exactly 66 bytes (version, encrypted static key + tag, tag). */
export const ACT_THREE_LENGTH = 66;

/** BOLT 8 "Lightning Message Specification": no message may exceed 65,535 bytes. */
export const MAX_MESSAGE_LENGTH = 65_535;

/** Poly1305 tag length. */
export const MAC_LENGTH = 16;

/** The encrypted 2-byte length prefix plus its MAC: 18 bytes. */
export const LENGTH_HEADER_LENGTH = 2 + MAC_LENGTH;

/** The largest frame on the wire: 2 + 16 + 65535 + 16 = 65,569 bytes (BOLT 8). */
export const MAX_FRAME_LENGTH = LENGTH_HEADER_LENGTH + MAX_MESSAGE_LENGTH + MAC_LENGTH;

/**
 * BOLT 8 "Lightning Message Key Rotation": a key is rotated once the nonce dedicated to it
 * reaches 1000 (1000 encryptions or decryptions, i.e. every 500 messages).
 */
export const KEY_ROTATION_NONCE = 1000;
