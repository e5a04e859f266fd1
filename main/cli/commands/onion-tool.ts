/**
 * The work of `glasswing onion create|peel` (onion.ts), loaded only when that command runs.
 *
 *   onion create --session-key HEX [--assoc-data HEX] --hop PUBKEY:PAYLOADHEX [--hop ...] [--size 1300|32768]
 *     prints {"onion": HEX}. PAYLOADHEX is the hop's TLV stream without its length prefix.
 *   onion peel --privkey HEX --onion HEX [--assoc-data HEX] [--path-key HEX]
 *     prints {"payload", "final", "next_onion"} and, for a blinded hop, "encrypted_data" and
 *     "next_path_key". With --assoc-data the onion is a payment onion (1,366 bytes); without, an
 *     onion message (any size, no associated data), as BOLT 4 defines them.
 */
import { fromHex, toHex } from '../../../core/crypto';
import type { OnionKind } from '../../../core/onion';
import {
  OnionSemanticError, createOnionPacket, decodeOnionMessagePayload, decodePaymentHopPayload, encodeOnionPacket, peelOnionPacket,
  processBlindedHop,
} from '../../../core/onion';
import type { CommandArgs } from '../command';
import { UsageError, requireString, stringList } from '../command';
import { CREATE_USAGE } from './onion';

function hexOption(values: CommandArgs['values'], name: string): Uint8Array | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError(`--${name} takes a hex value`);
  return fromHex(v, `--${name}`);
}

export function create(values: CommandArgs['values']): { onion: string } {
  const sessionKey = fromHex(requireString(values, 'session-key'), '--session-key');
  const associatedData = hexOption(values, 'assoc-data') ?? new Uint8Array(0);
  const hopArgs = stringList(values, 'hop');
  if (hopArgs.length === 0) throw new UsageError(`at least one --hop is required: ${CREATE_USAGE}`);
  const hops = hopArgs.map((arg, i) => {
    const colon = arg.indexOf(':');
    if (colon < 0) throw new UsageError(`--hop ${i + 1}: expected PUBKEY:PAYLOADHEX`);
    return { nodeId: fromHex(arg.slice(0, colon), `--hop ${i + 1} pubkey`), payload: fromHex(arg.slice(colon + 1), `--hop ${i + 1} payload`) };
  });
  const size = values.size === undefined ? 1300 : Number(values.size);
  if (size !== 1300 && size !== 32768) throw new UsageError('--size must be 1300 or 32768');
  const { packet } = createOnionPacket({ sessionKey, hops, associatedData, payloadSize: size });
  return { onion: toHex(encodeOnionPacket(packet)) };
}

interface PeelOutput {
  payload: string;
  final: boolean;
  next_onion: string | null;
  encrypted_data?: string;
  next_path_key?: string;
}

export function peel(values: CommandArgs['values']): PeelOutput {
  const privateKey = fromHex(requireString(values, 'privkey'), '--privkey');
  const onion = fromHex(requireString(values, 'onion'), '--onion');
  const associatedData = hexOption(values, 'assoc-data');
  const pathKey = hexOption(values, 'path-key');
  // Payment onions commit to the payment hash; onion messages use no associated data (BOLT 4).
  const kind: OnionKind = associatedData === undefined ? 'message' : 'payment';
  const peeled = peelOnionPacket({
    packet: onion,
    privateKey,
    kind,
    ...(associatedData ? { associatedData } : {}),
    ...(pathKey ? { pathKey } : {}),
  });
  const out: PeelOutput = {
    payload: toHex(peeled.payload),
    final: peeled.next === null,
    next_onion: peeled.next ? toHex(encodeOnionPacket(peeled.next.packet)) : null,
  };
  // A blinded hop: the path key came with the onion, or (payment introduction node) in the payload.
  let blindingKey = pathKey;
  let encrypted: Uint8Array | undefined;
  if (kind === 'payment') {
    const payload = pathKey ? decodePaymentHopPayload(peeled.payload) : tryDecodePayment(peeled.payload);
    encrypted = payload?.encryptedRecipientData;
    blindingKey ??= payload?.currentPathKey;
  } else if (pathKey) {
    encrypted = decodeOnionMessagePayload(peeled.payload).encryptedRecipientData;
  }
  if (blindingKey === undefined) return out;
  if (encrypted === undefined) throw new OnionSemanticError('onion.missing_field', 'blinded hop payload has no encrypted_recipient_data');
  const blinded = processBlindedHop({
    ...(pathKey && peeled.pathKeySharedSecret ? { sharedSecret: peeled.pathKeySharedSecret } : { privateKey }),
    pathKey: blindingKey,
    encryptedRecipientData: encrypted,
  });
  return { ...out, encrypted_data: toHex(blinded.plaintext), next_path_key: toHex(blinded.nextPathKey) };
}

/** A payment payload that is not a valid TLV stream is still printed; it just cannot be blinded. */
function tryDecodePayment(payload: Uint8Array): ReturnType<typeof decodePaymentHopPayload> | undefined {
  try {
    return decodePaymentHopPayload(payload);
  } catch {
    return undefined;
  }
}

