/**
 * A channel signer whose keys are derived the first time anything asks for them. The channel
 * service gives one to the link of a channel whose monitor is retired (closed, every output
 * irrevocably resolved: core/monitor/retired.ts): such a link signs nothing more, so a start with
 * many closed channels derives no keys for them (~0.3 ms each) — and should one be asked after all,
 * the keys are there, the same as ever.
 */
import type { ChannelBasepoints } from '../../channel/keys';
import type { ChannelSigner } from '../../channel/signer';

export class LazyChannelSigner implements ChannelSigner {
  readonly #make: () => ChannelSigner;
  #signer: ChannelSigner | null = null;

  constructor(make: () => ChannelSigner) {
    this.#make = make;
  }

  /** Whether the keys were derived (tests). */
  get derived(): boolean {
    return this.#signer !== null;
  }

  #get(): ChannelSigner {
    this.#signer ??= this.#make();
    return this.#signer;
  }

  get basepoints(): ChannelBasepoints {
    return this.#get().basepoints;
  }

  perCommitmentPoint(n: number): Uint8Array {
    return this.#get().perCommitmentPoint(n);
  }

  releasePerCommitmentSecret(n: number): Uint8Array {
    return this.#get().releasePerCommitmentSecret(n);
  }

  signWithFundingKey(digest: Uint8Array): Uint8Array {
    return this.#get().signWithFundingKey(digest);
  }

  signWithHtlcKey(digest: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
    return this.#get().signWithHtlcKey(digest, perCommitmentPoint);
  }

  signAllWithHtlcKey(digests: readonly Uint8Array[], perCommitmentPoint: Uint8Array): Uint8Array[] {
    return this.#get().signAllWithHtlcKey(digests, perCommitmentPoint);
  }
}
