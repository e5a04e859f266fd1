/**
 * BOLT 8 transport: the Noise_XK handshake and the encrypted, framed message session, as
 * sans-I/O state machines. core/peer wraps them over node:net.
 */
export {
  ACT_ONE_LENGTH, ACT_TWO_LENGTH, ACT_THREE_LENGTH, HANDSHAKE_VERSION, KEY_ROTATION_NONCE, LENGTH_HEADER_LENGTH,
  MAC_LENGTH, MAX_FRAME_LENGTH, MAX_MESSAGE_LENGTH, PROLOGUE, PROTOCOL_NAME,
} from './constants';
export { FrameError, HandshakeError, TransportError } from './errors';
export type { FrameErrorCode, HandshakeAct, HandshakeErrorCode } from './errors';
export { NoiseInitiator, NoiseResponder } from './handshake';
export type { ActThreeResult, InitiatorOptions, ResponderOptions } from './handshake';
export type { NoiseSession } from './session';
