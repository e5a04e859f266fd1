/** BOLT 1 `init` (type 16): features and the `init_tlvs` (`networks`, `remote_addr`). */
import { codecs } from './codec';
import type { Codec } from './codec';
import { FeatureVector } from './features';
import { WireError } from './errors';
import { addressDescriptorCodec } from './address';
import type { AddressDescriptor } from './address';
import { defineTlvStream } from './typed-tlv';
import type { TlvStreamCodec } from './typed-tlv';
import { defineMessage } from './message-codec';
import type { NoTlvs, TypedMessage } from './message-codec';

export interface InitTlvs extends NoTlvs {
  /** TLV 1 `networks`: the `chains` (chain_hash each) the node is interested in. */
  readonly networks?: readonly Uint8Array[];
  /** TLV 3 `remote_addr`: the sender's view of the receiver's address (a BOLT 7 descriptor). */
  readonly remoteAddr?: AddressDescriptor;
}

/** BOLT 1 `init` (type 16). */
export interface Init extends TypedMessage<'init', InitTlvs> {
  /** `globalfeatures` (u16 `gflen` on the wire): legacy bits, at most 13 when we send. */
  readonly globalFeatures: FeatureVector;
  /** `features` (u16 `flen` on the wire). Use FeatureVector.mergeInit for the logical map. */
  readonly features: FeatureVector;
}

/** `[u16:len][len*byte]` holding a feature bitmap; written at its minimal length. */
export const featuresU16: Codec<FeatureVector> = {
  read: (r, field) => FeatureVector.decode(codecs.bytesU16.read(r, field)),
  write: (w, v, field) => {
    if (!(v instanceof FeatureVector)) throw new WireError('wire.bad_value', `${field}: expected a FeatureVector`);
    codecs.bytesU16.write(w, v.encode(), field);
  },
};

export const initTlvs: TlvStreamCodec<InitTlvs> = defineTlvStream('init_tlvs', {
  networks: { type: 1, codec: codecs.arrayRest(codecs.chainHash) },
  remoteAddr: { type: 3, codec: addressDescriptorCodec },
});

export const initCodec = defineMessage<Init>(
  'init',
  codecs.struct({ globalFeatures: featuresU16, features: featuresU16 }),
  initTlvs,
);
